//! The `/v1` skeleton: health, self-description, request ids, and the error envelope.

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{browser, spawn_app};

fn is_request_id(text: &str) -> bool {
    text.len() == 30
        && text.starts_with("req_")
        && text[4..].chars().all(|c| c.is_ascii_alphanumeric())
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_root_answers_a_health_report_that_checks_the_database(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (status, headers, body) = app.get_json(&browser(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["status"], "ok");
    assert_eq!(body["data"]["database"], "ok");
    assert!(body["error"].is_null());
    let header = headers.get("x-request-id").unwrap().to_str().unwrap();
    assert!(is_request_id(header), "{header}");
    assert_eq!(body["meta"]["request_id"], header);
    assert!(body["meta"]["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_health_report_fails_when_the_database_is_gone(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.store.pool.close().await;
    let (status, _, body) = app.get_json(&browser(), "/").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "service.unavailable");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn v1_describes_itself(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (status, _, body) = app.get_json(&browser(), "/v1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["name"], "Lectern API");
    assert_eq!(body["data"]["links"]["self"], "/v1");
    assert!(body["meta"]["request_id"]
        .as_str()
        .is_some_and(is_request_id));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn unknown_routes_and_methods_answer_in_the_envelope(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (status, headers, body) = app.get_json(&browser(), "/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["data"], serde_json::Value::Null);
    assert_eq!(body["error"]["code"], "route.not_found");
    assert_eq!(body["error"]["details"], serde_json::json!([]));
    assert_eq!(
        body["error"]["request_id"],
        headers.get("x-request-id").unwrap().to_str().unwrap()
    );
    assert_eq!(body["meta"]["request_id"], body["error"]["request_id"]);

    let response = browser().delete(app.url("/v1")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route.method_not_allowed");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_request_id_sent_by_the_client_is_replaced(pool: PgPool) {
    let app = spawn_app(pool).await;
    let forged = "req_0000000000000000000000forged";
    let response = browser()
        .get(app.url("/v1"))
        .header("x-request-id", forged)
        .send()
        .await
        .unwrap();
    let id = response
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(is_request_id(&id) && id != forged, "{id}");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn browsers_asking_for_html_get_pages_not_json(pool: PgPool) {
    let app = spawn_app(pool).await;
    let response = browser()
        .get(app.url("/sign-in"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1") && html.contains("Sign in"), "{html}");
    assert!(
        html.contains(r#"<label for="field-email""#),
        "fields have labels"
    );

    let response = browser()
        .get(app.url("/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "the home page sends strangers to sign in"
    );
    assert_eq!(
        response.headers().get("location").unwrap(),
        "/sign-in?next=/"
    );

    let response = browser()
        .get(app.url("/no/such/page"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md")).unwrap();
    for code in domain::ErrorCode::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.http_status());
        assert!(doc.contains(&row), "docs/API.md lacks the row {row}");
    }
}

#[test]
fn every_audit_action_and_event_type_is_documented() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md")).unwrap();
    for action in domain::AuditAction::ALL {
        let row = format!("| `{}` |", action.as_str());
        assert!(
            doc.contains(&row),
            "docs/API.md lacks the audit action row {row}"
        );
    }
    for event in domain::DomainEvent::TYPES {
        let row = format!("| `{event}` |");
        assert!(doc.contains(&row), "docs/API.md lacks the event row {row}");
    }
}
