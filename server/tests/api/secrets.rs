//! A key's secret is answered once and then appears nowhere: not in later answers, the database or
//! the logs (captured at TRACE level while the key is made, used, rotated and revoked).

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{capture_logs, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_secret_appears_in_no_log_row_or_later_answer(pool: PgPool) {
    let (logs, _guard) = capture_logs(tracing::Level::TRACE);

    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/api-keys", &admin, t)
            .header("idempotency-key", "k")
            .json(&json!({ "name": "ci", "role": "admin" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let first = body["data"]["secret"].as_str().unwrap().to_string();
    let id = body["data"]["id"].as_str().unwrap().to_string();
    let mut later = Vec::new();
    later.push(send(app.v1(Method::GET, "/v1/users", &first, t)).await.2);
    let (_, _, rotated) = send(app.v1(Method::POST, "/v1/admin/key/rotate", &first, t)).await;
    let second = rotated["data"]["secret"].as_str().unwrap().to_string();
    later.push(send(app.v1(Method::GET, "/v1/users", &first, t)).await.2);
    later.push(
        send(app.v1(Method::GET, &format!("/v1/api-keys/{id}"), &second, t))
            .await
            .2,
    );
    later.push(send(app.v1(Method::GET, "/v1/api-keys", &admin, t)).await.2);
    later.push(
        send(app.v1(Method::GET, "/v1/admin/audit-log", &admin, t))
            .await
            .2,
    );
    later.push(
        send(
            app.v1(Method::POST, "/v1/api-keys", &admin, t)
                .header("idempotency-key", "k")
                .json(&json!({ "name": "ci", "role": "admin" })),
        )
        .await
        .2,
    );
    later.push(
        send(app.v1(
            Method::POST,
            &format!("/v1/api-keys/{id}/revoke"),
            &admin,
            t,
        ))
        .await
        .2,
    );

    let logged = logs.text();
    assert!(
        logged.contains("request"),
        "the capture works: {}",
        logged.len()
    );
    for secret in [&first, &second, &admin] {
        let random = &secret[8..];
        assert!(!logged.contains(random), "{secret} was logged");
        for answer in &later {
            assert!(
                !answer.to_string().contains(random),
                "{secret} answered again: {answer}"
            );
        }
        let tables: Vec<String> = sqlx::query_scalar(
            "select table_name::text from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
        )
        .fetch_all(&app.store.pool)
        .await
        .unwrap();
        for table in tables {
            let hits: i64 = sqlx::query_scalar(&format!(
                "select count(*) from {table} t where position($1 in t::text) > 0"
            ))
            .bind(random)
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
            assert_eq!(hits, 0, "{secret} is stored in {table}");
        }
    }
}
