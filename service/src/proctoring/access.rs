//! The one rule for reading a proctoring session, its events and its incidents, on every path
//! (pages, server functions, `/v1`): the course's editors; and its own learner, once the attempt is
//! over, when the tenant lets learners see their timeline. Anyone else finds nothing.

use domain::proctoring::SessionStatus;
use domain::{CourseId, ProctoringSessionId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::courses::access;
use crate::db::TenantTx;
use crate::ServiceError;

/// A session's row as every read selects it.
pub struct SessionRow {
    pub id: Uuid,
    pub course_id: Uuid,
    pub quiz_id: Uuid,
    pub attempt_id: Uuid,
    pub user_id: Uuid,
    pub mode: String,
    pub status: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub rules_accepted_at: Option<OffsetDateTime>,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    pub last_seen_at: OffsetDateTime,
    pub risk_score: i32,
}

impl SessionRow {
    pub fn status(&self) -> Result<SessionStatus, ServiceError> {
        Ok(SessionStatus::parse("status", &self.status)?)
    }
}

/// What the caller may do with one session.
pub struct SessionAccess {
    pub session: SessionRow,
    /// One of the course's editors: reads everything and reviews.
    pub reviews: bool,
}

impl SessionAccess {
    pub fn require_review(&self) -> Result<(), ServiceError> {
        if self.reviews {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

pub(super) async fn fetch(tx: &mut TenantTx, id: Uuid) -> Result<Option<SessionRow>, ServiceError> {
    Ok(sqlx::query_as!(
        SessionRow,
        "select id, course_id, quiz_id, attempt_id, user_id, mode, status, ip_address, user_agent,
                rules_accepted_at, started_at, ended_at, last_seen_at, risk_score
         from proctoring_session where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Loads a session the caller may read. A student finds only their own, and only when the tenant
/// shows learners their timeline and the attempt is over; the query itself filters by the learner,
/// so nothing is revealed of others' sessions.
pub async fn session_in(
    tx: &mut TenantTx,
    id: ProctoringSessionId,
) -> Result<SessionAccess, ServiceError> {
    let caller = tx.caller().clone();
    if !caller.role.can_teach() {
        let Some(user) = caller.user_id else {
            return Err(ServiceError::Forbidden);
        };
        let settings = super::settings::settings_in(tx).await?;
        let session = fetch(tx, id.as_uuid())
            .await?
            .filter(|s| s.user_id == user.as_uuid())
            .ok_or(ServiceError::NotFound)?;
        if !settings.learner_sees_timeline || session.status()? != SessionStatus::Closed {
            return Err(ServiceError::NotFound);
        }
        return Ok(SessionAccess {
            session,
            reviews: false,
        });
    }
    let session = fetch(tx, id.as_uuid())
        .await?
        .ok_or(ServiceError::NotFound)?;
    let course = access::load(tx, CourseId::from_uuid(session.course_id), false).await?;
    if !course.can_edit {
        return Err(ServiceError::NotFound);
    }
    Ok(SessionAccess {
        session,
        reviews: true,
    })
}
