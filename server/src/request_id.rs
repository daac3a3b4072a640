//! Every request gets an id (`req_` + a time-sortable 26-character id) that appears in the
//! `X-Request-Id` response header, in every error body, and in every log line of the request.
//! An id sent by the client is ignored: it would let callers forge log correlation.
//! The same middleware settles the client's address, which sign-in throttling and the audit log use.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

pub use service::auth::{ClientIp, RequestId};

pub fn new_request_id() -> String {
    format!(
        "req_{}",
        domain::id::encode_128(uuid::Uuid::now_v7().as_u128())
    )
}

pub async fn assign(State(trust_proxy): State<bool>, mut request: Request, next: Next) -> Response {
    let id = new_request_id();
    request.extensions_mut().insert(RequestId(id.clone()));
    if let Some(ip) = client_ip(&request, trust_proxy) {
        request.extensions_mut().insert(ClientIp(ip));
    }
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The socket's peer; behind a trusted reverse proxy (`LECTERN_TRUST_PROXY=true`), the last address
/// in `X-Forwarded-For`, which is the one that proxy appended (earlier ones are the client's word).
fn client_ip(request: &Request, trust_proxy: bool) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if !trust_proxy {
        return peer;
    }
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .next_back();
    forwarded.or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(forwarded: &[&str]) -> Request {
        let mut builder = Request::builder().uri("/");
        for value in forwarded {
            builder = builder.header("x-forwarded-for", *value);
        }
        let mut request = builder.body(Body::empty()).unwrap_or_default();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        request
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let forged_then_real = request(&["198.51.100.1, 203.0.113.5"]);
        assert_eq!(
            client_ip(&forged_then_real, false),
            Some(IpAddr::from([10, 0, 0, 1]))
        );
        assert_eq!(
            client_ip(&forged_then_real, true),
            Some(IpAddr::from([203, 0, 113, 5]))
        );
        assert_eq!(
            client_ip(&request(&[]), true),
            Some(IpAddr::from([10, 0, 0, 1]))
        );
    }
}
