//! Tenants: resolving one at sign-in, its settings for admins, and creating one (platform work).

use domain::dto::TenantSettings;
use domain::{AuditAction, DisplayName, ImageHosts, Slug, TenantId, TenantStatus};
use serde_json::json;
use sqlx::PgPool;

use crate::audit::{self, AuditEntry};
use crate::db::in_tx;
use crate::db::{new_id, TenantTx};
use crate::error::ResultExt;
use crate::{Caller, ServiceError, Store};

#[derive(Debug, Clone)]
pub struct TenantRef {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub is_active: bool,
}

/// Platform-level lookup (no tenant is known yet at sign-in), so it reads the table as its owner.
pub async fn find_by_slug(pool: &PgPool, slug: &Slug) -> Result<Option<TenantRef>, ServiceError> {
    let row = sqlx::query!(
        "select id, slug, name, status from tenant where slug = $1",
        slug.as_str()
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| TenantRef {
        id: TenantId::from_uuid(r.id),
        slug: r.slug,
        name: r.name,
        is_active: TenantStatus::parse("status", &r.status) == Ok(TenantStatus::Active),
    }))
}

/// Creates a tenant: platform work (the demo seed, the operator's tooling, tests).
pub async fn create(
    pool: &PgPool,
    slug: &Slug,
    name: &DisplayName,
    is_test: bool,
) -> Result<TenantId, ServiceError> {
    let id = new_id();
    sqlx::query!(
        "insert into tenant (id, slug, name, is_test) values ($1, $2, $3, $4)",
        id,
        slug.as_str(),
        name.as_str(),
        is_test
    )
    .execute(pool)
    .await
    .on_constraint("tenant_slug_key", || {
        ServiceError::invalid("slug", "This organisation identifier is taken.")
    })?;
    Ok(TenantId::from_uuid(id))
}

/// Suspends or reactivates a tenant: platform work.
pub async fn set_status(
    store: &Store,
    tenant: TenantId,
    status: TenantStatus,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "update tenant set status = $1 where id = $2",
        status.as_str(),
        tenant.as_uuid()
    )
    .execute(&store.pool)
    .await?;
    // Other processes hear of it from the database; this one forgets at once.
    store.credentials.clear();
    Ok(())
}

/// Sets a tenant's API rate limits (requests a minute and an hour): platform work.
pub async fn set_rate_limits(
    store: &Store,
    tenant: TenantId,
    per_minute: i32,
    per_hour: i32,
) -> Result<(), ServiceError> {
    if per_minute < 1 || per_hour < 1 {
        return Err(ServiceError::invalid(
            "limits",
            "Limits are whole numbers of at least 1.",
        ));
    }
    sqlx::query!(
        "update tenant set requests_per_minute = $1, requests_per_hour = $2 where id = $3",
        per_minute,
        per_hour,
        tenant.as_uuid()
    )
    .execute(&store.pool)
    .await?;
    // Other processes hear of it from the database; this one forgets at once.
    store.credentials.clear();
    Ok(())
}

/// The caller's tenant, as its admins see it.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn settings(caller: &Caller, store: &Store) -> Result<TenantSettings, ServiceError> {
    in_tx!(store, caller, |tx| settings_in(tx))
}

pub async fn settings_in(tx: &mut TenantTx) -> Result<TenantSettings, ServiceError> {
    tx.caller().require_admin()?;
    read_settings(tx).await
}

/// Sets the hosts lesson images may load from (empty: any https host). Admins only; audited.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn set_image_hosts(
    caller: &Caller,
    store: &Store,
    raw: &[String],
) -> Result<TenantSettings, ServiceError> {
    in_tx!(store, caller, |tx| set_image_hosts_in(tx, raw))
}

pub async fn set_image_hosts_in(
    tx: &mut TenantTx,
    raw: &[String],
) -> Result<TenantSettings, ServiceError> {
    tx.caller().require_admin()?;
    let hosts = ImageHosts::parse("image_hosts", raw).map_err(ServiceError::Validation)?;
    let before = image_hosts(tx).await?;
    sqlx::query!(
        "update tenant set image_hosts = $2 where id = $1",
        tx.tenant().as_uuid(),
        hosts.as_slice()
    )
    .execute(&mut **tx)
    .await?;
    let entry = AuditEntry {
        action: AuditAction::TenantImageHostsChanged,
        target_type: Some("tenant"),
        target_id: Some(tx.tenant().as_uuid()),
        data: json!({ "before": before.as_slice(), "after": hosts.as_slice() }),
    };
    audit::record(tx, entry).await?;
    read_settings(tx).await
}

/// The hosts the caller's tenant lets lesson images load from.
pub(crate) async fn image_hosts(tx: &mut TenantTx) -> Result<ImageHosts, ServiceError> {
    let hosts = sqlx::query_scalar!(
        "select image_hosts from tenant where id = $1",
        tx.tenant().as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(ImageHosts::from_stored(hosts))
}

async fn read_settings(tx: &mut TenantTx) -> Result<TenantSettings, ServiceError> {
    let row = sqlx::query!(
        r#"select t.id, t.slug, t.name, t.status, t.max_users, t.requests_per_minute, t.requests_per_hour,
                  t.image_hosts,
                  (select count(*) from app_user u where u.tenant_id = t.id) as "user_count!"
           from tenant t where t.id = $1"#,
        tx.tenant().as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(TenantSettings {
        id: TenantId::from_uuid(row.id),
        slug: row.slug,
        name: row.name,
        status: TenantStatus::parse("status", &row.status)?,
        max_users: row.max_users,
        requests_per_minute: row.requests_per_minute,
        requests_per_hour: row.requests_per_hour,
        user_count: row.user_count,
        image_hosts: ImageHosts::from_stored(row.image_hosts),
    })
}
