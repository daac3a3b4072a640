//! Course authoring for teachers and admins: courses, modules, lessons, staff and rosters. Each
//! function is one service call; forms post their fields as strings, parsed by the service.

use domain::course::{CourseView, EnrollmentView, LessonView, RenderedBlock, RosterRow};
use domain::dto::{Page, UserView};
use domain::outline::{OutlineItem, OutlineParent};
use domain::{CourseId, CourseStatus, LessonId, ModuleId, UserId};
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::{caller, service_error};
#[cfg(feature = "ssr")]
use service::courses;

/// The courses a teacher sees on the authoring page: every course of the tenant.
#[server(endpoint = "courses/teaching")]
pub async fn teaching_courses(
    q: Option<String>,
    status: Option<CourseStatus>,
    page: Option<u32>,
) -> Result<Page<CourseView>, AppError> {
    let (caller, ctx) = caller().await?;
    caller.require_teacher().map_err(service_error)?;
    let query = domain::course::CourseQuery {
        q,
        status,
        page,
        per_page: Some(20),
    };
    courses::list(&caller, &ctx.store, query)
        .await
        .map_err(service_error)
}

#[server(endpoint = "courses/create")]
pub async fn create_course(title: String, summary: Option<String>) -> Result<CourseView, AppError> {
    let (caller, ctx) = caller().await?;
    let form = courses::NewCourseForm {
        title,
        summary,
        ..Default::default()
    };
    let input = courses::NewCourse::parse(form).map_err(|e| service_error(e.into()))?;
    courses::create(&caller, &ctx.store, input)
        .await
        .map_err(service_error)
}

/// The whole course, for the editor.
#[server(endpoint = "courses/get")]
pub async fn get_course(id: CourseId) -> Result<CourseView, AppError> {
    let (caller, ctx) = caller().await?;
    courses::get(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

/// Saves the course's details. `self_enrollment` is a checkbox: present means on.
#[server(endpoint = "courses/update")]
pub async fn update_course(
    id: CourseId,
    title: String,
    summary: String,
    cover_color: String,
    self_enrollment: Option<String>,
    version: i32,
) -> Result<CourseView, AppError> {
    let (caller, ctx) = caller().await?;
    let form = courses::CoursePatchForm {
        title: Some(title),
        summary: Some(summary),
        cover_color: Some(cover_color),
        self_enrollment: Some(self_enrollment.is_some()),
        version: Some(version),
        ..Default::default()
    };
    let patch = courses::CoursePatch::parse(form).map_err(|e| service_error(e.into()))?;
    courses::update(&caller, &ctx.store, id, patch)
        .await
        .map_err(service_error)
}

/// Publishes (`published`), unpublishes (`draft`) or archives (`archived`) a course.
#[server(endpoint = "courses/set-status")]
pub async fn set_course_status(
    id: CourseId,
    status: String,
    version: i32,
) -> Result<CourseView, AppError> {
    let (caller, ctx) = caller().await?;
    let status = CourseStatus::parse("status", &status).map_err(|e| service_error(e.into()))?;
    let store = &ctx.store;
    match status {
        CourseStatus::Published => courses::publish(&caller, store, id, Some(version)).await,
        CourseStatus::Draft => courses::unpublish(&caller, store, id, Some(version)).await,
        CourseStatus::Archived => courses::archive(&caller, store, id, Some(version)).await,
    }
    .map_err(service_error)
}

#[server(endpoint = "courses/delete")]
pub async fn delete_course(id: CourseId, version: i32) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::delete(&caller, &ctx.store, id, Some(version))
        .await
        .map_err(service_error)?;
    leptos_axum::redirect("/teach");
    Ok(())
}

#[server(endpoint = "modules/create")]
pub async fn add_module(course_id: CourseId, title: String) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::outline::add_module(&caller, &ctx.store, course_id, &title)
        .await
        .map(|_| ())
        .map_err(service_error)
}

#[server(endpoint = "modules/rename")]
pub async fn rename_module(id: ModuleId, title: String, version: i32) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::outline::rename_module(&caller, &ctx.store, id, &title, Some(version))
        .await
        .map(|_| ())
        .map_err(service_error)
}

/// Moves a module or lesson one place: `offset` is -1 (up) or 1 (down).
#[server(endpoint = "outline/move")]
pub async fn move_outline_item(id: OutlineItem, offset: i32) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::items::shift(&caller, &ctx.store, id, offset)
        .await
        .map_err(service_error)
}

#[server(endpoint = "outline/delete")]
pub async fn delete_outline_item(id: OutlineItem) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::items::delete(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

/// Puts a course's modules or a module's lessons in this order (drag and drop).
#[server(endpoint = "outline/reorder")]
pub async fn reorder_outline(parent: OutlineParent, ids: Vec<OutlineItem>) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::items::reorder(&caller, &ctx.store, parent, ids)
        .await
        .map_err(service_error)
}

#[server(endpoint = "lessons/create")]
pub async fn add_lesson(module_id: ModuleId, title: String) -> Result<LessonView, AppError> {
    let (caller, ctx) = caller().await?;
    let form = courses::outline::LessonForm {
        title: Some(title),
        ..Default::default()
    };
    let input = courses::outline::LessonInput::parse(form).map_err(|e| service_error(e.into()))?;
    courses::outline::add_lesson(&caller, &ctx.store, module_id, input)
        .await
        .map_err(service_error)
}

#[server(endpoint = "lessons/get")]
pub async fn get_lesson(id: LessonId) -> Result<LessonView, AppError> {
    let (caller, ctx) = caller().await?;
    courses::outline::get_lesson(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

/// Saves a lesson's title and content; `blocks` is the JSON array of its blocks.
#[server(endpoint = "lessons/save")]
pub async fn save_lesson(
    id: LessonId,
    title: String,
    blocks: String,
    version: i32,
) -> Result<LessonView, AppError> {
    let (caller, ctx) = caller().await?;
    let blocks = parse_blocks(&blocks)?;
    let input = courses::outline::LessonInput::parse(courses::outline::LessonForm {
        title: Some(title),
        blocks: Some(blocks),
        module_id: None,
        version: Some(version),
    })
    .map_err(|e| service_error(e.into()))?;
    courses::outline::update_lesson(&caller, &ctx.store, id, input)
        .await
        .map_err(service_error)
}

#[cfg(feature = "ssr")]
fn parse_blocks(json: &str) -> Result<Vec<domain::course::Block>, AppError> {
    serde_json::from_str(json).map_err(|e| {
        service_error(service::ServiceError::invalid(
            "blocks",
            &format!("The content could not be read: {e}"),
        ))
    })
}

/// The learner's view of content being edited: `blocks` is the JSON array of the blocks.
#[server(endpoint = "lessons/preview")]
pub async fn preview_blocks(blocks: String) -> Result<Vec<RenderedBlock>, AppError> {
    let (caller, ctx) = caller().await?;
    courses::outline::preview(&caller, &ctx.store, parse_blocks(&blocks)?)
        .await
        .map_err(service_error)
}

#[server(endpoint = "enrollments/roster")]
pub async fn course_roster(
    course_id: CourseId,
    page: Option<u32>,
) -> Result<Page<EnrollmentView>, AppError> {
    let (caller, ctx) = caller().await?;
    service::enrollments::roster(&caller, &ctx.store, course_id, None, page, Some(50))
        .await
        .map_err(service_error)
}

#[server(endpoint = "enrollments/enroll-email")]
pub async fn enroll_by_email(
    course_id: CourseId,
    email: String,
) -> Result<EnrollmentView, AppError> {
    let (caller, ctx) = caller().await?;
    let email = domain::Email::parse("email", &email).map_err(|e| service_error(e.into()))?;
    service::enrollments::enroll(
        &caller,
        &ctx.store,
        course_id,
        service::enrollments::Learner::Email(email),
    )
    .await
    .map(|(enrollment, _)| enrollment)
    .map_err(service_error)
}

#[server(endpoint = "enrollments/withdraw")]
pub async fn withdraw_learner(course_id: CourseId, user_id: UserId) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    service::enrollments::withdraw(
        &caller,
        &ctx.store,
        course_id,
        service::enrollments::Learner::Id(user_id),
    )
    .await
    .map(|_| ())
    .map_err(service_error)
}

/// Enrols a CSV roster: one email per line.
#[server(endpoint = "enrollments/import")]
pub async fn import_roster(course_id: CourseId, csv: String) -> Result<Vec<RosterRow>, AppError> {
    let (caller, ctx) = caller().await?;
    service::enrollments::import_roster(&caller, &ctx.store, course_id, &csv)
        .await
        .map_err(service_error)
}

#[server(endpoint = "courses/staff")]
pub async fn course_staff(course_id: CourseId) -> Result<Vec<UserView>, AppError> {
    let (caller, ctx) = caller().await?;
    courses::staff::list(&caller, &ctx.store, course_id)
        .await
        .map_err(service_error)
}

#[server(endpoint = "courses/staff-add")]
pub async fn add_staff(course_id: CourseId, email: String) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::staff::add(&caller, &ctx.store, course_id, &email)
        .await
        .map(|_| ())
        .map_err(service_error)
}

#[server(endpoint = "courses/staff-remove")]
pub async fn remove_staff(course_id: CourseId, user_id: UserId) -> Result<(), AppError> {
    let (caller, ctx) = caller().await?;
    courses::staff::remove(&caller, &ctx.store, course_id, user_id)
        .await
        .map(|_| ())
        .map_err(service_error)
}
