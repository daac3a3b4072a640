//! What the course's editors do with submitted attempts: list them, grade essays with points and a
//! comment, and override a score with a reason. Each change is audited.

use domain::attempt::{AttemptSummary, AttemptView, QuestionGrade};
use domain::dto::Page;
use domain::quiz::{self, AnswerResult, AttemptStatus};
use domain::{AttemptId, AuditAction, ErrorCode, FieldError, QuizId, UserId};
use serde_json::json;

use super::attempts::{fetch, settle, totals, view, AttemptRow};
use super::{access_in, DEFAULT_PER_PAGE};
use crate::db::{in_tx, TenantTx};
use crate::paging::Window;
use crate::users::rfc3339;
use crate::{audit, Caller, ServiceError, Store};

/// A quiz's attempts, newest first: every learner's for the course's editors (or one learner's
/// with `user`), a learner's own otherwise; only those in `status` when it is given.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    user: Option<UserId>,
    status: Option<AttemptStatus>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<AttemptSummary>, ServiceError> {
    in_tx!(store, caller, |tx| list_by_status_in(
        tx, quiz, user, status, page, per_page
    ))
}

/// [`list`] in any status, for bodies that need a learner's whole history.
pub async fn list_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    user: Option<UserId>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<AttemptSummary>, ServiceError> {
    list_by_status_in(tx, quiz, user, None, page, per_page).await
}

pub async fn list_by_status_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    user: Option<UserId>,
    status: Option<AttemptStatus>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<AttemptSummary>, ServiceError> {
    let window = Window::parse(page, per_page, DEFAULT_PER_PAGE)?;
    let access = access_in(tx, quiz, false).await?;
    let user = if access.course.can_edit {
        user
    } else {
        // Anyone else reads their own attempts, and only as a signed-in learner.
        Some(tx.caller().user_id.ok_or(ServiceError::Forbidden)?)
    };
    let rows = sqlx::query!(
        r#"select a.id, a.user_id, u.name as user_name, a.status, a.preview, a.started_at,
                  a.submitted_at, a.auto_submitted, a.score, a.passed, count(*) over () as "total!"
           from quiz_attempt a
           join app_user u on u.tenant_id = a.tenant_id and u.id = a.user_id
           where a.tenant_id = $1 and a.quiz_id = $2 and ($3::uuid is null or a.user_id = $3)
             and ($4::text is null or a.status = $4)
           order by a.started_at desc, a.id desc
           limit $5 offset $6"#,
        tx.tenant().as_uuid(),
        quiz.as_uuid(),
        user.map(|u| u.as_uuid()),
        status.map(AttemptStatus::as_str),
        window.limit(),
        window.offset(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let total = rows
        .first()
        .map_or(0, |r| u64::try_from(r.total).unwrap_or(0));
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(AttemptSummary {
                id: AttemptId::from_uuid(r.id),
                quiz_id: quiz,
                user_id: UserId::from_uuid(r.user_id),
                user_name: r.user_name,
                status: AttemptStatus::parse("status", &r.status)?,
                preview: r.preview,
                started_at: rfc3339(r.started_at),
                submitted_at: r.submitted_at.map(rfc3339),
                auto_submitted: r.auto_submitted,
                score: r.score,
                passed: r.passed,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(window.page(items, total))
}

/// The course's editors, and a submitted attempt of the quiz, locked.
async fn submitted_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
) -> Result<AttemptRow, ServiceError> {
    tx.caller().require_teacher()?;
    access_in(tx, quiz, false).await?.course.require_edit()?;
    let row = fetch(tx, quiz, id, true).await?;
    if row.status()? == AttemptStatus::InProgress {
        return Err(ServiceError::conflict(
            ErrorCode::AttemptInProgress,
            "This attempt is still in progress: grade it once it is submitted.",
        ));
    }
    Ok(row)
}

/// Grades questions of a submitted attempt (essays, or any question a teacher rescores) with
/// points and a comment. Once no answer is pending the attempt gets its final score.
#[tracing::instrument(skip(store, grades), fields(tenant_id = %caller.tenant_id))]
pub async fn grade(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
    grades: Vec<QuestionGrade>,
) -> Result<AttemptView, ServiceError> {
    in_tx!(store, caller, |tx| grade_in(tx, quiz, id, &grades))
}

pub async fn grade_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
    grades: &[QuestionGrade],
) -> Result<AttemptView, ServiceError> {
    let row = submitted_in(tx, quiz, id).await?;
    let snapshot = super::snapshots::of(tx, row.id).await?;
    let mut errors = Vec::new();
    for (i, grade) in grades.iter().enumerate() {
        let field = format!("grades[{i}]");
        let Some(question) = snapshot.iter().find(|q| q.id == grade.question_id) else {
            errors.push(FieldError::new(
                format!("{field}.question_id"),
                "This attempt has no such question.",
            ));
            continue;
        };
        let max = f64::from(question.points);
        if !(0.0..=max).contains(&grade.points) {
            errors.push(FieldError::new(
                format!("{field}.points"),
                format!("Give between 0 and {max} points."),
            ));
        }
        if grade
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 5000)
        {
            errors.push(FieldError::new(
                format!("{field}.comment"),
                "A comment can be at most 5000 characters long.",
            ));
        }
    }
    if grades.is_empty() {
        errors.push(FieldError::new("grades", "Grade at least one question."));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    for grade in grades {
        let max = snapshot
            .iter()
            .find(|q| q.id == grade.question_id)
            .map_or(0.0, |q| f64::from(q.points));
        let result = if grade.points >= max {
            AnswerResult::Correct
        } else if grade.points > 0.0 {
            AnswerResult::Partial
        } else {
            AnswerResult::Incorrect
        };
        sqlx::query!(
            "insert into quiz_answer (tenant_id, attempt_id, question_id, result, points, comment)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (tenant_id, attempt_id, question_id) do update
                 set result = excluded.result, points = excluded.points, comment = excluded.comment",
            tx.tenant().as_uuid(),
            row.id,
            grade.question_id.as_uuid(),
            result.as_str(),
            quiz::round2(grade.points),
            grade.comment,
        )
        .execute(&mut **tx)
        .await?;
    }
    let data = json!({ "quiz_id": quiz, "grades": grades.iter().map(|g| json!({"question_id": g.question_id, "points": g.points})).collect::<Vec<_>>() });
    audit::record_on(tx, AuditAction::AttemptGraded, "attempt", row.id, data).await?;
    let totals = totals(tx, row.id).await?;
    settle(tx, &row, totals, None).await?;
    let row = fetch(tx, quiz, id, false).await?;
    view(tx, row).await
}

/// Replaces a submitted attempt's score (percent) with a teacher's, for a reason; audited with the
/// score before and after.
#[tracing::instrument(skip(store, reason), fields(tenant_id = %caller.tenant_id))]
pub async fn override_score(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
    score: f64,
    reason: &str,
) -> Result<AttemptView, ServiceError> {
    in_tx!(store, caller, |tx| override_in(tx, quiz, id, score, reason))
}

pub async fn override_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
    score: f64,
    reason: &str,
) -> Result<AttemptView, ServiceError> {
    let row = submitted_in(tx, quiz, id).await?;
    let mut errors = Vec::new();
    if !(0.0..=100.0).contains(&score) {
        errors.push(FieldError::new(
            "score",
            "Give a score between 0 and 100 (percent).",
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        errors.push(FieldError::new(
            "reason",
            "Say why, in at most 1000 characters.",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let score = quiz::round2(score);
    let data = json!({ "quiz_id": quiz, "before": row.score, "after": score, "reason": reason });
    audit::record_on(
        tx,
        AuditAction::AttemptScoreOverridden,
        "attempt",
        row.id,
        data,
    )
    .await?;
    let totals = totals(tx, row.id).await?;
    settle(tx, &row, totals, Some((score, reason))).await?;
    let row = fetch(tx, quiz, id, false).await?;
    view(tx, row).await
}
