//! Fixtures for tests (feature `fixtures`): tenants and users made directly, as the platform
//! operator would, for the service's own tests and the server's HTTP tests.

use domain::{DisplayName, Password, Role, Slug, TenantId, UserId};

use crate::db::{new_id, tenant_tx};
use crate::{password, tenants, ServiceError, Store};

/// Every fixture user's password.
pub const PASSWORD: &str = "correct horse battery staple";

pub async fn tenant(store: &Store, slug: &str) -> Result<TenantId, ServiceError> {
    let slug = Slug::parse("slug", slug)?;
    let name = DisplayName::parse("name", &format!("Tenant {slug}"))?;
    tenants::create(&store.pool, &slug, &name, true).await
}

/// An active user named after their email, with [`PASSWORD`].
pub async fn user(
    store: &Store,
    tenant: TenantId,
    role: Role,
    email: &str,
) -> Result<UserId, ServiceError> {
    let hash = password::hash(&Password::parse_new("password", PASSWORD)?).await?;
    let id = new_id();
    let mut tx = tenant_tx(&store.pool, tenant).await?;
    sqlx::query("insert into app_user (id, tenant_id, email, name, role, password_hash) values ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(tenant.as_uuid())
        .bind(email)
        .bind(format!("User {email}"))
        .bind(role.as_str())
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(UserId::from_uuid(id))
}

/// A caller acting for the platform with `role` in `tenant`: no user, no key.
pub fn platform_caller(tenant: TenantId, role: Role) -> crate::Caller {
    crate::Caller {
        tenant_id: tenant,
        user_id: None,
        api_key_id: None,
        role,
        request_id: "req_fixture".into(),
        ip: None,
        user_agent: None,
        on_behalf_of: None,
    }
}

/// A key of `tenant` acting with `role`, and its secret.
pub async fn api_key(
    store: &Store,
    tenant: TenantId,
    role: Role,
) -> Result<(domain::ApiKeyId, String), ServiceError> {
    let input = crate::api_keys::NewApiKey {
        name: format!("{} key", role.label()),
        role,
        expires_at: None,
    };
    let issued =
        crate::api_keys::create(&platform_caller(tenant, Role::Admin), store, input).await?;
    Ok((issued.key.id, issued.secret))
}
