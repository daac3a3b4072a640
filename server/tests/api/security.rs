//! Authorization and isolation through the server functions: 403 for a role, 404 across tenants,
//! and cross-site request refusal.

use domain::Role;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{browser, fields, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_student_calling_a_staff_server_function_gets_403(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Student, "stu@acme.test").await;
    let student = app.signed_in("acme", "stu@acme.test").await;

    let (status, headers, body) = app.call(&student, "users/list", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "auth.forbidden");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        body["request_id"],
        headers.get("x-request-id").unwrap().to_str().unwrap()
    );

    let (status, _, body) = app
        .call(
            &student,
            "users/create",
            &[("email", "x@acme.test"), ("name", "X"), ("role", "admin")],
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.forbidden"))
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_user_of_another_tenant_answers_404(pool: PgPool) {
    let app = spawn_app(pool).await;
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
    let own = app.user(a, Role::Student, "stu@acme.test").await;
    app.user(a, Role::Admin, "adm@acme.test").await;
    let foreign = app.user(b, Role::Student, "stu@globex.test").await;

    for email in ["stu@acme.test", "adm@acme.test"] {
        let client = app.signed_in("acme", email).await;
        let (status, _, body) = app
            .call(&client, "users/get", &[("id", &foreign.to_string())])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email}: {body}");
        assert_eq!(body["code"], "resource.not_found");
    }
    let student = app.signed_in("acme", "stu@acme.test").await;
    let (status, _, body) = app
        .call(&student, "users/get", &[("id", &own.to_string())])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["email"], "stu@acme.test");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn nobody_signed_in_gets_401(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (status, _, body) = app.call(&browser(), "users/list", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "auth.unauthenticated");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_bad_id_is_a_malformed_request_not_a_crash(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Admin, "adm@acme.test").await;
    let admin = app.signed_in("acme", "adm@acme.test").await;
    let (status, _, body) = app
        .call(&admin, "users/get", &[("id", "crs_not-a-user")])
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(body["code"], "request.malformed");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_cross_site_post_is_refused_before_it_does_anything(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Admin, "adm@acme.test").await;
    let admin = app.signed_in("acme", "adm@acme.test").await;

    let form = [
        ("email", "planted@acme.test"),
        ("name", "Planted"),
        ("role", "admin"),
    ];
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = admin
            .post(app.url("/api/users/create"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "request.cross_origin");
    }
    let planted: i64 =
        sqlx::query_scalar("select count(*) from app_user where email = 'planted@acme.test'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(planted, 0);

    let same_site = admin
        .post(app.url("/api/users/create"))
        .header("origin", app.base.clone())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn invalid_input_names_each_field(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Admin, "adm@acme.test").await;
    let admin = app.signed_in("acme", "adm@acme.test").await;
    let (status, _, body) = app
        .call(
            &admin,
            "users/create",
            &[("email", "nope"), ("name", ""), ("role", "owner")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "request.validation_failed");
    let fields = fields(&body["details"]);
    assert_eq!(fields, ["email", "name", "role"]);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_developer_mailbox_is_off_unless_switched_on(pool: PgPool) {
    // A loopback address and no SMTP: exactly what a deployment behind a reverse proxy looks like.
    let app = spawn_app(pool).await;
    assert!(app.config.smtp_url.is_none() && app.config.bind.ip().is_loopback());
    let (status, _, body) = app.call(&browser(), "dev/mailbox", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.is_null(), "no mail may be listed: {body}");
}
