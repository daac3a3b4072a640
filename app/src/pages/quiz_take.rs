//! One attempt: the taking page while it is in progress, its result once submitted. The server
//! owns the clock; this page only counts down from what the server last said.

use std::time::Duration;

use domain::attempt::AttemptView;
use domain::proctoring::{ProctoringMode, HEARTBEAT_MS};
use domain::quiz::AttemptStatus;
use domain::{AttemptId, ErrorCode, QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use super::quiz_autosave::{monotonic_ms, Autosave, SaveState};
use super::quiz_fields::QuestionFieldset;
use super::quiz_proctor::Proctor;
use super::quiz_result::AttemptResult;
use crate::api::quizzes::{get_attempt, read_attempt_clock};
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, LINK_CLASS};
use crate::components::form::BUTTON_CLASS;

/// When the page warns, in milliseconds left, longest first.
const WARNINGS: [i64; 2] = [300_000, 60_000];

#[component]
pub fn AttemptPage() -> impl IntoView {
    view! {
        <Title text="Quiz attempt" />
        <RequireRole min_role=Role::Student>
            <AttemptLoader />
        </RequireRole>
    }
}

#[component]
fn AttemptLoader() -> impl IntoView {
    let quiz = route_id::<QuizId>();
    let params = leptos_router::hooks::use_params_map();
    let attempt_id = Memo::new(move |_| {
        params
            .read()
            .get("attempt_id")
            .and_then(|s| s.parse::<AttemptId>().ok())
    });
    let attempt = Resource::new(
        move || (quiz.get(), attempt_id.get()),
        |ids| async move {
            match ids {
                (Some(quiz), Some(attempt)) => get_attempt(quiz, attempt).await,
                _ => Err(not_found()),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the attempt…"</p> }>
            {move || Suspend::new(async move {
                match attempt.await {
                    Ok(attempt) if attempt.status == AttemptStatus::InProgress => {
                        view! { <Taking attempt /> }.into_any()
                    }
                    Ok(attempt) => view! { <AttemptResult attempt /> }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Attempt not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                        <p class="mt-4"><a class=LINK_CLASS href="/my/courses">"Back to my courses"</a></p>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Taking(attempt: AttemptView) -> impl IntoView {
    let autosave = Autosave::new(&attempt);
    let clock = autosave.clock;
    let announcement = RwSignal::new(String::new());
    let warnings_given = StoredValue::new(0usize);
    let proctor = (attempt.proctoring != ProctoringMode::Off)
        .then(|| Proctor::new(attempt.quiz_id, attempt.id));
    let (quiz, attempt_id) = (attempt.quiz_id, attempt.id);
    Effect::new(move |_| {
        autosave.resume();
        let stop_listening = proctor.map(|p| p.listen());
        let sync = move || {
            leptos::task::spawn_local(sync_once(quiz, attempt_id, autosave, proctor, announcement));
        };
        sync();
        // A proctored page's batches are its heartbeat; either way the clock syncs within 10 s.
        let every = if proctor.is_some() {
            HEARTBEAT_MS
        } else {
            10_000
        };
        let syncing = set_interval_with_handle(sync, Duration::from_millis(u64::from(every)));
        let handle = set_interval_with_handle(
            move || {
                clock.tick();
                let Some(left) = clock.remaining_ms.get_untracked() else {
                    return;
                };
                let due = WARNINGS.iter().filter(|at| left <= **at).count();
                if due > warnings_given.get_value() && left > 0 {
                    warnings_given.set_value(due);
                    announcement.set(warning(left));
                }
                if left == 0 && !autosave.is_submitting() {
                    autosave.submit();
                }
            },
            Duration::from_millis(250),
        );
        let online = window_event_listener_untyped("online", move |_| autosave.flush());
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
            if let Ok(syncing) = syncing {
                syncing.clear();
            }
            if let Some(stop) = stop_listening {
                stop();
            }
            online.remove();
        });
    });
    view! {
        <Show
            when=move || autosave.finished.with(Option::is_none)
            fallback=move || autosave.finished.get().map(|attempt| view! { <AttemptResult attempt /> })
        >
            <TakingForm attempt=attempt.clone() autosave announcement />
        </Show>
    }
}

/// One sync of the attempt's clock with the server's: through the proctoring batch when there is
/// one, else a read of the clock. A pause, extra time or the attempt's end reaches the page here,
/// and is announced.
async fn sync_once(
    quiz: QuizId,
    attempt: AttemptId,
    autosave: Autosave,
    proctor: Option<Proctor>,
    announcement: RwSignal<String>,
) {
    if autosave.finished.with_untracked(Option::is_some) {
        if let Some(proctor) = proctor {
            proctor.close();
        }
        return;
    }
    let sent_at = monotonic_ms();
    let clock = match proctor {
        Some(proctor) => match proctor.send().await {
            Some(Ok(ack)) => Some((ack.status, ack.paused, ack.remaining_ms)),
            Some(Err(ErrorCode::ProctoringSessionClosed)) => {
                Some((AttemptStatus::Submitted, false, None))
            }
            _ => None,
        },
        None => read_attempt_clock(quiz, attempt)
            .await
            .ok()
            .map(|c| (c.status, c.paused, c.remaining_ms)),
    };
    let Some((status, paused, remaining)) = clock else {
        return;
    };
    if status != AttemptStatus::InProgress {
        if let Some(proctor) = proctor {
            proctor.close();
        }
        autosave.end().await;
        return;
    }
    let before = autosave.clock.remaining_ms.get_untracked();
    let was_paused = autosave.paused.get_untracked();
    if paused {
        autosave.clock.freeze(remaining);
    } else {
        autosave.clock.sync(remaining, sent_at);
    }
    autosave.set_paused(paused);
    let news = match (was_paused, paused, before, remaining) {
        (false, true, _, _) => {
            Some("Your teacher paused this attempt. The clock is stopped.".to_string())
        }
        (true, false, _, _) => {
            Some("Your teacher resumed this attempt. The clock runs again.".to_string())
        }
        (_, _, Some(before), Some(now)) if now - before > 30_000 => {
            let minutes = (now + 59_999) / 60_000;
            Some(format!("Your time was extended: {minutes} minutes left."))
        }
        _ => None,
    };
    if let Some(news) = news {
        announcement.set(news);
    }
}

/// What the timer's live region says at a warning: the minutes left, rounded up.
fn warning(left_ms: i64) -> String {
    let minutes = (left_ms + 59_999) / 60_000;
    if minutes <= 1 {
        "1 minute left. Your answers are saved; the quiz submits itself at zero.".to_string()
    } else {
        format!("{minutes} minutes left.")
    }
}

#[component]
fn TakingForm(
    attempt: AttemptView,
    autosave: Autosave,
    announcement: RwSignal<String>,
) -> impl IntoView {
    let count = attempt.questions.len();
    let questions = attempt
        .questions
        .into_iter()
        .enumerate()
        .map(|(i, question)| view! { <QuestionFieldset question number=i + 1 count autosave /> })
        .collect_view();
    let title = if attempt.preview {
        "Quiz preview"
    } else {
        "Quiz attempt"
    };
    let timed = attempt.remaining_ms.is_some();
    let strict = attempt.proctoring == ProctoringMode::Strict;
    view! {
        <h1 class="text-2xl font-semibold">{title}</h1>
        {attempt.preview.then(|| view! {
            <p class="mt-1 text-slate-800">"A preview as a learner sees the quiz; it never counts as an attempt."</p>
        })}
        <div class="sticky top-0 z-10 mt-2 flex flex-wrap items-center gap-4 border-b border-slate-300 bg-slate-50 py-2">
            {timed.then(|| view! { <TimeLeft remaining=autosave.clock.remaining_ms /> })}
            <p class="text-slate-800" data-testid="save-state" data-state=move || format!("{:?}", autosave.state.get())>
                {move || autosave.state.get().label()}
            </p>
        </div>
        <div class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="timer-warning">
            {move || announcement.get()}
        </div>
        {strict.then(|| view! { <FullscreenPrompt /> })}
        <Show when=move || autosave.paused.get()>
            <p role="status" data-testid="attempt-paused" class="mt-2 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950">
                "Your teacher paused this attempt. The clock is stopped, and you can go on once they resume it."
            </p>
        </Show>
        <Show when=move || autosave.state.get() == SaveState::Refused>
            <p role="alert" class="mt-2 rounded border border-red-300 bg-red-50 px-3 py-2 text-red-900">
                {move || autosave.error.get()}
            </p>
        </Show>
        <form class="mt-4 max-w-3xl" on:submit=move |ev| {
            ev.prevent_default();
            autosave.submit();
        }>
            <fieldset disabled=move || autosave.paused.get()>
                {questions}
                <button type="submit" class=BUTTON_CLASS>"Submit answers"</button>
            </fieldset>
            <p class="mt-2 text-sm text-slate-700">
                "Submitting ends this attempt: its answers can no longer change."
            </p>
        </form>
    }
}

/// A strict quiz runs in full screen; browsers enter it only on the learner's own click, and leave
/// it with every page load, so the page offers the way back whenever the learner is out of it.
#[component]
fn FullscreenPrompt() -> impl IntoView {
    // Drawn on the server as "in full screen": the browser knows better once hydrated.
    let inside = RwSignal::new(true);
    Effect::new(move |_| {
        let read = move || inside.set(document().fullscreen_element().is_some());
        read();
        let listener = window_event_listener_untyped("fullscreenchange", move |_| read());
        on_cleanup(move || listener.remove());
    });
    view! {
        <Show when=move || !inside.get()>
            <div role="status" class="mt-2 flex flex-wrap items-center gap-3 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950" data-testid="fullscreen-prompt">
                <p>"This quiz runs in full screen. Time out of it is recorded."</p>
                <button type="button" class=BUTTON_CLASS on:click=move |_| {
                    if let Some(root) = document().document_element() {
                        let _ = root.request_fullscreen();
                    }
                }>"Enter full screen"</button>
            </div>
        </Show>
    }
}

/// Time left as a countdown shows it: `mm:ss`, or `h:mm:ss` from an hour.
pub(super) fn clock_text(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// The countdown, visible and in `role=timer` (which screen readers do not read out every second;
/// the warnings are announced instead).
#[component]
fn TimeLeft(remaining: RwSignal<Option<i64>>) -> impl IntoView {
    let text = move || clock_text(remaining.get().unwrap_or(0));
    let low = move || remaining.get().is_some_and(|ms| ms <= 60_000);
    view! {
        <p class="font-semibold text-slate-900">
            "Time left: "
            <span
                role="timer"
                data-testid="time-left"
                data-remaining-ms=move || remaining.get().unwrap_or(0).to_string()
                class=move || if low() { "font-mono text-red-800" } else { "font-mono" }
            >
                {text}
            </span>
        </p>
    }
}
