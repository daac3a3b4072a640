//! Append-only audit rows, written in the same transaction as the change they record.

use domain::{ApiKeyId, TenantId, UserId};
use serde_json::Value;

use crate::db::{new_id, Tx};
use crate::{Caller, ServiceError};

pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<uuid::Uuid>,
    pub data: Value,
}

/// Records an action taken by a signed-in caller.
pub async fn record(
    tx: &mut Tx,
    caller: &Caller,
    entry: AuditEntry<'_>,
) -> Result<(), ServiceError> {
    let actor = Actor {
        user: caller.user_id,
        key: caller.api_key_id,
    };
    let ip = caller.ip.map(|ip| ip.to_string());
    insert(
        tx,
        caller.tenant_id,
        actor,
        ip,
        Some(&caller.request_id),
        entry,
    )
    .await
}

/// Records an event with no signed-in actor yet (a sign-in, a password reset).
pub async fn record_anonymous(
    tx: &mut Tx,
    tenant: TenantId,
    actor: Option<UserId>,
    meta: &crate::auth::RequestMeta,
    entry: AuditEntry<'_>,
) -> Result<(), ServiceError> {
    let actor = Actor {
        user: actor,
        key: None,
    };
    let ip = meta.ip.map(|ip| ip.to_string());
    insert(tx, tenant, actor, ip, Some(&meta.request_id), entry).await
}

struct Actor {
    user: Option<UserId>,
    key: Option<ApiKeyId>,
}

async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    actor: Actor,
    ip: Option<String>,
    request_id: Option<&str>,
    entry: AuditEntry<'_>,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into audit_event (id, tenant_id, actor_user_id, actor_key_id, action, target_type, target_id, ip, request_id, data)
         values ($1, $2, $3, $4, $5, $6, $7, cast($8::text as inet), $9, $10)",
        new_id(),
        tenant.as_uuid(),
        actor.user.map(|a| a.as_uuid()),
        actor.key.map(|k| k.as_uuid()),
        entry.action,
        entry.target_type,
        entry.target_id,
        ip,
        request_id,
        entry.data,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
