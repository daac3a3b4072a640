//! `/v1/settings`: the organisation's own settings, for its admins.

use axum::extract::State;
use domain::dto::TenantSettings;
use serde::Deserialize;
use service::tenants;
use utoipa::ToSchema;

use super::envelope::{ApiOk, ApiResult, Meta};
use super::extract::{ApiCaller, ApiJson};
use super::openapi::Envelope;
use crate::state::AppState;

/// The organisation's settings and limits (limits are set by the platform operator).
#[utoipa::path(get, path = "/v1/settings", operation_id = "getSettings", tag = "settings",
    responses((status = 200, description = "The settings.", body = Envelope<TenantSettings>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<TenantSettings> {
    let settings = tenants::settings(&caller, &state.store).await?;
    Ok(ApiOk::new(&meta, settings))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// The hosts lesson images may load from, such as `images.example.org` or `*.example.org`;
    /// an empty list allows any https host. Images over plain http never load.
    #[schema(max_items = 50, example = json!(["images.example.org", "*.uni.example"]))]
    pub image_hosts: Vec<String>,
}

/// Changes the organisation's settings.
#[utoipa::path(patch, path = "/v1/settings", operation_id = "updateSettings", tag = "settings",
    request_body = SettingsPatch,
    responses((status = 200, description = "The settings after the change.", body = Envelope<TenantSettings>)))]
pub async fn update(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<SettingsPatch>,
) -> ApiResult<TenantSettings> {
    let settings = tenants::set_image_hosts(&caller, &state.store, &body.image_hosts).await?;
    Ok(ApiOk::new(&meta, settings))
}
