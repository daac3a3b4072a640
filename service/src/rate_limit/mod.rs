//! Token buckets kept in PostgreSQL, so every server process of a deployment draws on the same count.
//! A bucket has two windows (a minute and an hour); a request takes one token from each, or is
//! refused when either is empty. Tokens refill continuously.

use time::OffsetDateTime;

pub mod leases;

pub use leases::Leases;

use crate::ServiceError;

/// Public endpoints (sign-in, password reset) per client address.
pub const PUBLIC_PER_MINUTE: i32 = 60;
pub const PUBLIC_PER_HOUR: i32 = 1000;

/// A request's verdict, with what the `X-RateLimit-*` headers report: the window that is closest
/// to running out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: i32,
    pub remaining: i32,
    /// When the reported window is full again, in Unix seconds.
    pub reset_at: i64,
    /// Seconds until a token is back in every window (0 when allowed).
    pub retry_after_seconds: i64,
}

impl Decision {
    /// The refusal, as the service's error.
    pub fn into_result(self) -> Result<Decision, ServiceError> {
        if self.allowed {
            Ok(self)
        } else {
            Err(ServiceError::RateLimited {
                retry_after_seconds: self.retry_after_seconds,
            })
        }
    }
}

/// The bucket of a tenant's API calls.
pub fn tenant_bucket(tenant: domain::TenantId) -> String {
    format!("tenant:{}", tenant.as_uuid())
}

/// The bucket of one client address on public endpoints (IPv6 by its /64).
pub fn ip_bucket(ip: std::net::IpAddr) -> String {
    format!("ip:{}", crate::auth::throttle_key(ip))
}

/// The bucket of one client address's failed API authentications, apart from its sign-ins: a
/// misconfigured integration behind a shared address must not lock its people out of signing in.
pub fn api_auth_bucket(ip: std::net::IpAddr) -> String {
    format!("api-auth:{}", crate::auth::throttle_key(ip))
}

/// Takes a token from `bucket`. Platform-level: buckets belong to no tenant.
pub async fn take(
    pool: &sqlx::PgPool,
    bucket: &str,
    per_minute: i32,
    per_hour: i32,
    now: OffsetDateTime,
) -> Result<Decision, ServiceError> {
    let row = sqlx::query!(
        r#"select allowed as "allowed!", minute_tokens as "minute_tokens!", hour_tokens as "hour_tokens!"
           from lectern_take_token($1, $2, $3, $4)"#,
        bucket,
        per_minute,
        per_hour,
        now
    )
    .fetch_one(pool)
    .await?;
    Ok(decide(
        row.allowed,
        [
            Window::new(per_minute, 60.0, row.minute_tokens),
            Window::new(per_hour, 3600.0, row.hour_tokens),
        ],
        now,
    ))
}

#[derive(Debug, Clone, Copy)]
struct Window {
    capacity: i32,
    tokens: f64,
    /// Tokens a second.
    rate: f64,
}

impl Window {
    fn new(capacity: i32, seconds: f64, tokens: f64) -> Self {
        Window {
            capacity,
            tokens,
            rate: f64::from(capacity.max(1)) / seconds,
        }
    }

    fn seconds_until(&self, tokens: f64) -> i64 {
        let missing = (tokens - self.tokens).max(0.0);
        // Whole seconds, rounded up: retrying at the announced second must succeed.
        (missing / self.rate).ceil() as i64
    }
}

fn decide(allowed: bool, windows: [Window; 2], now: OffsetDateTime) -> Decision {
    let tightest = windows
        .iter()
        .min_by(|a, b| a.tokens.total_cmp(&b.tokens))
        .copied()
        .unwrap_or(windows[0]);
    let retry_after_seconds = if allowed {
        0
    } else {
        windows
            .iter()
            .map(|w| w.seconds_until(1.0))
            .max()
            .unwrap_or(1)
            .max(1)
    };
    Decision {
        allowed,
        limit: tightest.capacity,
        remaining: tightest.tokens.floor().max(0.0) as i32,
        reset_at: now.unix_timestamp() + tightest.seconds_until(f64::from(tightest.capacity)),
        retry_after_seconds,
    }
}

/// Removes buckets idle for over an hour: both their windows are full again, the same as no row.
pub async fn sweep(pool: &sqlx::PgPool, now: OffsetDateTime) -> Result<u64, ServiceError> {
    let done = sqlx::query!(
        "delete from rate_limit_bucket where updated_at < $1",
        now - time::Duration::hours(1)
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_empty_minute_window_asks_for_the_time_of_one_token() {
        let now = datetime!(2026-11-23 12:00 UTC);
        let d = decide(
            false,
            [
                Window::new(600, 60.0, 0.0),
                Window::new(10_000, 3600.0, 9_400.0),
            ],
            now,
        );
        assert_eq!(
            d.retry_after_seconds, 1,
            "600 a minute refill one token in 0.1 s"
        );
        assert_eq!((d.limit, d.remaining), (600, 0));
        assert_eq!(d.reset_at, now.unix_timestamp() + 60);
    }

    #[test]
    fn the_reported_window_is_the_one_closest_to_running_out() {
        let now = datetime!(2026-11-23 12:00 UTC);
        let d = decide(
            true,
            [
                Window::new(600, 60.0, 500.0),
                Window::new(10_000, 3600.0, 20.5),
            ],
            now,
        );
        assert_eq!(
            (d.limit, d.remaining, d.retry_after_seconds),
            (10_000, 20, 0)
        );
        let empty_hour = decide(
            false,
            [
                Window::new(600, 60.0, 500.0),
                Window::new(3600, 3600.0, 0.25),
            ],
            now,
        );
        assert_eq!(empty_hour.retry_after_seconds, 1);
        let slow = decide(
            false,
            [Window::new(6, 60.0, 0.0), Window::new(3600, 3600.0, 10.0)],
            now,
        );
        assert_eq!(
            slow.retry_after_seconds, 10,
            "six a minute: one token every ten seconds"
        );
    }
}
