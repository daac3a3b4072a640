//! The REST API under `/v1`: one envelope for every JSON body (see docs/API.md).

pub mod envelope;
pub mod health;

use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::state::AppState;
use envelope::{ApiError, ApiOk, Meta};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1", get(describe))
        .route("/v1/", get(describe))
        .fallback(envelope::route_not_found)
        .method_not_allowed_fallback(envelope::method_not_allowed)
}

/// Self-description: what this API is and where its parts are.
async fn describe(meta: Meta) -> Result<ApiOk<serde_json::Value>, ApiError> {
    Ok(ApiOk::new(
        &meta,
        json!({
            "name": "Lectern API",
            "version": env!("CARGO_PKG_VERSION"),
            "api_version": "v1",
            "links": {
                "self": "/v1",
                "health": "/",
                "openapi": "/v1/openapi.json",
                "docs": "/docs"
            }
        }),
    ))
}
