//! Bearer-key authentication and the tenant's rate limit, in front of every authenticated `/v1`
//! route. Every answer (refusals included) carries the `X-RateLimit-*` headers once a tenant is known.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::{ErrorCode, TenantId};
use service::auth::ClientIp;
use service::rate_limit::{self, Decision};
use service::ServiceError;

use super::envelope::{ApiError, Meta};
use super::extract::{malformed, ApiCaller};
use crate::state::AppState;

pub const TENANT_HEADER: &str = "x-tenant-id";

pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let meta = Meta::from_extensions(request.extensions());
    let ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let Some(token) = bearer_token(request.headers()) else {
        return ApiError::new(
            &meta,
            ErrorCode::Unauthenticated,
            "Send an API key as Authorization: Bearer ck_live_…, with X-Tenant-Id.",
        )
        .into_response();
    };
    let tenant = match tenant_header(request.headers()) {
        Ok(tenant) => tenant,
        Err(message) => return malformed(&meta, message).into_response(),
    };
    let request_meta = service::auth::RequestMeta {
        request_id: meta.request_id.clone(),
        ip,
        user_agent: None,
    };
    let store = &state.store;
    let authenticated =
        match service::api_keys::authenticate(store, &token, Some(tenant), &request_meta).await {
            Ok(authenticated) => authenticated,
            Err(error) => return refuse_with_ip_limit(&state, &meta, ip, error).await,
        };
    let decision = match rate_limit::take(
        &store.pool,
        &rate_limit::tenant_bucket(tenant),
        authenticated.requests_per_minute,
        authenticated.requests_per_hour,
        store.clock.now(),
    )
    .await
    {
        Ok(decision) => decision,
        Err(error) => return ApiError::from_service(&meta, error).into_response(),
    };
    let mut response = match decision.into_result() {
        Ok(_) => {
            request
                .extensions_mut()
                .insert(ApiCaller(authenticated.caller));
            next.run(request).await
        }
        Err(error) => ApiError::from_service(&meta, error).into_response(),
    };
    rate_limit_headers(response.headers_mut(), &decision);
    response
}

/// A failed authentication also draws on the client address's public bucket, so keys cannot be
/// guessed at full speed: past it, the answer is 429.
async fn refuse_with_ip_limit(
    state: &AppState,
    meta: &Meta,
    ip: Option<std::net::IpAddr>,
    error: ServiceError,
) -> Response {
    if let Some(ip) = ip {
        let taken = rate_limit::take(
            &state.store.pool,
            &rate_limit::ip_bucket(ip),
            rate_limit::PUBLIC_PER_MINUTE,
            rate_limit::PUBLIC_PER_HOUR,
            state.store.clock.now(),
        )
        .await;
        if let Ok(decision) = taken {
            if let Err(limited) = decision.into_result() {
                let mut response = ApiError::from_service(meta, limited).into_response();
                rate_limit_headers(response.headers_mut(), &decision);
                return response;
            }
        }
    }
    ApiError::from_service(meta, error).into_response()
}

pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn tenant_header(headers: &HeaderMap) -> Result<TenantId, &'static str> {
    let value = headers.get(TENANT_HEADER).ok_or(
        "Send X-Tenant-Id with your tenant's id (ten_…), as the admin's API page shows it.",
    )?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<TenantId>().ok())
        .ok_or("X-Tenant-Id is not a tenant id (ten_ and 26 characters).")
}

pub fn rate_limit_headers(headers: &mut HeaderMap, decision: &Decision) {
    let values = [
        ("x-ratelimit-limit", i64::from(decision.limit)),
        ("x-ratelimit-remaining", i64::from(decision.remaining)),
        ("x-ratelimit-reset", decision.reset_at),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, value);
        }
    }
}
