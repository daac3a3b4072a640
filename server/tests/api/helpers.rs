//! `spawn_app()`: the application on port 0 with its own database, and typed helpers around it.

use std::net::SocketAddr;
use std::sync::Arc;

use domain::{Role, TenantId, UserId};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use server::config::Config;
use service::{Clock, Store};
use sqlx::PgPool;

pub use service::fixtures::PASSWORD;

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub config: Arc<Config>,
}

pub async fn spawn_app(pool: PgPool) -> TestApp {
    spawn_app_with_clock(pool, Clock::system()).await
}

/// The application with a clock the test moves (rate-limit windows, key expiry).
pub async fn spawn_app_with_clock(pool: PgPool, clock: Clock) -> TestApp {
    spawn_app_with_store(Store::new(pool, clock)).await
}

/// The application over a store the test set up (a clock, webhooks to loopback).
pub async fn spawn_app_with_store(store: Store) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let settings = [
        (
            "DATABASE_URL",
            "postgres://set-by-the-test/pool".to_string(),
        ),
        ("LECTERN_PUBLIC_URL", base.clone()),
        ("LECTERN_BIND", addr.to_string()),
    ];
    let config = Config::from_lookup(|name| {
        settings
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let config = Arc::new(config);
    let app = server::startup::build_app(config.clone(), store.clone())
        .await
        .unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        base,
        store,
        config,
    }
}

/// A client that keeps cookies, like a browser, but shows redirects instead of following them.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn tenant(&self, slug: &str) -> TenantId {
        service::fixtures::tenant(&self.store, slug).await.unwrap()
    }

    /// An API key of `tenant` with `role`: its secret.
    pub async fn key(&self, tenant: TenantId, role: Role) -> String {
        service::fixtures::api_key(&self.store, tenant, role)
            .await
            .unwrap()
            .1
    }

    /// A `/v1` request with a key and tenant id, ready to send.
    pub fn v1(
        &self,
        method: reqwest::Method,
        path: &str,
        secret: &str,
        tenant: TenantId,
    ) -> reqwest::RequestBuilder {
        Client::new()
            .request(method, self.url(path))
            .bearer_auth(secret)
            .header("x-tenant-id", tenant.to_string())
    }

    /// POSTs a JSON body with a key, asserts success, and answers the new resource's id.
    pub async fn create(&self, secret: &str, tenant: TenantId, path: &str, body: Value) -> String {
        let (status, _, created) = send(
            self.v1(reqwest::Method::POST, path, secret, tenant)
                .json(&body),
        )
        .await;
        assert!(status.is_success(), "{path}: {created}");
        created["data"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn user(&self, tenant: TenantId, role: Role, email: &str) -> UserId {
        service::fixtures::user(&self.store, tenant, role, email)
            .await
            .unwrap()
    }

    /// Calls a server function the way the hydrated page does (form-encoded POST).
    pub async fn call(
        &self,
        client: &Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let response = client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, body)
    }

    /// A sign-in with the fixture password, ready to send (tests may add headers first).
    pub fn sign_in_request(
        &self,
        client: &Client,
        org: &str,
        email: &str,
    ) -> reqwest::RequestBuilder {
        client.post(self.url("/api/auth/sign-in")).form(&[
            ("organisation", org),
            ("email", email),
            ("password", PASSWORD),
        ])
    }

    /// Signs in and returns the browser that holds the session.
    pub async fn signed_in(&self, org: &str, email: &str) -> Client {
        let client = browser();
        let response = self
            .sign_in_request(&client, org, email)
            .send()
            .await
            .unwrap();
        let (status, location) = (
            response.status(),
            response.headers().get("location").cloned(),
        );
        assert_eq!(status, StatusCode::OK, "{}", response.text().await.unwrap());
        assert_eq!(location.as_ref().and_then(|v| v.to_str().ok()), Some("/"));
        client
    }

    pub async fn get_json(&self, client: &Client, path: &str) -> (StatusCode, HeaderMap, Value) {
        let response = client
            .get(self.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.json().await.unwrap())
    }
}

/// Sends and reads a `/v1` answer: status, headers and the JSON body.
pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

/// The error code of an envelope, or "" for a success.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// The fields an error's `details` names, in order.
pub fn fields(details: &Value) -> Vec<&str> {
    details
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect()
}

/// Log lines written on this thread while the guard lives (the test's runtime and the server's
/// tasks run here), at `level` and above.
pub fn capture_logs(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
