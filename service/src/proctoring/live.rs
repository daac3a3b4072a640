//! The teacher's live view of a quiz's proctored attempts: a board read on demand, and the signals
//! that tell a watching page to read it again. A signal is sent with `pg_notify` inside the
//! transaction that made the change, so PostgreSQL delivers it only once that change commits, and
//! never for one that rolled back; it names the tenant, the quiz and the new incident (ids only:
//! what they mean is read through the board, under the one access rule).

use domain::proctoring::{LiveBoard, SessionStatus, LIVE_RUNNING};
use domain::{IncidentId, QuizId, TenantId};
use uuid::Uuid;

use super::sessions::{list_in, SessionFilter};
use crate::db::{in_tx, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

/// The PostgreSQL channel the server listens to, for every tenant.
pub const CHANNEL: &str = "proctoring_live";

/// A change to a quiz's running attempts: one started, ended, was paused, resumed or given time,
/// or has a new incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveSignal {
    pub tenant: TenantId,
    pub quiz: QuizId,
    pub incident: Option<IncidentId>,
}

impl LiveSignal {
    /// Raw UUIDs with spaces: well under the 8,000 bytes a notification may carry.
    fn payload(&self) -> String {
        let incident = self
            .incident
            .map_or_else(|| "-".to_string(), |i| i.as_uuid().to_string());
        format!(
            "{} {} {incident}",
            self.tenant.as_uuid(),
            self.quiz.as_uuid()
        )
    }

    /// Reads a notification's payload; None for anything this version did not send.
    pub fn parse(payload: &str) -> Option<LiveSignal> {
        let mut parts = payload.split(' ');
        let tenant = Uuid::parse_str(parts.next()?).ok()?;
        let quiz = Uuid::parse_str(parts.next()?).ok()?;
        let incident = match parts.next()? {
            "-" => None,
            id => Some(IncidentId::from_uuid(Uuid::parse_str(id).ok()?)),
        };
        if parts.next().is_some() {
            return None;
        }
        Some(LiveSignal {
            tenant: TenantId::from_uuid(tenant),
            quiz: QuizId::from_uuid(quiz),
            incident,
        })
    }
}

/// Tells the watchers of `quiz`, once the transaction commits, that its board changed.
pub(crate) async fn notify_in(
    tx: &mut TenantTx,
    quiz: Uuid,
    incident: Option<Uuid>,
) -> Result<(), ServiceError> {
    let signal = LiveSignal {
        tenant: tx.tenant(),
        quiz: QuizId::from_uuid(quiz),
        incident: incident.map(IncidentId::from_uuid),
    };
    sqlx::query!("select pg_notify($1, $2)", CHANNEL, signal.payload())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether the caller may watch a quiz: its course's editors (the same rule as the board).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn watch(caller: &Caller, store: &Store, quiz: QuizId) -> Result<(), ServiceError> {
    caller.require_teacher()?;
    in_tx!(store, caller, |tx| watch_in(tx, quiz))
}

async fn watch_in(tx: &mut TenantTx, quiz: QuizId) -> Result<(), ServiceError> {
    let access = crate::quizzes::access_in(tx, quiz, false).await?;
    if access.course.can_edit {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The quiz's running attempts, riskiest first, and its latest incidents.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn board(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
) -> Result<LiveBoard, ServiceError> {
    caller.require_teacher()?;
    in_tx!(store, caller, |tx| board_in(tx, quiz))
}

async fn board_in(tx: &mut TenantTx, quiz: QuizId) -> Result<LiveBoard, ServiceError> {
    // The list checks that the caller edits the quiz's course before anything is read.
    let filter = SessionFilter {
        quiz: Some(quiz),
        status: Some(SessionStatus::Active),
        page: Some(1),
        per_page: Some(LIVE_RUNNING),
    };
    let running = list_in(tx, filter).await?;
    let recent = super::incidents::recent_in(tx, quiz.as_uuid()).await?;
    Ok(LiveBoard {
        quiz_id: quiz,
        server_now: rfc3339(tx.now()),
        running: running.items,
        running_total: running.total,
        recent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_reads_back_as_sent() {
        for incident in [None, Some(IncidentId::from_uuid(Uuid::now_v7()))] {
            let signal = LiveSignal {
                tenant: TenantId::from_uuid(Uuid::now_v7()),
                quiz: QuizId::from_uuid(Uuid::now_v7()),
                incident,
            };
            assert_eq!(LiveSignal::parse(&signal.payload()), Some(signal));
        }
        assert_eq!(LiveSignal::parse("nonsense"), None);
        assert_eq!(LiveSignal::parse(""), None);
    }
}
