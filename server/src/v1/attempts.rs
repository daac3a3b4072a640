//! `/v1/quizzes/{id}/attempts`: a learner's attempts, timed by the server. A signed-in learner's
//! own, or, for an admin or teacher key, the learner `X-On-Behalf-Of` names.

use axum::body::Bytes;
use axum::extract::State;
use domain::attempt::{AnswerSave, AttemptSummary, AttemptView, QuestionGrade, Submission};
use domain::proctoring::AttemptControl;
use domain::quiz::AttemptStatus;
use domain::{AttemptId, QuizId, UserId};
use serde::{Deserialize, Serialize};
use service::quizzes::{attempts, control, grading};
use utoipa::{IntoParams, ToSchema};

use super::envelope::{ApiOk, ApiResult, Meta};
use super::extract::{optional_json, ActingCaller, ApiCaller, ApiJson, ApiQuery, PathId, PathIds};
use super::openapi::{Envelope, PageEnvelope};
use crate::state::AppState;

/// What starting may say: a strict quiz's learner accepts its proctoring rules.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// The learner read and accepts the rules of a quiz proctored in strict mode (needed to start
    /// one); the acceptance is stored with its time.
    #[serde(default)]
    pub accept_proctoring_rules: bool,
}

/// Starts an attempt, or answers the one in progress (`200` then, `201` for a new one). Refused
/// with `enrollment.required`, `quiz.closed`, `quiz.attempt.limit_reached` or, for a strict quiz
/// whose rules were not accepted, `proctoring.rules_not_accepted`. An admin or teacher key names
/// the learner with `X-On-Behalf-Of`.
#[utoipa::path(post, path = "/v1/quizzes/{id}/attempts", operation_id = "startAttempt", tag = "attempts",
    params(("id" = QuizId, Path), ("X-On-Behalf-Of" = UserId, Header, description = "usr_…: the learner the key acts for.")),
    request_body(content = Option<StartBody>, description = "Optional."),
    responses((status = 201, description = "The new attempt, with `server_now`, `deadline_at` and `remaining_ms`.", body = Envelope<AttemptView>),
              (status = 200, description = "The attempt already in progress.", body = Envelope<AttemptView>)))]
pub async fn start(
    State(state): State<AppState>,
    meta: Meta,
    ActingCaller(caller): ActingCaller,
    PathId(quiz): PathId<QuizId>,
    body: Bytes,
) -> ApiResult<AttemptView> {
    let body: StartBody = optional_json(&meta, &body)?;
    let options = attempts::StartOptions {
        preview: false,
        accepts_rules: body.accept_proctoring_rules,
    };
    match attempts::start_with(&caller, &state.store, quiz, options).await? {
        (attempt, true) => Ok(ApiOk::created(&meta, attempt)),
        (attempt, false) => Ok(ApiOk::new(&meta, attempt)),
    }
}

/// A throwaway attempt for the course's editors: it never counts and is not limited.
#[utoipa::path(post, path = "/v1/quizzes/{id}/preview", operation_id = "previewQuiz", tag = "attempts",
    params(("id" = QuizId, Path), ("X-On-Behalf-Of" = UserId, Header, description = "usr_…: the teacher the key previews as.")),
    responses((status = 201, description = "The preview attempt.", body = Envelope<AttemptView>)))]
pub async fn preview(
    State(state): State<AppState>,
    meta: Meta,
    ActingCaller(caller): ActingCaller,
    PathId(quiz): PathId<QuizId>,
) -> ApiResult<AttemptView> {
    let (attempt, _) = attempts::start(&caller, &state.store, quiz, true).await?;
    Ok(ApiOk::created(&meta, attempt))
}

#[utoipa::path(get, path = "/v1/quizzes/{id}/attempts/{attempt_id}", operation_id = "getAttempt", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path), ("X-On-Behalf-Of" = Option<UserId>, Header, description = "usr_…: the learner a key reads for.")),
    responses((status = 200, description = "The attempt as its learner sees it, with the server's clock.", body = Envelope<AttemptView>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ActingCaller(caller): ActingCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
) -> ApiResult<AttemptView> {
    Ok(ApiOk::new(
        &meta,
        attempts::get(&caller, &state.store, quiz, id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptPatch {
    /// The changed answers only, each with the `revision` last returned for it.
    #[serde(default)]
    pub answers: Vec<AnswerSave>,
    /// Submits the attempt after saving `answers`.
    #[serde(default)]
    pub submit: bool,
}

/// Saves answers and/or submits. After the deadline plus the grace, nothing is applied: the
/// attempt is submitted with the answers saved in time and `409 quiz.attempt.timer_expired`
/// answers.
#[utoipa::path(patch, path = "/v1/quizzes/{id}/attempts/{attempt_id}", operation_id = "updateAttempt", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path), ("X-On-Behalf-Of" = UserId, Header, description = "usr_…: the learner the key acts for.")),
    request_body = AttemptPatch,
    responses((status = 200, description = "The attempt with the stored answers and their revisions.", body = Envelope<AttemptView>)))]
pub async fn update(
    State(state): State<AppState>,
    meta: Meta,
    ActingCaller(caller): ActingCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
    ApiJson(body): ApiJson<AttemptPatch>,
) -> ApiResult<AttemptView> {
    let attempt =
        attempts::save(&caller, &state.store, quiz, id, body.answers, body.submit).await?;
    Ok(ApiOk::new(&meta, attempt))
}

/// An attempt's score alone.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptScore {
    pub attempt_id: AttemptId,
    pub status: AttemptStatus,
    /// Percent, two decimals; null until graded.
    pub score: Option<f64>,
    pub points: Option<f64>,
    pub max_points: f64,
    pub passed: Option<bool>,
}

#[utoipa::path(get, path = "/v1/quizzes/{id}/attempts/{attempt_id}/score", operation_id = "getAttemptScore", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path), ("X-On-Behalf-Of" = Option<UserId>, Header, description = "usr_…: the learner a key reads for.")),
    responses((status = 200, description = "The score; null while essays wait for a teacher.", body = Envelope<AttemptScore>)))]
pub async fn score(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
) -> ApiResult<AttemptScore> {
    let attempt = attempts::get(&caller, &state.store, quiz, id).await?;
    let score = AttemptScore {
        attempt_id: attempt.id,
        status: attempt.status,
        score: attempt.score,
        points: attempt.points,
        max_points: attempt.max_points,
        passed: attempt.passed,
    };
    Ok(ApiOk::new(&meta, score))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// One learner's attempts (the course's editors); a learner always gets their own.
    #[param(value_type = Option<UserId>)]
    pub user_id: Option<UserId>,
    /// Only attempts in this status (`in_progress`, `submitted`: essays waiting for a teacher, or
    /// `graded`).
    #[param(value_type = Option<AttemptStatus>)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A quiz's attempts, newest first: every learner's for the course's editors, or one learner's
/// with `user_id`; only those in one status with `status`.
#[utoipa::path(get, path = "/v1/quizzes/{id}/attempts", operation_id = "listAttempts", tag = "attempts",
    params(("id" = QuizId, Path), ListParams),
    responses((status = 200, description = "A page of attempts; totals in `meta`.", body = PageEnvelope<AttemptSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(quiz): PathId<QuizId>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Vec<AttemptSummary>> {
    let status = params
        .status
        .map(|s| AttemptStatus::parse("status", &s))
        .transpose()?;
    let page = grading::list(
        &caller,
        &state.store,
        quiz,
        params.user_id,
        status,
        params.page,
        params.per_page,
    )
    .await?;
    Ok(ApiOk::page(&meta, page))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeBody {
    pub grades: Vec<QuestionGrade>,
}

/// Grades questions of a submitted attempt (essays above all) with points and a comment; once none
/// is pending, the attempt is `graded` and `quiz.attempt.graded` is written.
#[utoipa::path(post, path = "/v1/quizzes/{id}/attempts/{attempt_id}/grade", operation_id = "gradeAttempt", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path)), request_body = GradeBody,
    responses((status = 200, description = "The attempt with its grades.", body = Envelope<AttemptView>)))]
pub async fn grade(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
    ApiJson(body): ApiJson<GradeBody>,
) -> ApiResult<AttemptView> {
    let attempt = grading::grade(&caller, &state.store, quiz, id, body.grades).await?;
    Ok(ApiOk::new(&meta, attempt))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    /// Percent, 0–100.
    pub score: f64,
    /// Why: kept in the audit log.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Replaces a submitted attempt's score, for a reason (audited).
#[utoipa::path(post, path = "/v1/quizzes/{id}/attempts/{attempt_id}/override", operation_id = "overrideAttemptScore", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path)), request_body = OverrideBody,
    responses((status = 200, description = "The attempt with its new score.", body = Envelope<AttemptView>)))]
pub async fn override_score(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> ApiResult<AttemptView> {
    let attempt =
        grading::override_score(&caller, &state.store, quiz, id, body.score, &body.reason).await?;
    Ok(ApiOk::new(&meta, attempt))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionBody {
    /// Every answer, each `{"question_id", "selected_option_id" | "selected_option_ids" | "text" | "number"}`.
    pub answers: Vec<AnswerSave>,
}

/// The one-shot form: starts an attempt, saves the answers and submits it in one call.
#[utoipa::path(post, path = "/v1/quizzes/{id}/submissions", operation_id = "createSubmission", tag = "attempts",
    params(("id" = QuizId, Path), ("X-On-Behalf-Of" = UserId, Header, description = "usr_…: the learner the key acts for.")),
    request_body = SubmissionBody,
    responses((status = 201, description = "The graded submission (an attempt: its id is the attempt's).", body = Envelope<Submission>)))]
pub async fn submit(
    State(state): State<AppState>,
    meta: Meta,
    ActingCaller(caller): ActingCaller,
    PathId(quiz): PathId<QuizId>,
    ApiJson(body): ApiJson<SubmissionBody>,
) -> ApiResult<Submission> {
    let attempt = attempts::submit_once(&caller, &state.store, quiz, body.answers).await?;
    Ok(ApiOk::created(&meta, Submission::from(attempt)))
}

#[utoipa::path(get, path = "/v1/quizzes/{id}/submissions/{attempt_id}", operation_id = "getSubmission", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path), ("X-On-Behalf-Of" = Option<UserId>, Header, description = "usr_…: the learner a key reads for.")),
    responses((status = 200, description = "The submission.", body = Envelope<Submission>)))]
pub async fn submission(
    State(state): State<AppState>,
    meta: Meta,
    ActingCaller(caller): ActingCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
) -> ApiResult<Submission> {
    let attempt = attempts::get(&caller, &state.store, quiz, id).await?;
    Ok(ApiOk::new(&meta, Submission::from(attempt)))
}

/// A teacher's action on a running attempt (the LTI Assessment Control service's): `pause` (its
/// clock stands still; saves answer `409 quiz.attempt.paused`), `resume`, `extend` by `minutes`,
/// `terminate` (submitted with what it holds) or `flag` (an incident for review; proctored
/// attempts only). The course's editors; audited with the reason, and on the proctoring timeline.
#[utoipa::path(post, path = "/v1/quizzes/{id}/attempts/{attempt_id}/control", operation_id = "controlAttempt", tag = "attempts",
    params(("id" = QuizId, Path), ("attempt_id" = AttemptId, Path)),
    request_body = AttemptControl,
    responses((status = 200, description = "The attempt after the action, with its new deadline or pause.", body = Envelope<AttemptView>)))]
pub async fn control(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathIds(quiz, id): PathIds<QuizId, AttemptId>,
    ApiJson(body): ApiJson<AttemptControl>,
) -> ApiResult<AttemptView> {
    let attempt = control::control(&caller, &state.store, quiz, id, body).await?;
    Ok(ApiOk::new(&meta, attempt))
}
