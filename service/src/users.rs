//! Users of a tenant: listing, reading, inviting, changing role and status.

use domain::dto::{Page, UserQuery, UserView};
use domain::event::{self, DomainEvent};
use domain::{AuditAction, DisplayName, Email, ErrorCode, Role, UserId, UserStatus};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::db::in_tx;
use crate::db::{new_id, TenantTx};
use crate::error::ResultExt;
use crate::{auth, outbox, password, reset, Caller, ServiceError, Store};
pub use domain::user_input::{NewUser, NewUserForm};

pub const DEFAULT_PER_PAGE: u32 = 25;

/// Lists the tenant's users; teachers need it to find learners, admins to manage them.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    query: UserQuery,
) -> Result<Page<UserView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx, query))
}

pub async fn list_in(tx: &mut TenantTx, query: UserQuery) -> Result<Page<UserView>, ServiceError> {
    tx.caller().require_teacher()?;
    let crate::paging::Window { page, per_page } =
        crate::paging::Window::parse(query.page, query.per_page, DEFAULT_PER_PAGE)?;
    let pattern = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| {
            format!(
                "%{}%",
                q.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
    let rows = sqlx::query!(
        r#"select id, email, name, role, status, last_sign_in_at, created_at, count(*) over () as "total!"
           from app_user
           where tenant_id = $1
             and ($2::text is null or name ilike $2 or email ilike $2)
             and ($3::text is null or role = $3)
             and ($4::text is null or status = $4)
           order by lower(name), id
           limit $5 offset $6"#,
        tx.tenant().as_uuid(),
        pattern,
        query.role.map(Role::as_str),
        query.status.map(UserStatus::as_str),
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    )
    .fetch_all(&mut **tx)
    .await?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.total).unwrap_or(0),
        None => count(tx, pattern.as_deref(), query.role, query.status).await?,
    };
    let items = rows
        .into_iter()
        .map(|r| {
            view(
                r.id,
                r.email,
                r.name,
                &r.role,
                &r.status,
                r.last_sign_in_at,
                r.created_at,
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        page,
        per_page,
        total,
        total_is_estimate: false,
    })
}

/// A page past the end has no rows to carry the window total, so count separately.
async fn count(
    tx: &mut TenantTx,
    pattern: Option<&str>,
    role: Option<Role>,
    status: Option<UserStatus>,
) -> Result<u64, ServiceError> {
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from app_user
           where tenant_id = $1
             and ($2::text is null or name ilike $2 or email ilike $2)
             and ($3::text is null or role = $3)
             and ($4::text is null or status = $4)"#,
        tx.tenant().as_uuid(),
        pattern,
        role.map(Role::as_str),
        status.map(UserStatus::as_str),
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Reads one user. Teachers and admins may read anyone in their tenant; students only themselves,
/// and to a student every other id is simply not found, so it cannot probe which ids exist. An id
/// from another tenant is not found for anyone.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn get(caller: &Caller, store: &Store, id: UserId) -> Result<UserView, ServiceError> {
    in_tx!(store, caller, |tx| get_in(tx, id))
}

pub async fn get_in(tx: &mut TenantTx, id: UserId) -> Result<UserView, ServiceError> {
    let caller = tx.caller();
    if !caller.is_user(id) && !caller.role.can_teach() {
        return Err(ServiceError::NotFound);
    }
    fetch(tx, id).await
}

async fn fetch(tx: &mut TenantTx, id: UserId) -> Result<UserView, ServiceError> {
    let r = sqlx::query!(
        "select id, email, name, role, status, last_sign_in_at, created_at from app_user where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    view(
        r.id,
        r.email,
        r.name,
        &r.role,
        &r.status,
        r.last_sign_in_at,
        r.created_at,
    )
}

fn view(
    id: Uuid,
    email: String,
    name: String,
    role: &str,
    status: &str,
    last_sign_in_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
) -> Result<UserView, ServiceError> {
    Ok(UserView {
        id: UserId::from_uuid(id),
        email,
        name,
        role: Role::parse("role", role)?,
        status: UserStatus::parse("status", status)?,
        last_sign_in_at: last_sign_in_at.map(rfc3339),
        created_at: rfc3339(created_at),
    })
}

pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Creates a user in the caller's tenant (admins only), within the tenant's user limit.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn create(
    caller: &Caller,
    store: &Store,
    input: NewUser,
    base_url: &str,
) -> Result<UserView, ServiceError> {
    caller.require_admin()?;
    let hash = match &input.password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    in_tx!(store, caller, |tx| create_in(tx, input, hash, base_url))
}

/// [`create`] within a larger unit of work. `hash` is `input.password` hashed beforehand, so the slow
/// hashing holds no transaction open.
pub async fn create_in(
    tx: &mut TenantTx,
    input: NewUser,
    hash: Option<String>,
    base_url: &str,
) -> Result<UserView, ServiceError> {
    tx.caller().require_admin()?;
    // Locking the tenant row serialises concurrent creations, so the limit holds.
    let limit = sqlx::query!(
        r#"select t.max_users, t.slug, (select count(*) from app_user u where u.tenant_id = t.id) as "users!"
           from tenant t where t.id = $1 for no key update"#,
        tx.tenant().as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    if limit.users >= i64::from(limit.max_users) {
        return Err(ServiceError::conflict(
            ErrorCode::TenantLimitReached,
            format!(
                "This organisation has reached its limit of {} users.",
                limit.max_users
            ),
        ));
    }
    let id = new_id();
    sqlx::query!(
        "insert into app_user (id, tenant_id, email, name, role, password_hash, status) values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        tx.tenant().as_uuid(),
        input.email.as_str(),
        input.name.as_str(),
        input.role.as_str(),
        hash,
        input.status.as_str(),
    )
    .execute(&mut **tx)
    .await
    .on_constraint("app_user_email_unique", || {
        ServiceError::conflict(ErrorCode::EmailTaken, "A user with this email already exists in this organisation.")
    })?;
    let user_id = UserId::from_uuid(id);
    let invited = input.password.is_none() && input.status == UserStatus::Active;
    if invited {
        reset::issue_invitation(
            tx,
            user_id,
            &input.email,
            &input.name,
            &limit.slug,
            base_url,
        )
        .await?;
    }
    let entry = AuditEntry {
        action: AuditAction::UserCreated,
        target_type: Some("user"),
        target_id: Some(id),
        data: json!({ "email": input.email.as_str(), "role": input.role.as_str(), "status": input.status.as_str(), "invited": invited }),
    };
    audit::record(tx, entry).await?;
    let user = fetch(tx, user_id).await?;
    let event = DomainEvent::UserProvisioned(event::UserProvisioned {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role,
    });
    outbox::emit(tx, &event).await?;
    Ok(user)
}

/// Changes a user's role (admins only); the tenant always keeps one active admin.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn change_role(
    caller: &Caller,
    store: &Store,
    id: UserId,
    role: Role,
) -> Result<UserView, ServiceError> {
    in_tx!(store, caller, |tx| change_role_in(tx, id, role))
}

pub async fn change_role_in(
    tx: &mut TenantTx,
    id: UserId,
    role: Role,
) -> Result<UserView, ServiceError> {
    update_standing_in(tx, id, Standing::Role(role)).await
}

/// Deactivates or reactivates a user (admins only). Deactivation ends the user's sessions and voids
/// their reset and invitation links at once.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn set_status(
    caller: &Caller,
    store: &Store,
    id: UserId,
    status: UserStatus,
) -> Result<UserView, ServiceError> {
    in_tx!(store, caller, |tx| set_status_in(tx, id, status))
}

pub async fn set_status_in(
    tx: &mut TenantTx,
    id: UserId,
    status: UserStatus,
) -> Result<UserView, ServiceError> {
    update_standing_in(tx, id, Standing::Status(status)).await
}

enum Standing {
    Role(Role),
    Status(UserStatus),
}

/// The one path for role and status changes: admins only, under the tenant lock, never leaving the
/// tenant without an active admin, audited in the same transaction.
async fn update_standing_in(
    tx: &mut TenantTx,
    id: UserId,
    change: Standing,
) -> Result<UserView, ServiceError> {
    tx.caller().require_admin()?;
    lock_tenant(tx).await?;
    apply_standing(tx, id, change).await?;
    fetch(tx, id).await
}

/// Changes role or status within a transaction that holds the tenant lock.
async fn apply_standing(
    tx: &mut TenantTx,
    id: UserId,
    change: Standing,
) -> Result<(), ServiceError> {
    let before = fetch(tx, id).await?;
    let (role, status) = match change {
        Standing::Role(role) => (role, before.status),
        Standing::Status(status) => (before.role, status),
    };
    if (role, status) == (before.role, before.status) {
        return Ok(());
    }
    let is_active_admin =
        |role: Role, status: UserStatus| role == Role::Admin && status == UserStatus::Active;
    if is_active_admin(before.role, before.status) && !is_active_admin(role, status) {
        ensure_another_admin(tx, id).await?;
    }
    sqlx::query!(
        "update app_user set role = $1, status = $2 where tenant_id = $3 and id = $4",
        role.as_str(),
        status.as_str(),
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .execute(&mut **tx)
    .await?;
    let now = tx.now();
    let entry = match change {
        Standing::Role(_) => AuditEntry {
            action: AuditAction::UserRoleChanged,
            target_type: Some("user"),
            target_id: Some(id.as_uuid()),
            data: json!({ "before": before.role.as_str(), "after": role.as_str() }),
        },
        Standing::Status(UserStatus::Deactivated) => {
            let tenant = tx.tenant();
            auth::revoke_sessions(tx, tenant, id.as_uuid(), now).await?;
            reset::void_tokens(tx, tenant, id.as_uuid(), now).await?;
            AuditEntry {
                action: AuditAction::UserDeactivated,
                target_type: Some("user"),
                target_id: Some(id.as_uuid()),
                data: json!({}),
            }
        }
        Standing::Status(UserStatus::Active) => AuditEntry {
            action: AuditAction::UserReactivated,
            target_type: Some("user"),
            target_id: Some(id.as_uuid()),
            data: json!({}),
        },
    };
    audit::record(tx, entry).await
}

/// A partial change to a user, as `PATCH /v1/users/:id` takes it.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub name: Option<DisplayName>,
    pub status: Option<UserStatus>,
}

/// Renames and/or (de)activates a user in one transaction (admins only).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn update(
    caller: &Caller,
    store: &Store,
    id: UserId,
    patch: UserPatch,
) -> Result<UserView, ServiceError> {
    in_tx!(store, caller, |tx| update_in(tx, id, patch))
}

pub async fn update_in(
    tx: &mut TenantTx,
    id: UserId,
    patch: UserPatch,
) -> Result<UserView, ServiceError> {
    tx.caller().require_admin()?;
    lock_tenant(tx).await?;
    let before = fetch(tx, id).await?;
    if let Some(name) = patch.name.filter(|n| n.as_str() != before.name) {
        sqlx::query!(
            "update app_user set name = $1 where tenant_id = $2 and id = $3",
            name.as_str(),
            tx.tenant().as_uuid(),
            id.as_uuid()
        )
        .execute(&mut **tx)
        .await?;
        let entry = AuditEntry {
            action: AuditAction::UserRenamed,
            target_type: Some("user"),
            target_id: Some(id.as_uuid()),
            data: json!({ "before": before.name, "after": name.as_str() }),
        };
        audit::record(tx, entry).await?;
    }
    if let Some(status) = patch.status {
        apply_standing(tx, id, Standing::Status(status)).await?;
    }
    fetch(tx, id).await
}

/// Role and status changes take the tenant row's lock first: two admins demoting each other at once
/// then run one after the other, and the second sees that it would remove the last admin. `no key
/// update`, because the key-share locks that inserts referencing the tenant take (audit rows, sign-in
/// failures) must not wait for it, nor it for them.
async fn lock_tenant(tx: &mut TenantTx) -> Result<(), ServiceError> {
    sqlx::query!(
        "select id from tenant where id = $1 for no key update",
        tx.tenant().as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

async fn ensure_another_admin(tx: &mut TenantTx, leaving: UserId) -> Result<(), ServiceError> {
    let others = sqlx::query_scalar!(
        "select id from app_user where tenant_id = $1 and role = 'admin' and status = 'active' and id <> $2",
        tx.tenant().as_uuid(),
        leaving.as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
    if others.is_empty() {
        Err(ServiceError::conflict(
            ErrorCode::LastAdmin,
            "The organisation must keep at least one active admin.",
        ))
    } else {
        Ok(())
    }
}

/// The user with this email, if any (teachers and admins; identity providers match on it).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn find_by_email(
    caller: &Caller,
    store: &Store,
    email: &Email,
) -> Result<Option<UserView>, ServiceError> {
    in_tx!(store, caller, |tx| find_by_email_in(tx, email))
}

pub async fn find_by_email_in(
    tx: &mut TenantTx,
    email: &Email,
) -> Result<Option<UserView>, ServiceError> {
    tx.caller().require_teacher()?;
    let id = sqlx::query_scalar!(
        "select id from app_user where tenant_id = $1 and email = $2",
        tx.tenant().as_uuid(),
        email.as_str()
    )
    .fetch_optional(&mut **tx)
    .await?;
    let user = match id {
        Some(id) => Some(fetch(tx, UserId::from_uuid(id)).await?),
        None => None,
    };
    Ok(user)
}
