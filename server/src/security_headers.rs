//! Browser hardening headers on every response: a Content-Security-Policy fitted to the kind of
//! answer, `X-Content-Type-Options: nosniff`, `Referrer-Policy` and `X-Frame-Options: DENY`.
//!
//! Pages get a policy whose only inline scripts are the ones Leptos writes with this request's
//! nonce (the hydration script, and the scripts that carry streamed resources). The middleware
//! makes the nonce and puts it in the request's extensions; [`provide_nonce`], called from the
//! context closure of the Leptos routes, hands it to Leptos, so the HTML and the header name the
//! same value.

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// The nonce of one request's page: 128 random bits, URL-safe base64, from Leptos's own generator
/// (its `nonce` feature, which leptos_axum turns on).
#[derive(Clone, Debug)]
pub struct PageNonce(Nonce);

/// Every source a page needs, and nothing more:
/// - `script-src`: the site's own files (`/pkg/lectern.js`) and Leptos's inline scripts, which
///   carry the nonce; `'wasm-unsafe-eval'` lets the browser compile the wasm. No
///   `'unsafe-inline'`, and inline event handlers (`onclick=…`) are refused, so injected markup
///   cannot run script.
/// - `style-src 'self'`: the stylesheet. `style-src-attr 'unsafe-inline'` allows `style="…"`
///   attributes only (the course progress bar's width), never a `<style>` element.
/// - `img-src 'self' https: data:`: lesson Markdown may show images from other sites, over https
///   only. `data:` is for the shell's empty icon (`<link rel="icon" href="data:,">`, which keeps
///   browsers from asking for `/favicon.ico`); a `data:` image is inert and fetches nothing.
/// - `frame-src`: the lesson video players `service::courses::render::embed_url` makes.
/// - `connect-src 'self'`: server functions and the wasm download.
/// - `object-src`, `base-uri`, `form-action`, `frame-ancestors`: no plugins, no `<base>` to
///   redirect relative URLs, forms post only here, and nothing may frame Lectern.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; \
         img-src 'self' https: data:; \
         frame-src https://www.youtube-nocookie.com https://player.vimeo.com; \
         connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Swagger UI at `/docs`, served from the binary: its own scripts and stylesheets (the page it
/// serves has no inline script or style), `data:` images, which its stylesheet uses for icons
/// (arrows, the checkbox tick), and one inline `<style>` element, allowed by its hash: the colours
/// of the Swagger logo in its top bar (`.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3
/// {fill:#85ea2d}` in Swagger UI 5.17.14; a new version may change it, and the browser test would
/// report it). It fetches the OpenAPI document and "Try it out" calls from this origin.
const DOCS_POLICY: &str = "default-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Everything that is not HTML: `/v1` and SCIM JSON, server-function answers, redirects, static
/// files. Such an answer is never meant to be a document, so if a browser is ever led to render
/// one, it may load and run nothing. (A policy on a script or stylesheet file does nothing; on a
/// JSON answer this one is stricter than the page policy, which is why they differ.)
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Sets the headers on every response; makes the page nonce for the Leptos renderer on the way in.
pub async fn apply(mut request: Request, next: Next) -> Response {
    let docs = is_docs(request.uri().path());
    let nonce = Nonce::new();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let policy = if docs {
        HeaderValue::from_static(DOCS_POLICY)
    } else if is_html(headers) {
        // The nonce is URL-safe base64, so the header value is always valid.
        HeaderValue::from_str(&page_policy(&nonce))
            .unwrap_or_else(|_| HeaderValue::from_static(DATA_POLICY))
    } else {
        HeaderValue::from_static(DATA_POLICY)
    };
    headers.insert(CONTENT_SECURITY_POLICY, policy);
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // For browsers that do not know `frame-ancestors`.
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Hands this request's nonce to Leptos. Call it in the context closure of the Leptos routes and
/// of the fallback: leptos_axum provides the request's `Parts` (and a random nonce of its own,
/// which this replaces) before it runs that closure. Leptos's `HydrationScripts` and the scripts
/// of streamed resources read the nonce with `use_nonce()`. A static file has no `Parts` in its
/// context and renders nothing, so nothing is provided there.
pub fn provide_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(nonce);
    }
}

fn is_docs(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_inline_script_only_by_nonce() {
        let policy = page_policy("abc_-123");
        assert!(policy.contains("script-src 'self' 'nonce-abc_-123' 'wasm-unsafe-eval';"));
        let script_src = policy
            .split(';')
            .find(|d| d.trim_start().starts_with("script-src"))
            .unwrap_or_default();
        assert!(!script_src.contains("unsafe-inline"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"));
    }

    #[test]
    fn docs_are_only_the_docs_prefix() {
        assert!(is_docs("/docs"));
        assert!(is_docs("/docs/swagger-ui.css"));
        assert!(!is_docs("/docsx"));
        assert!(!is_docs("/v1/docs"));
    }
}
