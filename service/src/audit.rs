//! Append-only audit rows, written in the same transaction as the change they record.

use domain::{ApiKeyId, AuditAction, TenantId, UserId};
use serde_json::Value;

use crate::db::{new_id, TenantTx, Tx};
use crate::ServiceError;

pub struct AuditEntry<'a> {
    pub action: AuditAction,
    pub target_type: Option<&'a str>,
    pub target_id: Option<uuid::Uuid>,
    pub data: Value,
}

/// Records an action taken by the transaction's caller.
pub async fn record(tx: &mut TenantTx, entry: AuditEntry<'_>) -> Result<(), ServiceError> {
    let (conn, caller) = tx.split();
    let actor = Actor {
        user: caller.user_id,
        key: caller.api_key_id,
    };
    let ip = caller.ip.map(|ip| ip.to_string());
    insert(
        conn,
        caller.tenant_id,
        actor,
        ip,
        Some(&caller.request_id),
        entry,
    )
    .await
}

/// Records `action` on one target with its details: the common shape of an audit row.
pub async fn record_on(
    tx: &mut TenantTx,
    action: AuditAction,
    target_type: &str,
    target: uuid::Uuid,
    data: Value,
) -> Result<(), ServiceError> {
    let entry = AuditEntry {
        action,
        target_type: Some(target_type),
        target_id: Some(target),
        data,
    };
    record(tx, entry).await
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
    conn: &mut sqlx::PgConnection,
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
        entry.action.as_str(),
        entry.target_type,
        entry.target_id,
        ip,
        request_id,
        entry.data,
    )
    .execute(conn)
    .await?;
    Ok(())
}
