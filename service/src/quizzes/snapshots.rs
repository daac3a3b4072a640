//! The questions each attempt showed, decoded once per process. An attempt's snapshot never
//! changes after it starts, yet every autosave checks its answers against it: reading and decoding
//! twenty questions with their keys on each save was work thrown away.

use std::sync::Arc;

use domain::attempt::SnapshotQuestion;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::TenantTx;
use crate::ServiceError;

pub type Snapshot = Arc<[SnapshotQuestion]>;

/// Snapshots by tenant and attempt, the least recently used dropped past the capacity.
#[derive(Clone)]
pub struct SnapshotCache(Arc<quick_cache::sync::Cache<(Uuid, Uuid), Snapshot>>);

impl SnapshotCache {
    /// Room for as many attempts in progress as one exam of the benchmark's size, twice over.
    pub const DEFAULT_CAPACITY: usize = 20_000;

    pub fn new(capacity: usize) -> Self {
        SnapshotCache(Arc::new(quick_cache::sync::Cache::new(capacity)))
    }
}

impl Default for SnapshotCache {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

/// The attempt's questions as it showed them. The caller has already found the attempt in its
/// tenant; the key carries the tenant all the same.
pub(super) async fn of(tx: &mut TenantTx, attempt: Uuid) -> Result<Snapshot, ServiceError> {
    let key = (tx.tenant().as_uuid(), attempt);
    if let Some(snapshot) = tx.snapshots().0.get(&key) {
        return Ok(snapshot);
    }
    let Json(questions) = sqlx::query_scalar!(
        r#"select questions as "questions: Json<Vec<SnapshotQuestion>>"
           from quiz_attempt where tenant_id = $1 and id = $2"#,
        key.0,
        attempt
    )
    .fetch_one(&mut **tx)
    .await?;
    let snapshot: Snapshot = questions.into();
    tx.snapshots().0.insert(key, snapshot.clone());
    Ok(snapshot)
}

/// Keeps the snapshot of an attempt just started, which its first save will need.
pub(super) fn remember(tx: &TenantTx, attempt: Uuid, snapshot: Snapshot) {
    tx.snapshots()
        .0
        .insert((tx.tenant().as_uuid(), attempt), snapshot);
}
