//! Bearer-key authentication and the tenant's rate limit, in front of every authenticated `/v1`
//! route. Every answer (refusals included) carries the `X-RateLimit-*` headers once a tenant is known.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::{ErrorCode, TenantId};
use service::auth::ClientIp;
use service::rate_limit::{self, Decision};
use service::{Caller, ServiceError};

use super::envelope::{ApiError, Meta};
use super::extract::ApiCaller;
use crate::state::AppState;

pub const TENANT_HEADER: &str = "x-tenant-id";

pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let meta = Meta::from_extensions(request.extensions());
    let ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let token =
        match api_key(request.headers()) {
            Ok(Some(token)) => token,
            Ok(None) => return ApiError::new(
                &meta,
                ErrorCode::Unauthenticated,
                "Send an API key as Authorization: Bearer ck_live_… (or as X-API-Key: ck_live_…).",
            )
            .into_response(),
            Err(message) => {
                return ApiError::new(&meta, ErrorCode::InvalidToken, message).into_response()
            }
        };
    let tenant = match tenant_header(request.headers()) {
        Ok(tenant) => tenant,
        Err(message) => {
            return ApiError::new(&meta, ErrorCode::TenantMismatch, message).into_response()
        }
    };
    match check_key(&state, &token, tenant, &meta, ip).await {
        Ok((caller, decision)) => {
            request.extensions_mut().insert(ApiCaller(caller));
            let mut response = next.run(request).await;
            rate_limit_headers(response.headers_mut(), &decision);
            response
        }
        Err((error, decision)) => {
            let mut response = ApiError::from_service(&meta, error).into_response();
            if let Some(decision) = decision {
                rate_limit_headers(response.headers_mut(), &decision);
            }
            response
        }
    }
}

/// The one check of a presented key, for `/v1` and SCIM alike: the key (against `tenant` when the
/// request names one), then a token from the tenant's bucket. A refusal comes with the bucket's
/// state when there is one to report. A failed authentication draws on the client address's bucket
/// of failed API authentications, so keys cannot be guessed at full speed: past it, it is a 429.
pub async fn check_key(
    state: &AppState,
    token: &str,
    tenant: Option<TenantId>,
    meta: &Meta,
    ip: Option<std::net::IpAddr>,
) -> Result<(Caller, Decision), (ServiceError, Option<Decision>)> {
    let request_meta = service::auth::RequestMeta {
        request_id: meta.request_id.clone(),
        ip,
        user_agent: None,
    };
    let store = &state.store;
    let authenticated =
        match service::api_keys::authenticate(store, token, tenant, &request_meta).await {
            Ok(authenticated) => authenticated,
            Err(error) => return Err(throttle_failed_auth(state, ip, error).await),
        };
    let decision = rate_limit::leases::take(
        &store.pool,
        &store.leases,
        &rate_limit::tenant_bucket(authenticated.caller.tenant_id),
        authenticated.requests_per_minute,
        authenticated.requests_per_hour,
        store.clock.now(),
    )
    .await
    .map_err(|error| (error, None))?;
    match decision.into_result() {
        Ok(_) => Ok((authenticated.caller, decision)),
        Err(error) => Err((error, Some(decision))),
    }
}

async fn throttle_failed_auth(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    error: ServiceError,
) -> (ServiceError, Option<Decision>) {
    let Some(ip) = ip else {
        return (error, None);
    };
    let taken = rate_limit::take(
        &state.store.pool,
        &rate_limit::api_auth_bucket(ip),
        state.config.failed_auth_per_minute,
        // In the proportion of the public limits: 1,000 an hour at the default 60 a minute.
        state
            .config
            .failed_auth_per_minute
            .saturating_mul(rate_limit::PUBLIC_PER_HOUR)
            / rate_limit::PUBLIC_PER_MINUTE,
        state.store.clock.now(),
    )
    .await;
    match taken {
        Ok(decision) => match decision.into_result() {
            Err(limited) => (limited, Some(decision)),
            Ok(_) => (error, None),
        },
        Err(_) => (error, None),
    }
}

pub const API_KEY_HEADER: &str = "x-api-key";

/// The key a `/v1` request presents: `Authorization: Bearer …`, or `X-API-Key: …` for clients
/// written that way. Both at once must be the same key.
pub fn api_key(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let bearer = bearer_token(headers);
    let named = headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    match (bearer, named) {
        (Some(bearer), Some(named)) if bearer != named => {
            Err("Authorization and X-API-Key name different keys; send one of them.")
        }
        (Some(key), _) | (None, Some(key)) => Ok(Some(key)),
        (None, None) => Ok(None),
    }
}

pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The tenant the request names, if any: a key names its own, so the header is optional, and when
/// sent it must be the key's.
fn tenant_header(headers: &HeaderMap) -> Result<Option<TenantId>, &'static str> {
    let Some(value) = headers.get(TENANT_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<TenantId>().ok())
        .map(Some)
        .ok_or("X-Tenant-Id is not a tenant id (ten_ and 26 characters); send your key's tenant, or leave the header out.")
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
