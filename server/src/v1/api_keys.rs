//! `/v1/api-keys` (the tenant's keys, for admins) and `/v1/admin/key/…` (the calling key itself).
//! A new secret is answered once; a replay of the same `Idempotency-Key` answers the key without it.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use domain::dto::{ApiKeyView, IssuedApiKey};
use domain::{ApiKeyId, ErrorCode, Role};
use serde::{Deserialize, Serialize};
use service::api_keys::{self, NewApiKey};
use utoipa::ToSchema;

use super::envelope::{ApiError, ApiOk, ApiResult, Meta};
use super::extract::{optional_json, ApiCaller, ApiJson, PathId};
use super::idempotency::with_replay_body;
use super::openapi::{Envelope, IssuedKeyDoc};
use crate::state::AppState;

/// What a replay answers in place of a new secret.
#[derive(Serialize)]
struct Provisioned {
    #[serde(flatten)]
    key: ApiKeyView,
    already_provisioned: bool,
}

fn issued(meta: &Meta, issued: IssuedApiKey, created: bool) -> Response {
    let key = issued.key.clone();
    let response = if created {
        ApiOk::created(meta, issued).into_response()
    } else {
        ApiOk::new(meta, issued).into_response()
    };
    let stored = Provisioned {
        key,
        already_provisioned: true,
    };
    with_replay_body(response, meta, stored)
}

#[utoipa::path(get, path = "/v1/api-keys", operation_id = "listApiKeys", tag = "api-keys",
    responses((status = 200, description = "The organisation's keys, newest first; never their secrets.", body = Envelope<Vec<ApiKeyView>>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
) -> Result<ApiOk<Vec<ApiKeyView>>, ApiError> {
    let keys = api_keys::list(&caller, &state.store).await?;
    Ok(ApiOk::new(&meta, keys))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    #[schema(min_length = 1, max_length = 100, example = "HR sync")]
    pub name: String,
    /// The role the key acts with.
    #[schema(value_type = Role)]
    pub role: String,
    /// RFC 3339, or a date meaning the end of that day (UTC); none for a key that does not expire.
    #[schema(example = "2027-06-30")]
    pub expires_at: Option<String>,
}

/// Makes a key. Its `secret` is in this answer only; a replay of the same `Idempotency-Key`
/// answers the key without it and with `already_provisioned: true`.
#[utoipa::path(post, path = "/v1/api-keys", operation_id = "createApiKey", tag = "api-keys", request_body = CreateBody,
    responses((status = 201, description = "The key and, this once, its secret.", body = Envelope<IssuedKeyDoc>)))]
pub async fn create(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    let input = NewApiKey::parse(
        &body.name,
        &body.role,
        body.expires_at.as_deref(),
        state.store.clock.now(),
    )?;
    let key = api_keys::create(&caller, &state.store, input).await?;
    Ok(issued(&meta, key, true))
}

#[utoipa::path(get, path = "/v1/api-keys/{id}", operation_id = "getApiKey", tag = "api-keys", params(("id" = ApiKeyId, Path)),
    responses((status = 200, description = "The key.", body = Envelope<ApiKeyView>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ApiKeyId>,
) -> Result<ApiOk<ApiKeyView>, ApiError> {
    let key = api_keys::get(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, key))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// How long the old secret keeps working, 0 (the default) to 604800 seconds.
    #[schema(minimum = 0, maximum = 604800, example = 3600)]
    pub overlap_seconds: Option<i64>,
}

/// Gives a key a new secret (answered once); the old one works for `overlap_seconds` more.
#[utoipa::path(post, path = "/v1/api-keys/{id}/rotate", operation_id = "rotateApiKey", tag = "api-keys", params(("id" = ApiKeyId, Path)),
    request_body(content = Option<RotateBody>, description = "Optional."),
    responses((status = 200, description = "The key and its new secret.", body = Envelope<IssuedKeyDoc>)))]
pub async fn rotate(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ApiKeyId>,
    body: Bytes,
) -> Result<Response, ApiError> {
    rotate_key(&state, &meta, &caller, id, body).await
}

/// Revokes a key and every secret it had, at once. Revoking a revoked key changes nothing.
#[utoipa::path(post, path = "/v1/api-keys/{id}/revoke", operation_id = "revokeApiKey", tag = "api-keys", params(("id" = ApiKeyId, Path)),
    responses((status = 200, description = "The revoked key.", body = Envelope<ApiKeyView>)))]
pub async fn revoke(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ApiKeyId>,
) -> Result<ApiOk<ApiKeyView>, ApiError> {
    revoke_key(&state, &meta, &caller, id).await
}

/// `POST /v1/admin/key/rotate`: the calling key gets a new secret.
#[utoipa::path(post, path = "/v1/admin/key/rotate", operation_id = "rotateOwnKey", tag = "api-keys", request_body(content = Option<RotateBody>, description = "Optional."),
    responses((status = 200, description = "The calling key and its new secret.", body = Envelope<IssuedKeyDoc>)))]
pub async fn rotate_own(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = own_key(&meta, &caller)?;
    rotate_key(&state, &meta, &caller, id, body).await
}

/// `POST /v1/admin/key/revoke`: the calling key revokes itself.
#[utoipa::path(post, path = "/v1/admin/key/revoke", operation_id = "revokeOwnKey", tag = "api-keys", responses((status = 200, description = "The calling key, revoked.", body = Envelope<ApiKeyView>)))]
pub async fn revoke_own(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
) -> Result<ApiOk<ApiKeyView>, ApiError> {
    let id = own_key(&meta, &caller)?;
    revoke_key(&state, &meta, &caller, id).await
}

fn own_key(meta: &Meta, caller: &service::Caller) -> Result<ApiKeyId, ApiError> {
    caller.api_key_id.ok_or_else(|| {
        ApiError::new(
            meta,
            ErrorCode::Unauthenticated,
            "Only an API key can act on itself.",
        )
    })
}

async fn rotate_key(
    state: &AppState,
    meta: &Meta,
    caller: &service::Caller,
    id: ApiKeyId,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: RotateBody = optional_json(meta, &body)?;
    let overlap = api_keys::parse_overlap(body.overlap_seconds)?;
    let key = api_keys::rotate(caller, &state.store, id, overlap).await?;
    Ok(issued(meta, key, false))
}

async fn revoke_key(
    state: &AppState,
    meta: &Meta,
    caller: &service::Caller,
    id: ApiKeyId,
) -> Result<ApiOk<ApiKeyView>, ApiError> {
    let key = api_keys::revoke(caller, &state.store, id)
        .await
        .map_err(|e| ApiError::from_service(meta, e))?;
    Ok(ApiOk::new(meta, key))
}

/// `DELETE /v1/api-keys/{id}`: the same as `POST …/revoke`.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", operation_id = "deleteApiKey", tag = "api-keys", params(("id" = ApiKeyId, Path)),
    responses((status = 200, description = "The revoked key.", body = Envelope<ApiKeyView>)))]
pub async fn delete(
    state: State<AppState>,
    meta: Meta,
    caller: ApiCaller,
    id: PathId<ApiKeyId>,
) -> ApiResult<ApiKeyView> {
    revoke(state, meta, caller, id).await
}
