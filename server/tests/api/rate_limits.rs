//! The tenant's rate limit: headers on every answer, a 429 past the limit, shared by every server
//! process of the deployment.

use domain::Role;
use reqwest::{Method, StatusCode};
use service::Clock;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use time::macros::datetime;

use crate::helpers::{code, send, spawn_app_with_clock};

const NOW: time::OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> i64 {
    headers[name].to_str().unwrap().parse().unwrap()
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_601st_request_in_a_minute_is_refused_and_another_tenant_is_unaffected(pool: PgPool) {
    // The clock stands still: no token comes back while the test runs, however slow the machine.
    let app = spawn_app_with_clock(pool, Clock::manual(NOW)).await;
    let a = app.tenant("acme").await;
    let b = app.tenant("globex").await;
    let key_a = app.key(a, Role::Admin).await;
    let key_b = app.key(b, Role::Admin).await;

    let mut refused = Vec::new();
    for i in 1..=601 {
        let (status, headers, body) = send(app.v1(Method::GET, "/v1/api-keys", &key_a, a)).await;
        assert_eq!(header(&headers, "x-ratelimit-limit"), 600);
        // The window is full again once the spent tokens are back, at ten a second.
        let spent = i.min(600);
        assert_eq!(
            header(&headers, "x-ratelimit-reset"),
            NOW.unix_timestamp() + (spent + 9) / 10
        );
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(code(&body), "rate_limit.exceeded");
            assert_eq!(
                header(&headers, "retry-after"),
                1,
                "600 a minute: a token every 0.1 s"
            );
            assert_eq!(header(&headers, "x-ratelimit-remaining"), 0);
            refused.push(i);
        } else {
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(header(&headers, "x-ratelimit-remaining"), 600 - i);
        }
    }
    assert_eq!(refused, [601]);

    let (status, headers, _) = send(app.v1(Method::GET, "/v1/api-keys", &key_b, b)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "x-ratelimit-remaining"), 599);

    app.store.clock.advance(time::Duration::seconds(1));
    let (status, _, _) = send(app.v1(Method::GET, "/v1/api-keys", &key_a, a)).await;
    assert_eq!(status, StatusCode::OK, "Retry-After was right");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn two_servers_on_one_database_share_the_bucket(pool: PgPool) {
    // Two applications with their own connection pools and clocks: nothing shared but the database.
    let second_pool = PgPoolOptions::new()
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let one = spawn_app_with_clock(pool, Clock::manual(NOW)).await;
    let two = spawn_app_with_clock(second_pool, Clock::manual(NOW)).await;
    let t = one.tenant("acme").await;
    let key = one.key(t, Role::Admin).await;
    sqlx::query("update tenant set requests_per_minute = 20 where id = $1")
        .bind(t.as_uuid())
        .execute(&one.store.pool)
        .await
        .unwrap();

    let mut statuses = Vec::new();
    for i in 0..21 {
        let app = if i % 2 == 0 { &one } else { &two };
        let (status, _, _) = send(app.v1(Method::GET, "/v1/api-keys", &key, t)).await;
        statuses.push(status.as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn guessing_keys_from_one_address_is_slowed_down(pool: PgPool) {
    let app = spawn_app_with_clock(pool, Clock::manual(NOW)).await;
    let t = app.tenant("acme").await;
    let mut codes = Vec::new();
    for i in 0..61 {
        let guess = format!("ck_live_{:0>26}", i);
        let (_, _, body) = send(app.v1(Method::GET, "/v1/users", &guess, t)).await;
        codes.push(code(&body).to_string());
    }
    assert!(
        codes[..60].iter().all(|c| c == "auth.invalid_token"),
        "{codes:?}"
    );
    assert_eq!(codes[60], "rate_limit.exceeded");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn sign_in_is_limited_per_address(pool: PgPool) {
    let app = spawn_app_with_clock(pool, Clock::manual(NOW)).await;
    let client = reqwest::Client::new();
    let mut last = None;
    for _ in 0..61 {
        let response = client
            .post(app.url("/api/auth/sign-in"))
            .form(&[
                ("organisation", "nowhere"),
                ("email", "a@b.test"),
                ("password", "x"),
            ])
            .send()
            .await
            .unwrap();
        last = Some((
            response.status(),
            response.headers().get("retry-after").cloned(),
            response.json::<serde_json::Value>().await.unwrap(),
        ));
    }
    let (status, retry_after, body) = last.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limit.exceeded");
    assert_eq!(retry_after.unwrap().to_str().unwrap(), "1");
}
