//! Fixtures for service tests: tenants and users made directly, and callers acting as them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use domain::{DisplayName, Password, Role, Slug, TenantId, UserId};
use service::auth::RequestMeta;
use service::db::{new_id, tenant_tx};
use service::{password, tenants, Caller, Clock, Store};
use sqlx::PgPool;
use time::macros::datetime;

pub const PASSWORD: &str = "correct horse battery staple";

pub fn store(pool: PgPool) -> Store {
    Store::new(pool, Clock::manual(datetime!(2026-11-23 12:00 UTC)))
}

pub async fn tenant(store: &Store, slug: &str) -> TenantId {
    let slug = Slug::parse("slug", slug).unwrap();
    let name = DisplayName::parse("name", &format!("Tenant {slug}")).unwrap();
    tenants::create(&store.pool, &slug, &name, true)
        .await
        .unwrap()
}

pub async fn user(store: &Store, tenant: TenantId, role: Role, email: &str) -> UserId {
    let hash = password::hash(&Password::parse_new("password", PASSWORD).unwrap())
        .await
        .unwrap();
    let id = new_id();
    let mut tx = tenant_tx(&store.pool, tenant).await.unwrap();
    sqlx::query("insert into app_user (id, tenant_id, email, name, role, password_hash) values ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(tenant.as_uuid())
        .bind(email)
        .bind(format!("User {email}"))
        .bind(role.as_str())
        .bind(hash)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    UserId::from_uuid(id)
}

pub fn caller(tenant: TenantId, user: UserId, role: Role) -> Caller {
    Caller {
        tenant_id: tenant,
        user_id: Some(user),
        role,
        request_id: "req_test".into(),
        ip: None,
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
