//! A quiz's live view for its course's staff: who is in and their time left, new incidents as
//! they happen, and the control of each running attempt. The server pushes every change over an
//! event stream (`/live/quizzes/{id}/proctoring`, see the server's `live` module) and the page
//! reads the board again then; it never polls. Between reads, time left counts down here from
//! what the server said.

use domain::proctoring::{LiveBoard, LiveIncident, SessionView};
use domain::{AttemptId, QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use super::attempt_control::AttemptControlPanel;
use super::proctoring_session::severity_label;
use super::proctoring_sessions::session_state;
use super::quiz_attempts::short_time;
use super::quiz_autosave::monotonic_ms;
use super::quiz_take::clock_text;
use crate::api::proctoring::read_live_board;
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, LINK_CLASS};
use crate::components::table::DataTable;

#[component]
pub fn QuizLivePage() -> impl IntoView {
    view! {
        <Title text="Live proctoring" />
        <RequireRole min_role=Role::Teacher>
            <Live />
        </RequireRole>
    }
}

/// The attempt the control panel acts on.
#[derive(Clone, PartialEq)]
struct Selected {
    attempt: AttemptId,
    learner: String,
    paused: bool,
}

#[component]
fn Live() -> impl IntoView {
    let id = route_id::<QuizId>();
    let changed = RwSignal::new(0_u32);
    let pushes = RwSignal::new(0_u32);
    let listening = RwSignal::new(false);
    let board = Resource::new(
        move || (id.get(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => read_live_board(id).await,
                None => Err(not_found()),
            }
        },
    );
    // Time left counts from the moment the board arrived, on the page's monotonic clock.
    let read_at = RwSignal::new(0.0_f64);
    let now = RwSignal::new(0.0_f64);
    let selected = RwSignal::new(None::<Selected>);
    let announcement = RwSignal::new(String::new());
    let newest = StoredValue::new(None::<Option<domain::IncidentId>>);
    Effect::new(move |_| {
        let Some(Ok(board)) = board.get() else {
            return;
        };
        read_at.set(monotonic_ms());
        now.set(monotonic_ms());
        announce_new(&board, newest, announcement);
        keep_selection(&board, selected);
    });
    Effect::new(move |_| {
        let Some(quiz) = id.get() else {
            return;
        };
        let stream = follow(quiz, changed, pushes, listening);
        let ticking = set_interval_with_handle(
            move || now.set(monotonic_ms()),
            std::time::Duration::from_secs(1),
        );
        on_cleanup(move || {
            stream.with_value(|s| {
                if let Some((source, _)) = s {
                    source.close();
                }
            });
            if let Ok(ticking) = ticking {
                ticking.clear();
            }
        });
    });
    let elapsed = Signal::derive(move || (now.get() - read_at.get()).max(0.0));
    view! {
        <p class="text-sm"><a class=LINK_CLASS href=move || format!("/teach/quizzes/{}/proctoring", id.get().map(|q| q.to_string()).unwrap_or_default())>"← All proctored attempts"</a></p>
        <h1 class="mt-2 text-2xl font-semibold">"Live proctoring"</h1>
        <p class="mt-1 text-slate-700" data-testid="live-state" data-listening=move || listening.get().to_string() data-pushes=move || pushes.get().to_string()>
            {move || if listening.get() {
                "Live: attempts and incidents appear here as they happen."
            } else {
                "Connecting… the list below is as it was when the page loaded."
            }}
        </p>
        <p class="sr-only" aria-live="polite" data-testid="live-announcement">{move || announcement.get()}</p>
        <Transition fallback=|| view! { <p class="mt-6">"Loading the attempts…"</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(board) => view! { <Board board elapsed selected /> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-6 text-red-800">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
        {move || {
            let quiz = id.get()?;
            let chosen = selected.get()?;
            Some(view! {
                <h2 class="mt-8 text-lg font-semibold" id="live-control-heading" tabindex="-1">{format!("Controlling {}'s attempt", chosen.learner)}</h2>
                <AttemptControlPanel quiz_id=quiz attempt_id=chosen.attempt paused=chosen.paused proctored=true changed />
            })
        }}
    }
}

/// Says a new incident aloud, once: the list itself is redrawn at every read. `newest` is the
/// newest incident of the last read, and None before the first (what the teacher sees on arrival
/// is not news).
fn announce_new(
    board: &LiveBoard,
    newest: StoredValue<Option<Option<domain::IncidentId>>>,
    announcement: RwSignal<String>,
) {
    let top = board.recent.first().map(|i| i.incident.id);
    let Some(before) = newest.get_value() else {
        newest.set_value(Some(top));
        return;
    };
    newest.set_value(Some(top));
    if top == before {
        return;
    }
    let fresh = board
        .recent
        .iter()
        .take_while(|i| Some(i.incident.id) != before)
        .count();
    if let Some(first) = board.recent.first() {
        let more = if fresh > 1 {
            format!(" (and {} more)", fresh - 1)
        } else {
            String::new()
        };
        announcement.set(format!(
            "New incident: {} — {}{more}",
            first.user_name, first.incident.summary
        ));
    }
}

/// Follows the board: an attempt that ended is no longer controlled, a pause changes the actions.
fn keep_selection(board: &LiveBoard, selected: RwSignal<Option<Selected>>) {
    let Some(chosen) = selected.get_untracked() else {
        return;
    };
    match board
        .running
        .iter()
        .find(|s| s.attempt_id == chosen.attempt)
    {
        None => selected.set(None),
        Some(session) if session.paused != chosen.paused => selected.set(Some(Selected {
            paused: session.paused,
            ..chosen
        })),
        Some(_) => {}
    }
}

type Stream = Option<(
    web_sys::EventSource,
    wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>,
)>;

/// Opens the quiz's event stream: each event rereads the board. The browser reconnects by itself
/// after an error or the stream's planned end, and says `ready` again, which rereads too.
fn follow(
    quiz: QuizId,
    changed: RwSignal<u32>,
    pushes: RwSignal<u32>,
    listening: RwSignal<bool>,
) -> StoredValue<Stream, LocalStorage> {
    use wasm_bindgen::JsCast;
    let Ok(source) = web_sys::EventSource::new(&format!("/live/quizzes/{quiz}/proctoring")) else {
        return StoredValue::new_local(None);
    };
    let on_event = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
        move |event: web_sys::Event| {
            if event.type_() == "error" {
                listening.set(false);
                return;
            }
            listening.set(true);
            pushes.update(|n| *n += 1);
            changed.update(|n| *n += 1);
        },
    );
    for kind in ["ready", "roster", "incident", "error"] {
        let _ = source.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref());
    }
    StoredValue::new_local(Some((source, on_event)))
}

fn time_left(session: &SessionView, elapsed: f64) -> (String, i64) {
    let Some(remaining) = session.remaining_ms else {
        return ("No limit".into(), 0);
    };
    #[allow(clippy::cast_possible_truncation)]
    let left = if session.paused {
        remaining
    } else {
        (remaining - elapsed as i64).max(0)
    };
    (clock_text(left), left)
}

#[component]
fn Board(
    board: LiveBoard,
    elapsed: Signal<f64>,
    selected: RwSignal<Option<Selected>>,
) -> impl IntoView {
    let counted = if board.running_total > board.running.len() as u64 {
        format!(
            "{} attempts running; the {} riskiest are listed.",
            board.running_total,
            board.running.len()
        )
    } else {
        format!("{} attempts running.", board.running_total)
    };
    let running = if board.running.is_empty() {
        view! { <p class="mt-4 text-slate-700" data-testid="live-empty">"Nobody is taking this quiz right now."</p> }.into_any()
    } else {
        let columns = vec![
            "Learner",
            "State",
            "Time left",
            "Risk",
            "Open incidents",
            "Timeline",
            "Control",
        ];
        view! {
            <DataTable caption="Attempts running now, highest risk first" columns>
                {board.running.into_iter().map(|s| view! { <RunningRow session=s elapsed selected /> }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="mt-6" aria-labelledby="running-heading">
            <h2 id="running-heading" class="text-lg font-semibold">"Who is in"</h2>
            <p class="mt-1 text-sm text-slate-700" data-testid="live-running-total">{counted}</p>
            {running}
        </section>
        <Recent recent=board.recent />
    }
}

#[component]
fn RunningRow(
    session: SessionView,
    elapsed: Signal<f64>,
    selected: RwSignal<Option<Selected>>,
) -> impl IntoView {
    let choice = Selected {
        attempt: session.attempt_id,
        learner: session.user_name.clone(),
        paused: session.paused,
    };
    let label = format!("Control {}'s attempt", session.user_name);
    let timeline = format!("Timeline of {}'s attempt", session.user_name);
    let state = session_state(&session);
    let left = {
        let session = session.clone();
        move || time_left(&session, elapsed.get())
    };
    let left_ms = left.clone();
    view! {
        <tr class="border-t border-slate-200" data-testid="live-row" data-attempt-id=session.attempt_id.to_string()>
            <td class="px-4 py-2">{session.user_name.clone()}</td>
            <td class="px-4 py-2" data-testid="live-row-state">{state}</td>
            <td class="px-4 py-2 font-mono" data-testid="live-time-left" data-remaining-ms=move || left_ms().1.to_string()>{move || left().0}</td>
            <td class="px-4 py-2" data-testid="live-risk">{session.risk_score}</td>
            <td class="px-4 py-2">{session.open_incidents}</td>
            <td class="px-4 py-2"><a class=LINK_CLASS href=format!("/teach/proctoring/{}", session.id) aria-label=timeline>"Open"</a></td>
            <td class="px-4 py-2">
                <button
                    type="button"
                    class="rounded border border-slate-400 px-3 py-1 text-sm font-medium text-slate-900 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-700"
                    aria-label=label
                    on:click=move |_| {
                        selected.set(Some(choice.clone()));
                        // Take keyboard users to the panel they opened.
                        if let Some(heading) = document().get_element_by_id("live-control-heading") {
                            use wasm_bindgen::JsCast;
                            if let Ok(heading) = heading.dyn_into::<web_sys::HtmlElement>() {
                                let _ = heading.focus();
                            }
                        }
                    }
                >
                    "Control"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn Recent(recent: Vec<LiveIncident>) -> impl IntoView {
    view! {
        <section class="mt-8" aria-labelledby="recent-heading">
            <h2 id="recent-heading" class="text-lg font-semibold">"Latest incidents"</h2>
            {if recent.is_empty() {
                view! { <p class="mt-2 text-slate-700" data-testid="live-no-incidents">"No incident yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-2 space-y-2" data-testid="live-incidents">
                        {recent.into_iter().map(|i| view! {
                            <li class="rounded border border-slate-200 bg-white p-3" data-testid="live-incident" data-kind=i.incident.kind.as_str()>
                                <p class="font-semibold">{format!("{}: {}", i.user_name, i.incident.summary)}</p>
                                <p class="text-sm text-slate-700">
                                    {format!("{} severity · {} · ", severity_label(i.incident.severity), short_time(&i.incident.detected_at))}
                                    <a class=LINK_CLASS href=format!("/teach/proctoring/{}", i.incident.session_id)>"Open the timeline"</a>
                                </p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}
