//! Who may see and who may edit a course, and who may read its lessons. Every course function
//! starts here, so the rules live in one place: a course the caller may not see is not found, one
//! they may see but not edit is forbidden, and lesson content is for the course's learners and
//! its teachers; everyone else who sees the course sees its outline only.

use domain::{CourseId, CourseStatus, EnrollmentStatus, ErrorCode, Role, UserId};
use uuid::Uuid;

use crate::db::TenantTx;
use crate::ServiceError;

#[derive(Debug, Clone)]
pub struct CourseAccess {
    pub id: CourseId,
    pub title: String,
    pub status: CourseStatus,
    pub version: i32,
    pub self_enrollment: bool,
    pub can_edit: bool,
    /// The caller's own enrolment, if they are a user with one.
    pub enrollment: Option<EnrollmentStatus>,
    /// Whether the caller reads lesson content: see [`CourseAccess::reads_content`].
    reads_content: bool,
}

impl CourseAccess {
    pub fn require_edit(&self) -> Result<(), ServiceError> {
        if self.can_edit {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Enrolled and not withdrawn.
    pub fn is_learner(&self) -> bool {
        is_learner(self.enrollment)
    }

    /// The one rule for lesson content (blocks) on every path — pages, server functions and
    /// `/v1`: the course's learners, and teachers and admins (who see every course of the tenant).
    /// A student who has not joined, and any student-role API key (a key is no learner), read the
    /// outline only.
    pub fn reads_content(&self) -> bool {
        self.reads_content
    }

    /// Refuses lesson content to a caller who sees the course but has not joined it.
    pub fn require_content(&self) -> Result<(), ServiceError> {
        if self.reads_content {
            Ok(())
        } else {
            Err(ServiceError::conflict(
                ErrorCode::EnrollmentRequired,
                "Lessons are for the course's learners: enrol in the course to read them.",
            ))
        }
    }

    /// Whether the caller could join the course themselves right now.
    pub fn can_self_enroll(&self) -> bool {
        self.self_enrollment && self.status == CourseStatus::Published
    }
}

fn is_learner(enrollment: Option<EnrollmentStatus>) -> bool {
    matches!(
        enrollment,
        Some(EnrollmentStatus::Active | EnrollmentStatus::Completed)
    )
}

/// Loads what the caller may do with a course; `lock` holds the course row until the transaction
/// ends, which serialises structural edits (positions) and status changes.
pub async fn load(
    tx: &mut TenantTx,
    id: CourseId,
    lock: bool,
) -> Result<CourseAccess, ServiceError> {
    let user = tx.caller().user_id.map(|u| u.as_uuid());
    let row = if lock {
        sqlx::query_as!(
            AccessRow,
            r#"select c.id, c.title, c.status, c.version, c.self_enrollment, c.owner_id,
                      exists(select 1 from course_staff s where s.tenant_id = c.tenant_id and s.course_id = c.id and s.user_id = $3) as "is_staff!",
                      (select e.status from enrollment e where e.tenant_id = c.tenant_id and e.course_id = c.id and e.user_id = $3) as enrollment
               from course c where c.tenant_id = $1 and c.id = $2
               for update of c"#,
            tx.tenant().as_uuid(),
            id.as_uuid(),
            user
        )
        .fetch_optional(&mut **tx)
        .await?
    } else {
        sqlx::query_as!(
            AccessRow,
            r#"select c.id, c.title, c.status, c.version, c.self_enrollment, c.owner_id,
                      exists(select 1 from course_staff s where s.tenant_id = c.tenant_id and s.course_id = c.id and s.user_id = $3) as "is_staff!",
                      (select e.status from enrollment e where e.tenant_id = c.tenant_id and e.course_id = c.id and e.user_id = $3) as enrollment
               from course c where c.tenant_id = $1 and c.id = $2"#,
            tx.tenant().as_uuid(),
            id.as_uuid(),
            user
        )
        .fetch_optional(&mut **tx)
        .await?
    };
    let row = row.ok_or(ServiceError::NotFound)?;
    let status = CourseStatus::parse("status", &row.status)?;
    let enrollment = row
        .enrollment
        .as_deref()
        .map(|s| EnrollmentStatus::parse("status", s))
        .transpose()?;
    let caller = tx.caller();
    let is_owner = user.is_some() && row.owner_id == user;
    let can_edit = caller.role == Role::Admin
        || (caller.role == Role::Teacher
            && (caller.api_key_id.is_some() && caller.user_id.is_none()
                || is_owner
                || row.is_staff));
    let access = CourseAccess {
        id: CourseId::from_uuid(row.id),
        title: row.title,
        status,
        version: row.version,
        self_enrollment: row.self_enrollment,
        can_edit,
        enrollment,
        reads_content: caller.role.can_teach() || is_learner(enrollment),
    };
    let visible = caller.role.can_teach()
        || status == CourseStatus::Published
        || (status == CourseStatus::Archived && access.is_learner());
    if visible {
        Ok(access)
    } else {
        Err(ServiceError::NotFound)
    }
}

struct AccessRow {
    id: Uuid,
    title: String,
    status: String,
    version: i32,
    self_enrollment: bool,
    owner_id: Option<Uuid>,
    is_staff: bool,
    enrollment: Option<String>,
}

/// Refuses a change made against an older version than `current`.
pub fn check_version(expected: Option<i32>, current: i32, what: &str) -> Result<(), ServiceError> {
    match expected {
        Some(v) if v != current => Err(ServiceError::conflict(
            ErrorCode::VersionConflict,
            format!(
                "Someone else changed this {what} since you opened it (version {v}, now {current}). Reload to see their change, then apply yours again."
            ),
        )),
        _ => Ok(()),
    }
}

/// Checks that `user` is an active teacher or admin of the tenant, for owner and staff fields.
pub async fn require_teaching_user(
    tx: &mut TenantTx,
    user: UserId,
    field: &str,
) -> Result<(), ServiceError> {
    let role = sqlx::query_scalar!(
        "select role from app_user where tenant_id = $1 and id = $2 and status = 'active'",
        tx.tenant().as_uuid(),
        user.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?;
    match role.as_deref() {
        Some("teacher" | "admin") => Ok(()),
        Some(_) => Err(ServiceError::invalid(
            field,
            "This user is a student: only teachers and admins can run a course.",
        )),
        None => Err(ServiceError::invalid(
            field,
            "No active user of this organisation has this id.",
        )),
    }
}
