//! A quiz before it starts: what it asks of the learner (time, attempts, window, rules), the way
//! in (start, resume, or a teacher's preview) and the learner's earlier attempts.

use domain::attempt::{AttemptSummary, QuizIntro};
use domain::proctoring::ProctoringMode;
use domain::quiz::AttemptStatus;
use domain::{QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;

use super::quiz_result::moment;
use crate::api::quizzes::{load_quiz_intro, start_attempt};
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, LINK_CLASS};
use crate::components::form::{FormError, BUTTON_CLASS};
use crate::error::AppError;

#[component]
pub fn QuizPage() -> impl IntoView {
    view! {
        <Title text="Quiz" />
        <RequireRole min_role=Role::Student>
            <QuizIntroLoader />
        </RequireRole>
    }
}

#[component]
fn QuizIntroLoader() -> impl IntoView {
    let id = route_id::<QuizId>();
    let intro = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_quiz_intro(id).await,
                None => Err(not_found()),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the quiz…"</p> }>
            {move || Suspend::new(async move {
                match intro.await {
                    Ok(intro) => view! { <Intro intro /> }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Quiz not available"</h1>
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
fn Intro(intro: QuizIntro) -> impl IntoView {
    let quiz = intro.quiz.clone();
    let time_limit = match quiz.time_limit_minutes {
        Some(1) => "1 minute".to_string(),
        Some(minutes) => format!("{minutes} minutes"),
        None => "No time limit".to_string(),
    };
    let attempts = match (quiz.max_attempts, intro.attempts_left) {
        (Some(max), Some(left)) => format!("{} of {max} used, {left} left", intro.attempts_used),
        _ => format!("{} used, no limit", intro.attempts_used),
    };
    let window = match (&quiz.opens_at, &quiz.closes_at) {
        (None, None) => "Always open".to_string(),
        (Some(opens), None) => format!("Opens {}", moment(opens)),
        (None, Some(closes)) => format!("Closes {}", moment(closes)),
        (Some(opens), Some(closes)) => format!("{} to {}", moment(opens), moment(closes)),
    };
    let timed = quiz.time_limit_minutes.is_some();
    view! {
        <Title text=quiz.title.clone() />
        <p class="text-sm"><a class=LINK_CLASS href=format!("/courses/{}", quiz.course_id)>"Back to the course"</a></p>
        <h1 class="mt-2 text-2xl font-semibold">{quiz.title.clone()}</h1>
        <div class="prose mt-4 max-w-3xl" inner_html=quiz.instructions_html.clone()></div>
        <dl class="mt-6 grid max-w-3xl grid-cols-[max-content_1fr] gap-x-6 gap-y-2" data-testid="quiz-facts">
            <dt class="font-semibold">"Time limit"</dt><dd>{time_limit}</dd>
            <dt class="font-semibold">"Questions"</dt><dd>{quiz.question_count}</dd>
            <dt class="font-semibold">"Pass mark"</dt><dd>{format!("{}%", quiz.passing_score)}</dd>
            <dt class="font-semibold">"Attempts"</dt><dd data-testid="quiz-attempts">{attempts}</dd>
            <dt class="font-semibold">"When"</dt><dd>{window}</dd>
        </dl>
        <section class="mt-6 max-w-3xl" aria-labelledby="rules-heading">
            <h2 id="rules-heading" class="text-lg font-semibold">"How it works"</h2>
            <ul class="mt-2 list-disc space-y-1 pl-6 text-slate-800">
                <li>"Your answers are saved as you go, and kept on this device while you are offline."</li>
                {timed.then(|| view! {
                    <li>"The clock is kept by Lectern, not by your device: it runs on if you close the page, and at zero the quiz is submitted with your saved answers."</li>
                    <li>"You hear a warning at 5 minutes and at 1 minute."</li>
                })}
                <li>"Submitting ends the attempt."</li>
            </ul>
        </section>
        <ProctoringNotice mode=quiz.proctoring />
        <StartButtons intro=intro.clone() />
        <History attempts=intro.attempts />
    }
}

/// What a proctored quiz records, in plain words, before the learner starts; a strict quiz's rules,
/// which the learner accepts to start.
#[component]
fn ProctoringNotice(mode: ProctoringMode) -> impl IntoView {
    if mode == ProctoringMode::Off {
        return ().into_any();
    }
    let strict = mode == ProctoringMode::Strict;
    view! {
        <section class="mt-6 max-w-3xl rounded border border-amber-300 bg-amber-50 p-4" aria-labelledby="proctoring-heading" data-testid="proctoring-notice">
            <h2 id="proctoring-heading" class="text-lg font-semibold">"This quiz is proctored"</h2>
            <p class="mt-2 text-slate-900">"While your attempt runs, and only then, Lectern records:"</p>
            <ul class="mt-2 list-disc space-y-1 pl-6 text-slate-900">
                <li>"when you leave this tab or window and come back, and when you leave full screen;"</li>
                <li>"copying, cutting and pasting, the right-click menu, and printing;"</li>
                <li>"the quiz opened in a second tab or window, going offline, and a very small window;"</li>
                <li>"your IP address and browser at the start and whenever they change, and when the page stops answering."</li>
            </ul>
            <p class="mt-2 font-semibold text-slate-900">"Lectern never uses your camera, your microphone or your screen, and records nothing outside the attempt."</p>
            <p class="mt-2 text-slate-900">"Your teacher reviews what was recorded."</p>
            {strict.then(|| view! {
                <h3 class="mt-4 font-semibold">"Rules of this quiz"</h3>
                <ol class="mt-2 list-decimal space-y-1 pl-6 text-slate-900">
                    <li>"The quiz runs in full screen: stay in it until you submit."</li>
                    <li>"Stay on this tab, and do not open the quiz anywhere else."</li>
                    <li>"Do not paste text into your answers."</li>
                </ol>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn StartButtons(intro: QuizIntro) -> impl IntoView {
    let quiz = intro.quiz.id;
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let strict = intro.quiz.proctoring == ProctoringMode::Strict && intro.in_progress.is_none();
    let accepted = RwSignal::new(false);
    let start = move |preview: bool| {
        busy.set(true);
        let accepts = !preview && accepted.get_untracked();
        if accepts {
            // Asked within the click, as browsers require; the taking page records leaving it.
            if let Some(root) = document().document_element() {
                let _ = root.request_fullscreen();
            }
        }
        leptos::task::spawn_local(async move {
            match start_attempt(quiz, preview, accepts).await {
                Ok(attempt) => {
                    let href = format!("/quizzes/{quiz}/attempts/{}", attempt.id);
                    let _ = window().location().set_href(&href);
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    let blocked = if !intro.enrolled {
        Some("This quiz is for the course's learners: enrol in the course to take it.")
    } else if intro.in_progress.is_some() {
        None
    } else if intro.attempts_left == Some(0) {
        Some("You have used every attempt this quiz allows.")
    } else if !intro.open {
        Some("This quiz is not open now.")
    } else {
        None
    };
    let label = if intro.in_progress.is_some() {
        "Resume attempt"
    } else {
        "Start attempt"
    };
    view! {
        <div class="mt-6 max-w-3xl">
            <FormError error=error />
            <div class="flex flex-wrap gap-3">
                {match blocked {
                    Some(reason) => view! { <p class="text-slate-800" data-testid="quiz-blocked">{reason}</p> }.into_any(),
                    None => view! {
                        {strict.then(|| view! {
                            <div class="flex w-full items-center gap-2">
                                <input id="accept-rules" type="checkbox" class="h-4 w-4"
                                    on:change=move |ev| accepted.set(event_target_checked(&ev)) />
                                <label for="accept-rules">"I have read the proctoring rules above and accept them."</label>
                            </div>
                        })}
                        <button type="button" class=BUTTON_CLASS
                            disabled=move || busy.get() || (strict && !accepted.get())
                            on:click=move |_| start(false)>{label}</button>
                    }.into_any(),
                }}
                {intro.can_edit.then(|| view! {
                    <button type="button" class=BUTTON_CLASS disabled=move || busy.get() on:click=move |_| start(true)>"Preview as a learner"</button>
                    <a class=LINK_CLASS href=format!("/teach/quizzes/{quiz}")>"Edit the quiz"</a>
                })}
            </div>
        </div>
    }
}

#[component]
fn History(attempts: Vec<AttemptSummary>) -> impl IntoView {
    if attempts.is_empty() {
        return view! { <p class="mt-8 text-slate-700">"You have not taken this quiz yet."</p> }
            .into_any();
    }
    let count = attempts.len();
    let rows = attempts
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let status = match a.status {
                AttemptStatus::InProgress => "In progress",
                AttemptStatus::Submitted if a.score.is_none() => "Waiting for grading",
                AttemptStatus::Submitted | AttemptStatus::Graded => "Submitted",
            };
            let score = a.score.map_or("—".to_string(), |s| format!("{s}%"));
            let passed = match a.passed {
                Some(true) => "Passed",
                Some(false) => "Not passed",
                None => "—",
            };
            let link = if a.status == AttemptStatus::InProgress { "Resume" } else { "See the result" };
            view! {
                <tr class="border-t border-slate-200">
                    <td class="py-2 pr-4">{count - i}</td>
                    <td class="py-2 pr-4"><time datetime=a.started_at.clone()>{moment(&a.started_at)}</time></td>
                    <td class="py-2 pr-4">{status}</td>
                    <td class="py-2 pr-4">{score}</td>
                    <td class="py-2 pr-4">{passed}</td>
                    <td class="py-2"><a class=LINK_CLASS href=format!("/quizzes/{}/attempts/{}", a.quiz_id, a.id)
                        aria-label=format!("{link}: attempt {}", count - i)>{link}</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="mt-8 max-w-3xl" aria-labelledby="history-heading">
            <h2 id="history-heading" class="text-lg font-semibold">"Your attempts"</h2>
            <table class="mt-2 w-full text-left" data-testid="attempt-history">
                <thead><tr>
                    <th scope="col" class="pr-4">"#"</th>
                    <th scope="col" class="pr-4">"Started"</th>
                    <th scope="col" class="pr-4">"Status"</th>
                    <th scope="col" class="pr-4">"Score"</th>
                    <th scope="col" class="pr-4">"Result"</th>
                    <th scope="col"><span class="sr-only">"Open"</span></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}
