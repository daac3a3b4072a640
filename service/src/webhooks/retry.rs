//! What an attempt's outcome does to its delivery: a 2xx ends it; anything else schedules the next
//! attempt on the backoff (or later, at the receiver's `Retry-After`), until the last one fails it. The
//! endpoint's run of failures is kept, and one failing for days is turned off (`notices`).

use rand::Rng;
use time::format_description::well_known::Rfc2822;
use time::{Duration, OffsetDateTime};

use super::dispatch::{Attempt, Claimed, Dispatcher};
use super::notices;
use crate::ServiceError;

/// The wait after each failed attempt: the first attempt is immediate, then about 5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h and 10 h; the delivery fails after the attempt that follows the last.
pub const BACKOFF: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];
/// Attempts a delivery gets in all.
pub const MAX_ATTEMPTS: i32 = BACKOFF.len() as i32 + 1;
/// The longest wait a receiver's `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::hours(10);

/// The wait after failed attempt `attempt` (1-based), spread by ±10 % so that deliveries failed
/// together (a receiver's outage) do not come back together; None when it was the last.
pub fn backoff(attempt: i32) -> Option<Duration> {
    let base = *BACKOFF.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
    let spread = rand::thread_rng().gen_range(0.9..=1.1);
    Some(base * spread)
}

/// A `Retry-After` value: seconds, or an HTTP date; bounded to between 1 s and 10 h.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<i64>() {
        Ok(seconds) => Duration::seconds(seconds),
        Err(_) => OffsetDateTime::parse(value, &Rfc2822).ok()? - now,
    };
    Some(wait.clamp(Duration::seconds(1), MAX_RETRY_AFTER))
}

/// Records an attempt of a claimed delivery, if the claim is still this process's (a claim that
/// outlived its lease may have been taken again, and the newer attempt's record wins).
pub(crate) async fn record(
    dispatcher: &Dispatcher,
    claimed: &Claimed,
    attempt: &Attempt,
) -> Result<(), ServiceError> {
    let now = dispatcher.now();
    let pool = &dispatcher.store.pool;
    let status = attempt.status.map(i32::from);
    let body = attempt.body.as_deref();
    let error = attempt.error.as_deref();
    if attempt.succeeded() {
        let mut tx = pool.begin().await?;
        let recorded = sqlx::query!(
            "update webhook_delivery
             set status = 'succeeded', claimed_until = '-infinity', finished_at = $4,
                 response_status = $5, response_body = $6, latency_ms = $7, last_error = $8
             where tenant_id = $1 and id = $2 and attempts = $3 and status = 'pending'",
            claimed.tenant,
            claimed.id,
            claimed.attempt,
            now,
            status,
            body,
            attempt.latency_ms,
            error,
        )
        .execute(&mut *tx)
        .await?;
        if recorded.rows_affected() > 0 {
            sqlx::query!(
                "update webhook_endpoint set failing_since = null
                 where tenant_id = $1 and id = $2 and failing_since is not null",
                claimed.tenant,
                claimed.endpoint,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        return Ok(());
    }
    // A receiver's `Retry-After` is honoured by never coming back sooner; asking for less than
    // the backoff does not spend the attempts faster.
    let wait = backoff(claimed.attempt)
        .map(|wait| attempt.retry_after.map_or(wait, |asked| asked.max(wait)));
    let mut tx = pool.begin().await?;
    let recorded = sqlx::query!(
        "update webhook_delivery
         set status = case when $4::timestamptz is null then 'failed' else 'pending' end,
             next_attempt_at = coalesce($4, next_attempt_at),
             finished_at = case when $4::timestamptz is null then $5::timestamptz end,
             claimed_until = '-infinity',
             response_status = $6, response_body = $7, latency_ms = $8, last_error = $9
         where tenant_id = $1 and id = $2 and attempts = $3 and status = 'pending'",
        claimed.tenant,
        claimed.id,
        claimed.attempt,
        wait.map(|wait| now + wait),
        now,
        status,
        body,
        attempt.latency_ms,
        error,
    )
    .execute(&mut *tx)
    .await?;
    if recorded.rows_affected() == 0 {
        return Ok(());
    }
    // A failure more than a day after the one before starts a new run: the retries of one
    // delivery are never that far apart, so a gap means the endpoint was idle, not failing.
    let failing_since = sqlx::query_scalar!(
        r#"update webhook_endpoint
           set failing_since = case when failing_since is null or last_failure_at < $3::timestamptz - interval '1 day'
                                    then $3 else failing_since end,
               last_failure_at = $3
           where tenant_id = $1 and id = $2 and enabled
           returning failing_since as "failing_since!""#,
        claimed.tenant,
        claimed.endpoint,
        now,
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some(since) = failing_since {
        if now - since >= dispatcher.settings.disable_after {
            notices::disable_failing(dispatcher, claimed, since).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_follows_the_schedule_within_its_spread() {
        for (attempt, base) in (1..).zip(BACKOFF) {
            let wait = backoff(attempt).unwrap();
            assert!(
                wait >= base * 0.9 && wait <= base * 1.1,
                "{attempt}: {wait}"
            );
        }
        assert_eq!(backoff(MAX_ATTEMPTS), None);
        assert_eq!(backoff(0), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_within_bounds() {
        let now = time::macros::datetime!(2026-11-29 12:00 UTC);
        assert_eq!(parse_retry_after("120", now), Some(Duration::minutes(2)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::seconds(1)));
        assert_eq!(parse_retry_after("999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Sun, 29 Nov 2026 12:05:00 GMT", now),
            Some(Duration::minutes(5))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
