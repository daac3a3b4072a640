//! A quiz's questions, in order, with their answer keys. Only the course's editors read or change
//! them here; learners see the questions an attempt snapshot holds, without the keys.

use domain::quiz::{AnswerKey, QuestionRow, QuestionView};
use domain::{AuditAction, OptionId, QuestionId, QuizId};
use serde_json::json;
use uuid::Uuid;

use super::{edit_in, QuizAccess};
use crate::courses::access::check_version;
use crate::db::{in_tx, new_id, TenantTx};
use crate::ordered::QUESTIONS;
use crate::{audit, Caller, ServiceError, Store};
pub use domain::quiz_input::{OptionForm, QuestionForm, QuestionInput};

struct StoredQuestion {
    id: Uuid,
    quiz_id: Uuid,
    position: i32,
    prompt: String,
    points: i32,
    body: serde_json::Value,
    version: i32,
}

fn view(row: StoredQuestion) -> Result<QuestionView, ServiceError> {
    let key = answer_key(row.body)?;
    Ok(QuestionView::new(
        QuestionRow {
            id: QuestionId::from_uuid(row.id),
            quiz_id: QuizId::from_uuid(row.quiz_id),
            position: row.position,
            prompt: row.prompt,
            points: row.points,
            version: row.version,
        },
        key,
    ))
}

pub(crate) fn answer_key(body: serde_json::Value) -> Result<AnswerKey, ServiceError> {
    serde_json::from_value(body)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("stored answer key: {e}")))
}

fn new_option_id() -> OptionId {
    OptionId::from_uuid(new_id())
}

/// The questions of a quiz with their answer keys, for those [`QuizAccess::reads_answer_key`]
/// lets read them.
pub async fn list_in(
    tx: &mut TenantTx,
    access: &QuizAccess,
) -> Result<Vec<QuestionView>, ServiceError> {
    if !access.reads_answer_key() {
        return Err(ServiceError::Forbidden);
    }
    stored(tx, access).await?.into_iter().map(view).collect()
}

async fn stored(
    tx: &mut TenantTx,
    access: &QuizAccess,
) -> Result<Vec<StoredQuestion>, ServiceError> {
    Ok(sqlx::query_as!(
        StoredQuestion,
        "select id, quiz_id, position, prompt, points, body, version from quiz_question
         where tenant_id = $1 and quiz_id = $2 order by position, id",
        tx.tenant().as_uuid(),
        access.quiz.id
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// The questions with their keys, in order, for building an attempt: the learner who starts one
/// sees them only through the attempt, which leaves the keys out.
pub(crate) async fn keys_in(
    tx: &mut TenantTx,
    access: &QuizAccess,
) -> Result<Vec<(QuestionId, String, i32, AnswerKey)>, ServiceError> {
    let rows = stored(tx, access).await?;
    rows.into_iter()
        .map(|row| {
            let key = answer_key(row.body)?;
            Ok((QuestionId::from_uuid(row.id), row.prompt, row.points, key))
        })
        .collect()
}

async fn fetch(tx: &mut TenantTx, id: QuestionId) -> Result<StoredQuestion, ServiceError> {
    sqlx::query_as!(
        StoredQuestion,
        "select id, quiz_id, position, prompt, points, body, version from quiz_question
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)
}

/// Adds a question at the end of a quiz.
#[tracing::instrument(skip(store, form), fields(tenant_id = %caller.tenant_id))]
pub async fn add(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    form: QuestionForm,
) -> Result<QuestionView, ServiceError> {
    in_tx!(store, caller, |tx| add_in(tx, quiz, form))
}

pub async fn add_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    form: QuestionForm,
) -> Result<QuestionView, ServiceError> {
    let access = edit_in(tx, quiz).await?;
    let input = QuestionInput::parse(form, None, new_option_id)?;
    let (Some(prompt), Some(key)) = (input.prompt, input.key) else {
        return Err(ServiceError::invalid(
            "prompt",
            "The question cannot be empty.",
        ));
    };
    let position = QUESTIONS.next_position(tx, quiz, "quiz").await?;
    let id = QuestionId::from_uuid(new_id());
    sqlx::query!(
        "insert into quiz_question (id, tenant_id, course_id, quiz_id, position, kind, prompt, points, body)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id.as_uuid(),
        tx.tenant().as_uuid(),
        access.quiz.course_id,
        quiz.as_uuid(),
        position,
        key.kind().as_str(),
        prompt,
        input.points.unwrap_or(1),
        serde_json::to_value(&key).map_err(|e| ServiceError::Internal(e.into()))?,
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "quiz_id": quiz, "kind": key.kind() });
    audit::record_on(
        tx,
        AuditAction::QuestionCreated,
        "question",
        id.as_uuid(),
        data,
    )
    .await?;
    view(fetch(tx, id).await?)
}

/// Changes a question's prompt, points or answer key, under its version. Attempts already made
/// keep the question as they showed it.
#[tracing::instrument(skip(store, form), fields(tenant_id = %caller.tenant_id))]
pub async fn update(
    caller: &Caller,
    store: &Store,
    id: QuestionId,
    form: QuestionForm,
) -> Result<QuestionView, ServiceError> {
    in_tx!(store, caller, |tx| update_in(tx, id, form))
}

pub async fn update_in(
    tx: &mut TenantTx,
    id: QuestionId,
    form: QuestionForm,
) -> Result<QuestionView, ServiceError> {
    tx.caller().require_teacher()?;
    let quiz = QUESTIONS.parent_of(tx, id).await?;
    edit_in(tx, quiz).await?;
    let current = fetch(tx, id).await?;
    let kind = answer_key(current.body.clone())?.kind();
    let input = QuestionInput::parse(form, Some(kind), new_option_id)?;
    check_version(input.version, current.version, "question")?;
    let body = input
        .key
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| ServiceError::Internal(e.into()))?;
    sqlx::query!(
        "update quiz_question set prompt = coalesce($3, prompt), points = coalesce($4, points),
             kind = coalesce($5, kind), body = coalesce($6, body), version = version + 1
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        input.prompt,
        input.points,
        input.key.as_ref().map(|k| k.kind().as_str()),
        body,
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "quiz_id": quiz, "key_changed": input.key.is_some() });
    audit::record_on(
        tx,
        AuditAction::QuestionUpdated,
        "question",
        id.as_uuid(),
        data,
    )
    .await?;
    view(fetch(tx, id).await?)
}

/// Deletes a question; attempts already made keep it in their snapshot.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete(caller: &Caller, store: &Store, id: QuestionId) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| delete_in(tx, id))
}

pub async fn delete_in(tx: &mut TenantTx, id: QuestionId) -> Result<(), ServiceError> {
    tx.caller().require_teacher()?;
    let quiz = QUESTIONS.parent_of(tx, id).await?;
    edit_in(tx, quiz).await?;
    let prompt = QUESTIONS.delete(tx, id).await?;
    let data = json!({ "quiz_id": quiz, "prompt": prompt });
    audit::record_on(
        tx,
        AuditAction::QuestionDeleted,
        "question",
        id.as_uuid(),
        data,
    )
    .await
}

/// Puts a quiz's questions in the order of `ids`, which must name each of them once.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn reorder(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    ids: Vec<QuestionId>,
) -> Result<Vec<QuestionView>, ServiceError> {
    in_tx!(store, caller, |tx| reorder_in(tx, quiz, &ids))
}

pub async fn reorder_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    ids: &[QuestionId],
) -> Result<Vec<QuestionView>, ServiceError> {
    let access = edit_in(tx, quiz).await?;
    QUESTIONS.reorder(tx, quiz, ids).await?;
    let data = json!({ "order": ids });
    audit::record_on(
        tx,
        AuditAction::QuestionReordered,
        "quiz",
        quiz.as_uuid(),
        data,
    )
    .await?;
    list_in(tx, &access).await
}
