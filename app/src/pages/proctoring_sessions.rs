//! A quiz's proctored attempts for its course's staff, highest risk first: who, how the attempt
//! stands, its risk and open incidents, each opening the session's timeline.

use domain::dto::Page;
use domain::proctoring::{SessionStatus, SessionView};
use domain::quiz::AttemptStatus;
use domain::{QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::quiz_attempts::short_time;
use crate::api::proctoring::list_sessions;
use crate::api::quiz_authoring::get_quiz;
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, Pagination, LINK_CLASS};
use crate::components::table::DataTable;

#[component]
pub fn QuizProctoringPage() -> impl IntoView {
    view! {
        <Title text="Proctoring" />
        <RequireRole min_role=Role::Teacher>
            <Sessions />
        </RequireRole>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let id = route_id::<QuizId>();
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
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
    let sessions = Resource::new(
        move || (id.get(), page()),
        |(id, page)| async move {
            match id {
                Some(id) => list_sessions(id, page).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match quiz.await {
                    Ok(quiz) => view! {
                        <Title text=format!("Proctoring of {}", quiz.title) />
                        <p class="text-sm"><a class=LINK_CLASS href=format!("/teach/quizzes/{}", quiz.id)>"← Back to the quiz"</a></p>
                        <h1 class="mt-2 text-2xl font-semibold">{format!("Proctoring: {}", quiz.title)}</h1>
                        <p class="mt-1 text-slate-700">"Highest risk first. Risk adds up the incidents not dismissed: low 1, medium 3, high 10."</p>
                        <p class="mt-2"><a class=LINK_CLASS href=format!("/teach/quizzes/{}/proctoring/live", quiz.id)>"Watch the attempts live"</a></p>
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Proctoring not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="mt-6">"Loading sessions…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(page) => view! { <SessionTable page /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-6 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

pub fn session_state(session: &SessionView) -> &'static str {
    match (session.status, session.attempt_status, session.paused) {
        (SessionStatus::Active, _, true) => "Paused",
        (SessionStatus::Active, AttemptStatus::InProgress, false) => "In progress",
        _ => "Finished",
    }
}

#[component]
fn SessionTable(page: Page<SessionView>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="mt-6 text-slate-700" data-testid="no-sessions">"No proctored attempt yet."</p> }.into_any();
    }
    let (current, total_pages, total) = (page.page, page.total_pages(), page.total);
    let columns = vec![
        "Learner",
        "State",
        "Started",
        "Risk",
        "Open incidents",
        "Timeline",
    ];
    view! {
        <DataTable caption="Proctored attempts, highest risk first" columns>
            {page.items.into_iter().map(|s| {
                let label = format!("Timeline of {}'s attempt", s.user_name);
                view! {
                    <tr class="border-t border-slate-200" data-testid="session-row" data-session-id=s.id.to_string()>
                        <td class="px-4 py-2">{s.user_name.clone()}</td>
                        <td class="px-4 py-2">{session_state(&s)}</td>
                        <td class="px-4 py-2">{short_time(&s.started_at)}</td>
                        <td class="px-4 py-2" data-testid="session-risk">{s.risk_score}</td>
                        <td class="px-4 py-2">{s.open_incidents}</td>
                        <td class="px-4 py-2"><a class=LINK_CLASS href=format!("/teach/proctoring/{}", s.id) aria-label=label>"Open"</a></td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        <Pagination page=current total_pages total noun="sessions" base=String::new() />
    }
    .into_any()
}
