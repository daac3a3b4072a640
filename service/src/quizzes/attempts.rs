//! Attempts: started, saved answer by answer under a revision, submitted and graded, with the
//! server's time as the only clock. An attempt holds its questions as it showed them, so editing
//! the quiz later never changes a result.
//!
//! A save or submit that arrives after the deadline plus the grace ([`DEFAULT_GRACE`] unless the
//! store is configured otherwise) is refused with
//! `quiz.attempt.timer_expired`, and the attempt is submitted with what was saved before; an
//! attempt nobody comes back to is submitted by [`sweep`].

use domain::attempt::{
    AnswerSave, AnswerView, AttemptView, CorrectAnswer, QuestionResult, SnapshotQuestion,
};
use domain::event::{self, DomainEvent};
use domain::quiz::{self, AnswerResult, AttemptStatus, QuizStatus, Response, ShowAnswers};
use domain::{AttemptId, CourseId, ErrorCode, FieldError, QuizId, UserId};
use rand::seq::SliceRandom;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{access_in, questions, QuizAccess};
use crate::db::{in_tx, new_id, TenantTx};
use crate::users::rfc3339;
use crate::{outbox, Caller, ServiceError, Store};

/// How late a save or submit may arrive after the deadline and still count: the network's share.
/// `LECTERN_QUIZ_GRACE_SECONDS` sets another (`Store::quiz_grace`).
pub const DEFAULT_GRACE: Duration = Duration::seconds(5);

pub(super) struct AttemptRow {
    pub(super) id: Uuid,
    pub(super) quiz_id: Uuid,
    pub(super) course_id: Uuid,
    pub(super) user_id: Uuid,
    pub(super) preview: bool,
    pub(super) status: String,
    pub(super) questions: serde_json::Value,
    pub(super) started_at: OffsetDateTime,
    pub(super) deadline_at: Option<OffsetDateTime>,
    pub(super) submitted_at: Option<OffsetDateTime>,
    pub(super) auto_submitted: bool,
    pub(super) points: Option<f64>,
    pub(super) max_points: f64,
    pub(super) score: Option<f64>,
    pub(super) passed: Option<bool>,
}

impl AttemptRow {
    pub(super) fn status(&self) -> Result<AttemptStatus, ServiceError> {
        Ok(AttemptStatus::parse("status", &self.status)?)
    }

    pub(super) fn snapshot(&self) -> Result<Vec<SnapshotQuestion>, ServiceError> {
        serde_json::from_value(self.questions.clone())
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("attempt snapshot: {e}")))
    }

    /// Past the deadline and its grace at `now`.
    fn expired(&self, now: OffsetDateTime, grace: Duration) -> bool {
        self.deadline_at
            .is_some_and(|deadline| now > deadline + grace)
    }
}

pub(super) struct AnswerRow {
    pub(super) question_id: Uuid,
    pub(super) response: Option<serde_json::Value>,
    pub(super) revision: i32,
    pub(super) saved_at: Option<OffsetDateTime>,
    pub(super) result: Option<String>,
    pub(super) points: Option<f64>,
    pub(super) comment: Option<String>,
}

/// The learner an attempt is for: the signed-in user, or the active user an admin or teacher key
/// names with `X-On-Behalf-Of` (a student key acts for nobody). Another tenant's user is not found.
async fn learner(tx: &mut TenantTx) -> Result<UserId, ServiceError> {
    let caller = tx.caller();
    if let Some(user) = caller.user_id {
        return Ok(user);
    }
    caller.require_teacher()?;
    let Some(user) = caller.on_behalf_of else {
        return Err(ServiceError::invalid(
            "X-On-Behalf-Of",
            "An API key takes attempts for a learner: name them with X-On-Behalf-Of: usr_….",
        ));
    };
    let active = sqlx::query_scalar!(
        r#"select exists(select 1 from app_user where tenant_id = $1 and id = $2 and status = 'active') as "active!""#,
        tx.tenant().as_uuid(),
        user.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?;
    if active {
        Ok(user)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Whether `user` is an active learner of the course (enrolled, or completed it).
async fn enrolled(tx: &mut TenantTx, course: Uuid, user: UserId) -> Result<bool, ServiceError> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from enrollment where tenant_id = $1 and course_id = $2 and user_id = $3
                         and status in ('active', 'completed')) as "enrolled!""#,
        tx.tenant().as_uuid(),
        course,
        user.as_uuid()
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub(super) async fn fetch(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
    lock: bool,
) -> Result<AttemptRow, ServiceError> {
    let row = if lock {
        sqlx::query_as!(
            AttemptRow,
            "select id, quiz_id, course_id, user_id, preview, status, questions, started_at, deadline_at,
                    submitted_at, auto_submitted, points, max_points, score, passed
             from quiz_attempt where tenant_id = $1 and quiz_id = $2 and id = $3 for update",
            tx.tenant().as_uuid(),
            quiz.as_uuid(),
            id.as_uuid()
        )
        .fetch_optional(&mut **tx)
        .await?
    } else {
        sqlx::query_as!(
            AttemptRow,
            "select id, quiz_id, course_id, user_id, preview, status, questions, started_at, deadline_at,
                    submitted_at, auto_submitted, points, max_points, score, passed
             from quiz_attempt where tenant_id = $1 and quiz_id = $2 and id = $3",
            tx.tenant().as_uuid(),
            quiz.as_uuid(),
            id.as_uuid()
        )
        .fetch_optional(&mut **tx)
        .await?
    };
    row.ok_or(ServiceError::NotFound)
}

/// An attempt is its learner's; the course's editors read any. Anyone else finds nothing.
pub(super) fn may_read(
    tx: &TenantTx,
    access: &QuizAccess,
    row: &AttemptRow,
) -> Result<(), ServiceError> {
    let own = tx.caller().user_id.map(|u| u.as_uuid()) == Some(row.user_id);
    if own || access.course.can_edit {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

pub(super) async fn answers(
    tx: &mut TenantTx,
    attempt: Uuid,
) -> Result<Vec<AnswerRow>, ServiceError> {
    Ok(sqlx::query_as!(
        AnswerRow,
        "select question_id, response, revision, saved_at, result, points, comment
         from quiz_answer where tenant_id = $1 and attempt_id = $2",
        tx.tenant().as_uuid(),
        attempt
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Whether a submitted attempt shows the right answers: always to staff, and to its learner as
/// the quiz's `show_answers` says (after the close time only once there is one and it has passed).
async fn reveals_answers(
    tx: &mut TenantTx,
    row: &AttemptRow,
    now: OffsetDateTime,
) -> Result<bool, ServiceError> {
    if tx.caller().require_teacher().is_ok() {
        return Ok(true);
    }
    let quiz = sqlx::query!(
        "select show_answers, closes_at from quiz where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.quiz_id
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(
        match ShowAnswers::parse("show_answers", &quiz.show_answers)? {
            ShowAnswers::AfterAttempt => true,
            ShowAnswers::AfterClose => quiz.closes_at.is_some_and(|at| at <= now),
            ShowAnswers::Never => false,
        },
    )
}

fn response_of(value: Option<serde_json::Value>) -> Option<Response> {
    value.and_then(|v| serde_json::from_value(v).ok())
}

pub(super) async fn view(tx: &mut TenantTx, row: AttemptRow) -> Result<AttemptView, ServiceError> {
    let now = tx.now();
    let snapshot = row.snapshot()?;
    let stored = answers(tx, row.id).await?;
    let status = row.status()?;
    let reveal = status != AttemptStatus::InProgress && reveals_answers(tx, &row, now).await?;
    let saved: Vec<AnswerView> = snapshot
        .iter()
        .filter_map(|q| {
            let answer = stored.iter().find(|a| a.question_id == q.id.as_uuid())?;
            let response = response_of(answer.response.clone())?;
            let saved_at = answer.saved_at.map(rfc3339).unwrap_or_default();
            Some(AnswerView::new(q.id, response, answer.revision, saved_at))
        })
        .collect();
    let results = (status != AttemptStatus::InProgress).then(|| {
        snapshot
            .iter()
            .map(|q| {
                let answer = stored.iter().find(|a| a.question_id == q.id.as_uuid());
                let result = answer
                    .and_then(|a| a.result.as_deref())
                    .and_then(|r| AnswerResult::parse("result", r).ok())
                    .unwrap_or(AnswerResult::Incorrect);
                QuestionResult {
                    question_id: q.id,
                    result,
                    points: answer.and_then(|a| a.points),
                    max_points: q.points,
                    comment: answer.and_then(|a| a.comment.clone()),
                    correct_answer: reveal.then(|| CorrectAnswer::of(&q.key)).flatten(),
                }
            })
            .collect()
    });
    let remaining_ms = match (status, row.deadline_at) {
        (AttemptStatus::InProgress, Some(deadline)) => {
            Some(i64::try_from((deadline - now).whole_milliseconds().max(0)).unwrap_or(0))
        }
        _ => None,
    };
    Ok(AttemptView {
        id: AttemptId::from_uuid(row.id),
        quiz_id: QuizId::from_uuid(row.quiz_id),
        user_id: UserId::from_uuid(row.user_id),
        status,
        preview: row.preview,
        started_at: rfc3339(row.started_at),
        deadline_at: row.deadline_at.map(rfc3339),
        server_now: rfc3339(now),
        remaining_ms,
        submitted_at: row.submitted_at.map(rfc3339),
        auto_submitted: row.auto_submitted,
        questions: snapshot.iter().map(SnapshotQuestion::shown).collect(),
        answers: saved,
        score: row.score,
        points: row.points,
        max_points: row.max_points,
        passed: row.passed,
        results,
    })
}

/// Starts an attempt, or answers the one in progress; says whether the attempt is new. Only the
/// course's active learners start a published quiz, within its window and its number of attempts;
/// the course's editors may start a preview instead, which never counts.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn start(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    preview: bool,
) -> Result<(AttemptView, bool), ServiceError> {
    in_tx!(store, caller, |tx| start_in(
        tx,
        quiz,
        preview,
        store.quiz_grace
    ))
}

pub async fn start_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    preview: bool,
    grace: Duration,
) -> Result<(AttemptView, bool), ServiceError> {
    if preview {
        tx.caller().require_teacher()?;
    }
    let user = learner(tx).await?;
    // The course row's lock serialises one learner's concurrent starts with each other.
    let access = access_in(tx, quiz, true).await?;
    let now = tx.now();
    if preview {
        access.course.require_edit()?;
    } else {
        if !enrolled(tx, access.quiz.course_id, user).await? {
            return Err(ServiceError::conflict(
                ErrorCode::EnrollmentRequired,
                "Quizzes are for the course's learners: enrol in the course to take this one.",
            ));
        }
        if access.quiz.status()? != QuizStatus::Published {
            return Err(ServiceError::NotFound);
        }
        if let Some(running) = running(tx, quiz, user).await? {
            if !running.expired(now, grace) {
                return Ok((view(tx, running).await?, false));
            }
            submit_row(tx, running, true).await?;
        }
        let opened = access.quiz.opens_at.is_none_or(|at| at <= now);
        let open = opened && access.quiz.closes_at.is_none_or(|at| now < at);
        if !open {
            return Err(ServiceError::conflict(
                ErrorCode::QuizClosed,
                "This quiz is not open now: see its opening and closing times.",
            ));
        }
        let used = sqlx::query_scalar!(
            r#"select count(*) as "n!" from quiz_attempt
               where tenant_id = $1 and quiz_id = $2 and user_id = $3 and not preview"#,
            tx.tenant().as_uuid(),
            quiz.as_uuid(),
            user.as_uuid()
        )
        .fetch_one(&mut **tx)
        .await?;
        if let Some(max) = access.quiz.max_attempts {
            if used >= i64::from(max) {
                return Err(ServiceError::conflict(
                    ErrorCode::AttemptLimitReached,
                    format!("You have used all {max} attempts this quiz allows."),
                ));
            }
        }
    }
    let snapshot = snapshot(tx, &access).await?;
    let max_points: f64 = snapshot.iter().map(|q| f64::from(q.points)).sum();
    let deadline = access.quiz.time_limit_minutes.map(|minutes| {
        let end = now + Duration::minutes(i64::from(minutes));
        // A quiz that closes sooner ends every attempt at its close.
        access
            .quiz
            .closes_at
            .filter(|_| !preview)
            .map_or(end, |close| end.min(close))
    });
    let id = new_id();
    let questions =
        serde_json::to_value(&snapshot).map_err(|e| ServiceError::Internal(e.into()))?;
    sqlx::query!(
        "insert into quiz_attempt (id, tenant_id, course_id, quiz_id, user_id, preview, questions, started_at, deadline_at, max_points)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        tx.tenant().as_uuid(),
        access.quiz.course_id,
        quiz.as_uuid(),
        user.as_uuid(),
        preview,
        questions,
        now,
        deadline,
        max_points,
    )
    .execute(&mut **tx)
    .await?;
    let row = fetch(tx, quiz, AttemptId::from_uuid(id), false).await?;
    Ok((view(tx, row).await?, true))
}

async fn running(
    tx: &mut TenantTx,
    quiz: QuizId,
    user: UserId,
) -> Result<Option<AttemptRow>, ServiceError> {
    Ok(sqlx::query_as!(
        AttemptRow,
        "select id, quiz_id, course_id, user_id, preview, status, questions, started_at, deadline_at,
                submitted_at, auto_submitted, points, max_points, score, passed
         from quiz_attempt
         where tenant_id = $1 and quiz_id = $2 and user_id = $3 and status = 'in_progress' and not preview
         for update",
        tx.tenant().as_uuid(),
        quiz.as_uuid(),
        user.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// The quiz's questions with their keys, in the order this attempt shows them.
async fn snapshot(
    tx: &mut TenantTx,
    access: &QuizAccess,
) -> Result<Vec<SnapshotQuestion>, ServiceError> {
    let mut shown: Vec<SnapshotQuestion> = questions::keys_in(tx, access)
        .await?
        .into_iter()
        .map(|(id, prompt, points, key)| SnapshotQuestion {
            id,
            prompt,
            points,
            key,
        })
        .collect();
    let mut rng = rand::thread_rng();
    if access.quiz.shuffle_questions {
        shown.shuffle(&mut rng);
    }
    if access.quiz.shuffle_options {
        for options in shown.iter_mut().filter_map(|q| q.key.options_mut()) {
            options.shuffle(&mut rng);
        }
    }
    Ok(shown)
}

/// Reads an attempt: its learner, or the course's editors.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn get(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
) -> Result<AttemptView, ServiceError> {
    in_tx!(store, caller, |tx| get_in(tx, quiz, id))
}

pub async fn get_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
) -> Result<AttemptView, ServiceError> {
    let access = access_in(tx, quiz, false).await?;
    let row = fetch(tx, quiz, id, false).await?;
    may_read(tx, &access, &row)?;
    view(tx, row).await
}

/// What a save leads to: the attempt as it stands, or the deadline's refusal after the attempt was
/// submitted with what was saved in time.
pub enum Saved {
    Attempt(Box<AttemptView>),
    Expired,
}

/// Saves the changed answers and, with `submit`, submits the attempt. Only the attempt's learner
/// saves; an answer naming an older revision than the stored one is not applied (the stored one
/// comes back with its revision). After the deadline and its grace, nothing is applied: the
/// attempt is submitted with what was saved before, and `quiz.attempt.timer_expired` answers.
#[tracing::instrument(skip(store, answers), fields(tenant_id = %caller.tenant_id))]
pub async fn save(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
    answers: Vec<AnswerSave>,
    submit: bool,
) -> Result<AttemptView, ServiceError> {
    // Opened by hand: a late save commits the attempt's submission and still answers an error.
    let mut tx = TenantTx::begin(store, caller).await?;
    let saved = save_in(&mut tx, quiz, id, &answers, submit, store.quiz_grace).await?;
    tx.commit().await?;
    match saved {
        Saved::Attempt(view) => Ok(*view),
        Saved::Expired => Err(ServiceError::conflict(
            ErrorCode::AttemptTimerExpired,
            "Server-enforced timer elapsed.",
        )),
    }
}

pub async fn save_in(
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
    if row.expired(tx.now(), grace) {
        submit_row(tx, row, true).await?;
        return Ok(Saved::Expired);
    }
    let snapshot = row.snapshot()?;
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
    for (answer, response) in checked {
        store_answer(tx, row.id, answer, &response).await?;
    }
    if submit {
        let row = submit_row(tx, row, false).await?;
        return Ok(Saved::Attempt(Box::new(view(tx, row).await?)));
    }
    Ok(Saved::Attempt(Box::new(view(tx, row).await?)))
}

/// Stores one answer unless it names an older revision than the stored one.
async fn store_answer(
    tx: &mut TenantTx,
    attempt: Uuid,
    answer: &AnswerSave,
    response: &Response,
) -> Result<(), ServiceError> {
    let value = serde_json::to_value(response).map_err(|e| ServiceError::Internal(e.into()))?;
    sqlx::query!(
        "insert into quiz_answer (tenant_id, attempt_id, question_id, response, revision, saved_at)
         values ($1, $2, $3, $4, 1, $5)
         on conflict (tenant_id, attempt_id, question_id) do update
             set response = excluded.response, revision = quiz_answer.revision + 1, saved_at = excluded.saved_at
             where quiz_answer.revision = $6",
        tx.tenant().as_uuid(),
        attempt,
        answer.question_id.as_uuid(),
        value,
        tx.now(),
        answer.revision,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Grades and submits a locked attempt in progress, with the answers it holds; writes the events.
async fn submit_row(
    tx: &mut TenantTx,
    row: AttemptRow,
    auto: bool,
) -> Result<AttemptRow, ServiceError> {
    let snapshot = row.snapshot()?;
    let stored = answers(tx, row.id).await?;
    for question in &snapshot {
        let response = stored
            .iter()
            .find(|a| a.question_id == question.id.as_uuid())
            .and_then(|a| response_of(a.response.clone()));
        let grade = quiz::grade(&question.key, f64::from(question.points), response.as_ref());
        sqlx::query!(
            "insert into quiz_answer (tenant_id, attempt_id, question_id, result, points)
             values ($1, $2, $3, $4, $5)
             on conflict (tenant_id, attempt_id, question_id) do update set result = excluded.result, points = excluded.points",
            tx.tenant().as_uuid(),
            row.id,
            question.id.as_uuid(),
            grade.result.as_str(),
            (grade.result != AnswerResult::Pending).then_some(grade.points),
        )
        .execute(&mut **tx)
        .await?;
    }
    let now = tx.now();
    sqlx::query!(
        "update quiz_attempt set status = 'submitted', submitted_at = $3, auto_submitted = $4
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.id,
        now,
        auto,
    )
    .execute(&mut **tx)
    .await?;
    if !row.preview {
        let submitted = DomainEvent::AttemptSubmitted(event::AttemptSubmitted {
            attempt_id: AttemptId::from_uuid(row.id),
            quiz_id: QuizId::from_uuid(row.quiz_id),
            course_id: CourseId::from_uuid(row.course_id),
            user_id: UserId::from_uuid(row.user_id),
            submitted_at: rfc3339(now),
            auto_submitted: auto,
        });
        outbox::emit(tx, &submitted).await?;
    }
    settle(tx, &row, None).await?;
    fetch(
        tx,
        QuizId::from_uuid(row.quiz_id),
        AttemptId::from_uuid(row.id),
        false,
    )
    .await
}

/// Gives a submitted attempt its final score once no answer waits for a teacher: the sum of its
/// answers' points, or `overridden` (a teacher's score with its reason). Writes
/// `quiz.attempt.graded`. An attempt with an essay still pending stays `submitted`.
pub(super) async fn settle(
    tx: &mut TenantTx,
    row: &AttemptRow,
    overridden: Option<(f64, &str)>,
) -> Result<(), ServiceError> {
    let totals = sqlx::query!(
        r#"select coalesce(sum(points), 0)::float8 as "points!", bool_or(result = 'pending') as pending
           from quiz_answer where tenant_id = $1 and attempt_id = $2"#,
        tx.tenant().as_uuid(),
        row.id
    )
    .fetch_one(&mut **tx)
    .await?;
    if totals.pending == Some(true) && overridden.is_none() {
        return Ok(());
    }
    let points = quiz::round2(totals.points);
    let passing = sqlx::query_scalar!(
        "select passing_score from quiz where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.quiz_id
    )
    .fetch_one(&mut **tx)
    .await?;
    let score = overridden.map_or_else(|| quiz::score(points, row.max_points), |(s, _)| s);
    let passed = score >= f64::from(passing);
    sqlx::query!(
        "update quiz_attempt set status = 'graded', points = $3, score = $4, passed = $5, graded_at = $6,
             override_reason = coalesce($7, override_reason)
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.id,
        points,
        score,
        passed,
        tx.now(),
        overridden.map(|(_, reason)| reason),
    )
    .execute(&mut **tx)
    .await?;
    if !row.preview {
        let graded = DomainEvent::AttemptGraded(event::AttemptGraded {
            attempt_id: AttemptId::from_uuid(row.id),
            quiz_id: QuizId::from_uuid(row.quiz_id),
            course_id: CourseId::from_uuid(row.course_id),
            user_id: UserId::from_uuid(row.user_id),
            score,
            passed,
            points,
            max_points: row.max_points,
        });
        outbox::emit(tx, &graded).await?;
        if passed {
            let (course, user) = (
                CourseId::from_uuid(row.course_id),
                UserId::from_uuid(row.user_id),
            );
            crate::completion::settle_in(tx, course, user).await?;
        }
    }
    Ok(())
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
        Saved::Attempt(view) => Ok(*view),
        // A fresh attempt has its whole time ahead of it.
        Saved::Expired => Err(ServiceError::conflict(
            ErrorCode::AttemptTimerExpired,
            "Server-enforced timer elapsed.",
        )),
    }
}

/// Submits attempts whose deadline and grace have passed, up to `limit` per tenant, in every
/// tenant; answers how many it submitted. Several sweepers (one per server process) share the
/// work: each claims attempts with `FOR UPDATE SKIP LOCKED`, so none is submitted twice. The time
/// is the database's (or a test's manual clock), as for every attempt.
pub async fn sweep(store: &Store, limit: i64) -> Result<usize, ServiceError> {
    let now = match store.clock.fixed() {
        Some(now) => now,
        None => {
            sqlx::query_scalar!(r#"select now() as "now!""#)
                .fetch_one(&store.pool)
                .await?
        }
    };
    let cutoff = now - store.quiz_grace;
    // Across tenants, as the platform (the owning role, past row-level security): which tenants
    // have attempts due. Each is then submitted in its own tenant's transaction.
    let due = sqlx::query!(
        "select distinct tenant_id from quiz_attempt where status = 'in_progress' and deadline_at < $1",
        cutoff
    )
    .fetch_all(&store.pool)
    .await?;
    let mut submitted = 0;
    for tenant in due {
        let caller = Caller::system(
            domain::TenantId::from_uuid(tenant.tenant_id),
            "deadline-sweeper",
        );
        let mut tx = TenantTx::begin(store, &caller).await?;
        let ids = sqlx::query_scalar!(
            "select id from quiz_attempt
             where tenant_id = $1 and status = 'in_progress' and deadline_at < $2
             order by deadline_at limit $3
             for update skip locked",
            tx.tenant().as_uuid(),
            cutoff,
            limit
        )
        .fetch_all(&mut *tx)
        .await?;
        for id in ids {
            let quiz = sqlx::query_scalar!(
                "select quiz_id from quiz_attempt where tenant_id = $1 and id = $2",
                tx.tenant().as_uuid(),
                id
            )
            .fetch_one(&mut *tx)
            .await?;
            let row = fetch(
                &mut tx,
                QuizId::from_uuid(quiz),
                AttemptId::from_uuid(id),
                true,
            )
            .await?;
            submit_row(&mut tx, row, true).await?;
            submitted += 1;
        }
        tx.commit().await?;
    }
    Ok(submitted)
}
