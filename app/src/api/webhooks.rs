//! The tenant's webhook endpoints and their delivery logs, for its admins.

use domain::dto::CursorPage;
use domain::webhook::{
    IssuedWebhookSecret, WebhookDeliveryView, WebhookEndpointPatch, WebhookEndpointView,
};
use domain::{WebhookDeliveryId, WebhookEndpointId};
use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "webhooks/list")]
pub async fn list_webhooks() -> Result<Vec<WebhookEndpointView>, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::webhooks::endpoints::list(&caller, &ctx.store)
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "webhooks/get")]
pub async fn get_webhook(id: WebhookEndpointId) -> Result<WebhookEndpointView, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::webhooks::endpoints::get(&caller, &ctx.store, id)
        .await
        .map_err(crate::ssr::service_error)
}

/// Adds an endpoint; its signing secret is in the answer and never shown again.
#[server(endpoint = "webhooks/create")]
pub async fn create_webhook(
    url: String,
    description: Option<String>,
    events: Vec<String>,
) -> Result<IssuedWebhookSecret, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    let input = domain::webhook::WebhookEndpointInput {
        url,
        description,
        events,
        enabled: None,
    };
    service::webhooks::endpoints::create(&caller, &ctx.store, input)
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "webhooks/update")]
pub async fn update_webhook(
    id: WebhookEndpointId,
    patch: WebhookEndpointPatch,
) -> Result<WebhookEndpointView, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::webhooks::endpoints::update(&caller, &ctx.store, id, patch)
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "webhooks/rotate")]
pub async fn rotate_webhook_secret(
    id: WebhookEndpointId,
    overlap_seconds: Option<i64>,
) -> Result<IssuedWebhookSecret, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let overlap =
        service::webhooks::endpoints::parse_overlap(overlap_seconds).map_err(service_error)?;
    service::webhooks::endpoints::rotate_secret(&caller, &ctx.store, id, overlap)
        .await
        .map_err(service_error)
}

#[server(endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: WebhookEndpointId) -> Result<(), AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::webhooks::endpoints::delete(&caller, &ctx.store, id)
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "webhooks/test")]
pub async fn send_test_event(id: WebhookEndpointId) -> Result<WebhookDeliveryView, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::webhooks::deliveries::send_test(&caller, &ctx.store, id)
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "webhooks/deliveries")]
pub async fn list_deliveries(
    id: WebhookEndpointId,
    cursor: Option<WebhookDeliveryId>,
) -> Result<CursorPage<WebhookDeliveryView>, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    let cursor = cursor.map(|c| c.to_string());
    service::webhooks::deliveries::list(&caller, &ctx.store, id, cursor.as_deref(), Some(25))
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "webhooks/redeliver")]
pub async fn redeliver(id: WebhookDeliveryId) -> Result<WebhookDeliveryView, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::webhooks::deliveries::redeliver(&caller, &ctx.store, id)
        .await
        .map_err(crate::ssr::service_error)
}
