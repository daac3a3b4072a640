//! `/v1/admin/audit-log`: filters, cursor pages, the NDJSON export, and who may read it.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_log_pages_by_cursor_filters_and_exports_as_ndjson(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let admin = app.key(t, Role::Admin).await;
    app.key(other, Role::Admin).await;
    for i in 0..7 {
        let (status, _, _) = send(
            app.v1(Method::POST, "/v1/api-keys", &admin, t)
                .json(&json!({ "name": format!("k{i}"), "role": "student" })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, _, body) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .json(&json!({ "email": "a@acme.test", "name": "A", "role": "student" })),
    )
    .await;
    let user_id = body["data"]["id"].as_str().unwrap().to_string();

    // The fixture key was made by the platform, the seven by the admin key: nine rows in all.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/admin/audit-log?limit=4&cursor={c}"),
            None => "/v1/admin/audit-log?limit=4".to_string(),
        };
        let (status, _, body) = send(app.v1(Method::GET, &path, &admin, t)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(body["data"].as_array().unwrap().iter().cloned());
        match body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9);
    assert_eq!(seen[0]["action"], "user.created", "newest first");
    assert_eq!(seen[0]["actor_type"], "api_key");
    assert_eq!(seen[0]["target_id"], user_id.as_str());
    assert_eq!(seen[0]["actor_name"], "Admin key");
    let ids: std::collections::HashSet<&str> =
        seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 9, "no row twice across pages");

    let (_, _, body) = send(app.v1(
        Method::GET,
        "/v1/admin/audit-log?action=api_key.",
        &admin,
        t,
    ))
    .await;
    assert_eq!(body["data"].as_array().unwrap().len(), 8);
    let (_, _, body) = send(app.v1(
        Method::GET,
        &format!("/v1/admin/audit-log?target={user_id}"),
        &admin,
        t,
    ))
    .await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    let (_, _, body) = send(app.v1(
        Method::GET,
        "/v1/admin/audit-log?since=2999-01-01",
        &admin,
        t,
    ))
    .await;
    assert_eq!(body["data"], json!([]));
    let (status, _, body) = send(app.v1(
        Method::GET,
        "/v1/admin/audit-log?since=soon&actor=nobody&limit=0",
        &admin,
        t,
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = fields(&body["error"]["details"]);
    assert_eq!(fields, ["limit", "actor", "since"]);

    let response = app
        .v1(
            Method::GET,
            "/v1/admin/audit-log/export?action=api_key.",
            &admin,
            t,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    assert!(lines.iter().all(|l| l["action"] == "api_key.created"));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_export_streams_more_rows_than_one_batch(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    sqlx::query(
        "insert into audit_event (id, tenant_id, action, created_at)
         select gen_random_uuid(), $1, 'bulk.row', now() - make_interval(secs => n) from generate_series(1, 1203) n",
    )
    .bind(t.as_uuid())
    .execute(&app.store.pool)
    .await
    .unwrap();
    let text = app
        .v1(
            Method::GET,
            "/v1/admin/audit-log/export?action=bulk.row",
            &admin,
            t,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ids: std::collections::HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1203);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_admins_read_the_log(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    for path in ["/v1/admin/audit-log", "/v1/admin/audit-log/export"] {
        let (status, _, body) = send(app.v1(Method::GET, path, &teacher, t)).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "auth.forbidden"),
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_compressed_export_ends_cleanly_even_when_empty(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    for filter in ["action=nothing.matches", "action=api_key."] {
        let response = app
            .v1(
                Method::GET,
                &format!("/v1/admin/audit-log/export?{filter}"),
                &admin,
                t,
            )
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-encoding"], "gzip", "{filter}");
        response.bytes().await.unwrap();
    }
    // The server is still there after both.
    let (status, _, _) = send(app.v1(Method::GET, "/v1/whoami", &admin, t)).await;
    assert_eq!(status, StatusCode::OK);
}
