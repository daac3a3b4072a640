//! The catalog of published courses.

use domain::dto::CourseCard;
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "courses/published")]
pub async fn published_courses() -> Result<Vec<CourseCard>, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::courses::published(&caller, &ctx.store)
        .await
        .map_err(crate::ssr::service_error)
}
