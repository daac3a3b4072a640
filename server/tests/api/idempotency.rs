//! `Idempotency-Key` on mutating `/v1` routes: replay, reuse with another body, a replay while the
//! first request runs, and a secret never stored for replay.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{code, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_retry_replays_the_first_response_and_creates_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let new_user = json!({ "email": "new@acme.test", "name": "New", "role": "student", "password": "a long enough password" });
    let post = || {
        app.v1(Method::POST, "/v1/users", &admin, t)
            .header("idempotency-key", "create-new-1")
            .json(&new_user)
    };

    let (status, headers, first) = send(post()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert!(headers.get("idempotent-replayed").is_none());
    let (status, headers, again) = send(post()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(again, first, "the same body, request id included");
    let users: i64 =
        sqlx::query_scalar("select count(*) from app_user where email = 'new@acme.test'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(users, 1);

    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .header("idempotency-key", "create-new-1")
            .json(&json!({ "email": "other@acme.test", "name": "Other", "role": "student" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency.key_reused")
    );

    // An error answer is kept too: the retry of a refused request is refused the same way.
    let bad = || {
        app.v1(Method::POST, "/v1/users", &admin, t)
            .header("idempotency-key", "bad-1")
            .json(&json!({ "email": "nope", "name": "N", "role": "student" }))
    };
    let (status, _, first_bad) = send(bad()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, headers, second_bad) = send(bad()).await;
    assert_eq!(
        (headers["idempotent-replayed"].to_str().unwrap(), second_bad),
        ("true", first_bad)
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_replay_while_the_first_request_runs_is_409(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let body = json!({ "email": "slow@acme.test", "name": "Slow", "role": "student", "password": "a long enough password" });

    // Concurrent: one runs, the other is either told it is running or, if it came second, replayed.
    let send_one = || {
        send(
            app.v1(Method::POST, "/v1/users", &admin, t)
                .header("idempotency-key", "race")
                .json(&body),
        )
    };
    let (a, b) = tokio::join!(send_one(), send_one());
    let mut outcomes = [
        (a.0.as_u16(), code(&a.2).to_string()),
        (b.0.as_u16(), code(&b.2).to_string()),
    ];
    outcomes.sort();
    assert_eq!(outcomes[0], (201, String::new()), "{outcomes:?}");
    assert!(
        outcomes[1] == (201, String::new())
            || outcomes[1] == (409, "idempotency.in_progress".into()),
        "{outcomes:?}"
    );
    let users: i64 =
        sqlx::query_scalar("select count(*) from app_user where email = 'slow@acme.test'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    assert_eq!(users, 1);

    // Deterministic: a first request that is still running holds its key.
    let key_id: uuid::Uuid = sqlx::query_scalar("select key_id from api_key_secret s join api_key k on k.id = s.key_id where k.name = 'Admin key'")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    let body_bytes = serde_json::to_vec(&body).unwrap();
    sqlx::query(
        "insert into idempotency_record (tenant_id, principal, route, idem_key, request_hash, created_at, expires_at, lease_until)
         values ($1, $3, 'POST /v1/users', 'held', $2, now(), now() + interval '1 day', now() + interval '1 minute')",
    )
    .bind(t.as_uuid())
    .bind(service::idempotency::fingerprint(&app.config.secret_key, "POST /v1/users", "", &body_bytes))
    .bind(key_id)
    .execute(&app.store.pool)
    .await
    .unwrap();
    let (status, _, answer) = send(
        app.v1(Method::POST, "/v1/users", &admin, t)
            .header("idempotency-key", "held")
            .json(&body),
    )
    .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "idempotency.in_progress")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_replayed_key_creation_answers_the_prefix_never_the_secret(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let post = || {
        app.v1(Method::POST, "/v1/api-keys", &admin, t)
            .header("idempotency-key", "key-1")
            .json(&json!({ "name": "ci", "role": "admin" }))
    };
    let (status, _, first) = send(post()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let secret = first["data"]["secret"].as_str().unwrap();

    let (status, headers, replay) = send(post()).await;
    assert_eq!(
        (status, &headers["idempotent-replayed"]),
        (StatusCode::CREATED, &"true".parse().unwrap())
    );
    assert_eq!(replay["data"]["already_provisioned"], true);
    assert_eq!(replay["data"]["id"], first["data"]["id"]);
    assert_eq!(replay["data"]["prefix"], first["data"]["prefix"]);
    assert!(replay["data"].get("secret").is_none(), "{replay}");

    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select response_body from idempotency_record")
        .fetch_all(&app.store.pool)
        .await
        .unwrap();
    assert!(stored
        .iter()
        .all(|b| !String::from_utf8_lossy(b).contains(&secret[8..])));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_bad_idempotency_key_is_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let (status, _, body) = send(
        app.v1(Method::POST, "/v1/api-keys", &admin, t)
            .header("idempotency-key", "x".repeat(256))
            .json(&json!({ "name": "ci", "role": "admin" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
    assert_eq!(body["error"]["details"][0]["field"], "Idempotency-Key");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn one_keys_record_never_answers_another_key(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let first = app.key(t, Role::Student).await;
    let second = app.key(t, Role::Teacher).await;
    for secret in [&first, &second] {
        let (status, headers, body) = send(
            app.v1(Method::POST, "/v1/admin/key/revoke", secret, t)
                .header("idempotency-key", "revoke-leaked-key"),
        )
        .await;
        assert_eq!(
            (status, body["data"]["status"].as_str()),
            (StatusCode::OK, Some("revoked")),
            "{body}"
        );
        assert!(headers.get("idempotent-replayed").is_none());
    }
    for secret in [&first, &second] {
        let (_, _, body) = send(app.v1(Method::GET, "/v1/whoami", secret, t)).await;
        assert_eq!(code(&body), "auth.token_revoked");
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_same_key_with_another_query_string_is_refused_not_replayed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let admin = app.key(t, Role::Admin).await;
    let a = app.user(t, Role::Student, "a@acme.test").await;
    let b = app.user(t, Role::Student, "b@acme.test").await;
    let (_, _, course) = send(
        app.v1(Method::POST, "/v1/courses", &admin, t)
            .json(&serde_json::json!({"title": "Geology"})),
    )
    .await;
    let c = course["data"]["id"].as_str().unwrap().to_string();
    let enrollments = format!("/v1/courses/{c}/enrollments");
    for user in [a, b] {
        let (status, _, body) = send(
            app.v1(Method::POST, &enrollments, &admin, t)
                .json(&serde_json::json!({"user_id": user.to_string()})),
        )
        .await;
        assert!(status.is_success(), "{body}");
    }
    let withdraw = |user: domain::UserId| {
        app.v1(Method::DELETE, &enrollments, &admin, t)
            .query(&[("user_id", user.to_string())])
            .header("idempotency-key", "withdraw-1")
    };
    let (status, _, body) = send(withdraw(a)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, headers, body) = send(withdraw(b)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency.key_reused"),
        "{body}"
    );
    assert!(headers.get("idempotent-replayed").is_none());
    let statuses: Vec<String> = sqlx::query_scalar(
        "select e.status from enrollment e join app_user u on u.id = e.user_id order by u.email",
    )
    .fetch_all(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(statuses, ["withdrawn", "active"], "B was not withdrawn");
    // The retry of A's request is still A's answer.
    let (status, headers, _) = send(withdraw(a)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");
}
