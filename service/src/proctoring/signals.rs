//! What the server records on a session's timeline by itself: the start, the learner's acceptance
//! of the rules, heartbeats missed, the address or browser changing, a save after the timer,
//! answers submitted impossibly fast, the teacher's actions and the submission. The browser can
//! neither fake nor hide these.

use domain::proctoring::ServerEventKind;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::TenantTx;
use crate::{Caller, ServiceError};

/// Where a request came from, as a session stores it: the IP address as text, and the browser's
/// user agent cut to the 500 characters the table keeps. A change of either is compared in this
/// form.
pub fn origin(caller: &Caller) -> (Option<String>, Option<String>) {
    let ip = caller.ip.map(|ip| ip.to_string());
    let agent = caller
        .user_agent
        .as_deref()
        .map(|a| a.chars().take(500).collect());
    (ip, agent)
}

/// Appends a server event to `session`'s timeline, at `at`; answers its sequence.
pub async fn record_in(
    tx: &mut TenantTx,
    session: Uuid,
    kind: ServerEventKind,
    at: OffsetDateTime,
    data: Value,
) -> Result<i64, ServiceError> {
    let now = tx.now();
    Ok(sqlx::query_scalar!(
        "with numbered as (
             update proctoring_session set server_sequence = server_sequence + 1
              where tenant_id = $1 and id = $2
             returning server_sequence)
         insert into proctoring_event (tenant_id, session_id, source, sequence, kind, occurred_at, received_at, data)
         select $1, $2, 'server', server_sequence, $3, $4, $5, $6 from numbered
         returning sequence",
        tx.tenant().as_uuid(),
        session,
        kind.as_str(),
        at,
        now,
        data,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// The session of an attempt, if it is proctored.
pub async fn session_of(tx: &mut TenantTx, attempt: Uuid) -> Result<Option<Uuid>, ServiceError> {
    Ok(sqlx::query_scalar!(
        "select id from proctoring_session where tenant_id = $1 and attempt_id = $2",
        tx.tenant().as_uuid(),
        attempt
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// A save arrived after the timer and its grace (and was not applied).
pub async fn late_save_in(tx: &mut TenantTx, attempt: Uuid) -> Result<(), ServiceError> {
    if let Some(session) = session_of(tx, attempt).await? {
        let now = tx.now();
        record_in(tx, session, ServerEventKind::LateSave, now, Value::Null).await?;
    }
    Ok(())
}
