//! Sign-in through the server functions: cookies, sign-out, throttling.

use domain::Role;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{browser, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn signing_in_sets_a_protected_session_cookie_and_signing_out_ends_it(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Teacher, "tea@acme.test").await;

    let client = browser();
    let response = app
        .sign_in_request(&client, "acme", "tea@acme.test")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("lectern_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "served over plain http in tests"
    );

    let (status, _, me) = app.call(&client, "auth/me", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "tea@acme.test");
    assert_eq!(me["role"], "teacher");
    assert_eq!(me["tenant_slug"], "acme");

    let (status, _, _) = app.call(&client, "auth/sign-out", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, me) = app.call(&client, "auth/me", &[]).await;
    assert!(me.is_null(), "{me}");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_replayed_session_cookie_is_dead_after_sign_out(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Teacher, "tea@acme.test").await;
    let client = browser();
    let response = app
        .sign_in_request(&client, "acme", "tea@acme.test")
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    app.call(&client, "auth/sign-out", &[]).await;

    let stolen = reqwest::Client::new();
    let me = stolen
        .post(app.url("/api/auth/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = me.json().await.unwrap();
    assert!(body.is_null(), "{body}");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_wrong_password_is_refused_with_a_stable_code_and_a_request_id(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Student, "stu@acme.test").await;
    let (status, headers, body) = app
        .call(
            &browser(),
            "auth/sign-in",
            &[
                ("organisation", "acme"),
                ("email", "stu@acme.test"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "auth.invalid_credentials");
    assert_eq!(
        body["request_id"],
        headers.get("x-request-id").unwrap().to_str().unwrap()
    );
    assert!(
        headers.get("set-cookie").is_none(),
        "no session for a failed sign-in"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn too_many_failures_answer_429_with_retry_after(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Student, "stu@acme.test").await;
    let attempt = [
        ("organisation", "acme"),
        ("email", "stu@acme.test"),
        ("password", "not the password"),
    ];
    for _ in 0..service::auth::MAX_FAILURES_PER_ACCOUNT {
        app.call(&browser(), "auth/sign-in", &attempt).await;
    }
    let (status, headers, body) = app.call(&browser(), "auth/sign-in", &attempt).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "auth.too_many_attempts");
    let retry: i64 = headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_session_id_changes_at_sign_in(pool: PgPool) {
    let app = spawn_app(pool).await;
    let tenant = app.tenant("acme").await;
    app.user(tenant, Role::Student, "stu@acme.test").await;
    // An attacker plants a session id before the victim signs in (session fixation).
    let planted = "lectern_session=planted-session-id";
    let response = app
        .sign_in_request(&browser(), "acme", "stu@acme.test")
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(!cookie.contains("planted-session-id"), "{cookie}");
}
