//! A submitted attempt as its learner sees it: the score, whether it passed, and each question's
//! result with the learner's own answer and the teacher's comment.

use domain::attempt::{AnswerView, AttemptView, CorrectAnswer, QuestionResult, ShownQuestion};
use domain::proctoring::ProctoringMode;
use domain::quiz::{AnswerResult, AttemptStatus, Response};
use leptos::prelude::*;

use crate::components::course::LINK_CLASS;

#[component]
pub fn AttemptResult(attempt: AttemptView) -> impl IntoView {
    let quiz_href = format!("/quizzes/{}", attempt.quiz_id);
    let outcome = match (attempt.status, attempt.score, attempt.passed) {
        (AttemptStatus::InProgress, _, _) => "This attempt is still in progress.".to_string(),
        (_, Some(score), Some(passed)) => format!(
            "Your score: {score}% ({} of {} points). {}",
            round(attempt.points.unwrap_or(0.0)),
            round(attempt.max_points),
            if passed { "Passed." } else { "Not passed." }
        ),
        _ => {
            let so_far: f64 = attempt
                .results
                .iter()
                .flatten()
                .filter_map(|r| r.points)
                .sum();
            format!(
                "Submitted: {} of {} points so far. A teacher grades the written answers; your score appears here then.",
                round(so_far),
                round(attempt.max_points)
            )
        }
    };
    let passed = attempt.passed;
    let results = attempt.results.clone().unwrap_or_default();
    let questions = attempt
        .questions
        .iter()
        .enumerate()
        .map(|(i, question)| {
            let result = results
                .iter()
                .find(|r| r.question_id == question.id)
                .cloned();
            let answer = attempt
                .answers
                .iter()
                .find(|a| a.question_id == question.id)
                .and_then(AnswerView::response);
            view! { <QuestionOutcome number=i + 1 question=question.clone() answer result /> }
        })
        .collect_view();
    view! {
        <h1 class="text-2xl font-semibold">{if attempt.preview { "Preview result" } else { "Your result" }}</h1>
        <div class="mt-4 max-w-3xl rounded border border-slate-300 bg-white px-4 py-3" data-testid="attempt-result">
            <p
                class=match passed {
                    Some(true) => "text-lg font-semibold text-green-900",
                    Some(false) => "text-lg font-semibold text-red-900",
                    None => "text-lg font-semibold text-slate-900",
                }
                data-testid="attempt-outcome"
            >
                {outcome}
            </p>
            {attempt.auto_submitted.then(|| view! {
                <p class="mt-1 text-slate-800">"Time ran out, so the quiz was submitted with the answers saved before the deadline."</p>
            })}
            {attempt.submitted_at.clone().map(|at| view! {
                <p class="mt-1 text-sm text-slate-700">"Submitted " <time datetime=at.clone()>{moment(&at)}</time></p>
            })}
        </div>
        <h2 class="mt-8 text-lg font-semibold">"Questions"</h2>
        <ol class="mt-2 max-w-3xl space-y-4">{questions}</ol>
        {(attempt.proctoring != ProctoringMode::Off).then(|| view! {
            <p class="mt-6"><a class=LINK_CLASS href=format!("/quizzes/{}/attempts/{}/timeline", attempt.quiz_id, attempt.id)>"What was recorded during this attempt"</a></p>
        })}
        <p class="mt-6"><a class=LINK_CLASS href=quiz_href>"Back to the quiz"</a></p>
    }
}

#[component]
fn QuestionOutcome(
    number: usize,
    question: ShownQuestion,
    answer: Option<Response>,
    result: Option<QuestionResult>,
) -> impl IntoView {
    let given = match &answer {
        None => "No answer".to_string(),
        Some(Response::SelectedOptionId(id)) => option_text(&question, &[*id]),
        Some(Response::SelectedOptionIds(ids)) if ids.is_empty() => "No option chosen".to_string(),
        Some(Response::SelectedOptionIds(ids)) => option_text(&question, ids),
        Some(Response::Text(text)) => text.clone(),
        Some(Response::Number(number)) => number.to_string(),
    };
    let (label, class) = match result.as_ref().map(|r| r.result) {
        Some(AnswerResult::Correct) => ("Correct", "bg-green-100 text-green-900"),
        Some(AnswerResult::Partial) => ("Partly correct", "bg-amber-100 text-amber-900"),
        Some(AnswerResult::Incorrect) => ("Incorrect", "bg-red-100 text-red-900"),
        Some(AnswerResult::Pending) => ("Waiting for a teacher", "bg-slate-200 text-slate-900"),
        None => ("Not graded", "bg-slate-200 text-slate-900"),
    };
    let points = result.as_ref().map(|r| match r.points {
        Some(points) => format!("{} of {} points", round(points), r.max_points),
        None => format!("{} points to grade", r.max_points),
    });
    let correct = result
        .as_ref()
        .and_then(|r| r.correct_answer.as_ref())
        .map(|c| correct_text(&question, c))
        .filter(|text| !text.is_empty());
    let comment = result.and_then(|r| r.comment);
    view! {
        <li class="rounded border border-slate-300 bg-white p-4" data-question-id=question.id.to_string()>
            <p class="font-semibold">{format!("{number}. {}", question.prompt)}</p>
            <p class="mt-1 text-slate-800">"Your answer: " <span class="whitespace-pre-wrap">{given}</span></p>
            <p class="mt-2 flex flex-wrap items-center gap-3">
                <span class=format!("rounded px-2 py-1 text-sm font-semibold {class}")>{label}</span>
                {points.map(|p| view! { <span class="text-sm text-slate-800">{p}</span> })}
            </p>
            {correct.map(|c| view! { <p class="mt-2 text-slate-800" data-testid="correct-answer">"Correct answer: " {c}</p> })}
            {comment.map(|c| view! { <p class="mt-2 text-slate-800">"Teacher's comment: " {c}</p> })}
        </li>
    }
}

fn correct_text(question: &ShownQuestion, correct: &CorrectAnswer) -> String {
    if !correct.option_ids.is_empty() {
        option_text(question, &correct.option_ids)
    } else if !correct.accepted_answers.is_empty() {
        correct.accepted_answers.join(" or ")
    } else {
        match (correct.value, correct.tolerance) {
            (Some(value), Some(tolerance)) if tolerance > 0.0 => format!("{value} (± {tolerance})"),
            (Some(value), _) => value.to_string(),
            _ => String::new(),
        }
    }
}

fn option_text(question: &ShownQuestion, ids: &[domain::OptionId]) -> String {
    ids.iter()
        .filter_map(|id| question.options.iter().find(|o| o.id == *id))
        .map(|o| o.text.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Points shown without a trailing `.0`, and at most two decimals.
fn round(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

/// An RFC 3339 time as a reader takes it in: the date and the minute, in UTC.
pub fn moment(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(minute)) => format!("{day} {minute} UTC"),
        _ => rfc3339.to_string(),
    }
}
