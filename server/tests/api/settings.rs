//! `/v1/settings`: the organisation's image hosts, validated, audited, for admins only, and
//! applied to what learners see.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn image_hosts_are_checked_audited_and_applied_to_lessons(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let teacher = app.key(t, Role::Teacher).await;
    let patch = |key: &str, hosts: serde_json::Value| {
        app.v1(Method::PATCH, "/v1/settings", key, t)
            .json(&json!({ "image_hosts": hosts }))
    };

    let (status, _, body) = send(app.v1(Method::GET, "/v1/settings", &admin, t)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["image_hosts"], json!([]));

    let (status, _, body) = send(patch(
        &admin,
        json!(["ok.example.org", "https://x.org/", "bad host"]),
    ))
    .await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
    assert_eq!(
        fields(&body["error"]["details"]),
        ["image_hosts[1]", "image_hosts[2]"]
    );
    let (status, _, body) = send(patch(&teacher, json!(["images.example.org"]))).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.forbidden")
    );

    let (status, _, body) = send(patch(
        &admin,
        json!(["Images.Example.org", "*.uni.example"]),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"]["image_hosts"],
        json!(["images.example.org", "*.uni.example"])
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'tenant.image_hosts_changed'",
    )
    .fetch_one(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // The lesson page a teacher reads: only the allowed host's image keeps its address.
    let c = app
        .create(&teacher, t, "/v1/courses", json!({"title": "Art"}))
        .await;
    let m = app
        .create(
            &teacher,
            t,
            &format!("/v1/courses/{c}/modules"),
            json!({"title": "M"}),
        )
        .await;
    let text = "![ok](https://images.example.org/a.png) ![cdn](https://cdn.example.net/b.png) ![http](http://images.example.org/c.png)";
    let l = app
        .create(
            &teacher,
            t,
            &format!("/v1/modules/{m}/lessons"),
            json!({"title": "Pictures", "blocks": [{"kind": "markdown", "text": text}]}),
        )
        .await;
    app.user(t, Role::Teacher, "tea@acme.test").await;
    let browser = app.signed_in("acme", "tea@acme.test").await;
    let (status, _, page) = app.call(&browser, "learning/lesson", &[("id", &l)]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let html = page["Open"]["blocks"][0]["html"].as_str().unwrap();
    assert!(
        html.contains("src=\"https://images.example.org/a.png\""),
        "{html}"
    );
    assert!(!html.contains("cdn.example.net"), "{html}");
    assert!(!html.contains("http://images.example.org"), "{html}");
}
