//! Incidents: what a rule (or a teacher) flagged in a session, and their review. Raising one
//! writes `proctoring.incident.flagged` to the outbox in the same transaction; its severity counts
//! in the session's risk score until a reviewer dismisses it.

use domain::event::{self, DomainEvent};
use domain::proctoring::{
    EventRef, IncidentKind, IncidentReview, IncidentStatus, IncidentView, LiveIncident, Severity,
    LIVE_RECENT_INCIDENTS,
};
use domain::{AttemptId, AuditAction, CourseId, IncidentId, ProctoringSessionId, QuizId, UserId};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::session_in;
use crate::db::{in_tx, new_id, TenantTx};
use crate::users::rfc3339;
use crate::{audit, outbox, Caller, ServiceError, Store};

/// An incident to raise.
pub struct Raise {
    pub session: Uuid,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub summary: String,
    pub events: Vec<EventRef>,
}

/// Raises an incident unless its rule already fired in the session (a teacher's flags always
/// raise one); answers its id when it is new.
pub async fn raise_in(tx: &mut TenantTx, raise: Raise) -> Result<Option<IncidentId>, ServiceError> {
    let events =
        serde_json::to_value(&raise.events).map_err(|e| ServiceError::Internal(e.into()))?;
    let now = tx.now();
    let summary: String = raise.summary.chars().take(500).collect();
    let inserted = sqlx::query_scalar!(
        "insert into proctoring_incident (id, tenant_id, session_id, kind, severity, summary, events, detected_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (tenant_id, session_id, kind) where kind <> 'teacher_flag' do nothing
         returning id",
        new_id(),
        tx.tenant().as_uuid(),
        raise.session,
        raise.kind.as_str(),
        raise.severity.as_str(),
        summary,
        events,
        now,
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = inserted else {
        return Ok(None);
    };
    let session = rescore_in(tx, raise.session).await?;
    super::live::notify_in(tx, session.quiz_id, Some(id)).await?;
    let flagged = DomainEvent::IncidentFlagged(event::IncidentFlagged {
        incident_id: IncidentId::from_uuid(id),
        session_id: ProctoringSessionId::from_uuid(raise.session),
        attempt_id: AttemptId::from_uuid(session.attempt_id),
        quiz_id: QuizId::from_uuid(session.quiz_id),
        course_id: CourseId::from_uuid(session.course_id),
        user_id: UserId::from_uuid(session.user_id),
        kind: raise.kind,
        severity: raise.severity,
        summary,
        detected_at: rfc3339(now),
    });
    outbox::emit(tx, &flagged).await?;
    Ok(Some(IncidentId::from_uuid(id)))
}

struct Scored {
    attempt_id: Uuid,
    quiz_id: Uuid,
    course_id: Uuid,
    user_id: Uuid,
}

/// Recomputes a session's risk score from its incidents that are not dismissed.
async fn rescore_in(tx: &mut TenantTx, session: Uuid) -> Result<Scored, ServiceError> {
    let (low, medium, high) = (
        Severity::Low.weight(),
        Severity::Medium.weight(),
        Severity::High.weight(),
    );
    Ok(sqlx::query_as!(
        Scored,
        "update proctoring_session s set risk_score = coalesce((
             select sum(case i.severity when 'high' then $5::int when 'medium' then $4::int else $3::int end)::int
               from proctoring_incident i
              where i.tenant_id = s.tenant_id and i.session_id = s.id and i.status <> 'dismissed'), 0)
         where s.tenant_id = $1 and s.id = $2
         returning attempt_id, quiz_id, course_id, user_id",
        tx.tenant().as_uuid(),
        session,
        low,
        medium,
        high,
    )
    .fetch_one(&mut **tx)
    .await?)
}

struct IncidentRow {
    id: Uuid,
    session_id: Uuid,
    kind: String,
    severity: String,
    status: String,
    summary: String,
    events: serde_json::Value,
    detected_at: OffsetDateTime,
    reviewed_by: Option<Uuid>,
    reviewed_at: Option<OffsetDateTime>,
    review_comment: Option<String>,
}

impl IncidentRow {
    fn view(self) -> Result<IncidentView, ServiceError> {
        Ok(IncidentView {
            id: IncidentId::from_uuid(self.id),
            session_id: ProctoringSessionId::from_uuid(self.session_id),
            kind: IncidentKind::parse("kind", &self.kind)?,
            severity: Severity::parse("severity", &self.severity)?,
            status: IncidentStatus::parse("status", &self.status)?,
            summary: self.summary,
            events: serde_json::from_value(self.events).unwrap_or_default(),
            detected_at: rfc3339(self.detected_at),
            reviewed_by: self.reviewed_by.map(UserId::from_uuid),
            reviewed_at: self.reviewed_at.map(rfc3339),
            review_comment: self.review_comment,
        })
    }
}

/// A session's incidents, oldest first.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    session: ProctoringSessionId,
) -> Result<Vec<IncidentView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx, session))
}

pub async fn list_in(
    tx: &mut TenantTx,
    session: ProctoringSessionId,
) -> Result<Vec<IncidentView>, ServiceError> {
    let access = session_in(tx, session).await?;
    let rows = sqlx::query_as!(
        IncidentRow,
        "select id, session_id, kind, severity, status, summary, events, detected_at, reviewed_by,
                reviewed_at, review_comment
         from proctoring_incident where tenant_id = $1 and session_id = $2
         order by detected_at, id",
        tx.tenant().as_uuid(),
        access.session.id
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter().map(IncidentRow::view).collect()
}

/// A quiz's latest incidents with their learners, newest first, for the live view; the caller
/// was let read the quiz's sessions before.
pub(super) async fn recent_in(
    tx: &mut TenantTx,
    quiz: Uuid,
) -> Result<Vec<LiveIncident>, ServiceError> {
    let rows = sqlx::query!(
        "select i.id, i.session_id, i.kind, i.severity, i.status, i.summary, i.events, i.detected_at,
                i.reviewed_by, i.reviewed_at, i.review_comment, s.attempt_id, u.name as user_name
         from proctoring_incident i
         join proctoring_session s on s.tenant_id = i.tenant_id and s.id = i.session_id
         join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
         where i.tenant_id = $1 and s.quiz_id = $2
         order by i.detected_at desc, i.id desc
         limit $3",
        tx.tenant().as_uuid(),
        quiz,
        LIVE_RECENT_INCIDENTS,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let incident = IncidentRow {
                id: r.id,
                session_id: r.session_id,
                kind: r.kind,
                severity: r.severity,
                status: r.status,
                summary: r.summary,
                events: r.events,
                detected_at: r.detected_at,
                reviewed_by: r.reviewed_by,
                reviewed_at: r.reviewed_at,
                review_comment: r.review_comment,
            };
            Ok(LiveIncident {
                user_name: r.user_name,
                attempt_id: AttemptId::from_uuid(r.attempt_id),
                incident: incident.view()?,
            })
        })
        .collect()
}

/// A reviewer's verdict on an incident, with their comment: the course's editors; audited. A
/// dismissed incident no longer counts in the session's risk score.
#[tracing::instrument(skip(store, review), fields(tenant_id = %caller.tenant_id))]
pub async fn review(
    caller: &Caller,
    store: &Store,
    id: IncidentId,
    review: IncidentReview,
) -> Result<IncidentView, ServiceError> {
    caller.require_teacher()?;
    let comment = review
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(ServiceError::invalid(
            "comment",
            "The comment is at most 2,000 characters.",
        ));
    }
    in_tx!(store, caller, |tx| review_in(
        tx,
        id,
        review.status,
        comment
    ))
}

async fn review_in(
    tx: &mut TenantTx,
    id: IncidentId,
    status: IncidentStatus,
    comment: Option<String>,
) -> Result<IncidentView, ServiceError> {
    let session = sqlx::query_scalar!(
        "select session_id from proctoring_incident where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    session_in(tx, ProctoringSessionId::from_uuid(session))
        .await?
        .require_review()?;
    let reviewer = tx.caller().user_id.map(|u| u.as_uuid());
    let now = tx.now();
    let row = sqlx::query_as!(
        IncidentRow,
        "update proctoring_incident set status = $3, review_comment = $4, reviewed_by = $5, reviewed_at = $6
         where tenant_id = $1 and id = $2
         returning id, session_id, kind, severity, status, summary, events, detected_at, reviewed_by,
                   reviewed_at, review_comment",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        status.as_str(),
        comment,
        reviewer,
        now,
    )
    .fetch_one(&mut **tx)
    .await?;
    rescore_in(tx, session).await?;
    let data = json!({ "status": status, "comment": comment, "session_id": ProctoringSessionId::from_uuid(session) });
    audit::record_on(
        tx,
        AuditAction::ProctoringIncidentReviewed,
        "incident",
        id.as_uuid(),
        data,
    )
    .await?;
    row.view()
}
