//! Webhooks over HTTP: an admin key manages endpoints under `/v1/webhooks` and the
//! `/v1/admin/webhook/…` names, with `X-API-Key` as well as a bearer token; refused addresses say
//! why; a test event reaches a receiver, shows in the log and can be redelivered; other tenants
//! and other roles get nothing.

use domain::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use service::webhooks::destination::Loopback;
use service::webhooks::dispatch::{DispatchSettings, Dispatcher};
use service::{Clock, Store};
use sqlx::PgPool;

use crate::helpers::{code, send, spawn_app_with_store};

#[path = "../../../service/tests/it/receiver.rs"]
mod receiver;

use receiver::Receiver;

fn with_key(method: Method, url: String, key: &str) -> reqwest::RequestBuilder {
    Client::new().request(method, url).header("x-api-key", key)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_admin_key_manages_webhooks_and_reads_their_deliveries(pool: PgPool) {
    let store = Store::new(pool, Clock::system()).with_webhook_loopback(Loopback::Allowed);
    let app = spawn_app_with_store(store).await;
    let acme = app.tenant("acme").await;
    let key = app.key(acme, Role::Admin).await;
    let receiver = Receiver::ok().await;

    // Refused addresses, each with its reason.
    for (url, reason) in [
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.1/hooks", "private"),
    ] {
        let (status, _, body) = send(
            with_key(Method::POST, app.url("/v1/admin/webhook/register"), &key)
                .json(&json!({ "url": url, "events": ["*"] })),
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "webhook.url_refused"),
            "{url}"
        );
        assert!(
            body["error"]["message"].as_str().unwrap().contains(reason),
            "{body}"
        );
    }

    let (status, _, created) = send(
        with_key(Method::POST, app.url("/v1/admin/webhook/register"), &key).json(&json!({
            "url": receiver.url, "events": ["course.published"], "description": "CRM"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("whk_"));
    let secret = created["data"]["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));

    // Listed under both names, by either header, never with the secret.
    for (path, bearer) in [("/v1/admin/webhook/list", false), ("/v1/webhooks", true)] {
        let request = if bearer {
            Client::new().get(app.url(path)).bearer_auth(&key)
        } else {
            with_key(Method::GET, app.url(path), &key)
        };
        let (status, _, listed) = send(request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed["data"][0]["id"], id.as_str());
        assert!(!listed.to_string().contains(&secret));
    }

    let (status, _, patched) = send(
        with_key(Method::PATCH, app.url(&format!("/v1/webhooks/{id}")), &key)
            .json(&json!({ "events": ["*"], "description": "CRM sync" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["data"]["events"], json!(["*"]));

    let (status, _, rotated) = send(
        with_key(
            Method::POST,
            app.url(&format!("/v1/webhooks/{id}/rotate-secret")),
            &key,
        )
        .json(&json!({ "overlap_seconds": 0 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let secret = rotated["data"]["secret"].as_str().unwrap().to_string();

    let (status, _, queued) = send(with_key(
        Method::POST,
        app.url(&format!("/v1/webhooks/{id}/test")),
        &key,
    ))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["data"]["status"], "pending");
    let dispatcher = Dispatcher::new(app.store.clone(), DispatchSettings::default());
    assert_eq!(dispatcher.run_once(10).await.unwrap(), 1);
    let delivered = &receiver.received()[0];
    let signing = service::webhooks::signature::SigningSecret::parse(&secret).unwrap();
    let timestamp: i64 = delivered.header("webhook-timestamp").parse().unwrap();
    assert_eq!(
        delivered.header("webhook-signature"),
        signing.sign(&delivered.header("webhook-id"), timestamp, &delivered.body)
    );

    let (status, _, log) = send(with_key(
        Method::GET,
        app.url(&format!("/v1/webhooks/{id}/deliveries?limit=10")),
        &key,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let delivery = &log["data"][0];
    assert_eq!(
        (&delivery["status"], &delivery["response_status"]),
        (&json!("succeeded"), &json!(200))
    );
    assert_eq!(log["meta"]["next_cursor"], Value::Null);
    let delivery_id = delivery["id"].as_str().unwrap();
    let (status, _, again) = send(with_key(
        Method::POST,
        app.url(&format!("/v1/webhooks/deliveries/{delivery_id}/redeliver")),
        &key,
    ))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["data"]["redelivery_of"], delivery_id);
    assert_eq!(again["data"]["event_id"], delivery["event_id"]);

    // Another tenant's key finds nothing; a teacher's key is refused.
    let globex = app.tenant("globex").await;
    let stranger = app.key(globex, Role::Admin).await;
    let (status, _, body) = send(with_key(
        Method::GET,
        app.url(&format!("/v1/webhooks/{id}")),
        &stranger,
    ))
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
    let teacher = app.key(acme, Role::Teacher).await;
    let (status, _, body) = send(with_key(Method::GET, app.url("/v1/webhooks"), &teacher)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.forbidden")
    );

    let (status, _, _) = send(with_key(
        Method::DELETE,
        app.url(&format!("/v1/admin/webhook/{id}")),
        &key,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(with_key(
        Method::GET,
        app.url(&format!("/v1/webhooks/{id}")),
        &key,
    ))
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn x_api_key_authenticates_every_route_and_must_agree_with_a_bearer_token(pool: PgPool) {
    let app = spawn_app_with_store(Store::new(pool, Clock::system())).await;
    let acme = app.tenant("acme").await;
    let key = app.key(acme, Role::Admin).await;
    let other = app.key(acme, Role::Admin).await;

    let (status, _, body) = send(
        with_key(Method::GET, app.url("/v1/whoami"), &key).header("x-tenant-id", acme.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let globex = app.tenant("globex").await;
    let (status, _, body) = send(
        with_key(Method::GET, app.url("/v1/users"), &key).header("x-tenant-id", globex.to_string()),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.tenant_mismatch")
    );
    let (status, _, body) =
        send(with_key(Method::GET, app.url("/v1/users"), &key).bearer_auth(&other)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "auth.invalid_token")
    );
    let (status, _, _) =
        send(with_key(Method::GET, app.url("/v1/users"), &key).bearer_auth(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let unknown = format!("ck_live_{}", "1".repeat(26));
    let (status, _, body) = send(with_key(Method::GET, app.url("/v1/users"), &unknown)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "auth.invalid_token")
    );
}
