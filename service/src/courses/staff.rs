//! A course's staff: teachers besides the owner who may edit it. The owner and admins manage it.

use domain::dto::UserView;
use domain::{AuditAction, CourseId, Email, Role, UserId};
use serde_json::json;

use super::access;
use crate::audit::{self, AuditEntry};
use crate::db::{in_tx, TenantTx};
use crate::{Caller, ServiceError, Store};

/// The owner and the staff of a course, owner first.
pub async fn list(
    caller: &Caller,
    store: &Store,
    course: CourseId,
) -> Result<Vec<UserView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx, course))
}

pub async fn list_in(tx: &mut TenantTx, course: CourseId) -> Result<Vec<UserView>, ServiceError> {
    tx.caller().require_teacher()?;
    access::load(tx, course, false).await?;
    let rows = sqlx::query!(
        r#"select u.id from app_user u
           join course c on c.tenant_id = u.tenant_id and c.id = $2
           where u.tenant_id = $1
             and (u.id = c.owner_id or exists(select 1 from course_staff s where s.tenant_id = u.tenant_id and s.course_id = c.id and s.user_id = u.id))
           order by (u.id = c.owner_id) desc, lower(u.name), u.id"#,
        tx.tenant().as_uuid(),
        course.as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        users.push(crate::users::get_in(tx, UserId::from_uuid(row.id)).await?);
    }
    Ok(users)
}

/// Adds a teacher or admin, found by email, to a course's staff.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn add(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    email: &str,
) -> Result<Vec<UserView>, ServiceError> {
    let email = Email::parse("email", email)?;
    in_tx!(store, caller, |tx| add_in(tx, course, &email))
}

pub async fn add_in(
    tx: &mut TenantTx,
    course: CourseId,
    email: &Email,
) -> Result<Vec<UserView>, ServiceError> {
    tx.caller().require_teacher()?;
    access::load(tx, course, true).await?.require_edit()?;
    let user = sqlx::query!(
        "select id, role from app_user where tenant_id = $1 and email = $2 and status = 'active'",
        tx.tenant().as_uuid(),
        email.as_str()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| {
        ServiceError::invalid(
            "email",
            "No active user of this organisation has this email.",
        )
    })?;
    if Role::parse("role", &user.role)? == Role::Student {
        return Err(ServiceError::invalid(
            "email",
            "This user is a student: make them a teacher first.",
        ));
    }
    sqlx::query!(
        "insert into course_staff (tenant_id, course_id, user_id) values ($1, $2, $3) on conflict do nothing",
        tx.tenant().as_uuid(),
        course.as_uuid(),
        user.id
    )
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::CourseStaffAdded,
            target_type: Some("course"),
            target_id: Some(course.as_uuid()),
            data: json!({ "user_id": UserId::from_uuid(user.id) }),
        },
    )
    .await?;
    list_in(tx, course).await
}

#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn remove(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    user: UserId,
) -> Result<Vec<UserView>, ServiceError> {
    in_tx!(store, caller, |tx| remove_in(tx, course, user))
}

pub async fn remove_in(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
) -> Result<Vec<UserView>, ServiceError> {
    tx.caller().require_teacher()?;
    access::load(tx, course, true).await?.require_edit()?;
    let removed = sqlx::query!(
        "delete from course_staff where tenant_id = $1 and course_id = $2 and user_id = $3",
        tx.tenant().as_uuid(),
        course.as_uuid(),
        user.as_uuid()
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if removed == 0 {
        return Err(ServiceError::NotFound);
    }
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::CourseStaffRemoved,
            target_type: Some("course"),
            target_id: Some(course.as_uuid()),
            data: json!({ "user_id": user }),
        },
    )
    .await?;
    list_in(tx, course).await
}
