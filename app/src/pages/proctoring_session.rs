//! One proctored attempt for its course's staff: the session's facts, the control of the running
//! attempt, the incidents with their review, and the timeline — browser and server events with the
//! answers' save times, on the server's clock.

use domain::attempt::AttemptView;
use domain::dto::Page;
use domain::proctoring::{EventView, IncidentStatus, IncidentView, SessionView, Severity};
use domain::quiz::AttemptStatus;
use domain::{ProctoringSessionId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::attempt_control::AttemptControlPanel;
use super::proctoring_sessions::session_state;
use super::quiz_attempts::short_time;
use crate::api::proctoring::{get_session, ReviewIncident};
use crate::api::quiz_authoring::review_attempt;
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, Pagination, LINK_CLASS};
use crate::components::form::{action_error, FormError, BUTTON_CLASS, INPUT_CLASS};
use crate::components::table::DataTable;
use crate::pages::quiz_questions::bump_on_success;

#[component]
pub fn ProctoringSessionPage() -> impl IntoView {
    view! {
        <Title text="Proctoring timeline" />
        <RequireRole min_role=Role::Teacher>
            <SessionLoader />
        </RequireRole>
    }
}

type Loaded = (SessionView, Vec<IncidentView>, Page<EventView>, AttemptView);

#[component]
fn SessionLoader() -> impl IntoView {
    let id = route_id::<ProctoringSessionId>();
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    };
    let changed = RwSignal::new(0_u32);
    let loaded = Resource::new(
        move || (id.get(), page(), changed.get()),
        |(id, page, _)| async move {
            let Some(id) = id else {
                return Err(not_found());
            };
            let (session, incidents, events) = get_session(id, page).await?;
            let attempt = review_attempt(session.quiz_id, session.attempt_id).await?;
            Ok::<Loaded, crate::error::AppError>((session, incidents, events, attempt))
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the session…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((session, incidents, events, attempt)) => view! {
                        <SessionDetails session incidents events attempt changed />
                    }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Session not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SessionDetails(
    session: SessionView,
    incidents: Vec<IncidentView>,
    events: Page<EventView>,
    attempt: AttemptView,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let running = attempt.status == AttemptStatus::InProgress;
    let fact = |term: &'static str, value: String| {
        view! { <div class="flex gap-2"><dt class="font-medium">{term}":"</dt><dd>{value}</dd></div> }
    };
    let (quiz_id, attempt_id) = (session.quiz_id, session.attempt_id);
    view! {
        <Title text=format!("Proctoring of {}", session.user_name) />
        <p class="text-sm"><a class=LINK_CLASS href=format!("/teach/quizzes/{quiz_id}/proctoring")>"← All proctored attempts"</a></p>
        <h1 class="mt-2 text-2xl font-semibold">{format!("Proctoring: {}", session.user_name)}</h1>
        <dl class="mt-4 grid gap-1 text-slate-900 sm:grid-cols-2" data-testid="session-facts">
            {fact("State", session_state(&session).to_string())}
            {fact("Risk", session.risk_score.to_string())}
            {fact("Mode", session.mode.as_str().to_string())}
            {fact("Started", short_time(&session.started_at))}
            {fact("IP address at the start", session.ip_address.clone().unwrap_or_else(|| "Unknown".into()))}
            {fact("Rules accepted", session.rules_accepted_at.as_deref().map_or_else(|| "Not asked".into(), short_time))}
        </dl>
        <p class="mt-2"><a class=LINK_CLASS href=format!("/teach/quizzes/{quiz_id}/attempts/{attempt_id}")>"Open the attempt's answers"</a></p>
        {running.then(|| view! {
            <AttemptControlPanel quiz_id attempt_id paused=attempt.paused proctored=true changed />
        })}
        <Incidents incidents changed reviews=true />
        <Timeline events attempt />
    }
}

pub(super) fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
    }
}

fn status_label(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Open => "Open",
        IncidentStatus::Dismissed => "Dismissed",
        IncidentStatus::Confirmed => "Confirmed",
    }
}

/// A session's incidents: with a review form for each when `reviews`, as a reviewer sees them;
/// read only, as the session's learner sees theirs.
#[component]
pub(super) fn Incidents(
    incidents: Vec<IncidentView>,
    changed: RwSignal<u32>,
    reviews: bool,
) -> impl IntoView {
    view! {
        <section class="mt-8" aria-labelledby="incidents-heading">
            <h2 id="incidents-heading" class="text-lg font-semibold">"Incidents"</h2>
            {if incidents.is_empty() {
                view! { <p class="mt-2 text-slate-700" data-testid="no-incidents">"No incident: no rule was broken."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 space-y-4">
                        {incidents.into_iter().map(|incident| {
                            let kind = incident.kind.as_str();
                            let said = format!("{} severity · {} · detected {}", severity_label(incident.severity), status_label(incident.status), short_time(&incident.detected_at));
                            let summary = incident.summary.clone();
                            let comment = incident.review_comment.clone();
                            view! {
                                <li class="rounded-lg border border-slate-200 bg-white p-4" data-testid="incident" data-kind=kind>
                                    <p class="font-semibold">{summary}</p>
                                    <p class="text-sm text-slate-700">{said}</p>
                                    {comment.map(|c| view! { <p class="mt-1 text-sm">{format!("Review: {c}")}</p> })}
                                    {reviews.then(|| view! { <ReviewForm incident changed /> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ReviewForm(incident: IncidentView, changed: RwSignal<u32>) -> impl IntoView {
    let action = ServerAction::<ReviewIncident>::new();
    bump_on_success(action.value(), changed);
    let error = action_error(action.value());
    let id = incident.id;
    let (status_id, comment_id) = (
        format!("review-{id}-status"),
        format!("review-{id}-comment"),
    );
    let current = incident.status;
    view! {
        <FormError error />
        <ActionForm action attr:class="mt-3 flex flex-wrap items-end gap-3">
            <input type="hidden" name="id" value=id.to_string() />
            <div>
                <label for=status_id.clone() class="block text-sm font-medium">"Verdict"</label>
                <select id=status_id name="status" class=INPUT_CLASS>
                    {IncidentStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=*s == current>{status_label(*s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="grow">
                <label for=comment_id.clone() class="block text-sm font-medium">"Comment"</label>
                <input id=comment_id name="comment" type="text" class=INPUT_CLASS value=incident.review_comment.clone().unwrap_or_default() />
            </div>
            <button type="submit" class=BUTTON_CLASS>"Save review"</button>
        </ActionForm>
    }
}

/// What an event's kind means, in words.
fn event_label(source: &str, kind: &str) -> String {
    let words = match kind {
        "tab_hidden" => "Left the tab",
        "tab_visible" => "Came back to the tab",
        "window_blur" => "Window lost focus",
        "window_focus" => "Window focused",
        "fullscreen_exit" => "Left full screen",
        "fullscreen_enter" => "Entered full screen",
        "copy" => "Copied",
        "cut" => "Cut",
        "paste" => "Pasted",
        "context_menu" => "Opened the context menu",
        "print" => "Tried to print",
        "second_tab" => "Quiz open in a second tab",
        "offline" => "Went offline",
        "online" => "Back online",
        "window_small" => "Window made very small",
        "started" => "Attempt started",
        "rules_accepted" => "Rules accepted",
        "heartbeat_missed" => "Page went silent",
        "ip_changed" => "IP address changed",
        "user_agent_changed" => "Browser changed",
        "late_save" => "Save arrived after the time",
        "fast_answers" => "Answers submitted very fast",
        "paused" => "Paused by staff",
        "resumed" => "Resumed by staff",
        "extended" => "Time added by staff",
        "terminated" => "Ended by staff",
        "flagged" => "Flagged by staff",
        "submitted" => "Submitted",
        other => other,
    };
    if source == "server" {
        format!("{words} (server)")
    } else {
        words.to_string()
    }
}

fn details(data: &serde_json::Value) -> String {
    match data.as_object() {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}: {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

#[component]
pub(super) fn Timeline(events: Page<EventView>, attempt: AttemptView) -> impl IntoView {
    let (current, total_pages, total) = (events.page, events.total_pages(), events.total);
    let mut rows: Vec<(String, String, String)> = events
        .items
        .iter()
        .map(|e| {
            (
                e.occurred_at.clone(),
                event_label(&e.source, &e.kind),
                details(&e.data),
            )
        })
        .collect();
    // The answers' latest saves, on the same axis, within the page's span of events.
    let span = events
        .items
        .first()
        .zip(events.items.last())
        .map(|(a, b)| (a.occurred_at.clone(), b.occurred_at.clone()));
    for (i, question) in attempt.questions.iter().enumerate() {
        if let Some(answer) = attempt
            .answers
            .iter()
            .find(|a| a.question_id == question.id)
        {
            let within = span.as_ref().is_none_or(|(from, to)| {
                *from <= answer.saved_at
                    && (answer.saved_at <= *to || current == total_pages as u32)
            });
            if within && !answer.saved_at.is_empty() {
                rows.push((
                    answer.saved_at.clone(),
                    format!("Answer {} saved", i + 1),
                    format!("revision {}", answer.revision),
                ));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let columns = vec!["Time (UTC)", "What", "Details"];
    view! {
        <section class="mt-8" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading" class="text-lg font-semibold">"Timeline"</h2>
            <DataTable caption="The attempt's events in time order" columns margin="mt-2">
                {rows.into_iter().map(|(at, what, more)| view! {
                    <tr class="border-t border-slate-200" data-testid="timeline-row">
                        <td class="px-4 py-2 font-mono"><time datetime=at.clone()>{at.get(11..19).unwrap_or_default().to_string()}</time></td>
                        <td class="px-4 py-2">{what}</td>
                        <td class="px-4 py-2">{more}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
            <Pagination page=current total_pages total noun="events" base=String::new() />
        </section>
    }
}
