//! Tenant-scoped transactions: the service's tenant filters plus PostgreSQL row-level security.

use domain::TenantId;
use sqlx::{PgPool, Postgres, Transaction};

use crate::ServiceError;

pub type Tx = Transaction<'static, Postgres>;

/// Opens a transaction that sees only `tenant`'s rows: it runs as the `lectern_app` role, to which
/// the tables' policies apply, with `app.tenant_id` set. Both settings end with the transaction.
pub async fn tenant_tx(pool: &PgPool, tenant: TenantId) -> Result<Tx, ServiceError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "select set_config('app.tenant_id', $1, true), set_config('role', 'lectern_app', true)",
    )
    .bind(tenant.as_uuid().to_string())
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}

/// A new time-ordered row id.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
