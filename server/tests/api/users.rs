//! `/v1/users`: list with filters and totals, provision (with its outbox event), read, rename,
//! deactivate, change role; refusals for roles, other tenants and bad input.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_admin_key_provisions_and_manages_users(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    app.user(t, Role::Admin, "boss@acme.test").await;

    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .json(&json!({ "email": "Ada@Acme.test", "name": "Ada", "role": "student" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["data"]["email"], "ada@acme.test");
    let (event, payload): (String, serde_json::Value) =
        sqlx::query_as("select event_type, payload from event_outbox where tenant_id = $1")
            .bind(t.as_uuid())
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(
        (event.as_str(), payload["id"].as_str()),
        ("user.provisioned", Some(id.as_str()))
    );
    let invitations: i64 =
        sqlx::query_scalar("select count(*) from mail_outbox where to_address = 'ada@acme.test'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(invitations, 1, "no password: invited by mail");

    let (status, _, body) = send(app.v1(Method::GET, &format!("/v1/users/{id}"), &admin, t)).await;
    assert_eq!(
        (status, body["data"]["name"].as_str()),
        (StatusCode::OK, Some("Ada"))
    );

    let (status, _, body) = send(
        app.v1(Method::PATCH, &format!("/v1/users/{id}"), &admin, t)
            .json(&json!({ "name": "Ada Lovelace", "status": "deactivated" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["data"]["name"].as_str(),
            body["data"]["status"].as_str()
        ),
        (Some("Ada Lovelace"), Some("deactivated"))
    );

    let (status, _, body) = send(
        app.v1(Method::PATCH, &format!("/v1/users/{id}/role"), &admin, t)
            .json(&json!({ "role": "teacher" })),
    )
    .await;
    assert_eq!(
        (status, body["data"]["role"].as_str()),
        (StatusCode::OK, Some("teacher"))
    );

    let actions: Vec<(String, Option<uuid::Uuid>)> = sqlx::query_as(
        "select action, actor_key_id from audit_event where tenant_id = $1 and action like 'user.%' order by created_at, id",
    )
    .bind(t.as_uuid())
    .fetch_all(&app.store.pool)
    .await
    .unwrap();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "user.created",
            "user.renamed",
            "user.deactivated",
            "user.role_changed"
        ]
    );
    assert!(
        actions.iter().all(|(_, key)| key.is_some()),
        "the key is the actor"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_list_filters_and_pages_with_totals_in_meta(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    for i in 0..5 {
        app.user(t, Role::Student, &format!("s{i}@acme.test")).await;
    }
    app.user(t, Role::Teacher, "t@acme.test").await;

    let (status, _, body) = send(app.v1(
        Method::GET,
        "/v1/users?role=student&per_page=2&page=3",
        &teacher,
        t,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["meta"]["total"], 5);
    assert_eq!(body["meta"]["total_pages"], 3);
    assert_eq!(
        (
            body["meta"]["page"].as_u64(),
            body["meta"]["per_page"].as_u64()
        ),
        (Some(3), Some(2))
    );

    let (status, _, body) = send(app.v1(Method::GET, "/v1/users?per_page=101", &teacher, t)).await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
    let (status, _, body) = send(app.v1(Method::GET, "/v1/users?role=owner", &teacher, t)).await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("role"))
    );
    let (status, _, body) = send(app.v1(Method::GET, "/v1/users?page=abc", &teacher, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "request.malformed")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn bad_input_is_refused_and_leaves_nothing_behind(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let only_admin = app.user(t, Role::Admin, "boss@acme.test").await;

    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .json(&json!({ "email": "bad", "name": "", "role": "owner", "password": "short" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = fields(&body["error"]["details"]);
    assert_eq!(fields, ["email", "name", "role", "password"]);

    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .body("{not json")
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "request.malformed")
    );
    let (status, _, body) =
        send(app.v1(Method::POST, "/v1/users", &admin, t).json(
            &json!({ "email": "x@acme.test", "name": "X", "role": "student", "admin": true }),
        ))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "request.malformed"),
        "unknown fields are refused"
    );

    let (status, _, body) = send(
        app.v1(
            Method::PATCH,
            &format!("/v1/users/{only_admin}/role"),
            &admin,
            t,
        )
        .json(&json!({ "role": "student" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "user.last_admin")
    );
    let (status, _, body) = send(
        app.v1(Method::PATCH, &format!("/v1/users/{only_admin}"), &admin, t)
            .json(&json!({ "name": "Renamed", "status": "deactivated" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "user.last_admin")
    );
    let (_, _, body) =
        send(app.v1(Method::GET, &format!("/v1/users/{only_admin}"), &admin, t)).await;
    assert_eq!(
        body["data"]["name"], "User boss@acme.test",
        "the rename went with the refused change"
    );
    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .json(&json!({ "email": "boss@acme.test", "name": "B", "role": "student" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "user.email_taken")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn another_tenants_user_is_404_and_students_see_no_one(pool: PgPool) {
    let app = spawn_app(pool).await;
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
    let admin = app.key(a, Role::Admin).await;
    let student = app.key(a, Role::Student).await;
    let own = app.user(a, Role::Student, "s@acme.test").await;
    let foreign = app.user(b, Role::Student, "s@globex.test").await;

    for (method, path, input) in [
        (Method::GET, format!("/v1/users/{foreign}"), None),
        (
            Method::PATCH,
            format!("/v1/users/{foreign}"),
            Some(json!({ "name": "Mallory" })),
        ),
        (
            Method::PATCH,
            format!("/v1/users/{foreign}/role"),
            Some(json!({ "role": "admin" })),
        ),
    ] {
        let mut request = app.v1(method.clone(), &path, &admin, a);
        if let Some(input) = input {
            request = request.json(&input);
        }
        let (status, _, body) = send(request).await;
        let body = body.to_string();
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert!(!body.contains("globex"));
    }
    let (status, _, body) =
        send(app.v1(Method::GET, &format!("/v1/users/{own}"), &student, a)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
}
