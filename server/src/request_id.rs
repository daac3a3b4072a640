//! Every request gets an id (`req_` + a time-sortable 26-character id) that appears in the
//! `X-Request-Id` response header, in every error body, and in every log line of the request.
//! An id sent by the client is ignored: it would let callers forge log correlation.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

pub use service::auth::RequestId;

pub fn new_request_id() -> String {
    format!(
        "req_{}",
        domain::id::encode_128(uuid::Uuid::now_v7().as_u128())
    )
}

pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = new_request_id();
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
