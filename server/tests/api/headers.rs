//! Browser hardening headers on every kind of answer (pages with a per-request script nonce, server
//! functions, `/v1`, `/docs`), and request logs that never carry a query string.

use domain::Role;
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use sqlx::PgPool;

use crate::helpers::{browser, capture_logs, send, spawn_app};

const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .unwrap()
}

/// The headers every answer carries; returns its Content-Security-Policy.
fn hardened<'a>(what: &str, headers: &'a HeaderMap) -> &'a str {
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(
        header(headers, "referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
    assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
    let csp = header(headers, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    csp
}

/// The value of the one directive `name` in a policy.
fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
    csp.split(';')
        .map(str::trim)
        .find(|d| d.split_whitespace().next() == Some(name))
}

/// Reads a page: its policy must allow scripts by nonce only, and every `<script>` in the HTML must
/// carry that nonce. Returns the nonce and the number of scripts.
async fn page_nonce(client: &reqwest::Client, url: &str) -> (String, usize) {
    let response = client
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    let csp = hardened(url, &headers);
    let script_src = directive(csp, "script-src").unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{csp}");
    assert!(script_src.contains("'wasm-unsafe-eval'"), "{csp}");
    let nonce = script_src
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {csp}"))
        .to_string();
    assert!(nonce.len() >= 22, "a nonce of 128 bits: {nonce}");
    for directive_name in [
        "default-src",
        "style-src",
        "img-src",
        "frame-src",
        "object-src",
        "base-uri",
        "form-action",
    ] {
        assert!(directive(csp, directive_name).is_some(), "{csp}");
    }
    assert_eq!(
        directive(csp, "img-src"),
        Some("img-src 'self' https: data:")
    );
    assert_eq!(directive(csp, "object-src"), Some("object-src 'none'"));

    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(
        html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "the hydration script carries the header's nonce: {html}"
    );
    for script in &scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the nonce: <script{tag}>"
        );
    }
    (nonce, scripts.len())
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn pages_allow_only_the_scripts_that_carry_this_requests_nonce(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Teacher, "teacher@acme.test").await;

    let anonymous = browser();
    let (first, _) = page_nonce(&anonymous, &app.url("/sign-in")).await;
    let (second, _) = page_nonce(&anonymous, &app.url("/sign-in")).await;
    assert_ne!(first, second, "a new nonce for every request");
    // The not-found page comes from the fallback handler, with its own context closure.
    page_nonce(&anonymous, &app.url("/no-such-page")).await;
    // A signed-in page whose resources are streamed in inline scripts.
    let teacher = app.signed_in("acme", "teacher@acme.test").await;
    let (_, scripts) = page_nonce(&teacher, &app.url("/teach")).await;
    assert!(scripts > 1, "the resources' scripts were checked too");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn json_answers_carry_a_policy_that_allows_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    let key = app.key(tenant, Role::Admin).await;
    app.user(tenant, Role::Student, "stu@acme.test").await;

    let (status, headers, _) = send(app.v1(Method::GET, "/v1/users", &key, tenant)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hardened("/v1/users", &headers), DATA_POLICY);

    let (status, headers, _) = send(Client::new().get(app.url("/v1/nothing-here"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(hardened("/v1 404", &headers), DATA_POLICY);

    let student = app.signed_in("acme", "stu@acme.test").await;
    let (status, headers, body) = app.call(&student, "users/list", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(hardened("a server function", &headers), DATA_POLICY);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_api_reference_gets_its_own_policy_without_inline_script(pool: PgPool) {
    let app = spawn_app(pool).await;
    let client = Client::new();
    for path in [
        "/docs/",
        "/docs/swagger-ui.css",
        "/docs/swagger-initializer.js",
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        let csp = hardened(path, &headers);
        assert_eq!(directive(csp, "script-src"), None, "{csp}");
        assert_eq!(directive(csp, "default-src"), Some("default-src 'self'"));
        assert_eq!(directive(csp, "img-src"), Some("img-src 'self' data:"));
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        if path == "/docs/" {
            let html = response.text().await.unwrap();
            assert!(
                html.split("<script").skip(1).all(|s| s.contains(" src=")),
                "Swagger UI's page has no inline script: {html}"
            );
        }
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_request_log_names_the_path_but_never_the_query_string(pool: PgPool) {
    let (logs, _guard) = capture_logs(tracing::Level::DEBUG);

    let app = spawn_app(pool).await;
    app.tenant("demo").await;
    let response = browser()
        .get(app.url("/reset-password?org=demo&token=SECRET-TOKEN-VALUE"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap();

    // The server may log the request's end just after the client has the body.
    for _ in 0..50 {
        if logs.text().contains("path=/reset-password") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let logs = logs.text();
    assert!(
        logs.contains("path=/reset-password"),
        "the request is logged with its path: {logs}"
    );
    assert!(!logs.contains("SECRET-TOKEN-VALUE"), "{logs}");
    assert!(!logs.contains("token="), "{logs}");
    assert!(!logs.contains("/reset-password?"), "{logs}");
}
