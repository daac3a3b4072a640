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

mod leases {
    use super::*;
    use service::rate_limit::leases::{self, lease_size, LEASE_LIFETIME};
    use service::rate_limit::Leases;

    const PER_MINUTE: i32 = 6_000;
    const PER_HOUR: i32 = 1_000_000;

    /// Two processes' leases on one bucket: together never more than the bucket holds, and every
    /// token of it spent once the leases are spent.
    #[sqlx::test(migrator = "service::MIGRATOR")]
    async fn processes_never_spend_more_than_the_shared_bucket_holds(pool: PgPool) {
        let store = store(pool);
        let now = store.clock.now();
        let processes = [Leases::default(), Leases::default()];
        let mut allowed = 0;
        for i in 0..(PER_MINUTE as usize + 50) {
            let decision = leases::take(
                &store.pool,
                &processes[i % 2],
                "tenant:a",
                PER_MINUTE,
                PER_HOUR,
                now,
            )
            .await
            .unwrap();
            allowed += usize::from(decision.allowed);
        }
        assert_eq!(
            allowed, PER_MINUTE as usize,
            "with the clock stopped, exactly the bucket"
        );
    }

    /// A lease's unspent tokens go back to the bucket when it lapses, so another process gets them.
    #[sqlx::test(migrator = "service::MIGRATOR")]
    async fn unspent_tokens_go_back_when_a_lease_lapses(pool: PgPool) {
        let store = store(pool);
        let now = store.clock.now();
        let (one, two) = (Leases::default(), Leases::default());
        let lease = lease_size(PER_MINUTE, PER_HOUR);
        assert_eq!(lease, 10);
        let first = leases::take(&store.pool, &one, "tenant:a", PER_MINUTE, PER_HOUR, now)
            .await
            .unwrap();
        assert!(first.allowed);
        assert_eq!(
            first.remaining,
            PER_MINUTE - 1,
            "the process counts its own lease as remaining"
        );
        let seen_by_two = leases::take(&store.pool, &two, "tenant:a", PER_MINUTE, PER_HOUR, now)
            .await
            .unwrap();
        assert_eq!(
            seen_by_two.remaining,
            PER_MINUTE - lease - 1,
            "the other process's nine unspent tokens are the documented slack"
        );
        // Others spend most of the bucket, so what comes back is not capped by a full window.
        sqlx::query("update rate_limit_bucket set minute_tokens = minute_tokens - 3000")
            .execute(&store.pool)
            .await
            .unwrap();
        // The first process's lease lapses; its next lease gives back the nine it kept.
        let later = now + LEASE_LIFETIME;
        leases::take(&store.pool, &one, "tenant:a", PER_MINUTE, PER_HOUR, later)
            .await
            .unwrap();
        let bucket: f64 = sqlx::query_scalar(
            "select minute_tokens from rate_limit_bucket where bucket = 'tenant:a'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        let refilled = f64::from(PER_MINUTE) / 60.0;
        let expected = f64::from(PER_MINUTE - 2 * lease - 3000) + refilled + f64::from(lease - 1)
            - f64::from(lease);
        assert!(
            (bucket - expected).abs() < 1e-6,
            "bucket {bucket}, expected {expected}: 20 leased, 3,000 spent elsewhere, 100 refilled, \
             9 given back, 10 leased again"
        );
    }
}
