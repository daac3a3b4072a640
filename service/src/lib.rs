//! The one service layer: who may do what, the rules, and the SQL. Server functions and `/v1` both call it.
//!
//! Every tenant-scoped function takes the [`Caller`] first and runs in a transaction opened by
//! [`db::tenant_tx`], which also switches on row-level security for that tenant.

pub mod api_keys;
pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod caller;
pub mod clock;
pub mod completion;
pub mod courses;
pub mod credentials;
pub mod db;
pub mod enrollments;
pub mod error;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod idempotency;
pub mod learning;
pub mod mail;
pub mod ordered;
pub mod outbox;
pub mod paging;
pub mod password;
pub mod proctoring;
pub mod quizzes;
pub mod rate_limit;
pub mod reset;
pub mod seed;
pub mod tenants;
pub mod users;
pub mod webhooks;

pub use caller::Caller;
pub use clock::Clock;
pub use db::TenantTx;
pub use error::ServiceError;

/// What every service function needs besides the caller: the pool and the clock.
#[derive(Clone)]
pub struct Store {
    pub pool: sqlx::PgPool,
    pub clock: Clock,
    /// How late after a quiz attempt's deadline a save or submit still counts.
    pub quiz_grace: time::Duration,
    /// The questions of attempts, as they showed them: immutable, so read once per process.
    pub snapshots: quizzes::snapshots::SnapshotCache,
    /// What presented API keys authenticate as (see `credentials`).
    pub credentials: credentials::CredentialCache,
    /// The tenants' rate-limit tokens this process holds (see `rate_limit::leases`).
    pub leases: rate_limit::Leases,
    /// Large tenants' catalog sizes as the planner estimates them (see `courses::estimates`).
    pub estimates: courses::estimates::CatalogEstimates,
    /// Seals webhook signing secrets under the server's key (see `webhooks::sealed`).
    pub webhook_secrets: webhooks::sealed::SecretBox,
    /// Whether webhooks may go to this machine: a developer's or a test's setting only.
    pub webhook_loopback: webhooks::destination::Loopback,
}

impl Store {
    pub fn new(pool: sqlx::PgPool, clock: Clock) -> Self {
        Self {
            pool,
            clock,
            quiz_grace: quizzes::attempts::DEFAULT_GRACE,
            snapshots: Default::default(),
            credentials: Default::default(),
            leases: Default::default(),
            estimates: Default::default(),
            // A key of this process alone until the server gives its own (`with_secret_key`).
            webhook_secrets: webhooks::sealed::SecretBox::new(&random_key()),
            webhook_loopback: webhooks::destination::Loopback::Refused,
        }
    }

    /// Seals webhook secrets under `LECTERN_SECRET_KEY`, so every process of a deployment (and the
    /// next start) opens them.
    pub fn with_secret_key(mut self, key: &[u8]) -> Self {
        self.webhook_secrets = webhooks::sealed::SecretBox::new(key);
        self
    }

    /// Lets webhooks go to this machine (development and tests).
    pub fn with_webhook_loopback(mut self, loopback: webhooks::destination::Loopback) -> Self {
        self.webhook_loopback = loopback;
        self
    }

    pub fn with_quiz_grace(mut self, grace: time::Duration) -> Self {
        self.quiz_grace = grace;
        self
    }
}

fn random_key() -> [u8; 64] {
    let mut key = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    key
}

/// The migrations, embedded so the server binary can apply them at start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
