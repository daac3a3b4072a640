//! The tenant's API keys and how to connect, for its admins.

use domain::dto::{ApiKeyView, IssuedApiKey};
use domain::{ApiKeyId, TenantId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the API page shows: where to connect, as which tenant, and the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiAccess {
    pub tenant_id: TenantId,
    pub base_url: String,
    pub keys: Vec<ApiKeyView>,
}

#[server(endpoint = "api-keys/list")]
pub async fn get_api_access() -> Result<ApiAccess, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    let keys = service::api_keys::list(&caller, &ctx.store)
        .await
        .map_err(crate::ssr::service_error)?;
    Ok(ApiAccess {
        tenant_id: caller.tenant_id,
        base_url: format!("{}/v1", ctx.public_url.trim_end_matches('/')),
        keys,
    })
}

/// Makes a key; its secret is in the answer and never shown again.
#[server(endpoint = "api-keys/create")]
pub async fn create_api_key(
    name: String,
    role: String,
    expires_at: Option<String>,
) -> Result<IssuedApiKey, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let input = service::api_keys::NewApiKey::parse(
        &name,
        &role,
        expires_at.as_deref(),
        ctx.store.clock.now(),
    )
    .map_err(service_error)?;
    service::api_keys::create(&caller, &ctx.store, input)
        .await
        .map_err(service_error)
}

#[server(endpoint = "api-keys/rotate")]
pub async fn rotate_api_key(
    id: ApiKeyId,
    overlap_seconds: Option<i64>,
) -> Result<IssuedApiKey, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let overlap = service::api_keys::parse_overlap(overlap_seconds).map_err(service_error)?;
    service::api_keys::rotate(&caller, &ctx.store, id, overlap)
        .await
        .map_err(service_error)
}

#[server(endpoint = "api-keys/revoke")]
pub async fn revoke_api_key(id: ApiKeyId) -> Result<ApiKeyView, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::api_keys::revoke(&caller, &ctx.store, id)
        .await
        .map_err(crate::ssr::service_error)
}
