//! Enrolments: learners joining and leaving courses, teachers enrolling and withdrawing them one
//! by one or from a CSV roster, and the roster itself.

use domain::course::{EnrollmentView, RosterRow};
use domain::dto::Page;
use domain::event::{self, AuditAction, DomainEvent};
use domain::{
    CourseId, CourseStatus, Email, EnrollmentId, EnrollmentStatus, ErrorCode, UserId, UserStatus,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit;
use crate::courses::access::{self, CourseAccess};
use crate::db::in_tx;
use crate::db::{new_id, TenantTx};
use crate::users::rfc3339;
use crate::{outbox, Caller, ServiceError, Store};

pub const MAX_ROSTER_ROWS: usize = 5_000;

/// Whom to enrol.
#[derive(Debug, Clone)]
pub enum Learner {
    /// The signed-in caller.
    Me,
    Id(UserId),
    Email(Email),
}

/// Enrols a learner; says whether the enrolment is new (or renewed after a withdrawal). A learner
/// enrols themselves in a published course that allows it; a course's editors enrol anyone active
/// in the tenant, in any course that is not archived.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn enroll(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    learner: Learner,
) -> Result<(EnrollmentView, bool), ServiceError> {
    in_tx!(store, caller, |tx| enroll_in(tx, course, learner))
}

/// [`enroll`] within a larger unit of work (starting an attempt enrols the learner first).
pub async fn enroll_in(
    tx: &mut TenantTx,
    course: CourseId,
    learner: Learner,
) -> Result<(EnrollmentView, bool), ServiceError> {
    refuse_others_to_learners(tx.caller(), &learner)?;
    let access = access::load(tx, course, false).await?;
    let user = resolve(tx, &access, learner).await?;
    let (id, created) = enroll_user_in(tx, &access, user).await?;
    Ok((fetch(tx, id).await?, created))
}

/// Whether the caller names themselves (an email always counts as someone else: looking it up
/// would tell whether it exists).
fn names_self(caller: &Caller, learner: &Learner) -> bool {
    match learner {
        Learner::Me => true,
        Learner::Id(id) => caller.user_id == Some(*id),
        Learner::Email(_) => false,
    }
}

/// Only teachers and admins act on other learners: refused before the course, the user or the
/// email is looked up, so the answer says nothing of what exists.
fn refuse_others_to_learners(caller: &Caller, learner: &Learner) -> Result<(), ServiceError> {
    if names_self(caller, learner) {
        Ok(())
    } else {
        caller.require_teacher()
    }
}

async fn resolve(
    tx: &mut TenantTx,
    access: &CourseAccess,
    learner: Learner,
) -> Result<UserId, ServiceError> {
    let me = tx.caller().user_id;
    // Only a course's editors enrol others: refuse before looking anyone up.
    if !names_self(tx.caller(), &learner) {
        tx.caller().require_teacher()?;
        access.require_edit()?;
    }
    let user = match learner {
        Learner::Me => me.ok_or_else(|| {
            ServiceError::invalid(
                "user_id",
                "An API key is no learner: name the user to enrol.",
            )
        })?,
        Learner::Id(id) => id,
        Learner::Email(email) => user_by_email(tx, &email).await?.ok_or_else(|| {
            ServiceError::invalid("email", "No user of this organisation has this email.")
        })?,
    };
    if Some(user) == me {
        if access.status == CourseStatus::Archived {
            return Err(archived());
        }
        if !access.self_enrollment && !access.can_edit {
            return Err(ServiceError::conflict(
                ErrorCode::EnrollmentClosed,
                "This course does not take self-enrolment: ask a teacher to enrol you.",
            ));
        }
        if access.status != CourseStatus::Published && !access.can_edit {
            return Err(ServiceError::NotFound);
        }
    } else {
        tx.caller().require_teacher()?;
        access.require_edit()?;
        if access.status == CourseStatus::Archived {
            return Err(archived());
        }
    }
    Ok(user)
}

async fn user_by_email(tx: &mut TenantTx, email: &Email) -> Result<Option<UserId>, ServiceError> {
    let id = sqlx::query_scalar!(
        "select id from app_user where tenant_id = $1 and email = $2",
        tx.tenant().as_uuid(),
        email.as_str()
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(UserId::from_uuid))
}

fn archived() -> ServiceError {
    ServiceError::conflict(
        ErrorCode::CourseArchived,
        "This course is archived and takes no new learners.",
    )
}

/// Enrols an already resolved user; their existing enrolment is kept, or renewed if withdrawn.
async fn enroll_user_in(
    tx: &mut TenantTx,
    access: &CourseAccess,
    user: UserId,
) -> Result<(EnrollmentId, bool), ServiceError> {
    let active = sqlx::query_scalar!(
        "select status from app_user where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        user.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?;
    let status = active
        .map(|s| UserStatus::parse("status", &s))
        .transpose()?;
    match status {
        Some(UserStatus::Active) => {}
        Some(UserStatus::Deactivated) => {
            return Err(ServiceError::invalid(
                "user_id",
                "This user is deactivated and cannot be enrolled.",
            ))
        }
        None => {
            return Err(ServiceError::invalid(
                "user_id",
                "No user of this organisation has this id.",
            ))
        }
    }
    let now = tx.now();
    let row = sqlx::query!(
        r#"insert into enrollment (id, tenant_id, course_id, user_id, status, enrolled_at)
           values ($1, $2, $3, $4, 'active', $5)
           on conflict (tenant_id, course_id, user_id) do update
               set status = 'active', enrolled_at = excluded.enrolled_at, completed_at = null, withdrawn_at = null
               where enrollment.status = 'withdrawn'
           returning id, (xmax = 0) as "inserted!""#,
        new_id(),
        tx.tenant().as_uuid(),
        access.id.as_uuid(),
        user.as_uuid(),
        now
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        // Already enrolled (active or completed): nothing changes.
        let id = sqlx::query_scalar!(
            "select id from enrollment where tenant_id = $1 and course_id = $2 and user_id = $3",
            tx.tenant().as_uuid(),
            access.id.as_uuid(),
            user.as_uuid()
        )
        .fetch_one(&mut **tx)
        .await?;
        return Ok((EnrollmentId::from_uuid(id), false));
    };
    let event = DomainEvent::EnrollmentCreated(event::EnrollmentCreated {
        enrollment_id: EnrollmentId::from_uuid(row.id),
        course_id: access.id,
        user_id: user,
        enrolled_at: rfc3339(now),
    });
    outbox::emit(tx, &event).await?;
    let action = AuditAction::EnrollmentCreated;
    audit::record_on(tx, action, "enrollment", row.id, event.payload()).await?;
    Ok((EnrollmentId::from_uuid(row.id), true))
}

/// Withdraws a learner: themselves, or anyone for a course's editors. Their completions are kept,
/// so enrolling again picks up where they left.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn withdraw(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    learner: Learner,
) -> Result<EnrollmentView, ServiceError> {
    in_tx!(store, caller, |tx| withdraw_in(tx, course, learner))
}

pub async fn withdraw_in(
    tx: &mut TenantTx,
    course: CourseId,
    learner: Learner,
) -> Result<EnrollmentView, ServiceError> {
    refuse_others_to_learners(tx.caller(), &learner)?;
    let access = access::load(tx, course, false).await?;
    if !names_self(tx.caller(), &learner) {
        access.require_edit()?;
    }
    let me = tx.caller().user_id;
    let user = match learner {
        Learner::Me => {
            me.ok_or_else(|| ServiceError::invalid("user_id", "Name the user to withdraw."))?
        }
        Learner::Id(id) => id,
        Learner::Email(email) => user_by_email(tx, &email)
            .await?
            .ok_or(ServiceError::NotFound)?,
    };
    if Some(user) != me {
        tx.caller().require_teacher()?;
        access.require_edit()?;
    }
    let now = tx.now();
    let id = sqlx::query_scalar!(
        "update enrollment set status = 'withdrawn', withdrawn_at = $4
         where tenant_id = $1 and course_id = $2 and user_id = $3 and status <> 'withdrawn'
         returning id",
        tx.tenant().as_uuid(),
        access.id.as_uuid(),
        user.as_uuid(),
        now
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let data = json!({ "course_id": course, "user_id": user });
    let action = AuditAction::EnrollmentWithdrawn;
    audit::record_on(tx, action, "enrollment", id, data).await?;
    fetch(tx, EnrollmentId::from_uuid(id)).await
}

struct EnrollmentRow {
    id: Uuid,
    course_id: Uuid,
    user_id: Uuid,
    user_name: String,
    user_email: String,
    status: String,
    enrolled_at: OffsetDateTime,
    completed_at: Option<OffsetDateTime>,
    completed_lessons: i64,
    total_lessons: i64,
}

fn view(r: EnrollmentRow) -> Result<EnrollmentView, ServiceError> {
    Ok(EnrollmentView {
        id: EnrollmentId::from_uuid(r.id),
        course_id: CourseId::from_uuid(r.course_id),
        user_id: UserId::from_uuid(r.user_id),
        user_name: r.user_name,
        user_email: r.user_email,
        status: EnrollmentStatus::parse("status", &r.status)?,
        enrolled_at: rfc3339(r.enrolled_at),
        completed_at: r.completed_at.map(rfc3339),
        completed_lessons: r.completed_lessons,
        total_lessons: r.total_lessons,
    })
}

pub(crate) async fn fetch(
    tx: &mut TenantTx,
    id: EnrollmentId,
) -> Result<EnrollmentView, ServiceError> {
    let row = sqlx::query_as!(
        EnrollmentRow,
        r#"select e.id, e.course_id, e.user_id, u.name as user_name, u.email as user_email, e.status,
                  e.enrolled_at, e.completed_at,
                  (select count(*) from lesson_completion lc where lc.tenant_id = e.tenant_id and lc.user_id = e.user_id and lc.course_id = e.course_id) as "completed_lessons!",
                  (select count(*) from lesson l where l.tenant_id = e.tenant_id and l.course_id = e.course_id) as "total_lessons!"
           from enrollment e join app_user u on u.tenant_id = e.tenant_id and u.id = e.user_id
           where e.tenant_id = $1 and e.id = $2"#,
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    view(row)
}

/// A course's roster for its editors: who is enrolled, with their progress, by name.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn roster(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    status: Option<EnrollmentStatus>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<EnrollmentView>, ServiceError> {
    in_tx!(store, caller, |tx| roster_in(
        tx, course, status, page, per_page
    ))
}

pub async fn roster_in(
    tx: &mut TenantTx,
    course: CourseId,
    status: Option<EnrollmentStatus>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<EnrollmentView>, ServiceError> {
    tx.caller().require_teacher()?;
    let crate::paging::Window { page, per_page } =
        crate::paging::Window::parse(page, per_page, 50)?;
    access::load(tx, course, false).await?.require_edit()?;
    let rows = sqlx::query_as!(
        EnrollmentRow,
        r#"select e.id, e.course_id, e.user_id, u.name as user_name, u.email as user_email, e.status,
                  e.enrolled_at, e.completed_at,
                  (select count(*) from lesson_completion lc where lc.tenant_id = e.tenant_id and lc.user_id = e.user_id and lc.course_id = e.course_id) as "completed_lessons!",
                  (select count(*) from lesson l where l.tenant_id = e.tenant_id and l.course_id = e.course_id) as "total_lessons!"
           from enrollment e join app_user u on u.tenant_id = e.tenant_id and u.id = e.user_id
           where e.tenant_id = $1 and e.course_id = $2 and ($3::text is null or e.status = $3)
           order by lower(u.name), u.id
           limit $4 offset $5"#,
        tx.tenant().as_uuid(),
        course.as_uuid(),
        status.map(EnrollmentStatus::as_str),
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    )
    .fetch_all(&mut **tx)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from enrollment where tenant_id = $1 and course_id = $2 and ($3::text is null or status = $3)"#,
        tx.tenant().as_uuid(),
        course.as_uuid(),
        status.map(EnrollmentStatus::as_str),
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Page {
        items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
        page,
        per_page,
        total: u64::try_from(total).unwrap_or(0),
        total_is_estimate: false,
    })
}

/// Enrols every email of a CSV roster (one per line; an `email` header and further columns are
/// allowed) and reports each row. Bad rows are reported, never fatal to the others.
#[tracing::instrument(skip(store, csv), fields(tenant_id = %caller.tenant_id))]
pub async fn import_roster(
    caller: &Caller,
    store: &Store,
    course: CourseId,
    csv: &str,
) -> Result<Vec<RosterRow>, ServiceError> {
    in_tx!(store, caller, |tx| import_roster_in(tx, course, csv))
}

pub async fn import_roster_in(
    tx: &mut TenantTx,
    course: CourseId,
    csv: &str,
) -> Result<Vec<RosterRow>, ServiceError> {
    tx.caller().require_teacher()?;
    let lines: Vec<(u32, &str)> = csv
        .lines()
        .enumerate()
        .map(|(i, line)| (u32::try_from(i + 1).unwrap_or(u32::MAX), line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return Err(ServiceError::invalid(
            "csv",
            "The roster is empty: give one email per line.",
        ));
    }
    if lines.len() > MAX_ROSTER_ROWS + 1 {
        return Err(ServiceError::invalid(
            "csv",
            "A roster can hold at most 5000 rows; split it.",
        ));
    }
    let access = access::load(tx, course, false).await?;
    access.require_edit()?;
    if access.status == CourseStatus::Archived {
        return Err(archived());
    }
    let mut report = Vec::with_capacity(lines.len());
    for (index, (line, text)) in lines.into_iter().enumerate() {
        let first = text
            .split([',', ';', '\t'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if index == 0 && first.eq_ignore_ascii_case("email") {
            continue;
        }
        let row = |outcome: &str, message: Option<String>| RosterRow {
            line,
            email: first.to_string(),
            outcome: outcome.to_string(),
            message,
        };
        let email = match Email::parse("email", first) {
            Ok(email) => email,
            Err(e) => {
                report.push(row("failed", Some(e.message)));
                continue;
            }
        };
        let user = user_by_email(tx, &email).await?;
        let Some(user) = user else {
            report.push(row(
                "failed",
                Some("No user of this organisation has this email.".into()),
            ));
            continue;
        };
        match enroll_user_in(tx, &access, user).await {
            Ok((_, true)) => report.push(row("enrolled", None)),
            Ok((_, false)) => report.push(row("already_enrolled", None)),
            Err(ServiceError::Validation(fields)) => {
                report.push(row("failed", fields.into_iter().next().map(|f| f.message)))
            }
            Err(other) => return Err(other),
        }
    }
    Ok(report)
}
