//! A tenant's tokens taken from the shared bucket in batches (leases) and spent in the process,
//! so most API requests cost no database round trip while every process still draws on one count.
//!
//! The slack, which docs/API.md states for integrators: a process only spends tokens it took from
//! the shared bucket, so a tenant never gets more than its limit. A process may hold up to
//! [`lease_size`] unspent tokens for at most [`LEASE_LIFETIME`]; meanwhile another process may
//! refuse a request that those tokens would have allowed, and `X-RateLimit-Remaining` may read
//! high by as much (it counts the process's own lease, not the others'). Unspent tokens go back to
//! the bucket when the process takes its next lease.

use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

use super::{decide, Decision, Window};
use crate::ServiceError;

/// How long a process may keep tokens it has not spent.
pub const LEASE_LIFETIME: Duration = Duration::seconds(1);
/// The most tokens one lease takes.
pub const MAX_LEASE: i32 = 100;
/// A lease holds about this share of a second of the tenant's rate.
const LEASE_SECONDS: f64 = 0.1;
/// Buckets leased per process; the least recently used go first (and their unspent tokens with them).
const CAPACITY: usize = 10_000;

/// Tokens a lease takes for a tenant allowed `per_minute` and `per_hour`: a tenth of a second of
/// its sustained rate, at least one. A tenant of 600 a minute leases one token at a time, which is
/// exact; only tenants allowed thousands a minute lease more.
pub fn lease_size(per_minute: i32, per_hour: i32) -> i32 {
    let per_second = (f64::from(per_minute) / 60.0).min(f64::from(per_hour) / 3600.0);
    ((per_second * LEASE_SECONDS).floor() as i32).clamp(1, MAX_LEASE)
}

/// This process's leases, by bucket.
#[derive(Clone)]
pub struct Leases(Arc<quick_cache::sync::Cache<String, Arc<Lease>>>);

impl Default for Leases {
    fn default() -> Self {
        Leases(Arc::new(quick_cache::sync::Cache::new(CAPACITY)))
    }
}

#[derive(Default)]
pub struct Lease {
    state: Mutex<State>,
    /// One lease taken at a time per bucket: requests that find it empty wait for the next one
    /// rather than each going to the database.
    renewing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    limits: (i32, i32),
    left: i32,
    until: Option<OffsetDateTime>,
    /// The shared bucket's windows as the last lease left them.
    minute_tokens: f64,
    hour_tokens: f64,
}

impl State {
    fn windows(&self, extra: f64) -> [Window; 2] {
        [
            Window::new(self.limits.0, 60.0, self.minute_tokens + extra),
            Window::new(self.limits.1, 3600.0, self.hour_tokens + extra),
        ]
    }

    fn spend(&mut self, limits: (i32, i32), now: OffsetDateTime) -> Option<Decision> {
        let current = self.limits == limits && self.until.is_some_and(|until| now < until);
        if !current || self.left < 1 {
            return None;
        }
        self.left -= 1;
        Some(decide(true, self.windows(f64::from(self.left)), now))
    }
}

/// Takes one token of `bucket` for a request, from the process's lease when it has one.
pub async fn take(
    pool: &sqlx::PgPool,
    leases: &Leases,
    bucket: &str,
    per_minute: i32,
    per_hour: i32,
    now: OffsetDateTime,
) -> Result<Decision, ServiceError> {
    let limits = (per_minute, per_hour);
    let lease = leases
        .0
        .get_or_insert_with(bucket, || Ok::<_, std::convert::Infallible>(Arc::default()))
        .unwrap_or_else(|never| match never {});
    if let Some(decision) = lease.lock().spend(limits, now) {
        return Ok(decision);
    }
    let _renewing = lease.renewing.lock().await;
    let give_back = {
        let mut state = lease.lock();
        if let Some(decision) = state.spend(limits, now) {
            return Ok(decision);
        }
        std::mem::take(&mut state.left)
    };
    let row = sqlx::query!(
        r#"select granted as "granted!", minute_tokens as "minute_tokens!", hour_tokens as "hour_tokens!"
           from lectern_lease_tokens($1, $2, $3, $4, $5, $6)"#,
        bucket,
        per_minute,
        per_hour,
        now,
        lease_size(per_minute, per_hour),
        give_back
    )
    .fetch_one(pool)
    .await?;
    let mut state = lease.lock();
    *state = State {
        limits,
        left: (row.granted - 1).max(0),
        until: (row.granted > 0).then(|| now + LEASE_LIFETIME),
        minute_tokens: row.minute_tokens,
        hour_tokens: row.hour_tokens,
    };
    Ok(decide(
        row.granted > 0,
        state.windows(f64::from(state.left)),
        now,
    ))
}

impl Lease {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain numbers, whole after any panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_are_a_tenth_of_a_second_of_the_rate_between_one_and_a_hundred() {
        assert_eq!(lease_size(600, 10_000), 1);
        assert_eq!(lease_size(6_000, 1_000_000), 10);
        assert_eq!(
            lease_size(6_000, 3_600),
            1,
            "the hour's rate is the tighter"
        );
        assert_eq!(lease_size(1_000_000_000, 1_000_000_000), MAX_LEASE);
        assert_eq!(lease_size(1, 1), 1);
    }
}
