//! Saving answers under a revision, and submitting: the autosave path every learner in an exam
//! hits every few seconds, so it takes one locked read of the attempt, one statement per answer,
//! and answers the taking page with a receipt rather than the whole attempt.

use domain::attempt::{AnswerSave, AnswerView, AttemptView, SaveReceipt};
use domain::quiz::{AttemptStatus, Response};
use domain::{AttemptId, ErrorCode, FieldError, QuizId};
use time::Duration;
use uuid::Uuid;

use super::attempts::{fetch, learner, response_of, start_in, submit_row, view, AttemptRow};
use super::snapshots;
use crate::db::{in_tx, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

/// What a save leads to: the attempt as it now stands with the answers it named as stored, or the
/// deadline's refusal after the attempt was submitted with what was saved in time.
pub(super) enum Saved {
    Stored {
        attempt: Box<AttemptRow>,
        answers: Vec<AnswerView>,
    },
    Expired,
}

/// Saves the changed answers and, with `submit`, submits the attempt; answers the whole attempt.
/// Only the attempt's learner saves; an answer naming an older revision than the stored one is not
/// applied (the stored one comes back with its revision). After the deadline and its grace,
/// nothing is applied: the attempt is submitted with what was saved before, and
/// `quiz.attempt.timer_expired` answers.
#[tracing::instrument(skip(store, answers), fields(tenant_id = %caller.tenant_id))]
pub async fn save(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
    answers: Vec<AnswerSave>,
    submit: bool,
) -> Result<AttemptView, ServiceError> {
    let (mut tx, saved) = begin_save(caller, store, quiz, id, &answers, submit).await?;
    let reply = match saved {
        Saved::Stored { attempt, .. } => Some(view(&mut tx, *attempt).await?),
        Saved::Expired => None,
    };
    // Committed either way: a late save commits the attempt's submission and still answers an error.
    tx.commit().await?;
    reply.ok_or_else(timer_expired)
}

/// [`save`] for the taking page: the answers it named as stored, and the clock, not the attempt.
#[tracing::instrument(skip(store, answers), fields(tenant_id = %caller.tenant_id))]
pub async fn save_receipt(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
    answers: Vec<AnswerSave>,
    submit: bool,
) -> Result<SaveReceipt, ServiceError> {
    let (tx, saved) = begin_save(caller, store, quiz, id, &answers, submit).await?;
    let now = tx.now();
    tx.commit().await?;
    let Saved::Stored { attempt, answers } = saved else {
        return Err(timer_expired());
    };
    let status = attempt.status()?;
    Ok(SaveReceipt {
        status,
        server_now: rfc3339(now),
        remaining_ms: attempt.remaining_ms(now)?,
        answers,
    })
}

/// The save in its own transaction, left open for the reply to be read in it.
async fn begin_save(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
    answers: &[AnswerSave],
    submit: bool,
) -> Result<(TenantTx, Saved), ServiceError> {
    let mut tx = TenantTx::begin(store, caller).await?;
    let saved = save_in(&mut tx, quiz, id, answers, submit, store.quiz_grace).await?;
    Ok((tx, saved))
}

fn timer_expired() -> ServiceError {
    ServiceError::conflict(
        ErrorCode::AttemptTimerExpired,
        "Server-enforced timer elapsed.",
    )
}

pub(super) async fn save_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
    answers: &[AnswerSave],
    submit: bool,
    grace: Duration,
) -> Result<Saved, ServiceError> {
    let user = learner(tx).await?;
    let row = fetch(tx, quiz, id, true).await?;
    if row.user_id != user.as_uuid() {
        return Err(ServiceError::NotFound);
    }
    if row.status()? != AttemptStatus::InProgress {
        return Err(ServiceError::conflict(
            ErrorCode::AttemptSubmitted,
            "This attempt is submitted; its answers can no longer change.",
        ));
    }
    if row.paused_at.is_some() {
        return Err(ServiceError::conflict(
            ErrorCode::AttemptPaused,
            "Your teacher paused this attempt: the clock stands still, and answers are saved again once they resume it.",
        ));
    }
    if row.expired(tx.now(), grace) {
        crate::proctoring::signals::late_save_in(tx, row.id).await?;
        submit_row(tx, row, true).await?;
        return Ok(Saved::Expired);
    }
    let snapshot = snapshots::of(tx, row.id).await?;
    let mut checked = Vec::with_capacity(answers.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        let field = format!("answers[{i}]");
        let Some(question) = snapshot.iter().find(|q| q.id == answer.question_id) else {
            errors.push(FieldError::new(
                format!("{field}.question_id"),
                "This attempt has no such question.",
            ));
            continue;
        };
        match answer
            .response(&field)
            .and_then(|r| question.accepts(&field, &r).map(|()| r))
        {
            Ok(response) => checked.push((answer, response)),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let mut stored = Vec::with_capacity(checked.len());
    for (answer, response) in checked {
        stored.push(store_answer(tx, row.id, answer, response).await?);
    }
    let attempt = if submit {
        submit_row(tx, row, false).await?
    } else {
        row
    };
    Ok(Saved::Stored {
        attempt: Box::new(attempt),
        answers: stored,
    })
}

/// Stores one answer unless it names an older revision than the stored one; answers the answer as
/// it is stored now, in the same statement.
async fn store_answer(
    tx: &mut TenantTx,
    attempt: Uuid,
    answer: &AnswerSave,
    response: Response,
) -> Result<AnswerView, ServiceError> {
    let value = serde_json::to_value(&response).map_err(|e| ServiceError::Internal(e.into()))?;
    // The outer select reads the table as it was before the insert: when the insert did not apply,
    // that is the stored answer, which wins.
    let stored = sqlx::query!(
        r#"with applied as (
               insert into quiz_answer (tenant_id, attempt_id, question_id, response, revision, saved_at)
               values ($1, $2, $3, $4, 1, $5)
               on conflict (tenant_id, attempt_id, question_id) do update
                   set response = excluded.response, revision = quiz_answer.revision + 1,
                       saved_at = excluded.saved_at
                   where quiz_answer.revision = $6
               returning revision, saved_at)
           select true as "applied!", revision as "revision!", saved_at, null::jsonb as response
             from applied
           union all
           select false, revision, saved_at, response from quiz_answer
            where tenant_id = $1 and attempt_id = $2 and question_id = $3
              and not exists (select 1 from applied)"#,
        tx.tenant().as_uuid(),
        attempt,
        answer.question_id.as_uuid(),
        value,
        tx.now(),
        answer.revision,
    )
    .fetch_one(&mut **tx)
    .await?;
    let kept = if stored.applied {
        Some(response)
    } else {
        response_of(stored.response)
    };
    let saved_at = stored.saved_at.map(rfc3339).unwrap_or_default();
    Ok(match kept {
        Some(kept) => AnswerView::new(answer.question_id, kept, stored.revision, saved_at),
        // A stored row without a response is a grade's, which an attempt in progress never has.
        None => {
            return Err(ServiceError::Internal(anyhow::anyhow!(
                "answer {} of attempt {attempt} has no response",
                answer.question_id
            )))
        }
    })
}

/// The one-shot form: starts an attempt (or takes the one in progress), saves `answers` and
/// submits, in one transaction.
#[tracing::instrument(skip(store, answers), fields(tenant_id = %caller.tenant_id))]
pub async fn submit_once(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    answers: Vec<AnswerSave>,
) -> Result<AttemptView, ServiceError> {
    in_tx!(store, caller, |tx| submit_once_in(
        tx,
        quiz,
        &answers,
        store.quiz_grace
    ))
}

pub async fn submit_once_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    answers: &[AnswerSave],
    grace: Duration,
) -> Result<AttemptView, ServiceError> {
    let (attempt, _) = start_in(tx, quiz, false, grace).await?;
    match save_in(tx, quiz, attempt.id, answers, true, grace).await? {
        Saved::Stored { attempt, .. } => view(tx, *attempt).await,
        // A fresh attempt has its whole time ahead of it.
        Saved::Expired => Err(timer_expired()),
    }
}
