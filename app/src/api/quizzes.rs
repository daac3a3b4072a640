//! The learner's side of quizzes: a quiz's intro (settings, attempts used and left), starting or
//! resuming an attempt, reading one, and saving answers (and submitting). The taking page posts
//! JSON, since a save carries a list of answers.

use domain::attempt::{AnswerSave, AttemptClock, AttemptView, QuizIntro, SaveReceipt};
use domain::{AttemptId, QuizId};
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::{caller, service_error};
#[cfg(feature = "ssr")]
use service::quizzes::attempts;

/// A quiz as its learner meets it before starting: settings, attempts so far, what is left.
#[server(endpoint = "quiz/intro")]
pub async fn load_quiz_intro(id: QuizId) -> Result<QuizIntro, AppError> {
    let (caller, ctx) = caller().await?;
    service::quizzes::intro(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

/// Starts an attempt, or resumes the one in progress; `preview` is the staff's throwaway attempt.
/// A strict quiz starts only once the learner accepts its proctoring rules.
#[server(endpoint = "quiz/start", input = Json)]
pub async fn start_attempt(
    quiz_id: QuizId,
    preview: bool,
    #[server(default)] accept_proctoring_rules: bool,
) -> Result<AttemptView, AppError> {
    let (caller, ctx) = caller().await?;
    let options = attempts::StartOptions {
        preview,
        accepts_rules: accept_proctoring_rules,
    };
    attempts::start_with(&caller, &ctx.store, quiz_id, options)
        .await
        .map(|(attempt, _)| attempt)
        .map_err(service_error)
}

#[server(endpoint = "quiz/attempt")]
pub async fn get_attempt(quiz_id: QuizId, attempt_id: AttemptId) -> Result<AttemptView, AppError> {
    let (caller, ctx) = caller().await?;
    attempts::get(&caller, &ctx.store, quiz_id, attempt_id)
        .await
        .map_err(service_error)
}

/// Saves the answers that changed (each under the revision the server last gave it) and, with
/// `submit`, submits. The receipt carries the server's clock, which the page counts down from.
#[server(endpoint = "quiz/save", input = Json)]
pub async fn save_answers(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    answers: Vec<AnswerSave>,
    submit: bool,
) -> Result<SaveReceipt, AppError> {
    let (caller, ctx) = caller().await?;
    attempts::save_receipt(&caller, &ctx.store, quiz_id, attempt_id, answers, submit)
        .await
        .map_err(service_error)
}

/// The attempt's clock alone: the taking page's sync when no proctoring batch carries it.
#[server(endpoint = "quiz/clock")]
pub async fn read_attempt_clock(
    quiz_id: QuizId,
    attempt_id: AttemptId,
) -> Result<AttemptClock, AppError> {
    let (caller, ctx) = caller().await?;
    attempts::clock(&caller, &ctx.store, quiz_id, attempt_id)
        .await
        .map_err(service_error)
}

/// More quizzes than a course holds in practice: its pages list them on one page.
pub const QUIZZES_PER_COURSE: u32 = 100;

/// The quizzes of a course the caller sees (published ones, unless they edit the course).
#[server(endpoint = "quiz/of-course")]
pub async fn quizzes_of_course(
    course_id: domain::CourseId,
) -> Result<domain::dto::Page<domain::quiz::QuizView>, AppError> {
    let (caller, ctx) = caller().await?;
    service::quizzes::list(
        &caller,
        &ctx.store,
        Some(course_id),
        Some(1),
        Some(QUIZZES_PER_COURSE),
    )
    .await
    .map_err(service_error)
}
