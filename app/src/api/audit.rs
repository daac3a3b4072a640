//! The tenant's audit log, for its admins.

use domain::dto::{AuditEventView, CursorPage};
use leptos::prelude::*;

use crate::error::AppError;

/// Filters are separate optional arguments, so an unfiltered call is an empty form.
#[server(endpoint = "audit/list")]
pub async fn audit_log(
    action: Option<String>,
    actor: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
) -> Result<CursorPage<AuditEventView>, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let query = domain::dto::AuditQuery {
        action,
        actor,
        target: None,
        since,
        until,
        cursor,
        limit: Some(50),
    };
    let filter = service::audit_log::AuditFilter::parse(&query).map_err(service_error)?;
    service::audit_log::list(&caller, &ctx.store, &filter)
        .await
        .map_err(service_error)
}
