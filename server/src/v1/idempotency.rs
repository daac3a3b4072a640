//! `Idempotency-Key` on mutating `/v1` requests (see `service::idempotency`). Runs after
//! authentication, so records belong to the caller's tenant.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use service::idempotency::{self, Claim};

use super::envelope::{ApiError, ApiOk, Meta};
use super::extract::{malformed, ApiCaller};
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
/// The largest body kept for fingerprinting and replay.
const MAX_BODY: usize = 1024 * 1024;

/// The body to store for replay instead of the one sent, for responses that reveal a secret.
#[derive(Clone)]
pub struct ReplayBody(pub Bytes);

/// Attaches the body a replay will answer: the same envelope with the secret left out.
pub fn with_replay_body<T: Serialize>(mut response: Response, meta: &Meta, stored: T) -> Response {
    let envelope = ApiOk::with_status(meta, response.status(), stored).envelope();
    // Serialising a JSON value cannot fail; were it to, an empty body is stored, never the secret.
    let bytes = serde_json::to_vec(&envelope).unwrap_or_default();
    response
        .extensions_mut()
        .insert(ReplayBody(Bytes::from(bytes)));
    response
}

pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mutating = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let key = request
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_string));
    let (true, Some(key)) = (mutating, key) else {
        return next.run(request).await;
    };
    let meta = Meta::from_extensions(request.extensions());
    let Ok(key) = key else {
        return malformed(&meta, "Idempotency-Key must be printable ASCII.").into_response();
    };
    if let Err(error) = idempotency::validate_key(&key) {
        return ApiError::from_service(&meta, error).into_response();
    }
    let Some(ApiCaller(caller)) = request.extensions().get::<ApiCaller>().cloned() else {
        return next.run(request).await;
    };
    let route = format!("{} {}", request.method(), request.uri().path());
    let query = request.uri().query().unwrap_or_default().to_string();
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return malformed(&meta, "The body is larger than 1 MiB.").into_response();
    };
    let fingerprint = idempotency::fingerprint(&state.config.secret_key, &route, &query, &body);
    match idempotency::claim(&caller, &state.store, &route, &key, &fingerprint).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Replay { status, body }) => return replay(status, body),
        Err(error) => return ApiError::from_service(&meta, error).into_response(),
    }
    // A client that hangs up must not leave the change made but its answer unstored (its retry
    // would run the change again): the request and the storing of its answer run to the end in a
    // task of their own.
    let request = Request::from_parts(parts, Body::from(body));
    let finished = tokio::spawn(run_and_store(
        state,
        meta.clone(),
        caller,
        route,
        key,
        next,
        request,
    ))
    .await;
    finished.unwrap_or_else(|_| {
        ApiError::new(&meta, domain::ErrorCode::Internal, "The request failed.").into_response()
    })
}

async fn run_and_store(
    state: AppState,
    meta: Meta,
    caller: service::Caller,
    route: String,
    key: String,
    next: Next,
    request: Request,
) -> Response {
    let store = &state.store;
    // The claim's lease is renewed while the request runs, so a slow one (a large roster import)
    // is never taken over by a retry and run twice.
    let heartbeat = {
        let (state, caller, route, key) =
            (state.clone(), caller.clone(), route.clone(), key.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(idempotency::RENEW_EVERY).await;
                if let Err(error) = idempotency::renew(&caller, &state.store, &route, &key).await {
                    tracing::warn!(?error, "could not renew an idempotency claim");
                }
            }
        })
    };
    let response = next.run(request).await;
    heartbeat.abort();
    if response.status().is_server_error() {
        if let Err(error) = idempotency::release(&caller, store, &route, &key).await {
            tracing::error!(request_id = %meta.request_id, ?error, "could not release an idempotency key");
        }
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(sent) = to_bytes(body, usize::MAX).await else {
        return ApiError::new(
            &meta,
            domain::ErrorCode::Internal,
            "The response could not be read.",
        )
        .into_response();
    };
    let stored = parts
        .extensions
        .remove::<ReplayBody>()
        .map_or_else(|| sent.clone(), |r| r.0);
    if let Err(error) =
        idempotency::finish(&caller, store, &route, &key, parts.status.as_u16(), &stored).await
    {
        tracing::error!(request_id = %meta.request_id, ?error, "could not store an idempotent response");
    }
    Response::from_parts(parts, Body::from(sent))
}

fn replay(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
