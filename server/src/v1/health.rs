//! `GET /` for monitors and curl: a JSON health report that checks the database. Browsers asking
//! for HTML at the same address get the home page instead.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use serde_json::json;

use super::envelope::{ApiError, ApiOk, Meta};
use crate::state::AppState;

pub async fn negotiate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let is_root =
        request.uri().path() == "/" && matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_root || wants_html {
        return next.run(request).await;
    }
    report(&state, &Meta::from_extensions(request.extensions())).await
}

async fn report(state: &AppState, meta: &Meta) -> Response {
    match sqlx::query_scalar::<_, i32>("select 1")
        .fetch_one(&state.store.pool)
        .await
    {
        Ok(_) => ApiOk::new(
            meta,
            json!({ "status": "ok", "database": "ok", "version": env!("CARGO_PKG_VERSION") }),
        )
        .into_response(),
        Err(error) => {
            tracing::error!(request_id = %meta.request_id, %error, "health check: database unavailable");
            ApiError::new(meta, ErrorCode::Unavailable, "The database is unavailable.")
                .into_response()
        }
    }
}
