//! Fixtures for service tests: tenants and users made directly, and callers acting as them.

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use domain::{Role, TenantId, UserId};
use service::auth::RequestMeta;
use service::{Caller, Clock, Store};
use sqlx::PgPool;
use time::macros::datetime;

pub use service::fixtures::PASSWORD;

pub fn store(pool: PgPool) -> Store {
    Store::new(pool, Clock::manual(datetime!(2026-11-23 12:00 UTC)))
}

pub async fn tenant(store: &Store, slug: &str) -> TenantId {
    service::fixtures::tenant(store, slug).await.unwrap()
}

pub async fn user(store: &Store, tenant: TenantId, role: Role, email: &str) -> UserId {
    service::fixtures::user(store, tenant, role, email)
        .await
        .unwrap()
}

pub fn caller(tenant: TenantId, user: UserId, role: Role) -> Caller {
    Caller {
        tenant_id: tenant,
        user_id: Some(user),
        api_key_id: None,
        role,
        request_id: "req_test".into(),
        ip: None,
        user_agent: None,
        on_behalf_of: None,
    }
}

pub fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "req_test".into(),
        ip: Some("203.0.113.7".parse().unwrap()),
        user_agent: Some("tests".into()),
    }
}

/// Counts rows of a table as the owner, past row-level security: what is really stored.
pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}
