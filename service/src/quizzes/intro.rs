//! What a learner sees of a quiz before starting: its settings and their own attempts.

use domain::attempt::QuizIntro;
use domain::quiz::AttemptStatus;
use domain::QuizId;

use super::{access_in, grading, view};
use crate::db::{in_tx, TenantTx};
use crate::{Caller, ServiceError, Store};

/// More attempts than any quiz's history shows on one page.
const HISTORY: u32 = 100;

/// The quiz's intro for the caller: whoever sees the quiz reads it; attempts are their own.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn intro(caller: &Caller, store: &Store, id: QuizId) -> Result<QuizIntro, ServiceError> {
    in_tx!(store, caller, |tx| intro_in(tx, id))
}

pub async fn intro_in(tx: &mut TenantTx, id: QuizId) -> Result<QuizIntro, ServiceError> {
    let access = access_in(tx, id, false).await?;
    let attempts = match tx.caller().user_id {
        Some(me) => grading::list_in(tx, id, Some(me), Some(1), Some(HISTORY))
            .await?
            .items
            .into_iter()
            .filter(|attempt| !attempt.preview)
            .collect(),
        None => Vec::new(),
    };
    let used = i32::try_from(attempts.len()).unwrap_or(i32::MAX);
    let in_progress = attempts
        .iter()
        .find(|attempt| attempt.status == AttemptStatus::InProgress)
        .map(|attempt| attempt.id);
    let now = tx.now();
    let open = access.quiz.opens_at.is_none_or(|at| at <= now)
        && access.quiz.closes_at.is_none_or(|at| now < at);
    let enrolled = access.course.is_learner();
    let can_edit = access.course.can_edit;
    let quiz = view(tx, access.quiz).await?;
    Ok(QuizIntro {
        attempts_left: quiz.max_attempts.map(|max| (max - used).max(0)),
        quiz,
        attempts,
        attempts_used: used,
        in_progress,
        enrolled,
        can_edit,
        open,
    })
}
