//! API keys: made by a tenant's admins, shown once, stored as SHA-256 hashes; rotated (with an
//! optional overlap during which the old secret still works) and revoked. `authenticate` turns a
//! presented key into the caller it acts as.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use domain::dto::{ApiKeyView, IssuedApiKey};
use domain::{
    ApiKeyId, ApiKeyStatus, AuditAction, ErrorCode, FieldError, Role, TenantId, TenantStatus,
};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::auth::RequestMeta;
use crate::credentials::KeyRecord;
use crate::db::{in_tx, new_id, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

/// The longest a rotated-out secret may keep working.
pub const MAX_OVERLAP: Duration = Duration::days(7);
/// `last_used_at` is written at most this often per key, so busy keys do not write on every call.
const LAST_USED_GRANULARITY: Duration = Duration::minutes(1);
/// How many characters of the random part the visible prefix shows.
const VISIBLE_RANDOM_CHARS: usize = 4;
const LIVE_PREFIX: &str = "ck_live_";
const TEST_PREFIX: &str = "ck_test_";

/// A new key as an admin describes it.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub role: Role,
    pub expires_at: Option<OffsetDateTime>,
}

impl NewApiKey {
    /// Parses raw input: a name of 1–100 characters, a role, and an optional expiry (RFC 3339, or a
    /// date meaning the end of that day in UTC) that must lie in the future.
    pub fn parse(
        name: &str,
        role: &str,
        expires_at: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<NewApiKey, ServiceError> {
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new(
                "name",
                "Give the key a name of 1 to 100 characters.",
            ));
        }
        let role = match Role::parse("role", role) {
            Ok(role) => Some(role),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let expires_at = match expires_at.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match parse_expiry(raw) {
                Ok(at) if at > now => Some(at),
                Ok(_) => {
                    errors.push(FieldError::new(
                        "expires_at",
                        "The expiry must lie in the future.",
                    ));
                    None
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        match role {
            Some(role) if errors.is_empty() => Ok(NewApiKey {
                name: name.to_string(),
                role,
                expires_at,
            }),
            _ => Err(ServiceError::Validation(errors)),
        }
    }
}

/// A bare date means the key works through that whole day (UTC).
fn parse_expiry(raw: &str) -> Result<OffsetDateTime, FieldError> {
    let at = crate::audit_log::parse_instant("expires_at", raw)?;
    if raw.len() == 10 {
        // Within the years parse_instant allows, a day more cannot overflow.
        Ok(at.saturating_add(Duration::days(1)))
    } else {
        Ok(at)
    }
}

/// Parses a rotation's overlap in seconds: 0 (the default) to seven days.
pub fn parse_overlap(seconds: Option<i64>) -> Result<Duration, ServiceError> {
    let overlap = Duration::seconds(seconds.unwrap_or(0));
    if overlap.is_negative() || overlap > MAX_OVERLAP {
        return Err(ServiceError::invalid(
            "overlap_seconds",
            "Choose an overlap between 0 and 604800 seconds (seven days).",
        ));
    }
    Ok(overlap)
}

/// A fresh secret: the prefix and 128 random bits as 26 base32 characters.
fn new_secret(is_test: bool) -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let prefix = if is_test { TEST_PREFIX } else { LIVE_PREFIX };
    format!(
        "{prefix}{}",
        domain::id::encode_128(u128::from_be_bytes(bytes))
    )
}

/// A fresh secret for the caller's tenant: `ck_test_…` for a test tenant, `ck_live_…` otherwise.
async fn secret_for(tx: &mut TenantTx) -> Result<String, ServiceError> {
    let is_test = sqlx::query_scalar!(
        "select is_test from tenant where id = $1",
        tx.tenant().as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(new_secret(is_test))
}

fn visible_prefix(secret: &str) -> String {
    secret
        .chars()
        .take(LIVE_PREFIX.len() + VISIBLE_RANDOM_CHARS)
        .collect()
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// True when the text has the shape of a key; anything else is refused before a database look-up.
fn looks_like_key(text: &str) -> bool {
    let random = text
        .strip_prefix(LIVE_PREFIX)
        .or_else(|| text.strip_prefix(TEST_PREFIX));
    random.is_some_and(|r| domain::id::decode_128(r).is_some())
}

struct KeyRow {
    id: Uuid,
    name: String,
    role: String,
    prefix: String,
    created_at: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
}

fn view(row: KeyRow, now: OffsetDateTime) -> Result<ApiKeyView, ServiceError> {
    let status = if row.revoked_at.is_some() {
        ApiKeyStatus::Revoked
    } else if row.expires_at.is_some_and(|at| at <= now) {
        ApiKeyStatus::Expired
    } else {
        ApiKeyStatus::Active
    };
    Ok(ApiKeyView {
        id: ApiKeyId::from_uuid(row.id),
        name: row.name,
        role: Role::parse("role", &row.role)?,
        prefix: row.prefix,
        status,
        created_at: rfc3339(row.created_at),
        expires_at: row.expires_at.map(rfc3339),
        revoked_at: row.revoked_at.map(rfc3339),
        last_used_at: row.last_used_at.map(rfc3339),
    })
}

async fn fetch(tx: &mut TenantTx, id: ApiKeyId, lock: bool) -> Result<KeyRow, ServiceError> {
    let row = if lock {
        sqlx::query_as!(
            KeyRow,
            "select id, name, role, prefix, created_at, expires_at, revoked_at, last_used_at
             from api_key where tenant_id = $1 and id = $2 for update",
            tx.tenant().as_uuid(),
            id.as_uuid()
        )
        .fetch_optional(&mut **tx)
        .await?
    } else {
        sqlx::query_as!(
            KeyRow,
            "select id, name, role, prefix, created_at, expires_at, revoked_at, last_used_at
             from api_key where tenant_id = $1 and id = $2",
            tx.tenant().as_uuid(),
            id.as_uuid()
        )
        .fetch_optional(&mut **tx)
        .await?
    };
    row.ok_or(ServiceError::NotFound)
}

/// The tenant's keys, newest first (admins only).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(caller: &Caller, store: &Store) -> Result<Vec<ApiKeyView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx))
}

pub async fn list_in(tx: &mut TenantTx) -> Result<Vec<ApiKeyView>, ServiceError> {
    tx.caller().require_admin()?;
    let rows = sqlx::query_as!(
        KeyRow,
        "select id, name, role, prefix, created_at, expires_at, revoked_at, last_used_at
         from api_key where tenant_id = $1 order by created_at desc, id desc",
        tx.tenant().as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
    let now = tx.now();
    rows.into_iter().map(|r| view(r, now)).collect()
}

/// One key (admins only).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn get(caller: &Caller, store: &Store, id: ApiKeyId) -> Result<ApiKeyView, ServiceError> {
    in_tx!(store, caller, |tx| get_in(tx, id))
}

pub async fn get_in(tx: &mut TenantTx, id: ApiKeyId) -> Result<ApiKeyView, ServiceError> {
    tx.caller().require_admin()?;
    let row = fetch(tx, id, false).await?;
    view(row, tx.now())
}

/// Makes a key (admins only) and answers its secret, which is never shown again.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn create(
    caller: &Caller,
    store: &Store,
    input: NewApiKey,
) -> Result<IssuedApiKey, ServiceError> {
    in_tx!(store, caller, |tx| create_in(tx, input))
}

pub async fn create_in(tx: &mut TenantTx, input: NewApiKey) -> Result<IssuedApiKey, ServiceError> {
    tx.caller().require_admin()?;
    let now = tx.now();
    let secret = secret_for(tx).await?;
    let id = new_id();
    sqlx::query!(
        "insert into api_key (id, tenant_id, name, role, prefix, created_by, expires_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        tx.tenant().as_uuid(),
        input.name,
        input.role.as_str(),
        visible_prefix(&secret),
        tx.caller().user_id.map(|u| u.as_uuid()),
        input.expires_at,
        now,
    )
    .execute(&mut **tx)
    .await?;
    insert_secret(tx, id, &secret, now).await?;
    let entry = AuditEntry {
        action: AuditAction::ApiKeyCreated,
        target_type: Some("api_key"),
        target_id: Some(id),
        data: json!({ "name": input.name, "role": input.role.as_str(), "expires_at": input.expires_at.map(rfc3339) }),
    };
    audit::record(tx, entry).await?;
    let key = fetch(tx, ApiKeyId::from_uuid(id), false).await?;
    Ok(IssuedApiKey {
        key: view(key, now)?,
        secret,
    })
}

/// Stores the hash of a key's new secret, in the transaction's tenant.
async fn insert_secret(
    tx: &mut TenantTx,
    key: Uuid,
    secret: &str,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into api_key_secret (id, tenant_id, key_id, secret_hash, created_at) values ($1, $2, $3, $4, $5)",
        new_id(),
        tx.tenant().as_uuid(),
        key,
        hash(secret),
        now,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who may manage a key: the tenant's admins, and any key itself (`/v1/admin/key/…`).
fn require_key_manager(caller: &Caller, id: ApiKeyId) -> Result<(), ServiceError> {
    if caller.api_key_id == Some(id) {
        Ok(())
    } else {
        caller.require_admin()
    }
}

/// Gives a key a new secret, answered once. The old secret stops working after `overlap` (at once
/// by default), so clients can switch over without an outage.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn rotate(
    caller: &Caller,
    store: &Store,
    id: ApiKeyId,
    overlap: Duration,
) -> Result<IssuedApiKey, ServiceError> {
    let rotated: Result<IssuedApiKey, ServiceError> =
        in_tx!(store, caller, |tx| rotate_in(tx, id, overlap));
    // Other processes hear of it from the database; this one forgets at once.
    store.credentials.clear();
    rotated
}

pub async fn rotate_in(
    tx: &mut TenantTx,
    id: ApiKeyId,
    overlap: Duration,
) -> Result<IssuedApiKey, ServiceError> {
    require_key_manager(tx.caller(), id)?;
    let now = tx.now();
    let before = fetch(tx, id, true).await?;
    if view(before, now)?.status != ApiKeyStatus::Active {
        return Err(ServiceError::conflict(
            ErrorCode::ApiKeyInactive,
            "This key is revoked or expired and cannot be rotated; make a new one.",
        ));
    }
    let retire_at = now + overlap;
    sqlx::query!(
        "update api_key_secret set retired_at = $1
         where tenant_id = $2 and key_id = $3 and (retired_at is null or retired_at > $1)",
        retire_at,
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .execute(&mut **tx)
    .await?;
    let secret = secret_for(tx).await?;
    insert_secret(tx, id.as_uuid(), &secret, now).await?;
    sqlx::query!(
        "update api_key set prefix = $1 where tenant_id = $2 and id = $3",
        visible_prefix(&secret),
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .execute(&mut **tx)
    .await?;
    let entry = AuditEntry {
        action: AuditAction::ApiKeyRotated,
        target_type: Some("api_key"),
        target_id: Some(id.as_uuid()),
        data: json!({ "overlap_seconds": overlap.whole_seconds(), "old_secret_retires_at": rfc3339(retire_at) }),
    };
    audit::record(tx, entry).await?;
    let key = fetch(tx, id, false).await?;
    Ok(IssuedApiKey {
        key: view(key, now)?,
        secret,
    })
}

/// Revokes a key at once, with every secret it had. Revoking a revoked key changes nothing.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn revoke(
    caller: &Caller,
    store: &Store,
    id: ApiKeyId,
) -> Result<ApiKeyView, ServiceError> {
    let revoked: Result<ApiKeyView, ServiceError> = in_tx!(store, caller, |tx| revoke_in(tx, id));
    // Other processes hear of it from the database; this one forgets at once.
    store.credentials.clear();
    revoked
}

pub async fn revoke_in(tx: &mut TenantTx, id: ApiKeyId) -> Result<ApiKeyView, ServiceError> {
    require_key_manager(tx.caller(), id)?;
    let now = tx.now();
    let before = fetch(tx, id, true).await?;
    if before.revoked_at.is_none() {
        sqlx::query!(
            "update api_key set revoked_at = $1 where tenant_id = $2 and id = $3",
            now,
            tx.tenant().as_uuid(),
            id.as_uuid()
        )
        .execute(&mut **tx)
        .await?;
        let entry = AuditEntry {
            action: AuditAction::ApiKeyRevoked,
            target_type: Some("api_key"),
            target_id: Some(id.as_uuid()),
            data: json!({ "name": before.name }),
        };
        audit::record(tx, entry).await?;
    }
    let key = fetch(tx, id, false).await?;
    view(key, now)
}

/// What a valid key authenticates as, with its tenant's rate limits.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    pub requests_per_minute: i32,
    pub requests_per_hour: i32,
}

/// Resolves a presented key. `tenant` is the request's `X-Tenant-Id` (None where the request
/// names no tenant: the key names its own). Each refusal has its own code: unknown, another
/// tenant's, revoked or expired, suspended tenant.
///
/// Platform-level: the key's tenant is not known before the look-up, so this reads as the tables'
/// owner. The look-up is by the secret's SHA-256; comparing hashes in the index leaks nothing useful
/// about the secret, since nobody can choose a secret for a wanted hash. What it finds is kept in the
/// process's [`crate::credentials::CredentialCache`], which every change to keys and tenants empties.
pub async fn authenticate(
    store: &Store,
    presented: &str,
    tenant: Option<TenantId>,
    meta: &RequestMeta,
) -> Result<Authenticated, ServiceError> {
    if !looks_like_key(presented) {
        return Err(ServiceError::InvalidToken);
    }
    let now = store.clock.now();
    let secret_hash = hash(presented);
    let record = match store.credentials.get(&secret_hash) {
        Some(record) => record,
        None => look_up(store, secret_hash).await?,
    };
    let key_tenant = TenantId::from_uuid(record.tenant_id);
    if tenant.is_some_and(|t| t != key_tenant) {
        return Err(ServiceError::TenantMismatch);
    }
    if record.revoked_at.is_some() {
        return Err(ServiceError::TokenRevoked("this API key was revoked"));
    }
    if record.expires_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::TokenRevoked("this API key has expired"));
    }
    if record.retired_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::TokenRevoked(
            "this API key's secret was rotated; use the new one",
        ));
    }
    if TenantStatus::parse("status", &record.tenant_status)? != TenantStatus::Active {
        return Err(ServiceError::TenantSuspended);
    }
    note_use(store, &record, now).await?;
    Ok(Authenticated {
        caller: Caller {
            tenant_id: key_tenant,
            user_id: None,
            api_key_id: Some(ApiKeyId::from_uuid(record.key_id)),
            role: Role::parse("role", &record.role)?,
            request_id: meta.request_id.clone(),
            ip: meta.ip,
            user_agent: meta.user_agent.clone(),
            on_behalf_of: None,
        },
        requests_per_minute: record.requests_per_minute,
        requests_per_hour: record.requests_per_hour,
    })
}

async fn look_up(store: &Store, secret_hash: Vec<u8>) -> Result<KeyRecord, ServiceError> {
    let generation = store.credentials.generation();
    let row = sqlx::query!(
        "select k.id, k.tenant_id, k.role, k.expires_at, k.revoked_at, k.last_used_at, s.retired_at,
                t.status as tenant_status, t.requests_per_minute, t.requests_per_hour
         from api_key_secret s
         join api_key k on k.tenant_id = s.tenant_id and k.id = s.key_id
         join tenant t on t.id = k.tenant_id
         where s.secret_hash = $1",
        &secret_hash
    )
    .fetch_optional(&store.pool)
    .await?
    .ok_or(ServiceError::InvalidToken)?;
    let record = KeyRecord {
        key_id: row.id,
        tenant_id: row.tenant_id,
        role: row.role,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        retired_at: row.retired_at,
        tenant_status: row.tenant_status,
        requests_per_minute: row.requests_per_minute,
        requests_per_hour: row.requests_per_hour,
        last_used: Arc::new(AtomicI64::new(
            row.last_used_at.map_or(0, OffsetDateTime::unix_timestamp),
        )),
    };
    store
        .credentials
        .insert(secret_hash, record.clone(), generation);
    Ok(record)
}

/// Writes `last_used_at` when the one this process knows is a minute old: one request of the
/// minute writes it, the others only read the shared instant.
async fn note_use(
    store: &Store,
    record: &KeyRecord,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let known = record.last_used.load(Ordering::Acquire);
    let stale = now.unix_timestamp() - known >= LAST_USED_GRANULARITY.whole_seconds();
    let claimed = stale
        && record
            .last_used
            .compare_exchange(
                known,
                now.unix_timestamp(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
    if claimed {
        sqlx::query!(
            "update api_key set last_used_at = $1
             where tenant_id = $2 and id = $3 and (last_used_at is null or last_used_at < $4)",
            now,
            record.tenant_id,
            record.key_id,
            now - LAST_USED_GRANULARITY
        )
        .execute(&store.pool)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_documented_shape_and_a_short_visible_prefix() {
        let live = new_secret(false);
        assert!(
            live.starts_with("ck_live_") && live.len() == 8 + 26,
            "{live}"
        );
        assert!(new_secret(true).starts_with("ck_test_"));
        assert!(looks_like_key(&live));
        assert_eq!(visible_prefix(&live).len(), 12);
        assert!(live.starts_with(&visible_prefix(&live)));
        assert_ne!(new_secret(false), live);
    }

    #[test]
    fn text_that_is_not_a_key_is_refused_without_a_look_up() {
        for text in [
            "",
            "ck_live_",
            "ck_live_short",
            "sk_live_0123456789abcdefghjkmnpqrs",
            "ck_live_!!!!!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            assert!(!looks_like_key(text), "{text}");
        }
    }
}
