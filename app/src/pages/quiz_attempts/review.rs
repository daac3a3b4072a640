//! One attempt as its course's staff review it: each question as the attempt showed it, the
//! learner's answer, its result and points; a grade form for each answer waiting for a teacher
//! (essays), and the override of the whole score, for a reason the audit log keeps.

use domain::attempt::{AnswerView, AttemptView, QuestionResult, ShownQuestion};
use domain::proctoring::ProctoringMode;
use domain::quiz::{AnswerResult, AttemptStatus};
use domain::{AttemptId, QuizId, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{attempt_status_label, passed_label, score_label, short_time};
use crate::api::quiz_authoring::{review_attempt, GradeAnswer, OverrideScore};
use crate::components::auth::RequireRole;
use crate::components::course::{not_found, route_id, LINK_CLASS};
use crate::components::form::{
    action_error, Field, FormError, TextArea, BUTTON_CLASS, INPUT_CLASS,
};
use crate::pages::attempt_control::AttemptControlPanel;
use crate::pages::quiz_questions::{bump_on_success, kind_label};

#[component]
pub fn AttemptReviewPage() -> impl IntoView {
    view! {
        <Title text="Attempt" />
        <RequireRole min_role=Role::Teacher>
            <Review />
        </RequireRole>
    }
}

#[component]
fn Review() -> impl IntoView {
    let quiz_id = route_id::<QuizId>();
    let params = use_params_map();
    let attempt_id = Memo::new(move |_| {
        params
            .read()
            .get("attempt_id")
            .and_then(|s| s.parse::<AttemptId>().ok())
    });
    let changed = RwSignal::new(0_u32);
    let override_score = ServerAction::<OverrideScore>::new();
    bump_on_success(override_score.value(), changed);
    let attempt = Resource::new(
        move || (quiz_id.get(), attempt_id.get(), changed.get()),
        |(quiz, attempt, _)| async move {
            match (quiz, attempt) {
                (Some(quiz), Some(attempt)) => review_attempt(quiz, attempt).await,
                _ => Err(not_found()),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the attempt…"</p> }>
            {move || Suspend::new(async move {
                match attempt.await {
                    Ok(attempt) => view! { <AttemptDetails attempt changed override_score /> }.into_any(),
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold">"Attempt not available"</h1>
                        <p role="alert" class="mt-2 text-red-800">{error.message}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AttemptDetails(
    attempt: AttemptView,
    changed: RwSignal<u32>,
    override_score: ServerAction<OverrideScore>,
) -> impl IntoView {
    let (quiz_id, attempt_id) = (attempt.quiz_id, attempt.id);
    let submitted = attempt.status != AttemptStatus::InProgress;
    let points = match attempt.points {
        Some(points) => format!(" ({points} of {} points)", attempt.max_points),
        None => String::new(),
    };
    let results = attempt.results.clone().unwrap_or_default();
    let row = |term: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="flex gap-2"><dt class="font-medium">{term}":"</dt><dd data-testid=testid>{value}</dd></div>
        }
    };
    let submitted_at = match (&attempt.submitted_at, attempt.auto_submitted) {
        (Some(at), true) => format!("{} (at the deadline)", short_time(at)),
        (Some(at), false) => short_time(at),
        (None, _) => "Not yet".into(),
    };
    view! {
        <Title text=format!("Attempt of {}", attempt.user_id) />
        <p class="text-sm"><a class=LINK_CLASS href=format!("/teach/quizzes/{quiz_id}/attempts")>"← All attempts"</a></p>
        <h1 class="mt-2 text-2xl font-semibold">"Attempt review"</h1>
        <dl class="mt-4 grid gap-1 text-slate-900 sm:grid-cols-2">
            {row("Learner", attempt.user_id.to_string(), "attempt-learner")}
            {row("Status", format!("{}{}", attempt_status_label(attempt.status), if attempt.preview { " (preview)" } else { "" }), "attempt-status")}
            {row("Started", short_time(&attempt.started_at), "attempt-started")}
            {row("Submitted", submitted_at, "attempt-submitted")}
            {row("Score", format!("{}{points}", score_label(attempt.score)), "attempt-score")}
            {row("Result", passed_label(attempt.passed).to_string(), "attempt-passed")}
        </dl>
        {(!submitted).then(|| view! {
            <p class="mt-4 rounded border border-slate-300 bg-slate-50 px-3 py-2 text-slate-800">"This attempt is still in progress: grade it once it is submitted."</p>
        })}
        {(!submitted && !attempt.preview).then(|| view! {
            <AttemptControlPanel quiz_id attempt_id paused=attempt.paused
                proctored=attempt.proctoring != ProctoringMode::Off changed />
        })}
        <section class="mt-8" aria-labelledby="answers-heading">
            <h2 id="answers-heading" class="text-lg font-semibold">"Answers"</h2>
            <ol class="mt-4 space-y-4">
                {attempt.questions.iter().enumerate().map(|(i, question)| {
                    let answer = attempt.answers.iter().find(|a| a.question_id == question.id).cloned();
                    let result = results.iter().find(|r| r.question_id == question.id).cloned();
                    view! { <AnswerItem number={i + 1} question=question.clone() answer result quiz_id attempt_id changed /> }
                }).collect_view()}
            </ol>
        </section>
        {submitted.then(|| view! { <OverrideForm quiz_id attempt_id action=override_score /> })}
    }
}

fn result_label(result: AnswerResult) -> &'static str {
    match result {
        AnswerResult::Correct => "Correct",
        AnswerResult::Incorrect => "Incorrect",
        AnswerResult::Partial => "Partly correct",
        AnswerResult::Pending => "Waiting for a teacher",
    }
}

#[component]
fn AnswerItem(
    number: usize,
    question: ShownQuestion,
    answer: Option<AnswerView>,
    result: Option<QuestionResult>,
    quiz_id: QuizId,
    attempt_id: AttemptId,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let given = answer_text(&question, answer.as_ref());
    let pending = result
        .as_ref()
        .is_some_and(|r| r.result == AnswerResult::Pending);
    let max = question.points;
    let outcome = result.as_ref().map(|r| {
        let points = r.points.map_or_else(
            || "not graded yet".to_string(),
            |p| format!("{p} of {} points", r.max_points),
        );
        format!("{} · {points}", result_label(r.result))
    });
    let comment = result.and_then(|r| r.comment);
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4" data-testid="answer" data-question-kind=question.kind.as_str()>
            <div class="flex flex-wrap items-baseline gap-x-3">
                <h3 class="font-semibold">{format!("Question {number}")}</h3>
                <span class="text-sm text-slate-700">{kind_label(question.kind)}</span>
            </div>
            <p class="mt-2 whitespace-pre-wrap">{question.prompt.clone()}</p>
            <p class="mt-2 font-medium">"Answer:"</p>
            <p class="whitespace-pre-wrap rounded bg-slate-50 px-3 py-2 text-slate-900" data-testid="answer-given">{given}</p>
            {outcome.map(|o| view! { <p class="mt-2 text-slate-900" data-testid="answer-result">{o}</p> })}
            {comment.map(|c| view! { <p class="mt-1 text-sm text-slate-700">{format!("Comment: {c}")}</p> })}
            {pending.then(|| view! { <GradeForm number max question_id=question.id quiz_id attempt_id changed /> })}
        </li>
    }
}

/// The learner's answer in words: the options they chose, their text, or their number.
fn answer_text(question: &ShownQuestion, answer: Option<&AnswerView>) -> String {
    let Some(answer) = answer else {
        return "No answer.".into();
    };
    let option = |id| {
        question.options.iter().find(|o| o.id == id).map_or_else(
            || "(an option no longer shown)".to_string(),
            |o| o.text.clone(),
        )
    };
    if let Some(id) = answer.selected_option_id {
        return option(id);
    }
    if let Some(ids) = &answer.selected_option_ids {
        if ids.is_empty() {
            return "No option chosen.".into();
        }
        return ids
            .iter()
            .map(|id| option(*id))
            .collect::<Vec<_>>()
            .join("; ");
    }
    if let Some(text) = &answer.text {
        return text.clone();
    }
    answer
        .number
        .map_or_else(|| "No answer.".into(), |n| n.to_string())
}

#[component]
fn GradeForm(
    number: usize,
    max: i32,
    question_id: domain::QuestionId,
    quiz_id: QuizId,
    attempt_id: AttemptId,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let action = ServerAction::<GradeAnswer>::new();
    bump_on_success(action.value(), changed);
    let error = action_error(action.value());
    let message =
        move |field: &'static str| Signal::derive(move || error.get().and_then(|e| e.field(field)));
    let (points_error, comment_error) = (message("grades[0].points"), message("grades[0].comment"));
    let points_id = format!("grade-{question_id}-points");
    let comment_id = format!("grade-{question_id}-comment");
    let (points_error_id, comment_error_id) =
        (format!("{points_id}-error"), format!("{comment_id}-error"));
    let suffix = format!(" for question {number}");
    view! {
        <ActionForm action attr:class="mt-4 rounded border border-amber-300 bg-amber-50 p-4">
            <input type="hidden" name="quiz_id" value=quiz_id.to_string() />
            <input type="hidden" name="attempt_id" value=attempt_id.to_string() />
            <input type="hidden" name="question_id" value=question_id.to_string() />
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.iter().all(|d| !d.field.starts_with("grades[0].")))) />
            <div class="mb-3">
                <label for=points_id.clone() class="block font-medium text-slate-900">
                    {format!("Points (0 to {max})")}<span class="sr-only">{suffix.clone()}</span>
                </label>
                <input id=points_id name="points" type="number" min="0" max=max step="0.01" required=true class=INPUT_CLASS
                    aria-invalid=move || points_error.get().map(|_| "true")
                    aria-describedby={let id = points_error_id.clone(); move || points_error.get().map(|_| id.clone())} />
                <p id=points_error_id class="mt-1 text-sm text-red-800">{move || points_error.get()}</p>
            </div>
            <div class="mb-3">
                <label for=comment_id.clone() class="block font-medium text-slate-900">
                    "Comment (optional)"<span class="sr-only">{suffix.clone()}</span>
                </label>
                <textarea id=comment_id name="comment" rows="3" class=INPUT_CLASS
                    aria-invalid=move || comment_error.get().map(|_| "true")
                    aria-describedby={let id = comment_error_id.clone(); move || comment_error.get().map(|_| id.clone())}></textarea>
                <p id=comment_error_id class="mt-1 text-sm text-red-800">{move || comment_error.get()}</p>
            </div>
            <button type="submit" class=BUTTON_CLASS disabled=move || action.pending().get()>
                "Save grade"<span class="sr-only">{suffix}</span>
            </button>
        </ActionForm>
    }
}

#[component]
fn OverrideForm(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    action: ServerAction<OverrideScore>,
) -> impl IntoView {
    let error = action_error(action.value());
    let done = move || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <section class="mt-8 max-w-xl rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="override-heading">
            <h2 id="override-heading" class="text-lg font-semibold">"Override the score"</h2>
            <p class="mb-4 mt-1 text-sm text-slate-700">"Replaces the attempt's score; the reason is kept in the audit log."</p>
            <div role="status">
                {move || done().then(|| view! {
                    <p class="mb-4 rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900">"The score was overridden."</p>
                })}
            </div>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.details.is_empty())) />
            <ActionForm action>
                <input type="hidden" name="quiz_id" value=quiz_id.to_string() />
                <input type="hidden" name="attempt_id" value=attempt_id.to_string() />
                <Field name="score" label="New score (%, 0 to 100)" required=true autocomplete="off" error />
                <TextArea name="reason" label="Reason" rows=3 error />
                <button type="submit" class=BUTTON_CLASS>"Override score"</button>
            </ActionForm>
        </section>
    }
}
