//! A teacher's control of a running attempt, as the LTI Assessment Control service names it:
//! pause (the clock stands still and saves are refused), resume (the deadline moves on by the
//! pause), extend (minutes added to the deadline, which the learner's page learns at its next
//! sync), terminate (submitted with what it holds) and flag (an incident for review). Each is the
//! course's editors', audited, and on the proctoring timeline when the attempt has one.

use domain::attempt::AttemptView;
use domain::proctoring::{
    AttemptControl, ControlAction, EventRef, IncidentKind, ServerEventKind, Severity,
};
use domain::quiz::AttemptStatus;
use domain::{AttemptId, AuditAction, ErrorCode, QuizId};
use serde_json::json;
use time::Duration;

use super::access_in;
use super::attempts::{fetch, submit_row, view, AttemptRow};
use crate::db::{in_tx, TenantTx};
use crate::proctoring::incidents::{raise_in, Raise};
use crate::proctoring::signals::{record_in, session_of};
use crate::{audit, Caller, ServiceError, Store};

#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn control(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    attempt: AttemptId,
    input: AttemptControl,
) -> Result<AttemptView, ServiceError> {
    caller.require_teacher()?;
    input.check().map_err(ServiceError::Validation)?;
    in_tx!(store, caller, |tx| control_in(
        tx,
        quiz,
        attempt,
        &input,
        store.quiz_grace
    ))
}

pub async fn control_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    attempt: AttemptId,
    input: &AttemptControl,
    grace: Duration,
) -> Result<AttemptView, ServiceError> {
    tx.caller().require_teacher()?;
    let access = access_in(tx, quiz, false).await?;
    if !access.course.can_edit {
        return Err(ServiceError::NotFound);
    }
    let row = fetch(tx, quiz, attempt, true).await?;
    if row.preview {
        return Err(ServiceError::NotFound);
    }
    if row.status()? != AttemptStatus::InProgress {
        return Err(submitted());
    }
    let now = tx.now();
    if row.expired(now, grace) {
        // Its time ran out before the sweeper came: it is over, as it would be for a save.
        submit_row(tx, row, true).await?;
        return Err(submitted());
    }
    let reason = input.reason.trim().to_string();
    let session = session_of(tx, row.id).await?;
    let (action, event) = match input.action {
        ControlAction::Pause => {
            pause(tx, &row).await?;
            (AuditAction::AttemptPaused, ServerEventKind::Paused)
        }
        ControlAction::Resume => {
            resume(tx, &row).await?;
            (AuditAction::AttemptResumed, ServerEventKind::Resumed)
        }
        ControlAction::Extend => {
            let minutes = input.minutes.unwrap_or_default();
            extend(tx, &row, minutes).await?;
            (AuditAction::AttemptExtended, ServerEventKind::Extended)
        }
        ControlAction::Terminate => (AuditAction::AttemptTerminated, ServerEventKind::Terminated),
        ControlAction::Flag => {
            if session.is_none() {
                return Err(ServiceError::conflict(
                    ErrorCode::ProctoringNotProctored,
                    "This attempt is not proctored: there is no session to flag.",
                ));
            }
            (AuditAction::AttemptFlagged, ServerEventKind::Flagged)
        }
    };
    let by = tx.caller().user_id;
    let data = json!({ "reason": reason, "minutes": input.minutes, "by": by });
    if let Some(session) = session {
        let sequence = record_in(tx, session, event, now, data.clone()).await?;
        if input.action == ControlAction::Flag {
            let raise = Raise {
                session,
                kind: IncidentKind::TeacherFlag,
                severity: Severity::High,
                summary: reason.clone(),
                events: vec![EventRef {
                    source: "server".into(),
                    sequence,
                }],
            };
            raise_in(tx, raise).await?;
        }
    }
    if input.action == ControlAction::Terminate {
        let id = row.id;
        submit_row(tx, row, true).await?;
        sqlx::query!(
            "update quiz_attempt set terminated_reason = $3 where tenant_id = $1 and id = $2",
            tx.tenant().as_uuid(),
            id,
            reason
        )
        .execute(&mut **tx)
        .await?;
    }
    if session.is_some() {
        crate::proctoring::live::notify_in(tx, quiz.as_uuid(), None).await?;
    }
    let mut audited = data;
    audited["quiz_id"] = json!(quiz);
    audit::record_on(tx, action, "attempt", attempt.as_uuid(), audited).await?;
    let row = fetch(tx, quiz, attempt, false).await?;
    view(tx, row).await
}

fn submitted() -> ServiceError {
    ServiceError::conflict(
        ErrorCode::AttemptSubmitted,
        "This attempt is over: only a running attempt can be paused, resumed, extended, terminated or flagged.",
    )
}

async fn pause(tx: &mut TenantTx, row: &AttemptRow) -> Result<(), ServiceError> {
    if row.paused_at.is_some() {
        return Err(ServiceError::conflict(
            ErrorCode::AttemptPaused,
            "This attempt is already paused.",
        ));
    }
    sqlx::query!(
        "update quiz_attempt set paused_at = $3 where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.id,
        tx.now()
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The deadline moves on by the pause, so the learner has exactly the time they had at it.
async fn resume(tx: &mut TenantTx, row: &AttemptRow) -> Result<(), ServiceError> {
    let Some(paused_at) = row.paused_at else {
        return Err(ServiceError::conflict(
            ErrorCode::AttemptNotPaused,
            "This attempt is not paused.",
        ));
    };
    let now = tx.now();
    let deadline = row.deadline_at.map(|d| d + (now - paused_at));
    sqlx::query!(
        "update quiz_attempt set paused_at = null, deadline_at = $3 where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.id,
        deadline
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn extend(tx: &mut TenantTx, row: &AttemptRow, minutes: i32) -> Result<(), ServiceError> {
    let Some(deadline) = row.deadline_at else {
        return Err(ServiceError::invalid(
            "minutes",
            "This attempt has no time limit to extend.",
        ));
    };
    sqlx::query!(
        "update quiz_attempt set deadline_at = $3 where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.id,
        deadline + Duration::minutes(i64::from(minutes))
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
