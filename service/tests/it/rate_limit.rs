#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use service::rate_limit::take;
use sqlx::PgPool;
use time::Duration;

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_full_bucket_serves_its_limit_then_refuses_until_a_token_is_back(pool: PgPool) {
    let store = store(pool);
    let now = store.clock.now();
    for i in 0..600 {
        let d = take(&store.pool, "tenant:a", 600, 10_000, now)
            .await
            .unwrap();
        assert!(d.allowed, "request {i}");
    }
    let refused = take(&store.pool, "tenant:a", 600, 10_000, now)
        .await
        .unwrap();
    assert!(!refused.allowed);
    assert_eq!(refused.retry_after_seconds, 1);
    assert_eq!((refused.limit, refused.remaining), (600, 0));
    assert_eq!(refused.reset_at, now.unix_timestamp() + 60);

    let other = take(&store.pool, "tenant:b", 600, 10_000, now)
        .await
        .unwrap();
    assert!(other.allowed, "another bucket is unaffected");
    assert_eq!(other.remaining, 599);

    let later = now + Duration::milliseconds(100);
    assert!(
        take(&store.pool, "tenant:a", 600, 10_000, later)
            .await
            .unwrap()
            .allowed,
        "one token back after 0.1 s"
    );
    assert!(
        !take(&store.pool, "tenant:a", 600, 10_000, later)
            .await
            .unwrap()
            .allowed
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_hour_window_holds_when_the_minute_window_has_room(pool: PgPool) {
    let store = store(pool);
    let now = store.clock.now();
    for _ in 0..50 {
        assert!(take(&store.pool, "k", 600, 50, now).await.unwrap().allowed);
    }
    let refused = take(&store.pool, "k", 600, 50, now).await.unwrap();
    assert!(!refused.allowed);
    assert_eq!(refused.limit, 50, "the hour window is the one reported");
    assert_eq!(
        refused.retry_after_seconds, 72,
        "50 an hour: a token every 72 s"
    );
    let later = now + Duration::seconds(72);
    assert!(
        take(&store.pool, "k", 600, 50, later)
            .await
            .unwrap()
            .allowed
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn concurrent_requests_never_take_more_than_the_bucket_holds(pool: PgPool) {
    let store = store(pool);
    let now = store.clock.now();
    let tasks: Vec<_> = (0..80)
        .map(|_| {
            let pool = store.pool.clone();
            tokio::spawn(async move {
                take(&pool, "tenant:busy", 50, 1000, now)
                    .await
                    .unwrap()
                    .allowed
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        allowed += usize::from(task.await.unwrap());
    }
    assert_eq!(allowed, 50);
}
