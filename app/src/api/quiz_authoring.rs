//! The teacher's side of quizzes: a course's quizzes, a quiz's settings and questions, publishing,
//! and the attempts of a quiz with grading and score overrides. Each function is one service call
//! over the same domain forms `/v1` parses; questions travel as JSON, since they carry lists.

use domain::attempt::{AttemptSummary, AttemptView};
use domain::dto::Page;
use domain::quiz::{AttemptStatus, QuestionView, QuizStatus, QuizView};
use domain::quiz_input::QuestionForm;
use domain::{AttemptId, CourseId, QuestionId, QuizId, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::{caller, service_error};
#[cfg(feature = "ssr")]
use domain::FieldError;
#[cfg(feature = "ssr")]
use service::quizzes::{self, grading, questions, QuizForm, QuizInput};

#[server(endpoint = "quizzes/create")]
pub async fn create_quiz(course_id: CourseId, title: String) -> Result<QuizView, AppError> {
    let (caller, ctx) = caller().await?;
    let form = QuizForm {
        course_id: Some(course_id),
        title: Some(title),
        ..QuizForm::default()
    };
    let input = QuizInput::parse_new(form).map_err(|e| service_error(e.into()))?;
    quizzes::create(&caller, &ctx.store, input)
        .await
        .map_err(service_error)
}

/// The quiz with its questions and their answer keys: the course's editors read them.
#[server(endpoint = "quizzes/get")]
pub async fn get_quiz(id: QuizId) -> Result<QuizView, AppError> {
    let (caller, ctx) = caller().await?;
    quizzes::get(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

/// The settings form's fields as typed: numbers and times as text (blank clears a limit or a
/// time), checkboxes present when ticked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuizSettings {
    pub title: String,
    pub instructions: String,
    pub passing_score: String,
    pub time_limit_minutes: String,
    pub max_attempts: String,
    pub opens_at: String,
    pub closes_at: String,
    pub show_answers: String,
    /// Absent from an older form: the quiz keeps its mode.
    #[serde(default)]
    pub proctoring: Option<String>,
    pub shuffle_questions: Option<String>,
    pub shuffle_options: Option<String>,
    pub required_for_completion: Option<String>,
}

/// Saves the settings form, read into the `QuizForm` `/v1` takes.
#[server(endpoint = "quizzes/update")]
pub async fn update_quiz(
    id: QuizId,
    version: i32,
    #[server(flatten)] settings: QuizSettings,
) -> Result<QuizView, AppError> {
    let (caller, ctx) = caller().await?;
    let mut errors = Vec::new();
    let mut number = |field: &str, raw: &str| match whole_number(field, raw) {
        Ok(n) => n,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let passing_score = number("passing_score", &settings.passing_score);
    let time_limit = number("time_limit_minutes", &settings.time_limit_minutes);
    let max_attempts = number("max_attempts", &settings.max_attempts);
    if passing_score.is_none() && errors.iter().all(|e| e.field != "passing_score") {
        errors.push(FieldError::new(
            "passing_score",
            "Give the passing score in percent.",
        ));
    }
    if !errors.is_empty() {
        return Err(service_error(errors.into()));
    }
    let time = |raw: String| Some(Some(raw.trim().to_string()).filter(|t| !t.is_empty()));
    let form = QuizForm {
        course_id: None,
        title: Some(settings.title),
        instructions: Some(settings.instructions),
        passing_score,
        time_limit_minutes: Some(time_limit),
        max_attempts: Some(max_attempts),
        opens_at: time(settings.opens_at),
        closes_at: time(settings.closes_at),
        shuffle_questions: Some(settings.shuffle_questions.is_some()),
        shuffle_options: Some(settings.shuffle_options.is_some()),
        show_answers: Some(settings.show_answers),
        proctoring: settings.proctoring,
        required_for_completion: Some(settings.required_for_completion.is_some()),
        version: Some(version),
    };
    let input = QuizInput::parse(form).map_err(|e| service_error(e.into()))?;
    quizzes::update(&caller, &ctx.store, id, input)
        .await
        .map_err(service_error)
}

/// A form's whole number: blank is none, anything else must read as one.
#[cfg(feature = "ssr")]
fn whole_number(field: &str, raw: &str) -> Result<Option<i32>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| FieldError::new(field, "Give a whole number."))
}

/// Publishes the quiz, or takes it back to draft.
#[server(endpoint = "quizzes/status")]
pub async fn set_quiz_status(
    id: QuizId,
    version: i32,
    status: QuizStatus,
) -> Result<QuizView, AppError> {
    let (caller, ctx) = caller().await?;
    quizzes::set_status(&caller, &ctx.store, id, status, Some(version))
        .await
        .map_err(service_error)
}

/// Deletes the quiz, then sends the teacher back to its course's editor.
#[server(endpoint = "quizzes/delete")]
pub async fn delete_quiz(id: QuizId, course_id: CourseId, version: i32) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    quizzes::delete(&caller, &ctx.store, id, Some(version))
        .await
        .map_err(service_error)?;
    leptos_axum::redirect(&format!("/teach/courses/{course_id}"));
    Ok(())
}

#[server(endpoint = "questions/add", input = Json)]
pub async fn add_question(quiz_id: QuizId, form: QuestionForm) -> Result<QuestionView, AppError> {
    let (caller, ctx) = caller().await?;
    questions::add(&caller, &ctx.store, quiz_id, form)
        .await
        .map_err(service_error)
}

/// Changes a question; the form names its kind and key, so the key is replaced whole.
#[server(endpoint = "questions/update", input = Json)]
pub async fn update_question(id: QuestionId, form: QuestionForm) -> Result<QuestionView, AppError> {
    let (caller, ctx) = caller().await?;
    questions::update(&caller, &ctx.store, id, form)
        .await
        .map_err(service_error)
}

#[server(endpoint = "questions/delete")]
pub async fn delete_question(id: QuestionId) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    questions::delete(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

/// Moves a question up or down: the page sends the whole order with the two swapped, which the
/// service refuses if the questions changed meanwhile.
#[server(endpoint = "questions/move", input = Json)]
pub async fn move_question(
    quiz_id: QuizId,
    ids: Vec<QuestionId>,
) -> Result<Vec<QuestionView>, AppError> {
    let (caller, ctx) = caller().await?;
    questions::reorder(&caller, &ctx.store, quiz_id, ids)
        .await
        .map_err(service_error)
}

/// A page of a quiz's attempts, newest first, optionally one learner's or in one status.
#[server(endpoint = "attempts/list")]
pub async fn list_attempts(
    quiz_id: QuizId,
    user: Option<UserId>,
    status: Option<AttemptStatus>,
    page: Option<u32>,
) -> Result<Page<AttemptSummary>, AppError> {
    let (caller, ctx) = caller().await?;
    grading::list(
        &caller,
        &ctx.store,
        quiz_id,
        user,
        status,
        page,
        Some(quizzes::DEFAULT_PER_PAGE),
    )
    .await
    .map_err(service_error)
}

#[server(endpoint = "attempts/get")]
pub async fn review_attempt(
    quiz_id: QuizId,
    attempt_id: AttemptId,
) -> Result<AttemptView, AppError> {
    let (caller, ctx) = caller().await?;
    quizzes::attempts::get(&caller, &ctx.store, quiz_id, attempt_id)
        .await
        .map_err(service_error)
}

/// Grades one question of a submitted attempt. Errors name the field as the service does for the
/// first grade of a list (`grades[0].points`), which is what the form shows them under.
#[server(endpoint = "attempts/grade")]
pub async fn grade_answer(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    question_id: QuestionId,
    points: String,
    comment: String,
) -> Result<AttemptView, AppError> {
    let (caller, ctx) = caller().await?;
    let points = decimal("grades[0].points", &points).map_err(|e| service_error(e.into()))?;
    let grade = domain::attempt::QuestionGrade {
        question_id,
        points,
        comment: Some(comment.trim().to_string()).filter(|c| !c.is_empty()),
    };
    grading::grade(&caller, &ctx.store, quiz_id, attempt_id, vec![grade])
        .await
        .map_err(service_error)
}

/// Replaces a submitted attempt's score (percent) for a reason, which the audit log keeps.
#[server(endpoint = "attempts/override")]
pub async fn override_score(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    score: String,
    reason: String,
) -> Result<AttemptView, AppError> {
    let (caller, ctx) = caller().await?;
    let score = decimal("score", &score).map_err(|e| service_error(e.into()))?;
    grading::override_score(&caller, &ctx.store, quiz_id, attempt_id, score, &reason)
        .await
        .map_err(service_error)
}

/// A form's number, which may have decimals (a comma is read as the decimal point).
#[cfg(feature = "ssr")]
fn decimal(field: &str, raw: &str) -> Result<f64, FieldError> {
    raw.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| FieldError::new(field, "Give a number, such as 7 or 7.5."))
}
