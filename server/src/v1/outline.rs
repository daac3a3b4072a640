//! A course's modules and lessons on `/v1`: create, read, rename or edit, delete, reorder.

use axum::extract::State;
use domain::course::{Block, LessonView, ModuleView};
use domain::{CourseId, LessonId, ModuleId};
use serde::Deserialize;
use service::courses::outline::{self, LessonForm, LessonInput};
use utoipa::ToSchema;

use super::courses::Deleted;
use super::envelope::{ApiOk, ApiResult, Meta};
use super::extract::{ApiCaller, ApiJson, PathId};
use super::openapi::Envelope;
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/courses/{id}/modules", operation_id = "listModules", tag = "modules", params(("id" = CourseId, Path)),
    responses((status = 200, description = "The course's modules with their lessons, in order.", body = Envelope<Vec<ModuleView>>)))]
pub async fn list_modules(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
) -> ApiResult<Vec<ModuleView>> {
    let modules = outline::list_modules(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, modules))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleBody {
    #[schema(min_length = 1, max_length = 200, example = "Week 1: foundations")]
    pub title: String,
}

/// Adds a module at the end of the course.
#[utoipa::path(post, path = "/v1/courses/{id}/modules", operation_id = "createModule", tag = "modules", params(("id" = CourseId, Path)), request_body = ModuleBody,
    responses((status = 201, description = "The new module.", body = Envelope<ModuleView>)))]
pub async fn create_module(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiJson(body): ApiJson<ModuleBody>,
) -> ApiResult<ModuleView> {
    let module = outline::add_module(&caller, &state.store, id, &body.title).await?;
    Ok(ApiOk::created(&meta, module))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleOrder {
    /// Every module of the course, once, in the new order.
    #[schema(value_type = Vec<ModuleId>)]
    pub ids: Vec<ModuleId>,
}

/// Puts the course's modules in the given order.
#[utoipa::path(post, path = "/v1/courses/{id}/modules/reorder", operation_id = "reorderModules", tag = "modules", params(("id" = CourseId, Path)), request_body = ModuleOrder,
    responses((status = 200, description = "The modules in their new order.", body = Envelope<Vec<ModuleView>>)))]
pub async fn reorder_modules(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<CourseId>,
    ApiJson(body): ApiJson<ModuleOrder>,
) -> ApiResult<Vec<ModuleView>> {
    let modules = outline::reorder_modules(&caller, &state.store, id, body.ids).await?;
    Ok(ApiOk::new(&meta, modules))
}

#[utoipa::path(get, path = "/v1/modules/{id}", operation_id = "getModule", tag = "modules", params(("id" = ModuleId, Path)),
    responses((status = 200, description = "The module with its lessons.", body = Envelope<ModuleView>)))]
pub async fn get_module(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ModuleId>,
) -> ApiResult<ModuleView> {
    let module = outline::get_module(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, module))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModulePatch {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The module's `version` read; a module renamed since is refused.
    pub version: Option<i32>,
}

/// Renames a module.
#[utoipa::path(patch, path = "/v1/modules/{id}", operation_id = "updateModule", tag = "modules", params(("id" = ModuleId, Path)), request_body = ModulePatch,
    responses((status = 200, description = "The renamed module.", body = Envelope<ModuleView>)))]
pub async fn update_module(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ModuleId>,
    ApiJson(body): ApiJson<ModulePatch>,
) -> ApiResult<ModuleView> {
    let module =
        outline::rename_module(&caller, &state.store, id, &body.title, body.version).await?;
    Ok(ApiOk::new(&meta, module))
}

/// Deletes a module and its lessons.
#[utoipa::path(delete, path = "/v1/modules/{id}", operation_id = "deleteModule", tag = "modules", params(("id" = ModuleId, Path)),
    responses((status = 200, description = "The module is gone.", body = Envelope<Deleted>)))]
pub async fn delete_module(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ModuleId>,
) -> ApiResult<Deleted> {
    outline::delete_module(&caller, &state.store, id).await?;
    Ok(ApiOk::new(
        &meta,
        Deleted {
            id: id.to_string(),
            deleted: true,
        },
    ))
}

#[utoipa::path(get, path = "/v1/modules/{id}/lessons", operation_id = "listLessons", tag = "lessons", params(("id" = ModuleId, Path)),
    responses((status = 200, description = "The module's lessons, in order.", body = Envelope<Vec<LessonView>>)))]
pub async fn list_lessons(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ModuleId>,
) -> ApiResult<Vec<LessonView>> {
    let lessons = outline::list_lessons(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, lessons))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonBody {
    #[schema(min_length = 1, max_length = 200, example = "What is a p-value?")]
    pub title: String,
    /// The content, in order (at most 50 blocks).
    #[serde(default)]
    pub blocks: Vec<Block>,
}

/// Adds a lesson at the end of a module.
#[utoipa::path(post, path = "/v1/modules/{id}/lessons", operation_id = "createLesson", tag = "lessons", params(("id" = ModuleId, Path)), request_body = LessonBody,
    responses((status = 201, description = "The new lesson.", body = Envelope<LessonView>)))]
pub async fn create_lesson(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ModuleId>,
    ApiJson(body): ApiJson<LessonBody>,
) -> ApiResult<LessonView> {
    let input = LessonInput::parse(LessonForm {
        title: Some(body.title),
        blocks: Some(body.blocks),
        ..LessonForm::default()
    })?;
    let lesson = outline::add_lesson(&caller, &state.store, id, input).await?;
    Ok(ApiOk::created(&meta, lesson))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonOrder {
    /// Every lesson of the module, once, in the new order.
    #[schema(value_type = Vec<LessonId>)]
    pub ids: Vec<LessonId>,
}

/// Puts a module's lessons in the given order.
#[utoipa::path(post, path = "/v1/modules/{id}/lessons/reorder", operation_id = "reorderLessons", tag = "lessons", params(("id" = ModuleId, Path)), request_body = LessonOrder,
    responses((status = 200, description = "The lessons in their new order.", body = Envelope<Vec<LessonView>>)))]
pub async fn reorder_lessons(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ModuleId>,
    ApiJson(body): ApiJson<LessonOrder>,
) -> ApiResult<Vec<LessonView>> {
    let lessons = outline::reorder_lessons(&caller, &state.store, id, body.ids).await?;
    Ok(ApiOk::new(&meta, lessons))
}

/// Reads a lesson with its raw blocks (teachers, admins, and enrolled learners).
#[utoipa::path(get, path = "/v1/lessons/{id}", operation_id = "getLesson", tag = "lessons", params(("id" = LessonId, Path)),
    responses((status = 200, description = "The lesson.", body = Envelope<LessonView>)))]
pub async fn get_lesson(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<LessonId>,
) -> ApiResult<LessonView> {
    let lesson = outline::get_lesson(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, lesson))
}

/// Changes a lesson's title or content, or moves it to another module.
#[utoipa::path(patch, path = "/v1/lessons/{id}", operation_id = "updateLesson", tag = "lessons", params(("id" = LessonId, Path)), request_body = LessonForm,
    responses((status = 200, description = "The changed lesson.", body = Envelope<LessonView>)))]
pub async fn update_lesson(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<LessonId>,
    ApiJson(form): ApiJson<LessonForm>,
) -> ApiResult<LessonView> {
    let input = LessonInput::parse(form)?;
    let lesson = outline::update_lesson(&caller, &state.store, id, input).await?;
    Ok(ApiOk::new(&meta, lesson))
}

#[utoipa::path(delete, path = "/v1/lessons/{id}", operation_id = "deleteLesson", tag = "lessons", params(("id" = LessonId, Path)),
    responses((status = 200, description = "The lesson is gone.", body = Envelope<Deleted>)))]
pub async fn delete_lesson(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<LessonId>,
) -> ApiResult<Deleted> {
    outline::delete_lesson(&caller, &state.store, id).await?;
    Ok(ApiOk::new(
        &meta,
        Deleted {
            id: id.to_string(),
            deleted: true,
        },
    ))
}
