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

/// `image_hosts` is the form's text area: one host per line.
#[server(endpoint = "tenant/image-hosts")]
pub async fn set_image_hosts(image_hosts: String) -> Result<TenantSettings, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    let hosts: Vec<String> = image_hosts.lines().map(str::to_string).collect();
    service::tenants::set_image_hosts(&caller, &ctx.store, &hosts)
        .await
        .map_err(crate::ssr::service_error)
}
