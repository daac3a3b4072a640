//! Browser sessions read from memory, written through to PostgreSQL. Every signed-in request loads
//! its session first; during an exam that was one query per autosave for a record that changes
//! only at sign-in and sign-out.
//!
//! Another server process may still hold a record this one deleted, for at most [`FRESH_FOR`]:
//! harmless, since a session record only points at its `auth_session` row, which every request
//! checks (revoked, expired, user deactivated) in the database.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// How long a record read from the database is trusted before it is read again.
pub const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct CachedStore<S> {
    inner: S,
    records: std::sync::Arc<quick_cache::sync::Cache<Id, (Record, Instant)>>,
}

impl<S> CachedStore<S> {
    pub fn new(inner: S, capacity: usize) -> Self {
        CachedStore {
            inner,
            records: std::sync::Arc::new(quick_cache::sync::Cache::new(capacity)),
        }
    }

    fn keep(&self, record: &Record) {
        self.records
            .insert(record.id, (record.clone(), Instant::now()));
    }
}

impl<S> std::fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore")
            .field("records", &self.records.len())
            .finish()
    }
}

#[async_trait]
impl<S: SessionStore + Clone> SessionStore for CachedStore<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.inner.create(record).await?;
        self.keep(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.inner.save(record).await?;
        self.keep(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some((record, read_at)) = self.records.get(id) {
            if read_at.elapsed() < FRESH_FOR && record.expiry_date > OffsetDateTime::now_utc() {
                return Ok(Some(record));
            }
            self.records.remove(id);
        }
        let record = self.inner.load(id).await?;
        if let Some(record) = &record {
            self.keep(record);
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.records.remove(id);
        self.inner.delete(id).await
    }
}
