//! `/v1/webhooks`: the tenant's webhook endpoints (admins), their delivery logs, test events and
//! redeliveries; `/v1/admin/webhook/…` answers the same handlers under the names some clients use.
//! A new signing secret is answered once; a replay of the same `Idempotency-Key` answers the
//! endpoint without it.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::webhook::{
    IssuedWebhookSecret, WebhookDeliveryView, WebhookEndpointInput, WebhookEndpointPatch,
    WebhookEndpointView,
};
use domain::{WebhookDeliveryId, WebhookEndpointId};
use serde::{Deserialize, Serialize};
use service::webhooks::{deliveries, endpoints};
use utoipa::{IntoParams, ToSchema};

use super::courses::Deleted;
use super::envelope::{ApiError, ApiOk, ApiResult, Meta};
use super::extract::{optional_json, ApiCaller, ApiJson, ApiQuery, PathId};
use super::idempotency::with_replay_body;
use super::openapi::{CursorEnvelope, Envelope, IssuedWebhookSecretDoc};
use crate::state::AppState;

/// What a replay answers in place of a new secret.
#[derive(Serialize)]
struct Provisioned {
    #[serde(flatten)]
    endpoint: WebhookEndpointView,
    already_provisioned: bool,
}

fn issued(meta: &Meta, issued: IssuedWebhookSecret, status: StatusCode) -> Response {
    let endpoint = issued.endpoint.clone();
    let response = ApiOk::with_status(meta, status, issued).into_response();
    let stored = Provisioned {
        endpoint,
        already_provisioned: true,
    };
    with_replay_body(response, meta, stored)
}

#[utoipa::path(get, path = "/v1/webhooks", operation_id = "listWebhooks", tag = "webhooks",
    responses((status = 200, description = "The organisation's endpoints, newest first; never their secrets.", body = Envelope<Vec<WebhookEndpointView>>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Vec<WebhookEndpointView>> {
    let list = endpoints::list(&caller, &state.store).await?;
    Ok(ApiOk::new(&meta, list))
}

/// Adds an endpoint. Its `secret` (`whsec_…`) is in this answer only. The address must be https
/// to a public address; one that may not be reached is `422 webhook.url_refused`, saying why.
#[utoipa::path(post, path = "/v1/webhooks", operation_id = "createWebhook", tag = "webhooks", request_body = WebhookEndpointInput,
    responses((status = 201, description = "The endpoint and, this once, its signing secret.", body = Envelope<IssuedWebhookSecretDoc>)))]
pub async fn create(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<WebhookEndpointInput>,
) -> Result<Response, ApiError> {
    let created = endpoints::create(&caller, &state.store, body).await?;
    Ok(issued(&meta, created, StatusCode::CREATED))
}

/// `POST /v1/admin/webhook/register`: the same as `POST /v1/webhooks`.
#[utoipa::path(post, path = "/v1/admin/webhook/register", operation_id = "registerWebhook", tag = "webhooks", request_body = WebhookEndpointInput,
    responses((status = 201, description = "The endpoint and, this once, its signing secret.", body = Envelope<IssuedWebhookSecretDoc>)))]
pub async fn register(
    state: State<AppState>,
    meta: Meta,
    caller: ApiCaller,
    body: ApiJson<WebhookEndpointInput>,
) -> Result<Response, ApiError> {
    create(state, meta, caller, body).await
}

/// `GET /v1/admin/webhook/list`: the same as `GET /v1/webhooks`.
#[utoipa::path(get, path = "/v1/admin/webhook/list", operation_id = "listWebhooksViaAdmin", tag = "webhooks",
    responses((status = 200, description = "The organisation's endpoints, newest first.", body = Envelope<Vec<WebhookEndpointView>>)))]
pub async fn list_via_admin(
    state: State<AppState>,
    meta: Meta,
    caller: ApiCaller,
) -> ApiResult<Vec<WebhookEndpointView>> {
    list(state, meta, caller).await
}

#[utoipa::path(get, path = "/v1/webhooks/{id}", operation_id = "getWebhook", tag = "webhooks", params(("id" = WebhookEndpointId, Path)),
    responses((status = 200, description = "The endpoint.", body = Envelope<WebhookEndpointView>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookEndpointId>,
) -> ApiResult<WebhookEndpointView> {
    let endpoint = endpoints::get(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, endpoint))
}

/// Changes the fields given. `enabled: false` stops sending: events that happen while it is off
/// are not sent to it, and deliveries already queued wait until it is on again, which also clears
/// an automatic disabling.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", operation_id = "updateWebhook", tag = "webhooks", params(("id" = WebhookEndpointId, Path)),
    request_body = WebhookEndpointPatch,
    responses((status = 200, description = "The endpoint as changed.", body = Envelope<WebhookEndpointView>)))]
pub async fn update(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookEndpointId>,
    ApiJson(body): ApiJson<WebhookEndpointPatch>,
) -> ApiResult<WebhookEndpointView> {
    let endpoint = endpoints::update(&caller, &state.store, id, body).await?;
    Ok(ApiOk::new(&meta, endpoint))
}

/// Deletes an endpoint with its secrets and delivery log; its pending deliveries are not sent.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks", params(("id" = WebhookEndpointId, Path)),
    responses((status = 200, description = "The endpoint is gone.", body = Envelope<Deleted>)))]
pub async fn delete(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookEndpointId>,
) -> ApiResult<Deleted> {
    endpoints::delete(&caller, &state.store, id).await?;
    Ok(ApiOk::new(
        &meta,
        Deleted {
            id: id.to_string(),
            deleted: true,
        },
    ))
}

/// `DELETE /v1/admin/webhook/{id}`: the same as `DELETE /v1/webhooks/{id}`.
#[utoipa::path(delete, path = "/v1/admin/webhook/{id}", operation_id = "deleteWebhookViaAdmin", tag = "webhooks", params(("id" = WebhookEndpointId, Path)),
    responses((status = 200, description = "The endpoint is gone.", body = Envelope<Deleted>)))]
pub async fn delete_via_admin(
    state: State<AppState>,
    meta: Meta,
    caller: ApiCaller,
    id: PathId<WebhookEndpointId>,
) -> ApiResult<Deleted> {
    delete(state, meta, caller, id).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecretBody {
    /// How long the replaced secret keeps signing beside the new one: 0 to 604800 seconds, a day
    /// (86400) when not given.
    #[schema(minimum = 0, maximum = 604800, example = 86400)]
    pub overlap_seconds: Option<i64>,
}

/// Gives the endpoint a new signing secret (answered once). During the overlap every delivery
/// carries both secrets' signatures, so a receiver can switch without losing one.
#[utoipa::path(post, path = "/v1/webhooks/{id}/rotate-secret", operation_id = "rotateWebhookSecret", tag = "webhooks", params(("id" = WebhookEndpointId, Path)),
    request_body(content = Option<RotateSecretBody>, description = "Optional."),
    responses((status = 200, description = "The endpoint and its new secret.", body = Envelope<IssuedWebhookSecretDoc>)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookEndpointId>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: RotateSecretBody = optional_json(&meta, &body)?;
    let overlap = endpoints::parse_overlap(body.overlap_seconds)?;
    let rotated = endpoints::rotate_secret(&caller, &state.store, id, overlap).await?;
    Ok(issued(&meta, rotated, StatusCode::OK))
}

/// Sends a `webhook.test` event to this endpoint now, whatever it subscribes to and even while it
/// is off. The answer is the queued delivery; its log shows the outcome a moment later.
#[utoipa::path(post, path = "/v1/webhooks/{id}/test", operation_id = "testWebhook", tag = "webhooks", params(("id" = WebhookEndpointId, Path)),
    responses((status = 202, description = "The test delivery, queued.", body = Envelope<WebhookDeliveryView>)))]
pub async fn test(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookEndpointId>,
) -> ApiResult<WebhookDeliveryView> {
    let delivery = deliveries::send_test(&caller, &state.store, id).await?;
    Ok(ApiOk::with_status(&meta, StatusCode::ACCEPTED, delivery))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// `meta.next_cursor` of the previous page.
    #[param(value_type = Option<WebhookDeliveryId>)]
    pub cursor: Option<String>,
    /// Deliveries a page, 1 to 100 (50 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The endpoint's deliveries, newest first: status, attempts, the last answer's status, latency
/// and the start of its body.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(("id" = WebhookEndpointId, Path), DeliveriesQuery),
    responses((status = 200, description = "A page of deliveries.", body = CursorEnvelope<WebhookDeliveryView>)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookEndpointId>,
    ApiQuery(query): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Vec<WebhookDeliveryView>> {
    let page = deliveries::list(
        &caller,
        &state.store,
        id,
        query.cursor.as_deref(),
        query.limit,
    )
    .await?;
    Ok(ApiOk::cursor_page(&meta, page))
}

/// Sends a finished delivery's event again, as a new delivery with the same `webhook-id`.
/// A delivery still being sent is `409 webhook.delivery_pending`.
#[utoipa::path(post, path = "/v1/webhooks/deliveries/{id}/redeliver", operation_id = "redeliverWebhook", tag = "webhooks",
    params(("id" = WebhookDeliveryId, Path)),
    responses((status = 202, description = "The new delivery, queued.", body = Envelope<WebhookDeliveryView>)))]
pub async fn redeliver(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<WebhookDeliveryId>,
) -> ApiResult<WebhookDeliveryView> {
    let delivery = deliveries::redeliver(&caller, &state.store, id).await?;
    Ok(ApiOk::with_status(&meta, StatusCode::ACCEPTED, delivery))
}
