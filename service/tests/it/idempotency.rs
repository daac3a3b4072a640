#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::Role;
use service::fixtures::platform_caller;
use service::idempotency::{claim, finish, release, renew, Claim};
use sqlx::PgPool;
use time::Duration;

const SECRET: &[u8] = b"the server's secret key, for tests";

fn fingerprint(route: &str, body: &[u8]) -> Vec<u8> {
    service::idempotency::fingerprint(SECRET, route, "", body)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_key_replays_its_first_response_and_refuses_another_body(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let c = platform_caller(t, Role::Admin);
    let route = "POST /v1/users";
    let body = fingerprint(route, b"{\"a\":1}");

    assert_eq!(
        claim(&c, &store, route, "k1", &body).await.unwrap(),
        Claim::Fresh
    );
    let running = claim(&c, &store, route, "k1", &body).await.unwrap_err();
    assert_eq!(running.code().as_str(), "idempotency.in_progress");
    finish(&c, &store, route, "k1", 201, b"first")
        .await
        .unwrap();

    let replay = claim(&c, &store, route, "k1", &body).await.unwrap();
    assert_eq!(
        replay,
        Claim::Replay {
            status: 201,
            body: b"first".to_vec()
        }
    );
    let other = fingerprint(route, b"{\"a\":2}");
    assert_eq!(
        claim(&c, &store, route, "k1", &other)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "idempotency.key_reused"
    );
    // The same key on another route, or in another tenant, is another record.
    assert_eq!(
        claim(&c, &store, "POST /v1/api-keys", "k1", &body)
            .await
            .unwrap(),
        Claim::Fresh
    );
    let g = tenant(&store, "globex").await;
    assert_eq!(
        claim(&platform_caller(g, Role::Admin), &store, route, "k1", &body)
            .await
            .unwrap(),
        Claim::Fresh
    );

    store.clock.advance(Duration::hours(25));
    assert_eq!(
        claim(&c, &store, route, "k1", &other).await.unwrap(),
        Claim::Fresh,
        "expired after 24 hours"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_released_or_abandoned_key_may_run_again(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let c = platform_caller(t, Role::Admin);
    let body = fingerprint("POST /x", b"");
    assert_eq!(
        claim(&c, &store, "POST /x", "k", &body).await.unwrap(),
        Claim::Fresh
    );
    release(&c, &store, "POST /x", "k").await.unwrap();
    assert_eq!(
        claim(&c, &store, "POST /x", "k", &body).await.unwrap(),
        Claim::Fresh
    );
    store.clock.advance(Duration::minutes(6));
    assert_eq!(
        claim(&c, &store, "POST /x", "k", &body).await.unwrap(),
        Claim::Fresh,
        "its first request died"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn each_key_has_its_own_records(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let (a, _) = service::fixtures::api_key(&store, t, Role::Admin)
        .await
        .unwrap();
    let (b, _) = service::fixtures::api_key(&store, t, Role::Student)
        .await
        .unwrap();
    let as_key = |key| service::Caller {
        api_key_id: Some(key),
        ..platform_caller(t, Role::Admin)
    };
    let route = "POST /v1/admin/key/revoke";
    let body = fingerprint(route, b"");
    assert_eq!(
        claim(&as_key(a), &store, route, "revoke-today", &body)
            .await
            .unwrap(),
        Claim::Fresh
    );
    finish(&as_key(a), &store, route, "revoke-today", 200, b"a revoked")
        .await
        .unwrap();
    assert_eq!(
        claim(&as_key(b), &store, route, "revoke-today", &body)
            .await
            .unwrap(),
        Claim::Fresh,
        "another key's answer never stands in for this key's request"
    );
}

#[test]
fn fingerprints_depend_on_the_secret_route_and_body() {
    let base = fingerprint("POST /v1/users", b"{}");
    assert_eq!(base.len(), 32);
    assert_ne!(base, fingerprint("POST /v1/users", b"{ }"));
    assert_ne!(base, fingerprint("PATCH /v1/users", b"{}"));
    assert_ne!(
        base,
        service::idempotency::fingerprint(b"another secret", "POST /v1/users", "", b"{}")
    );
}

#[test]
fn the_query_string_is_part_of_the_fingerprint() {
    let route = "DELETE /v1/courses/crs_1/enrollments";
    let a = service::idempotency::fingerprint(SECRET, route, "user_id=usr_a", b"");
    let b = service::idempotency::fingerprint(SECRET, route, "user_id=usr_b", b"");
    assert_ne!(a, b);
    // The separator keeps query and body apart: moving bytes between them changes the print.
    assert_ne!(
        service::idempotency::fingerprint(SECRET, route, "ab", b""),
        service::idempotency::fingerprint(SECRET, route, "a", b"b")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_running_request_keeps_its_claim_as_long_as_it_renews_it(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let c = platform_caller(t, Role::Admin);
    let route = "POST /v1/courses/crs_1/enrollments/import";
    let body = fingerprint(route, b"email\n");
    assert_eq!(
        claim(&c, &store, route, "import", &body).await.unwrap(),
        Claim::Fresh
    );
    // A ten-minute import renews its lease as it runs: a retry meanwhile waits, never reruns it.
    for _ in 0..30 {
        store.clock.advance(Duration::seconds(20));
        renew(&c, &store, route, "import").await.unwrap();
        let retry = claim(&c, &store, route, "import", &body).await.unwrap_err();
        assert_eq!(retry.code().as_str(), "idempotency.in_progress");
    }
    // Once the renewals stop (its process died), the claim lapses within one lease.
    store
        .clock
        .advance(service::idempotency::LEASE + Duration::seconds(1));
    assert_eq!(
        claim(&c, &store, route, "import", &body).await.unwrap(),
        Claim::Fresh
    );
}
