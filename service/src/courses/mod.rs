//! Courses: who may see and edit one, the course list and catalog search, creating, editing,
//! publishing and deleting. Modules and lessons are in [`outline`], their rendering in [`render`].
//!
//! Teachers and admins see every course of their tenant; students see published ones, and archived
//! ones they are enrolled in. Editing is for admins, teacher keys, the owner and the course staff.

pub mod access;
pub mod estimates;
pub mod items;
pub mod outline;
pub mod render;
pub mod search;
pub mod staff;

use domain::course::{self, CourseQuery, CourseView};
use domain::event::{self, DomainEvent};
use domain::{AuditAction, CourseId, CourseStatus, CoverColor, ErrorCode, Role, UserId};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::db::in_tx;
use crate::db::{new_id, TenantTx};
use crate::error::ResultExt;
use crate::users::rfc3339;
use crate::{outbox, Caller, ServiceError, Store};
pub use access::CourseAccess;
pub use domain::course_input::{CoursePatch, CoursePatchForm, NewCourse, NewCourseForm};

pub const DEFAULT_PER_PAGE: u32 = 20;

/// A course's row as every read selects it; see [`course_view`].
pub(crate) struct CourseRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub status: String,
    pub cover_color: String,
    pub cover_image_url: Option<String>,
    pub self_enrollment: bool,
    pub owner_id: Option<Uuid>,
    pub version: i32,
    pub module_count: i64,
    pub lesson_count: i64,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

pub(crate) fn course_view(row: CourseRow) -> Result<CourseView, ServiceError> {
    Ok(CourseView {
        id: CourseId::from_uuid(row.id),
        slug: row.slug,
        title: row.title,
        summary: row.summary,
        status: CourseStatus::parse("status", &row.status)?,
        cover_color: CoverColor::parse("cover_color", &row.cover_color)?,
        cover_image_url: row.cover_image_url,
        self_enrollment: row.self_enrollment,
        owner_id: row.owner_id.map(UserId::from_uuid),
        version: row.version,
        module_count: row.module_count,
        lesson_count: row.lesson_count,
        published_at: row.published_at.map(rfc3339),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
        modules: None,
    })
}

pub(crate) async fn fetch_view(
    tx: &mut TenantTx,
    id: CourseId,
) -> Result<CourseView, ServiceError> {
    let row = sqlx::query_as!(
        CourseRow,
        r#"select c.id, c.slug, c.title, c.summary, c.status, c.cover_color, c.cover_image_url,
                  c.self_enrollment, c.owner_id, c.version, c.published_at, c.created_at, c.updated_at,
                  (select count(*) from course_module m where m.tenant_id = c.tenant_id and m.course_id = c.id) as "module_count!",
                  (select count(*) from lesson l where l.tenant_id = c.tenant_id and l.course_id = c.id) as "lesson_count!"
           from course c where c.tenant_id = $1 and c.id = $2"#,
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    course_view(row)
}

/// Lists courses, newest first or, with `q`, best match first. Students only ever see published
/// courses, whatever status they ask for.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    query: CourseQuery,
) -> Result<domain::dto::Page<CourseView>, ServiceError> {
    search::list(caller, store, query).await
}

/// Reads a course with its modules and lessons in order, and their content for those who read it.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn get(caller: &Caller, store: &Store, id: CourseId) -> Result<CourseView, ServiceError> {
    in_tx!(store, caller, |tx| get_in(tx, id))
}

pub async fn get_in(tx: &mut TenantTx, id: CourseId) -> Result<CourseView, ServiceError> {
    let access = access::load(tx, id, false).await?;
    let mut view = fetch_view(tx, id).await?;
    view.modules = Some(outline::load(tx, &access).await?);
    Ok(view)
}

/// Creates a draft course owned by the caller (or by `owner_id`, which an API key must name if it
/// wants the course to have an owning teacher).
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn create(
    caller: &Caller,
    store: &Store,
    input: NewCourse,
) -> Result<CourseView, ServiceError> {
    in_tx!(store, caller, |tx| create_in(tx, input))
}

pub async fn create_in(tx: &mut TenantTx, input: NewCourse) -> Result<CourseView, ServiceError> {
    tx.caller().require_teacher()?;
    let owner = match input.owner_id {
        Some(owner) => {
            access::require_teaching_user(tx, owner, "owner_id").await?;
            Some(owner.as_uuid())
        }
        None => tx.caller().user_id.map(|u| u.as_uuid()),
    };
    let id = new_id();
    let explicit_slug = input.slug.is_some();
    let slug = match input.slug {
        Some(slug) => slug,
        None => free_slug(tx, &course::slugify(&input.title), id).await?,
    };
    sqlx::query!(
        "insert into course (id, tenant_id, slug, title, summary, cover_color, cover_image_url, self_enrollment, owner_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        tx.tenant().as_uuid(),
        slug,
        input.title,
        input.summary,
        input.cover_color.as_str(),
        input.cover_image_url,
        input.self_enrollment,
        owner,
    )
    .execute(&mut **tx)
    .await
    .on_constraint("course_tenant_id_slug_key", || {
        slug_taken(explicit_slug)
    })?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::CourseCreated,
            target_type: Some("course"),
            target_id: Some(id),
            data: json!({ "title": input.title, "slug": slug }),
        },
    )
    .await?;
    fetch_view(tx, CourseId::from_uuid(id)).await
}

fn slug_taken(explicit: bool) -> ServiceError {
    if explicit {
        ServiceError::conflict(
            ErrorCode::CourseSlugTaken,
            "Another course already uses this slug; choose another.",
        )
    } else {
        ServiceError::conflict(
            ErrorCode::CourseSlugTaken,
            "Another course was just given this slug; try again.",
        )
    }
}

/// The title's slug, or, when a course has it already, the slug with the end of the new id.
async fn free_slug(tx: &mut TenantTx, base: &str, id: Uuid) -> Result<String, ServiceError> {
    let taken = sqlx::query_scalar!(
        r#"select exists(select 1 from course where tenant_id = $1 and slug = $2) as "taken!""#,
        tx.tenant().as_uuid(),
        base
    )
    .fetch_one(&mut **tx)
    .await?;
    if !taken {
        return Ok(base.to_string());
    }
    let suffix = CourseId::from_uuid(id).to_string();
    let suffix = &suffix[suffix.len() - 6..];
    let base = &base[..base.len().min(72)];
    Ok(format!("{}-{suffix}", base.trim_end_matches('-')))
}

/// Changes a course's fields under optimistic concurrency.
#[tracing::instrument(skip(store, patch), fields(tenant_id = %caller.tenant_id))]
pub async fn update(
    caller: &Caller,
    store: &Store,
    id: CourseId,
    patch: CoursePatch,
) -> Result<CourseView, ServiceError> {
    in_tx!(store, caller, |tx| update_in(tx, id, patch))
}

pub async fn update_in(
    tx: &mut TenantTx,
    id: CourseId,
    patch: CoursePatch,
) -> Result<CourseView, ServiceError> {
    tx.caller().require_teacher()?;
    let access = access::load(tx, id, true).await?;
    access.require_edit()?;
    access::check_version(patch.version, access.version, "course")?;
    let before = fetch_view(tx, id).await?;
    sqlx::query!(
        "update course set
             title = coalesce($3, title), slug = coalesce($4, slug), summary = coalesce($5, summary),
             cover_color = coalesce($6, cover_color),
             cover_image_url = case when $7 then $8 else cover_image_url end,
             self_enrollment = coalesce($9, self_enrollment), version = version + 1
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        patch.title,
        patch.slug,
        patch.summary,
        patch.cover_color.map(CoverColor::as_str),
        patch.cover_image_url.is_some(),
        patch.cover_image_url.clone().flatten(),
        patch.self_enrollment,
    )
    .execute(&mut **tx)
    .await
    .on_constraint("course_tenant_id_slug_key", || slug_taken(true))?;
    let after = fetch_view(tx, id).await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::CourseUpdated,
            target_type: Some("course"),
            target_id: Some(id.as_uuid()),
            data: json!({
                "before": { "title": before.title, "slug": before.slug, "self_enrollment": before.self_enrollment },
                "after": { "title": after.title, "slug": after.slug, "self_enrollment": after.self_enrollment },
            }),
        },
    )
    .await?;
    Ok(after)
}

/// Publishes a course (from draft or archive). A course without a lesson is refused. Writes
/// `course.published` to the outbox and an audit row in the same transaction; publishing a
/// published course changes nothing.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn publish(
    caller: &Caller,
    store: &Store,
    id: CourseId,
    version: Option<i32>,
) -> Result<CourseView, ServiceError> {
    set_status(caller, store, id, version, CourseStatus::Published).await
}

/// Takes a course back to draft: learners no longer find it.
pub async fn unpublish(
    caller: &Caller,
    store: &Store,
    id: CourseId,
    version: Option<i32>,
) -> Result<CourseView, ServiceError> {
    set_status(caller, store, id, version, CourseStatus::Draft).await
}

/// Archives a course: it leaves the catalog, its learners keep their view and progress.
pub async fn archive(
    caller: &Caller,
    store: &Store,
    id: CourseId,
    version: Option<i32>,
) -> Result<CourseView, ServiceError> {
    set_status(caller, store, id, version, CourseStatus::Archived).await
}

async fn set_status(
    caller: &Caller,
    store: &Store,
    id: CourseId,
    version: Option<i32>,
    status: CourseStatus,
) -> Result<CourseView, ServiceError> {
    in_tx!(store, caller, |tx| set_status_in(tx, id, status, version))
}

/// Publishes, unpublishes or archives a course within a larger unit of work.
pub async fn set_status_in(
    tx: &mut TenantTx,
    id: CourseId,
    status: CourseStatus,
    version: Option<i32>,
) -> Result<CourseView, ServiceError> {
    tx.caller().require_teacher()?;
    let access = access::load(tx, id, true).await?;
    access.require_edit()?;
    access::check_version(version, access.version, "course")?;
    if access.status == status {
        return fetch_view(tx, id).await;
    }
    if status == CourseStatus::Published {
        let lessons = sqlx::query_scalar!(
            r#"select count(*) as "n!" from lesson where tenant_id = $1 and course_id = $2"#,
            tx.tenant().as_uuid(),
            id.as_uuid()
        )
        .fetch_one(&mut **tx)
        .await?;
        if lessons == 0 {
            return Err(ServiceError::conflict(
                ErrorCode::CourseHasNoLessons,
                "Add at least one lesson before publishing this course.",
            ));
        }
    }
    let now = tx.now();
    sqlx::query!(
        "update course set status = $3, version = version + 1,
             published_at = case when $3 = 'published' then $4 else published_at end,
             archived_at = case when $3 = 'archived' then $4 else null end
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        status.as_str(),
        now,
    )
    .execute(&mut **tx)
    .await?;
    let view = fetch_view(tx, id).await?;
    let action = match status {
        CourseStatus::Published => AuditAction::CoursePublished,
        CourseStatus::Draft => AuditAction::CourseUnpublished,
        CourseStatus::Archived => AuditAction::CourseArchived,
    };
    if status == CourseStatus::Published {
        let event = DomainEvent::CoursePublished(event::CoursePublished {
            course_id: view.id,
            slug: view.slug.clone(),
            title: view.title.clone(),
            lesson_count: view.lesson_count,
            published_at: view.published_at.clone(),
        });
        outbox::emit(tx, &event).await?;
    }
    audit::record(
        tx,
        AuditEntry {
            action,
            target_type: Some("course"),
            target_id: Some(id.as_uuid()),
            data: json!({ "from": access.status.as_str(), "to": status.as_str() }),
        },
    )
    .await?;
    Ok(view)
}

/// Deletes a course and everything in it. While learners are enrolled (actively or having
/// completed it), only an archived course may go.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete(
    caller: &Caller,
    store: &Store,
    id: CourseId,
    version: Option<i32>,
) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| delete_in(tx, id, version))
}

pub async fn delete_in(
    tx: &mut TenantTx,
    id: CourseId,
    version: Option<i32>,
) -> Result<(), ServiceError> {
    tx.caller().require_teacher()?;
    let access = access::load(tx, id, true).await?;
    access.require_edit()?;
    access::check_version(version, access.version, "course")?;
    let enrolled = sqlx::query_scalar!(
        r#"select count(*) as "n!" from enrollment where tenant_id = $1 and course_id = $2 and status <> 'withdrawn'"#,
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    if enrolled > 0 && access.status != CourseStatus::Archived {
        return Err(ServiceError::conflict(
            ErrorCode::CourseHasEnrollments,
            format!("{enrolled} learners are enrolled: archive the course before deleting it."),
        ));
    }
    let title = sqlx::query_scalar!(
        "delete from course where tenant_id = $1 and id = $2 returning title",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::CourseDeleted,
            target_type: Some("course"),
            target_id: Some(id.as_uuid()),
            data: json!({ "title": title, "enrolled": enrolled }),
        },
    )
    .await
}

/// Whether `role` may author at all; pages use it to show the authoring links.
pub fn can_author(role: Role) -> bool {
    role.can_teach()
}
