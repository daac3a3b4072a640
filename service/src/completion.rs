//! When a learner has completed a course: every lesson complete, and every required quiz passed by
//! at least one attempt (the most recent passing attempt is the one that counts; a later failing
//! one does not undo it). Decided in the transaction that changes one of those facts — a lesson
//! marked complete, an attempt graded, a score overridden — exactly once under concurrency.

use domain::event::{self, DomainEvent};
use domain::{AuditAction, CourseId, EnrollmentId, EnrollmentStatus, UserId};

use crate::db::TenantTx;
use crate::users::rfc3339;
use crate::{audit, outbox, ServiceError};

/// Completes the learner's enrolment if they have done all the course asks; says whether this
/// call completed it. The enrolment row is locked first, so two transactions finishing the last
/// items at once complete it once: the second sees it completed.
pub(crate) async fn settle_in(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
) -> Result<bool, ServiceError> {
    let Some(enrollment) = sqlx::query!(
        "select id, status from enrollment where tenant_id = $1 and course_id = $2 and user_id = $3 for update",
        tx.tenant().as_uuid(),
        course.as_uuid(),
        user.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(false);
    };
    if EnrollmentStatus::parse("status", &enrollment.status)? != EnrollmentStatus::Active {
        return Ok(false);
    }
    // A later statement than the lock, so it sees what committed while this one waited.
    let left = sqlx::query!(
        r#"select (select count(*) from lesson l where l.tenant_id = $1 and l.course_id = $2
                     and not exists(select 1 from lesson_completion c where c.tenant_id = l.tenant_id
                                    and c.lesson_id = l.id and c.user_id = $3)) as "lessons!",
                  (select count(*) from quiz q where q.tenant_id = $1 and q.course_id = $2
                     and q.required_for_completion and q.status = 'published'
                     and not exists(select 1 from quiz_attempt a where a.tenant_id = q.tenant_id
                                    and a.quiz_id = q.id and a.user_id = $3 and not a.preview
                                    and a.passed)) as "quizzes!""#,
        tx.tenant().as_uuid(),
        course.as_uuid(),
        user.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    if left.lessons > 0 || left.quizzes > 0 {
        return Ok(false);
    }
    let now = tx.now();
    sqlx::query!(
        "update enrollment set status = 'completed', completed_at = $3 where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        enrollment.id,
        now
    )
    .execute(&mut **tx)
    .await?;
    let event = DomainEvent::EnrollmentCompleted(event::EnrollmentCompleted {
        enrollment_id: EnrollmentId::from_uuid(enrollment.id),
        course_id: course,
        user_id: user,
        completed_at: rfc3339(now),
    });
    outbox::emit(tx, &event).await?;
    let action = AuditAction::EnrollmentCompleted;
    audit::record_on(tx, action, "enrollment", enrollment.id, event.payload()).await?;
    Ok(true)
}
