//! Tenant-scoped transactions: the service's tenant filters plus PostgreSQL row-level security.
//!
//! Every public service function is a thin opener: it begins a [`TenantTx`] for its caller, runs
//! the function's `…_in` body, and commits. The bodies take `&mut TenantTx`, so one user action
//! that needs several steps (check access, enrol, start an attempt, audit, outbox) runs them in one
//! transaction, and a failure in any step leaves nothing of the others.

use std::ops::{Deref, DerefMut};

use domain::TenantId;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::courses::estimates::CatalogEstimates;
use crate::quizzes::snapshots::SnapshotCache;
use crate::{Caller, ServiceError, Store};

pub type Tx = Transaction<'static, Postgres>;

/// One unit of work of one caller in their tenant: the transaction (row-level security on), who
/// acts, and the time read once when it began, so every row it writes carries one time.
pub struct TenantTx {
    tx: Tx,
    caller: Caller,
    now: OffsetDateTime,
    snapshots: SnapshotCache,
    estimates: CatalogEstimates,
}

impl TenantTx {
    /// Begins the caller's unit of work. Its time is the database's (`now()`, read in the same
    /// statement that scopes the transaction), so every server process and worker agrees on it;
    /// a manual clock (tests) overrides it.
    pub async fn begin(store: &Store, caller: &Caller) -> Result<Self, ServiceError> {
        let (tx, database_now) = open(&store.pool, caller.tenant_id).await?;
        Ok(TenantTx {
            tx,
            caller: caller.clone(),
            now: store.clock.fixed().unwrap_or(database_now),
            snapshots: store.snapshots.clone(),
            estimates: store.estimates.clone(),
        })
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    pub fn tenant(&self) -> TenantId {
        self.caller.tenant_id
    }

    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The process's attempt snapshots (see `quizzes::snapshots`).
    pub(crate) fn snapshots(&self) -> &SnapshotCache {
        &self.snapshots
    }

    /// The connection and the caller at once, for a query that binds the caller's fields.
    pub fn split(&mut self) -> (&mut PgConnection, &Caller) {
        (&mut self.tx, &self.caller)
    }

    /// The process's catalog size estimates (see `courses::estimates`).
    pub(crate) fn estimates(&self) -> &CatalogEstimates {
        &self.estimates
    }

    pub async fn commit(self) -> Result<(), ServiceError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// The body of a public service function: opens a [`TenantTx`] for the caller, runs one `…_in`
/// body in it, and commits what it did; an error leaves nothing.
/// `in_tx!(store, caller, |tx| add_module_in(tx, course, title))`
macro_rules! in_tx {
    ($store:expr, $caller:expr, |$tx:ident| $body:expr) => {{
        let mut transaction = $crate::db::TenantTx::begin($store, $caller).await?;
        let value = {
            let $tx = &mut transaction;
            $body.await?
        };
        transaction.commit().await?;
        Ok(value)
    }};
}
pub(crate) use in_tx;

/// Opens a transaction that sees only `tenant`'s rows: it runs as the `lectern_app` role, to which
/// the tables' policies apply, with `app.tenant_id` set. Both settings end with the transaction.
/// Service functions use [`TenantTx`]; this raw form is for steps that have no caller yet (sign-in,
/// password resets) and for the platform's own workers.
pub async fn tenant_tx(pool: &PgPool, tenant: TenantId) -> Result<Tx, ServiceError> {
    Ok(open(pool, tenant).await?.0)
}

/// The tenant-scoped transaction and the database's time as it began.
async fn open(pool: &PgPool, tenant: TenantId) -> Result<(Tx, OffsetDateTime), ServiceError> {
    let mut tx = pool.begin().await?;
    let (_, _, now): (String, String, OffsetDateTime) = sqlx::query_as(
        "select set_config('app.tenant_id', $1, true), set_config('role', 'lectern_app', true), now()",
    )
    .bind(tenant.as_uuid().to_string())
    .fetch_one(&mut *tx)
    .await?;
    Ok((tx, now))
}

/// A new time-ordered row id.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
