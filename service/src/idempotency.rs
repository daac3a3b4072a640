//! Idempotency keys for mutating `/v1` requests: the first response is kept per (tenant, route, key)
//! for 24 hours and replayed to retries; the same key with another body, or while the first request
//! still runs, is refused. Responses that carry a secret are stored with the secret taken out. Each
//! API key (or user) has its own keys: a record never answers another caller's request.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::db::tenant_tx;
use crate::{Caller, ServiceError, Store};

/// How long a first response is kept for replay.
pub const RETENTION: Duration = Duration::hours(24);
/// A running first request holds its key for this long, and renews the lease every
/// [`RENEW_EVERY`] while it runs, however long that is; a claim whose lease ran out is taken to
/// have died with its process, and a retry takes the key over.
pub const LEASE: Duration = Duration::seconds(60);
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(20);

/// What to do with a request that carries an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: run the request, then `finish` (or `release` when it failed on our side).
    Fresh,
    /// A retry of a finished request: answer this instead.
    Replay { status: u16, body: Vec<u8> },
}

/// The fingerprint of a request (its method, path, query string and body): an HMAC under the
/// server's secret, so a stored fingerprint reveals nothing of a body that holds a password. The
/// query is part of the request: `DELETE …?user_id=A` and `…?user_id=B` are different requests.
pub fn fingerprint(secret: &[u8], route: &str, query: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot run.
        Err(_) => return Vec::new(),
    };
    mac.update(route.as_bytes());
    mac.update(&[0]);
    mac.update(query.as_bytes());
    mac.update(&[0]);
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Whose record it is: the API key, or the user, that sent the request.
fn principal(caller: &Caller) -> Uuid {
    caller
        .api_key_id
        .map(|k| k.as_uuid())
        .or(caller.user_id.map(|u| u.as_uuid()))
        .unwrap_or_default()
}

/// Checks a key's length and characters (printable ASCII, 1–255).
pub fn validate_key(key: &str) -> Result<(), ServiceError> {
    if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "Idempotency-Key",
            "Use 1 to 255 printable ASCII characters, such as a UUID.",
        ))
    }
}

/// Claims `key` for this request, or says how to answer it.
pub async fn claim(
    caller: &Caller,
    store: &Store,
    route: &str,
    key: &str,
    request_hash: &[u8],
) -> Result<Claim, ServiceError> {
    let now = store.clock.now();
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    // Claims an unused key, or takes over one that expired or whose first request died.
    let claimed = sqlx::query_scalar!(
        r#"insert into idempotency_record as r (tenant_id, principal, route, idem_key, request_hash, created_at, expires_at, lease_until)
           values ($1, $8, $2, $3, $4, $5, $6, $7)
           on conflict (tenant_id, principal, route, idem_key) do update
              set request_hash = excluded.request_hash, status_code = null, response_body = null,
                  created_at = excluded.created_at, expires_at = excluded.expires_at,
                  lease_until = excluded.lease_until
            where r.expires_at <= $5 or (r.status_code is null and r.lease_until <= $5)
           returning true as "claimed!""#,
        caller.tenant_id.as_uuid(),
        route,
        key,
        request_hash,
        now,
        now + RETENTION,
        now + LEASE,
        principal(caller),
    )
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(false);
    if claimed {
        tx.commit().await?;
        return Ok(Claim::Fresh);
    }
    let existing = sqlx::query!(
        "select request_hash, status_code, response_body from idempotency_record
         where tenant_id = $1 and principal = $4 and route = $2 and idem_key = $3",
        caller.tenant_id.as_uuid(),
        route,
        key,
        principal(caller),
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if existing.request_hash != request_hash {
        return Err(ServiceError::conflict(
            domain::ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used with another request; use a new key for a new request.",
        ));
    }
    match (existing.status_code, existing.response_body) {
        (Some(status), Some(body)) => Ok(Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body,
        }),
        _ => Err(ServiceError::conflict(
            domain::ErrorCode::IdempotencyInProgress,
            "A request with this Idempotency-Key is still running; retry in a moment.",
        )),
    }
}

/// Extends the lease of a claim whose request is still running (called every [`RENEW_EVERY`]).
pub async fn renew(
    caller: &Caller,
    store: &Store,
    route: &str,
    key: &str,
) -> Result<(), ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    sqlx::query!(
        "update idempotency_record set lease_until = $1
         where tenant_id = $2 and principal = $5 and route = $3 and idem_key = $4 and status_code is null",
        store.clock.now() + LEASE,
        caller.tenant_id.as_uuid(),
        route,
        key,
        principal(caller),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores the first response for replay.
pub async fn finish(
    caller: &Caller,
    store: &Store,
    route: &str,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<(), ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    sqlx::query!(
        "update idempotency_record set status_code = $1, response_body = $2
         where tenant_id = $3 and principal = $6 and route = $4 and idem_key = $5",
        i32::from(status),
        body,
        caller.tenant_id.as_uuid(),
        route,
        key,
        principal(caller),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Frees the key after a failure on our side (5xx), so a retry runs the request again.
pub async fn release(
    caller: &Caller,
    store: &Store,
    route: &str,
    key: &str,
) -> Result<(), ServiceError> {
    let mut tx = tenant_tx(&store.pool, caller.tenant_id).await?;
    sqlx::query!(
        "delete from idempotency_record
         where tenant_id = $1 and principal = $4 and route = $2 and idem_key = $3 and status_code is null",
        caller.tenant_id.as_uuid(),
        route,
        key,
        principal(caller),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes expired records (platform work, across tenants).
pub async fn sweep(pool: &sqlx::PgPool, now: OffsetDateTime) -> Result<u64, ServiceError> {
    let done = sqlx::query!("delete from idempotency_record where expires_at < $1", now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
