//! The learner's side: the catalog and its suggestions, a course's page, enrolling and leaving,
//! lesson pages, marking lessons complete, and "My courses".

use domain::course::{CourseView, EnrollmentView, LearnerCourseView, MyCourse};
use domain::dto::Page;
use domain::{CourseId, LessonId};
use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::{caller, service_error};

/// Published courses, newest first, narrowed by `q` when it is given.
#[server(endpoint = "catalog/search")]
pub async fn catalog(q: Option<String>, page: Option<u32>) -> Result<Page<CourseView>, AppError> {
    let (caller, ctx) = caller().await?;
    let query = domain::course::CourseQuery {
        q,
        status: Some(domain::CourseStatus::Published),
        page,
        per_page: Some(12),
    };
    service::courses::list(&caller, &ctx.store, query)
        .await
        .map_err(service_error)
}

/// Titles matching what the learner has typed so far.
#[server(endpoint = "catalog/suggest")]
pub async fn suggest_courses(q: String) -> Result<Vec<String>, AppError> {
    let (caller, ctx) = caller().await?;
    service::courses::search::suggest(&caller, &ctx.store, &q)
        .await
        .map_err(service_error)
}

#[server(endpoint = "learning/course")]
pub async fn learner_course(id: CourseId) -> Result<LearnerCourseView, AppError> {
    let (caller, ctx) = caller().await?;
    service::learning::course(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

#[server(endpoint = "learning/enroll")]
pub async fn enroll(course_id: CourseId) -> Result<EnrollmentView, AppError> {
    let (caller, ctx) = caller().await?;
    service::enrollments::enroll(
        &caller,
        &ctx.store,
        course_id,
        service::enrollments::Learner::Me,
    )
    .await
    .map(|(enrollment, _)| enrollment)
    .map_err(service_error)
}

#[server(endpoint = "learning/leave")]
pub async fn leave(course_id: CourseId) -> Result<EnrollmentView, AppError> {
    let (caller, ctx) = caller().await?;
    service::enrollments::withdraw(
        &caller,
        &ctx.store,
        course_id,
        service::enrollments::Learner::Me,
    )
    .await
    .map_err(service_error)
}

// The server function's own type is `LessonPage`, hence the domain type's full path.
#[server(endpoint = "learning/lesson")]
pub async fn lesson_page(id: LessonId) -> Result<domain::course::LessonPage, AppError> {
    let (caller, ctx) = caller().await?;
    service::learning::lesson(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

#[server(endpoint = "learning/complete")]
pub async fn complete_lesson(id: LessonId) -> Result<EnrollmentView, AppError> {
    let (caller, ctx) = caller().await?;
    service::learning::complete_lesson(&caller, &ctx.store, id)
        .await
        .map_err(service_error)
}

#[server(endpoint = "learning/my-courses")]
pub async fn my_courses() -> Result<Vec<MyCourse>, AppError> {
    let (caller, ctx) = caller().await?;
    service::learning::my_courses(&caller, &ctx.store)
        .await
        .map_err(service_error)
}
