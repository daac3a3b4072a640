//! The tenant's settings, for its admins.

use domain::dto::TenantSettings;
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "tenant/settings")]
pub async fn get_tenant_settings() -> Result<TenantSettings, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::tenants::settings(&caller, &ctx.store)
        .await
        .map_err(crate::ssr::service_error)
}
