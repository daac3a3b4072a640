//! What a presented API key authenticates as, kept in each process so an authenticated request
//! costs no database round trip. An entry is only as good as the announcements that would tell us
//! it is wrong: every change to a key, a secret or a tenant's status or limits is announced on
//! [`CHANNEL`] as it commits (a trigger does it, whatever path made the change), and
//! [`follow_announcements`] empties the cache when one arrives. While that listener is not
//! connected, nothing is read from the cache, since an announcement could be missed.
//!
//! A look-up that started before an announcement must not store what it read afterwards: the
//! generation, bumped by every emptying, tells. Time-bound facts (expiry, a rotated-out secret's
//! end) are kept as instants and checked on every request, so they need no announcement.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;

/// The PostgreSQL channel on which credential changes are announced.
pub const CHANNEL: &str = "lectern_credentials";
/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Keys cached per process; the least recently used go first.
const CAPACITY: usize = 10_000;

/// A key's row as authentication needs it.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub key_id: Uuid,
    pub tenant_id: Uuid,
    pub role: String,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    /// When the presented secret stops working (it was rotated out).
    pub retired_at: Option<OffsetDateTime>,
    pub tenant_status: String,
    pub requests_per_minute: i32,
    pub requests_per_hour: i32,
    /// The last `last_used_at` this process wrote or read for the key, in Unix seconds, shared by
    /// every copy of the record so busy keys write it at most once a minute.
    pub last_used: Arc<std::sync::atomic::AtomicI64>,
}

/// Records by the SHA-256 of the presented secret.
#[derive(Clone)]
pub struct CredentialCache(Arc<Inner>);

struct Inner {
    entries: quick_cache::sync::Cache<Vec<u8>, KeyRecord>,
    generation: AtomicU64,
    listening: AtomicBool,
}

impl Default for CredentialCache {
    fn default() -> Self {
        CredentialCache(Arc::new(Inner {
            entries: quick_cache::sync::Cache::new(CAPACITY),
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
        }))
    }
}

impl CredentialCache {
    /// The record for a secret's hash, when the cache may be trusted and has one.
    pub fn get(&self, hash: &[u8]) -> Option<KeyRecord> {
        if !self.0.listening.load(Ordering::Acquire) {
            return None;
        }
        self.0.entries.get(hash)
    }

    /// The generation to hand back to [`CredentialCache::insert`] after a look-up.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Keeps what a look-up read, unless the cache was emptied since it began.
    pub fn insert(&self, hash: Vec<u8>, record: KeyRecord, read_at_generation: u64) {
        if self.0.listening.load(Ordering::Acquire) && self.generation() == read_at_generation {
            self.0.entries.insert(hash, record);
            // An emptying may have slipped in between the check and the insert.
            if self.generation() != read_at_generation {
                self.0.entries.clear();
            }
        }
    }

    /// Forgets everything. Called on every announcement, and by the process that made a change
    /// as soon as it committed, so its own next request already sees it.
    pub fn clear(&self) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        self.0.entries.clear();
    }

    fn set_listening(&self, listening: bool) {
        self.clear();
        self.0.listening.store(listening, Ordering::Release);
    }
}

/// Empties the cache on every credential announcement, for as long as the process runs; it
/// reconnects after losing its connection, and the cache is bypassed until it has.
pub async fn follow_announcements(store: Store) {
    let cache = store.credentials.clone();
    loop {
        let mut listener = match connect(&store).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(
                    ?error,
                    "cannot listen for credential changes; keys are looked up every time"
                );
                tokio::time::sleep(RECONNECT_DELAY).await;
                continue;
            }
        };
        cache.set_listening(true);
        while let Ok(Some(_)) = listener.try_recv().await {
            cache.clear();
        }
        // The connection is gone, and what was announced meanwhile with it.
        cache.set_listening(false);
        tracing::warn!("lost the credential announcements; reconnecting");
    }
}

async fn connect(store: &Store) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(&store.pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
