//! API keys over HTTP: each refusal's code, the role a key acts with, and key management.

use domain::{Role, TenantStatus};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn every_refusal_has_its_own_code_in_the_envelope(pool: PgPool) {
    let app = spawn_app(pool).await;
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
    let secret = app.key(a, Role::Admin).await;
    let client = reqwest::Client::new();

    let (status, headers, body) = send(client.get(app.url("/v1/users"))).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "auth.unauthenticated")
    );
    assert_eq!(
        body["error"]["request_id"],
        headers["x-request-id"].to_str().unwrap()
    );

    let unknown = format!("ck_live_{}", "1".repeat(26));
    let (status, _, body) = send(app.v1(Method::GET, "/v1/users", &unknown, a)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "auth.invalid_token")
    );

    let (status, _, body) = send(app.v1(Method::GET, "/v1/users", &secret, b)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.tenant_mismatch")
    );

    let (status, _, body) = send(client.get(app.url("/v1/users")).bearer_auth(&secret)).await;
    assert_eq!(status, StatusCode::OK, "a key names its tenant: {body}");
    let (status, _, body) = send(
        client
            .get(app.url("/v1/users"))
            .bearer_auth(&secret)
            .header("x-tenant-id", "acme"),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.tenant_mismatch"),
        "a malformed X-Tenant-Id is a credential problem, not a malformed request"
    );

    service::tenants::set_status(&app.store, a, TenantStatus::Suspended)
        .await
        .unwrap();
    let (status, _, body) = send(app.v1(Method::GET, "/v1/users", &secret, a)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "tenant.suspended")
    );
    service::tenants::set_status(&app.store, a, TenantStatus::Active)
        .await
        .unwrap();

    let (status, _, body) = send(app.v1(Method::POST, "/v1/admin/key/revoke", &secret, a)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["status"], "revoked");
    let (status, _, body) = send(app.v1(Method::GET, "/v1/users", &secret, a)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "auth.token_revoked")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_key_acts_with_the_role_it_was_given(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let student = app.key(t, Role::Student).await;
    let teacher = app.key(t, Role::Teacher).await;

    let (status, _, body) = send(app.v1(Method::GET, "/v1/users", &student, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.forbidden")
    );
    let (status, _, _) = send(app.v1(Method::GET, "/v1/users", &teacher, t)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/users", &teacher, t)
            .json(&json!({ "email": "x@acme.test", "name": "X", "role": "student" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.forbidden")
    );
    let (status, _, body) = send(app.v1(Method::GET, "/v1/api-keys", &teacher, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.forbidden")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn admins_make_list_rotate_and_revoke_keys(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let admin = app.key(t, Role::Admin).await;

    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/api-keys", &admin, t)
            .json(&json!({ "name": "reporting", "role": "teacher", "expires_at": "2099-01-01" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let made = body["data"].clone();
    let secret = made["secret"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("key_") && secret.starts_with("ck_test_"));
    assert_eq!(made["role"], "teacher");
    assert_eq!(made["status"], "active");

    let (_, _, body) = send(app.v1(Method::GET, "/v1/api-keys", &admin, t)).await;
    let listed = body["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|k| k.get("secret").is_none()), "{body}");
    assert!(body.to_string().find(&secret).is_none());

    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/api-keys", &admin, t)
            .json(&json!({ "name": "", "role": "owner", "expires_at": "yesterday" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
    let fields = fields(&body["error"]["details"]);
    assert_eq!(fields, ["name", "role", "expires_at"]);
    for far in ["9999-12-31", "9999-12-31T23:59:59-01:00", "1969-07-20"] {
        let (status, _, body) = send(
            app.v1(Method::POST, "/v1/api-keys", &admin, t)
                .json(&json!({ "name": "far", "role": "student", "expires_at": far })),
        )
        .await;
        assert_eq!(
            (status, body["error"]["details"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("expires_at")),
            "{far}"
        );
    }

    let (status, _, body) = send(
        app.v1(
            Method::POST,
            &format!("/v1/api-keys/{id}/rotate"),
            &admin,
            t,
        )
        .json(&json!({ "overlap_seconds": 3600 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rotated = body["data"]["secret"].as_str().unwrap().to_string();
    assert_ne!(rotated, secret);
    for key in [&secret, &rotated] {
        let (status, _, _) = send(app.v1(Method::GET, "/v1/users", key, t)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "both secrets work during the overlap"
        );
    }

    let (status, _, body) =
        send(app.v1(Method::DELETE, &format!("/v1/api-keys/{id}"), &admin, t)).await;
    assert_eq!(
        (status, body["data"]["status"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    for key in [&secret, &rotated] {
        let (_, _, body) = send(app.v1(Method::GET, "/v1/users", key, t)).await;
        assert_eq!(code(&body), "auth.token_revoked");
    }

    let foreign = service::fixtures::api_key(&app.store, other, Role::Admin)
        .await
        .unwrap()
        .0;
    let (status, _, body) =
        send(app.v1(Method::GET, &format!("/v1/api-keys/{foreign}"), &admin, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
    let (status, _, body) = send(app.v1(Method::GET, "/v1/api-keys/not-an-id", &admin, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "request.malformed")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_key_rotates_itself(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let student = app.key(t, Role::Student).await;

    let (status, _, body) = send(app.v1(Method::POST, "/v1/admin/key/rotate", &student, t)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["data"]["secret"].as_str().unwrap().to_string();
    let (_, _, body) = send(app.v1(Method::POST, "/v1/admin/key/rotate", &student, t)).await;
    assert_eq!(code(&body), "auth.token_revoked", "no overlap by default");
    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/admin/key/rotate", &fresh, t)
            .json(&json!({ "overlap_seconds": 9_999_999 })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
}
