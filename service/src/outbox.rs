//! Domain events, written in the transaction of the change they announce, so an event exists exactly
//! when its change does. The webhook worker delivers them.

use serde_json::Value;

use crate::db::{new_id, Tx};
use crate::{Caller, ServiceError};

/// Queues `event_type` (`user.provisioned`, `course.published`…) with its payload.
pub async fn emit(
    tx: &mut Tx,
    caller: &Caller,
    event_type: &str,
    payload: Value,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into event_outbox (id, tenant_id, event_type, payload) values ($1, $2, $3, $4)",
        new_id(),
        caller.tenant_id.as_uuid(),
        event_type,
        payload,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
