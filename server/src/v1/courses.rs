//! `/v1/courses`: list and search, create, read whole, change, delete, publish, unpublish, archive.

use axum::body::Bytes;
use axum::extract::{Path, State};
use domain::course::{CourseQuery, CourseView};
use domain::{CourseId, CourseStatus};
use serde::{Deserialize, Serialize};
use service::courses::{self, CoursePatch, CoursePatchForm, NewCourse, NewCourseForm};
use utoipa::{IntoParams, ToSchema};

use super::envelope::{ApiOk, ApiResult, Meta};
use super::extract::{optional_json, parse_id, ApiCaller, ApiJson, ApiQuery, PathId};
use super::openapi::{Envelope, PageEnvelope};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Words of a title or summary; the last may be the start of a word. Best matches first.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Teachers and admins filter by status; students always get published courses.
    #[param(value_type = Option<CourseStatus>)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/v1/courses", operation_id = "listCourses", tag = "courses", params(ListParams),
    responses((status = 200, description = "A page of courses; totals in `meta`.", body = PageEnvelope<CourseView>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Vec<CourseView>> {
    let status = params
        .status
        .map(|s| CourseStatus::parse("status", &s))
        .transpose()?;
    let query = CourseQuery {
        q: params.q,
        status,
        page: params.page,
        per_page: params.per_page,
    };
    let page = courses::list(&caller, &state.store, query).await?;
    Ok(ApiOk::page(&meta, page))
}

/// Creates a draft course.
#[utoipa::path(post, path = "/v1/courses", operation_id = "createCourse", tag = "courses", request_body = NewCourseForm,
    responses((status = 201, description = "The new course, a draft.", body = Envelope<CourseView>)))]
pub async fn create(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(form): ApiJson<NewCourseForm>,
) -> ApiResult<CourseView> {
    let input = NewCourse::parse(form)?;
    let course = courses::create(&caller, &state.store, input).await?;
    Ok(ApiOk::created(&meta, course))
}

/// Reads a course with its modules, lessons and their content blocks, in order.
#[utoipa::path(get, path = "/v1/courses/{id}", operation_id = "getCourse", tag = "courses", params(("id" = CourseId, Path)),
    responses((status = 200, description = "The course, whole.", body = Envelope<CourseView>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
) -> ApiResult<CourseView> {
    let course = courses::get(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, course))
}

/// Changes a course's fields.
#[utoipa::path(patch, path = "/v1/courses/{id}", operation_id = "updateCourse", tag = "courses", params(("id" = CourseId, Path)), request_body = CoursePatchForm,
    responses((status = 200, description = "The changed course.", body = Envelope<CourseView>)))]
pub async fn update(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiJson(form): ApiJson<CoursePatchForm>,
) -> ApiResult<CourseView> {
    let patch = CoursePatch::parse(form)?;
    let course = courses::update(&caller, &state.store, id, patch).await?;
    Ok(ApiOk::new(&meta, course))
}

/// An optional body for the status changes and deletion.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    /// The `version` read; a course changed since is refused with `resource.version_conflict`.
    pub version: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    #[schema(example = "crs_01kbt2n3r5x8yq0c4e6g8j9m2p")]
    pub id: String,
    pub deleted: bool,
}

/// Deletes a course with everything in it. Refused with `course.has_enrollments` while learners
/// are enrolled, unless the course is archived.
#[utoipa::path(delete, path = "/v1/courses/{id}", operation_id = "deleteCourse", tag = "courses", params(("id" = CourseId, Path)),
    responses((status = 200, description = "The course is gone.", body = Envelope<Deleted>)))]
pub async fn delete(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    body: Bytes,
) -> ApiResult<Deleted> {
    let body: VersionBody = optional_json(&meta, &body)?;
    courses::delete(&caller, &state.store, id, body.version).await?;
    Ok(ApiOk::new(
        &meta,
        Deleted {
            id: id.to_string(),
            deleted: true,
        },
    ))
}

async fn change_status(
    state: &AppState,
    meta: &Meta,
    caller: &service::Caller,
    id: &str,
    body: &[u8],
    to: CourseStatus,
) -> ApiResult<CourseView> {
    let id: CourseId = parse_id(meta, id)?;
    let body: VersionBody = optional_json(meta, body)?;
    let change = match to {
        CourseStatus::Published => courses::publish(caller, &state.store, id, body.version).await,
        CourseStatus::Draft => courses::unpublish(caller, &state.store, id, body.version).await,
        CourseStatus::Archived => courses::archive(caller, &state.store, id, body.version).await,
    };
    Ok(ApiOk::new(meta, change?))
}

/// Publishes a course: learners find it in the catalog. Refused with `course.no_lessons` while it
/// has no lesson. Writes a `course.published` event.
#[utoipa::path(post, path = "/v1/courses/{id}/publish", operation_id = "publishCourse", tag = "courses", params(("id" = CourseId, Path)),
    request_body(content = Option<VersionBody>, description = "Optional."),
    responses((status = 200, description = "The published course.", body = Envelope<CourseView>)))]
pub async fn publish(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<CourseView> {
    change_status(&state, &meta, &caller, &id, &body, CourseStatus::Published).await
}

/// Takes a course back to draft.
#[utoipa::path(post, path = "/v1/courses/{id}/unpublish", operation_id = "unpublishCourse", tag = "courses", params(("id" = CourseId, Path)),
    request_body(content = Option<VersionBody>, description = "Optional."),
    responses((status = 200, description = "The course, a draft again.", body = Envelope<CourseView>)))]
pub async fn unpublish(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<CourseView> {
    change_status(&state, &meta, &caller, &id, &body, CourseStatus::Draft).await
}

/// Archives a course: it leaves the catalog; enrolled learners keep it and their progress.
#[utoipa::path(post, path = "/v1/courses/{id}/archive", operation_id = "archiveCourse", tag = "courses", params(("id" = CourseId, Path)),
    request_body(content = Option<VersionBody>, description = "Optional."),
    responses((status = 200, description = "The archived course.", body = Envelope<CourseView>)))]
pub async fn archive(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<CourseView> {
    change_status(&state, &meta, &caller, &id, &body, CourseStatus::Archived).await
}
