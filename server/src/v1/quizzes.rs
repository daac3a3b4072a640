//! `/v1/quizzes` (also served as `/v1/assessments`): quizzes, their questions and publishing.

use axum::body::Bytes;
use axum::extract::State;
use domain::quiz::{QuestionView, QuizStatus, QuizView};
use domain::{CourseId, QuestionId, QuizId};
use serde::Deserialize;
use service::quizzes::questions::{self, QuestionForm};
use service::quizzes::{self, QuizForm, QuizInput};
use service::Caller;
use utoipa::{IntoParams, ToSchema};

use super::courses::{Deleted, VersionBody};
use super::envelope::{ApiOk, ApiResult, Meta};
use super::extract::{optional_json, ApiCaller, ApiJson, ApiQuery, PathId};
use super::openapi::{Envelope, PageEnvelope};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// One course's quizzes; without it, those of every course the caller teaches or learns in.
    #[param(value_type = Option<CourseId>)]
    pub course_id: Option<CourseId>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// 20 unless given; at most 100.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/v1/quizzes", operation_id = "listQuizzes", tag = "quizzes", params(ListParams),
    responses((status = 200, description = "A page of quizzes, oldest first; totals in `meta`.", body = PageEnvelope<QuizView>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Vec<QuizView>> {
    let page = quizzes::list(
        &caller,
        &state.store,
        params.course_id,
        params.page,
        params.per_page,
    )
    .await?;
    Ok(ApiOk::page(&meta, page))
}

/// Creates a draft quiz in a course the caller edits.
#[utoipa::path(post, path = "/v1/quizzes", operation_id = "createQuiz", tag = "quizzes", request_body = QuizForm,
    responses((status = 201, description = "The new quiz, a draft.", body = Envelope<QuizView>)))]
pub async fn create(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(form): ApiJson<QuizForm>,
) -> ApiResult<QuizView> {
    let input = QuizInput::parse_new(form)?;
    let quiz = quizzes::create(&caller, &state.store, input).await?;
    Ok(ApiOk::created(&meta, quiz))
}

/// Reads a quiz. The course's editors get its questions with their answers; learners get its
/// settings and `question_count`, and meet the questions inside an attempt.
#[utoipa::path(get, path = "/v1/quizzes/{id}", operation_id = "getQuiz", tag = "quizzes", params(("id" = QuizId, Path)),
    responses((status = 200, description = "The quiz.", body = Envelope<QuizView>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
) -> ApiResult<QuizView> {
    Ok(ApiOk::new(
        &meta,
        quizzes::get(&caller, &state.store, id).await?,
    ))
}

/// Changes a quiz's settings (including `required_for_completion`); `null` clears a limit or time.
#[utoipa::path(patch, path = "/v1/quizzes/{id}", operation_id = "updateQuiz", tag = "quizzes", params(("id" = QuizId, Path)), request_body = QuizForm,
    responses((status = 200, description = "The changed quiz.", body = Envelope<QuizView>)))]
pub async fn update(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
    ApiJson(form): ApiJson<QuizForm>,
) -> ApiResult<QuizView> {
    let input = QuizInput::parse(form)?;
    Ok(ApiOk::new(
        &meta,
        quizzes::update(&caller, &state.store, id, input).await?,
    ))
}

/// Deletes a quiz with its questions and attempts.
#[utoipa::path(delete, path = "/v1/quizzes/{id}", operation_id = "deleteQuiz", tag = "quizzes", params(("id" = QuizId, Path)),
    request_body(content = Option<VersionBody>, description = "Optional."),
    responses((status = 200, description = "The quiz is gone.", body = Envelope<Deleted>)))]
pub async fn delete(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
    body: Bytes,
) -> ApiResult<Deleted> {
    let body: VersionBody = optional_json(&meta, &body)?;
    quizzes::delete(&caller, &state.store, id, body.version).await?;
    let deleted = Deleted {
        id: id.to_string(),
        deleted: true,
    };
    Ok(ApiOk::new(&meta, deleted))
}

/// Publishes a quiz: learners of the course may start it within its window. Refused with
/// `quiz.no_questions` while it has no question.
#[utoipa::path(post, path = "/v1/quizzes/{id}/publish", operation_id = "publishQuiz", tag = "quizzes", params(("id" = QuizId, Path)),
    request_body(content = Option<VersionBody>, description = "Optional."),
    responses((status = 200, description = "The published quiz.", body = Envelope<QuizView>)))]
pub async fn publish(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
    body: Bytes,
) -> ApiResult<QuizView> {
    set_status(state, meta, caller, id, body, QuizStatus::Published).await
}

/// Takes a quiz back to draft: learners can no longer start it; attempts in progress run to their
/// end.
#[utoipa::path(post, path = "/v1/quizzes/{id}/unpublish", operation_id = "unpublishQuiz", tag = "quizzes", params(("id" = QuizId, Path)),
    request_body(content = Option<VersionBody>, description = "Optional."),
    responses((status = 200, description = "The quiz, now a draft.", body = Envelope<QuizView>)))]
pub async fn unpublish(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
    body: Bytes,
) -> ApiResult<QuizView> {
    set_status(state, meta, caller, id, body, QuizStatus::Draft).await
}

async fn set_status(
    state: AppState,
    meta: Meta,
    caller: Caller,
    id: QuizId,
    body: Bytes,
    status: QuizStatus,
) -> ApiResult<QuizView> {
    let body: VersionBody = optional_json(&meta, &body)?;
    let quiz = quizzes::set_status(&caller, &state.store, id, status, body.version).await?;
    Ok(ApiOk::new(&meta, quiz))
}

/// Adds a question at the end of a quiz.
#[utoipa::path(post, path = "/v1/quizzes/{id}/questions", operation_id = "createQuestion", tag = "quizzes", params(("id" = QuizId, Path)), request_body = QuestionForm,
    responses((status = 201, description = "The new question with its answer key.", body = Envelope<QuestionView>)))]
pub async fn create_question(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
    ApiJson(form): ApiJson<QuestionForm>,
) -> ApiResult<QuestionView> {
    let question = questions::add(&caller, &state.store, id, form).await?;
    Ok(ApiOk::created(&meta, question))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionOrder {
    /// Every question of the quiz, once, in the new order.
    #[schema(value_type = Vec<QuestionId>)]
    pub ids: Vec<QuestionId>,
}

/// Puts a quiz's questions in the given order.
#[utoipa::path(post, path = "/v1/quizzes/{id}/questions/reorder", operation_id = "reorderQuestions", tag = "quizzes", params(("id" = QuizId, Path)), request_body = QuestionOrder,
    responses((status = 200, description = "The questions in their new order.", body = Envelope<Vec<QuestionView>>)))]
pub async fn reorder_questions(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuizId>,
    ApiJson(body): ApiJson<QuestionOrder>,
) -> ApiResult<Vec<QuestionView>> {
    let order = questions::reorder(&caller, &state.store, id, body.ids).await?;
    Ok(ApiOk::new(&meta, order))
}

/// Changes a question; sending any answer-key field replaces the key whole. Attempts already made
/// keep the question as they showed it.
#[utoipa::path(patch, path = "/v1/questions/{id}", operation_id = "updateQuestion", tag = "quizzes", params(("id" = QuestionId, Path)), request_body = QuestionForm,
    responses((status = 200, description = "The changed question.", body = Envelope<QuestionView>)))]
pub async fn update_question(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuestionId>,
    ApiJson(form): ApiJson<QuestionForm>,
) -> ApiResult<QuestionView> {
    let question = questions::update(&caller, &state.store, id, form).await?;
    Ok(ApiOk::new(&meta, question))
}

#[utoipa::path(delete, path = "/v1/questions/{id}", operation_id = "deleteQuestion", tag = "quizzes", params(("id" = QuestionId, Path)),
    responses((status = 200, description = "The question is gone.", body = Envelope<Deleted>)))]
pub async fn delete_question(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<QuestionId>,
) -> ApiResult<Deleted> {
    questions::delete(&caller, &state.store, id).await?;
    let deleted = Deleted {
        id: id.to_string(),
        deleted: true,
    };
    Ok(ApiOk::new(&meta, deleted))
}
