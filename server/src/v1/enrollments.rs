//! `/v1/courses/{id}/enrollments` and `/v1/courses/{id}/staff`: the roster, enrolling and
//! withdrawing learners (one by one or from a CSV roster), and the teachers who edit the course.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use domain::course::{EnrollmentView, RosterRow};
use domain::dto::UserView;
use domain::{CourseId, Email, EnrollmentStatus, UserId};
use serde::Deserialize;
use service::courses::staff;
use service::enrollments::{self, Learner};
use utoipa::{IntoParams, ToSchema};

use super::envelope::{ApiError, ApiOk, ApiResult, Meta};
use super::extract::{malformed, ApiCaller, ApiJson, ApiQuery, PathId, PathIds};
use super::openapi::{Envelope, PageEnvelope};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RosterParams {
    #[param(value_type = Option<EnrollmentStatus>)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// The course's roster, by learner name, with each learner's progress (the course's editors).
#[utoipa::path(get, path = "/v1/courses/{id}/enrollments", operation_id = "listEnrollments", tag = "enrollments", params(("id" = CourseId, Path), RosterParams),
    responses((status = 200, description = "A page of enrolments; totals in `meta`.", body = PageEnvelope<EnrollmentView>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiQuery(params): ApiQuery<RosterParams>,
) -> ApiResult<Vec<EnrollmentView>> {
    let status = params
        .status
        .map(|s| EnrollmentStatus::parse("status", &s))
        .transpose()?;
    let page = enrollments::roster(
        &caller,
        &state.store,
        id,
        status,
        params.page,
        params.per_page,
    )
    .await?;
    Ok(ApiOk::page(&meta, page))
}

#[derive(Debug, Default, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LearnerRef {
    /// The learner, by id…
    pub user_id: Option<UserId>,
    /// …or by email.
    #[schema(format = Email)]
    #[param(format = Email)]
    pub email: Option<String>,
}

fn learner(body: LearnerRef) -> Result<Learner, ApiError> {
    match (body.user_id, body.email) {
        (Some(id), None) => Ok(Learner::Id(id)),
        (None, Some(email)) => Ok(Learner::Email(Email::parse("email", &email)?)),
        _ => Err(ApiError::from(service::ServiceError::invalid(
            "user_id",
            "Name the learner by user_id or by email (one of them).",
        ))),
    }
}

/// Enrols a learner (the course's editors). An enrolment that exists is answered with 200 and
/// left as it is; a new or renewed one with 201 and an `enrollment.created` event.
#[utoipa::path(post, path = "/v1/courses/{id}/enrollments", operation_id = "createEnrollment", tag = "enrollments", params(("id" = CourseId, Path)), request_body = LearnerRef,
    responses(
        (status = 201, description = "The learner is enrolled.", body = Envelope<EnrollmentView>),
        (status = 200, description = "The learner was already enrolled.", body = Envelope<EnrollmentView>)))]
pub async fn create(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiJson(body): ApiJson<LearnerRef>,
) -> ApiResult<EnrollmentView> {
    let learner = learner(body)?;
    let (enrollment, created) = enrollments::enroll(&caller, &state.store, id, learner).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(ApiOk::with_status(&meta, status, enrollment))
}

/// Withdraws a learner named by `user_id` or `email` in the query. Their progress is kept.
#[utoipa::path(delete, path = "/v1/courses/{id}/enrollments", operation_id = "deleteEnrollment", tag = "enrollments", params(("id" = CourseId, Path), LearnerRef),
    responses((status = 200, description = "The withdrawn enrolment.", body = Envelope<EnrollmentView>)))]
pub async fn delete(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiQuery(query): ApiQuery<LearnerRef>,
) -> ApiResult<EnrollmentView> {
    let learner = learner(query)?;
    let enrollment = enrollments::withdraw(&caller, &state.store, id, learner).await?;
    Ok(ApiOk::new(&meta, enrollment))
}

/// Withdraws one learner, named in the path.
#[utoipa::path(delete, path = "/v1/courses/{id}/enrollments/{user_id}", operation_id = "deleteEnrollmentOfUser", tag = "enrollments", params(("id" = CourseId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, description = "The withdrawn enrolment.", body = Envelope<EnrollmentView>)))]
pub async fn delete_user(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathIds(id, user): PathIds<CourseId, UserId>,
) -> ApiResult<EnrollmentView> {
    let enrollment = enrollments::withdraw(&caller, &state.store, id, Learner::Id(user)).await?;
    Ok(ApiOk::new(&meta, enrollment))
}

/// Enrols every email of a CSV roster (one per line; an `email` header and further columns are
/// ignored) and reports each row: `enrolled`, `already_enrolled` or `failed` with the reason.
#[utoipa::path(post, path = "/v1/courses/{id}/enrollments/import", operation_id = "importEnrollments", tag = "enrollments", params(("id" = CourseId, Path)),
    request_body(content = String, content_type = "text/csv", description = "One email per line, at most 5000 rows.", example = "email\nada@example.org\ngrace@example.org"),
    responses((status = 200, description = "One row per line of the roster.", body = Envelope<Vec<RosterRow>>)))]
pub async fn import(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    body: Bytes,
) -> ApiResult<Vec<RosterRow>> {
    let csv = std::str::from_utf8(&body)
        .map_err(|_| malformed(&meta, "The roster must be UTF-8 text."))?;
    let report = enrollments::import_roster(&caller, &state.store, id, csv).await?;
    Ok(ApiOk::new(&meta, report))
}

/// The course's owner and staff: the teachers who may edit it.
#[utoipa::path(get, path = "/v1/courses/{id}/staff", operation_id = "listCourseStaff", tag = "courses", params(("id" = CourseId, Path)),
    responses((status = 200, description = "Owner first, then the staff by name.", body = Envelope<Vec<UserView>>)))]
pub async fn list_staff(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
) -> ApiResult<Vec<UserView>> {
    let users = staff::list(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, users))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    /// A teacher or admin of the tenant.
    #[schema(format = Email)]
    pub email: String,
}

/// Lets a teacher edit the course.
#[utoipa::path(post, path = "/v1/courses/{id}/staff", operation_id = "addCourseStaff", tag = "courses", params(("id" = CourseId, Path)), request_body = StaffBody,
    responses((status = 200, description = "The staff after the change.", body = Envelope<Vec<UserView>>)))]
pub async fn add_staff(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiJson(body): ApiJson<StaffBody>,
) -> ApiResult<Vec<UserView>> {
    let users = staff::add(&caller, &state.store, id, &body.email).await?;
    Ok(ApiOk::new(&meta, users))
}

#[utoipa::path(delete, path = "/v1/courses/{id}/staff/{user_id}", operation_id = "removeCourseStaff", tag = "courses", params(("id" = CourseId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, description = "The staff after the change.", body = Envelope<Vec<UserView>>)))]
pub async fn remove_staff(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathIds(id, user): PathIds<CourseId, UserId>,
) -> ApiResult<Vec<UserView>> {
    let users = staff::remove(&caller, &state.store, id, user).await?;
    Ok(ApiOk::new(&meta, users))
}
