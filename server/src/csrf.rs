//! Cross-site request forgery protection for cookie-authenticated routes (pages, forms, server
//! functions). A state-changing request from a browser must come from our own origin: browsers
//! send `Sec-Fetch-Site` (or at least `Origin`) on such requests and a forging page cannot change
//! them. Requests with neither come from non-browser clients, which hold no victim's cookie.
//! This is the check Go 1.25's `http.CrossOriginProtection` performs, on top of SameSite=Lax cookies.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;

use crate::state::AppState;
use crate::v1::envelope::ApiError;

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_allowed(&request, &state.config.public_url) {
        next.run(request).await
    } else {
        ApiError::from_request(
            &request,
            ErrorCode::CrossOriginRefused,
            "This request came from another site and was refused.",
        )
        .into_response()
    }
}

fn is_allowed(request: &Request, public_url: &str) -> bool {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return true;
    }
    // The bearer-key API is not cookie-authenticated, so a forged request would carry no credential.
    let path = request.uri().path();
    if path.starts_with("/v1/") || path.starts_with("/api/v1/") {
        return true;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin == public_url || origin.split_once("://").map(|(_, h)| h) == Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "learn.example.org");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap_or_default()
    }

    const PUBLIC: &str = "https://learn.example.org";

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(!is_allowed(
            &request(Method::POST, "/api/x", &[("sec-fetch-site", "cross-site")]),
            PUBLIC
        ));
        assert!(!is_allowed(
            &request(Method::POST, "/api/x", &[("sec-fetch-site", "same-site")]),
            PUBLIC
        ));
        assert!(!is_allowed(
            &request(
                Method::POST,
                "/api/x",
                &[("origin", "https://evil.example")]
            ),
            PUBLIC
        ));
    }

    #[test]
    fn same_origin_and_non_browser_requests_pass() {
        assert!(is_allowed(
            &request(Method::POST, "/api/x", &[("sec-fetch-site", "same-origin")]),
            PUBLIC
        ));
        assert!(is_allowed(
            &request(Method::POST, "/api/x", &[("origin", PUBLIC)]),
            PUBLIC
        ));
        assert!(is_allowed(&request(Method::POST, "/api/x", &[]), PUBLIC));
        assert!(is_allowed(
            &request(Method::GET, "/", &[("sec-fetch-site", "cross-site")]),
            PUBLIC
        ));
    }
}
