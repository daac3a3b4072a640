//! Proctoring of quiz attempts: one session per proctored attempt, the events the taking page
//! sends ([`ingest`]) and those the server records itself ([`signals`]), the tenant's rules that
//! turn events into incidents ([`rules`], [`incidents`]), and the reads of sessions, timelines and
//! incidents, all through [`access::session_in`].
//!
//! Lectern records browser and server events only: no camera, microphone or screen capture.

pub mod access;
pub mod incidents;
pub mod ingest;
pub mod live;
mod rules;
pub mod sessions;
pub mod settings;
pub mod signals;

pub use ingest::ingest;
pub use settings::{settings, update_settings};

use domain::proctoring::ProctoringMode;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::TenantTx;
use crate::ServiceError;

/// How an attempt is proctored: its session's mode, or off when it has none.
pub async fn mode_of(tx: &mut TenantTx, attempt: Uuid) -> Result<ProctoringMode, ServiceError> {
    let mode = sqlx::query_scalar!(
        "select mode from proctoring_session where tenant_id = $1 and attempt_id = $2",
        tx.tenant().as_uuid(),
        attempt
    )
    .fetch_optional(&mut **tx)
    .await?;
    match mode {
        Some(mode) => Ok(ProctoringMode::parse("mode", &mode)?),
        None => Ok(ProctoringMode::Off),
    }
}

/// Deletes events older than each tenant's retention, a batch at a time; answers how many.
/// Sessions and incidents stay: they are the record of review.
pub async fn sweep(pool: &sqlx::PgPool, now: OffsetDateTime) -> Result<u64, ServiceError> {
    // Across tenants, as the platform. No tenant keeps events less than a day, so the index on
    // `received_at` bounds the scan.
    let done = sqlx::query!(
        "delete from proctoring_event d
         using (select e.tenant_id, e.session_id, e.source, e.sequence
                  from proctoring_event e
                  left join proctoring_policy p on p.tenant_id = e.tenant_id
                 where e.received_at < $1::timestamptz - interval '1 day'
                   and e.received_at < $1::timestamptz - make_interval(days => coalesce(p.retention_days, 180))
                 order by e.received_at
                 limit 5000) old
         where d.tenant_id = old.tenant_id and d.session_id = old.session_id
           and d.source = old.source and d.sequence = old.sequence",
        now
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
