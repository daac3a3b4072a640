//! Per-address rate limit on the public endpoints that anyone can call without an account
//! (sign-in, password reset), shared by every server process through PostgreSQL. Each of these
//! costs an argon2 hash or a mail, so a flood would be expensive.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use service::auth::ClientIp;
use service::rate_limit;

use crate::state::AppState;
use crate::v1::auth::rate_limit_headers;
use crate::v1::envelope::Meta;

const LIMITED_PATHS: &[&str] = &[
    "/api/auth/sign-in",
    "/api/auth/forgot-password",
    "/api/auth/reset-password",
];

pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limited = request.method() == Method::POST && LIMITED_PATHS.contains(&request.uri().path());
    let ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let (true, Some(ip)) = (limited, ip) else {
        return next.run(request).await;
    };
    let decision = rate_limit::take(
        &state.store.pool,
        &rate_limit::ip_bucket(ip),
        rate_limit::PUBLIC_PER_MINUTE,
        rate_limit::PUBLIC_PER_HOUR,
        state.store.clock.now(),
    )
    .await;
    let decision = match decision {
        Ok(decision) => decision,
        // The limiter guards against floods; when its database is down, so is sign-in.
        Err(error) => {
            tracing::warn!(?error, "public rate limit unavailable");
            return next.run(request).await;
        }
    };
    if decision.allowed {
        return next.run(request).await;
    }
    // Server functions answer the browser in their own error shape (see app::error::AppError).
    let meta = Meta::from_extensions(request.extensions());
    let body = json!({
        "code": domain::ErrorCode::RateLimitExceeded.as_str(),
        "message": format!("Too many requests from your address; try again in {} seconds.", decision.retry_after_seconds),
        "details": [],
        "request_id": meta.request_id,
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    rate_limit_headers(response.headers_mut(), &decision);
    if let Ok(value) = HeaderValue::from_str(&decision.retry_after_seconds.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}
