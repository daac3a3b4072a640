//! Domain events, written in the transaction of the change they announce, so an event exists exactly
//! when its change does. The webhook worker delivers them.

use domain::DomainEvent;

use crate::db::{new_id, TenantTx};
use crate::ServiceError;

/// Queues `event` for the caller's tenant: its type and its payload, as the catalogue describes.
pub async fn emit(tx: &mut TenantTx, event: &DomainEvent) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into event_outbox (id, tenant_id, event_type, payload) values ($1, $2, $3, $4)",
        new_id(),
        tx.tenant().as_uuid(),
        event.event_type(),
        event.payload(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
