//! A quiz's attempts for its course's staff: every attempt, newest first, filtered by status and
//! learner in the address (so a filtered list can be shared and paged), each opening the attempt's
//! review (in `review`), where essays are graded and scores overridden.

mod review;

use domain::attempt::AttemptSummary;
use domain::dto::Page;
use domain::quiz::AttemptStatus;
use domain::{ErrorCode, QuizId, Role, UserId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::quiz_authoring::{get_quiz, list_attempts};
use crate::components::auth::{urlencode, RequireRole};
use crate::components::course::{not_found, route_id, Pagination, LINK_CLASS};
use crate::components::form::{BUTTON_CLASS, INPUT_CLASS};
use crate::components::table::DataTable;
use crate::error::AppError;
pub use review::AttemptReviewPage;

#[component]
pub fn QuizAttemptsPage() -> impl IntoView {
    view! {
        <Title text="Attempts" />
        <RequireRole min_role=Role::Teacher>
            <Attempts />
        </RequireRole>
    }
}

/// The filters as the address gives them; `user` as typed, so a malformed id can be named.
#[derive(Debug, Clone, PartialEq)]
struct Filters {
    status: Option<AttemptStatus>,
    user: Option<String>,
    page: Option<u32>,
}

impl Filters {
    /// The filters as a query string without the page, for the page links.
    fn query(&self) -> String {
        [
            self.status.map(|s| format!("status={s}")),
            self.user.as_ref().map(|u| format!("user={}", urlencode(u))),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("&")
    }
}

pub fn attempt_status_label(status: AttemptStatus) -> &'static str {
    match status {
        AttemptStatus::InProgress => "In progress",
        AttemptStatus::Submitted => "Submitted, needs grading",
        AttemptStatus::Graded => "Graded",
    }
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM UTC`: the server's clock, the same for every reader.
pub fn short_time(timestamp: &str) -> String {
    match timestamp.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replace('T', " ")),
        None => timestamp.to_string(),
    }
}

#[component]
fn Attempts() -> impl IntoView {
    let id = route_id::<QuizId>();
    let query = use_query_map();
    let filters = move || {
        let q = query.read();
        Filters {
            status: q
                .get("status")
                .and_then(|s| AttemptStatus::parse("status", &s).ok()),
            user: q
                .get("user")
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty()),
            page: q.get("page").and_then(|p| p.parse().ok()),
        }
    };
    let quiz = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_quiz(id).await,
                None => Err(not_found()),
            }
        },
    );
    let attempts = Resource::new(
        move || (id.get(), filters()),
        |(id, filters)| async move {
            let Some(id) = id else {
                return Err(not_found());
            };
            let user = match filters.user.as_deref().map(str::parse::<UserId>) {
                None => None,
                Some(Ok(user)) => Some(user),
                Some(Err(_)) => {
                    return Err(AppError::new(
                        ErrorCode::ValidationFailed,
                        "That is not a learner's id: it looks like usr_ followed by 26 letters and digits.",
                    ))
                }
            };
            list_attempts(id, user, filters.status, filters.page).await
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match quiz.await {
                    Ok(quiz) => view! {
                        <Title text=format!("Attempts of {}", quiz.title) />
                        <p class="text-sm"><a class=LINK_CLASS href=format!("/teach/quizzes/{}", quiz.id)>"← Back to the quiz"</a></p>
                        <h1 class="mt-2 text-2xl font-semibold">{format!("Attempts: {}", quiz.title)}</h1>
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Attempts not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <FilterForm current=untrack(filters) />
        <Transition fallback=|| view! { <p class="mt-6">"Loading attempts…"</p> }>
            {move || Suspend::new(async move {
                match (attempts.await, id.get()) {
                    (Ok(page), Some(quiz_id)) => view! { <AttemptTable quiz_id page base=filters().query() /> }.into_any(),
                    (Err(error), _) => view! { <p role="alert" class="mt-6 text-red-800">{error.message}</p> }.into_any(),
                    (Ok(_), None) => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FilterForm(current: Filters) -> impl IntoView {
    let status = current.status;
    let filtered = status.is_some() || current.user.is_some();
    view! {
        <Form method="GET" action="" attr:class="mt-4 flex flex-wrap items-end gap-3" attr:role="search" attr:aria-label="Filter attempts">
            <div>
                <label for="attempt-status" class="block text-sm font-medium">"Status"</label>
                <select id="attempt-status" name="status" class=INPUT_CLASS>
                    <option value="" selected=status.is_none()>"Any status"</option>
                    {AttemptStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=status == Some(*s)>{attempt_status_label(*s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="attempt-user" class="block text-sm font-medium">"Learner's user id"</label>
                <input id="attempt-user" type="search" name="user" placeholder="usr_…" value=current.user.clone().unwrap_or_default() class=INPUT_CLASS />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Filter"</button>
            {filtered.then(|| view! { <a class=format!("mb-2 {LINK_CLASS}") href="?">"Show every attempt"</a> })}
        </Form>
    }
}

#[component]
fn AttemptTable(quiz_id: QuizId, page: Page<AttemptSummary>, base: String) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="mt-6 text-slate-700" data-testid="no-attempts">"No attempt matches these filters."</p> }.into_any();
    }
    let (current, total_pages, total) = (page.page, page.total_pages(), page.total);
    let columns = vec![
        "Learner",
        "Status",
        "Started",
        "Submitted",
        "Score",
        "Result",
        "Review",
    ];
    view! {
        <DataTable caption="Attempts of this quiz, newest first" columns>
            {page.items.into_iter().map(|attempt| {
                let started = short_time(&attempt.started_at);
                let review = format!("/teach/quizzes/{quiz_id}/attempts/{}", attempt.id);
                let label = format!("Open the attempt of {} started {started}", attempt.user_name);
                view! {
                    <tr class="border-t border-slate-200" data-testid="attempt-row" data-attempt-id=attempt.id.to_string()>
                        <td class="px-4 py-2">
                            <a class=LINK_CLASS href=format!("?user={}", attempt.user_id) aria-label=format!("Only attempts of {}", attempt.user_name)>
                                {attempt.user_name.clone()}
                            </a>
                        </td>
                        <td class="px-4 py-2" data-testid="attempt-status">
                            {attempt_status_label(attempt.status)}
                            {attempt.preview.then_some(" (preview)")}
                        </td>
                        <td class="px-4 py-2">{started.clone()}</td>
                        <td class="px-4 py-2">
                            {attempt.submitted_at.as_deref().map(short_time).unwrap_or_else(|| "Not yet".into())}
                            {attempt.auto_submitted.then_some(" (at the deadline)")}
                        </td>
                        <td class="px-4 py-2" data-testid="attempt-score">{score_label(attempt.score)}</td>
                        <td class="px-4 py-2">{passed_label(attempt.passed)}</td>
                        <td class="px-4 py-2"><a class=LINK_CLASS href=review aria-label=label>"Open"</a></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        <Pagination page=current total_pages total noun="attempts" base />
    }
    .into_any()
}

pub fn score_label(score: Option<f64>) -> String {
    score.map_or_else(|| "Not scored yet".into(), |s| format!("{s}%"))
}

pub fn passed_label(passed: Option<bool>) -> &'static str {
    match passed {
        Some(true) => "Passed",
        Some(false) => "Not passed",
        None => "Pending",
    }
}

#[cfg(test)]
mod tests {
    use super::{short_time, Filters};
    use domain::quiz::AttemptStatus;

    #[test]
    fn the_page_links_keep_the_filters() {
        let filters = Filters {
            status: Some(AttemptStatus::Graded),
            user: Some("usr_a b".into()),
            page: Some(3),
        };
        assert_eq!(filters.query(), "status=graded&user=usr_a%20b");
        assert_eq!(short_time("2026-12-01T09:30:00Z"), "2026-12-01 09:30 UTC");
    }
}
