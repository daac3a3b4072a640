//! How many courses a large tenant has, as the planner estimates it, kept for a minute per process.
//! Asking for it (an EXPLAIN, planned and answered as JSON) was one round trip of every catalog page
//! past the exact-count threshold. The figure is already approximate: the planner scales what
//! ANALYZE last saw by the table's current size, so reusing it for a minute moves it little. Small
//! tenants never get here: below the threshold their totals are counted on every page.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::db::TenantTx;
use crate::ServiceError;

/// How long an estimate is reused. ANALYZE refreshes statistics far less often.
const FRESH_FOR: Duration = Duration::seconds(60);

/// Estimates by tenant and the statuses counted, the least recently used dropped past capacity.
#[derive(Clone)]
pub struct CatalogEstimates(Arc<quick_cache::sync::Cache<(Uuid, String), (i64, OffsetDateTime)>>);

impl Default for CatalogEstimates {
    fn default() -> Self {
        CatalogEstimates(Arc::new(quick_cache::sync::Cache::new(10_000)))
    }
}

/// The planner's estimate of the tenant's courses in `statuses`.
pub(super) async fn estimate(tx: &mut TenantTx, statuses: &[&str]) -> Result<i64, ServiceError> {
    let key = (tx.tenant().as_uuid(), statuses.join(","));
    let cache = tx.estimates().0.clone();
    // The transaction's time, so a test's manual clock can move past the minute.
    let now = tx.now();
    if let Some((rows, at)) = cache.get(&key) {
        if at <= now && now - at < FRESH_FOR {
            return Ok(rows);
        }
    }
    let rows = ask_planner(tx, statuses).await?;
    cache.insert(key, (rows, now));
    Ok(rows)
}

async fn ask_planner(tx: &mut TenantTx, statuses: &[&str]) -> Result<i64, ServiceError> {
    let sql = "explain (format json) select 1 from course c
               where c.tenant_id = $1 and c.status = any($2)";
    let sqlx::types::Json(plan) =
        sqlx::query_scalar::<_, sqlx::types::Json<serde_json::Value>>(sql)
            .bind(tx.tenant().as_uuid())
            .bind(statuses)
            // Unnamed, so planned with these values rather than a generic plan's guesses.
            .persistent(false)
            .fetch_one(&mut **tx)
            .await?;
    Ok(plan[0]["Plan"]["Plan Rows"]
        .as_f64()
        .map_or(0, |rows| rows.round() as i64))
}
