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

tokio::task_local! {
    /// The id of the request being served, for errors built far from the request (`?` on a
    /// service error in a handler).
    static CURRENT: String;
}

/// The id of the request this task serves; a fresh one outside a request.
pub fn current_request_id() -> String {
    CURRENT
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_request_id())
}

pub fn new_request_id() -> String {
    format!(
        "req_{}",
        domain::id::encode_128(uuid::Uuid::now_v7().as_u128())
    )
}

pub async fn assign(State(proxy_hops): State<usize>, mut request: Request, next: Next) -> Response {
    let id = new_request_id();
    request.extensions_mut().insert(RequestId(id.clone()));
    if let Some(ip) = client_ip(&request, proxy_hops) {
        request.extensions_mut().insert(ClientIp(ip));
    }
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = CURRENT
        .scope(id.clone(), next.run(request).instrument(span))
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The socket's peer; behind `proxy_hops` trusted reverse proxies, the `X-Forwarded-For` entry the
/// outermost of them appended: the `proxy_hops`-th from the right. Entries further left are the
/// client's own word. Exactly that entry counts: when it does not parse (`unknown`, garbage), the
/// peer is used, never an entry the client wrote.
fn client_ip(request: &Request, proxy_hops: usize) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if proxy_hops == 0 {
        return peer;
    }
    let entries: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let appended = entries
        .len()
        .checked_sub(proxy_hops)
        .and_then(|i| entries.get(i));
    appended.and_then(|entry| parse_entry(entry)).or(peer)
}

/// An address as proxies write it: `203.0.113.5`, `2001:db8::1`, `203.0.113.5:4711` or
/// `[2001:db8::1]:4711`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
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

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let forged_then_real = request(&["198.51.100.1, 203.0.113.5"]);
        assert_eq!(client_ip(&forged_then_real, 0), Some(PEER));
        assert_eq!(
            client_ip(&forged_then_real, 1),
            Some(IpAddr::from([203, 0, 113, 5]))
        );
        assert_eq!(client_ip(&request(&[]), 1), Some(PEER));
    }

    #[test]
    fn an_unparsable_appended_entry_falls_back_to_the_peer_not_to_the_clients_word() {
        // The proxy appended `unknown`: the client's forged entry before it must not count.
        let forged = request(&["198.51.100.1, unknown"]);
        assert_eq!(client_ip(&forged, 1), Some(PEER));
        let garbage = request(&["198.51.100.1", "not-an-address"]);
        assert_eq!(client_ip(&garbage, 1), Some(PEER));
    }

    #[test]
    fn entries_with_ports_are_read_as_their_address() {
        assert_eq!(
            client_ip(&request(&["198.51.100.1, 203.0.113.5:4711"]), 1),
            Some(IpAddr::from([203, 0, 113, 5]))
        );
        assert_eq!(
            client_ip(&request(&["[2001:db8::1]:4711"]), 1),
            "2001:db8::1".parse().ok()
        );
    }

    #[test]
    fn with_two_proxies_the_outer_ones_entry_counts() {
        // client forged, real client (appended by the outer proxy), outer proxy (by the inner one)
        let chain = request(&["198.51.100.1, 203.0.113.5, 10.1.1.1"]);
        assert_eq!(client_ip(&chain, 2), Some(IpAddr::from([203, 0, 113, 5])));
        // Fewer entries than proxies: the request did not come through them all.
        assert_eq!(client_ip(&request(&["203.0.113.5"]), 2), Some(PEER));
    }
}
