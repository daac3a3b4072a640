//! Attempts: started, saved answer by answer under a revision, submitted and graded, with the
//! server's time as the only clock. An attempt holds its questions as it showed them, so editing
//! the quiz later never changes a result.
//!
//! A save or submit that arrives after the deadline plus the grace ([`DEFAULT_GRACE`] unless the
//! store is configured otherwise) is refused with
//! `quiz.attempt.timer_expired`, and the attempt is submitted with what was saved before; an
//! attempt nobody comes back to is submitted by [`sweep`].

use domain::attempt::{
    AnswerView, AttemptClock, AttemptView, CorrectAnswer, QuestionResult, SnapshotQuestion,
};
use domain::proctoring::ProctoringMode;
use domain::quiz::{AnswerResult, AttemptStatus, QuizStatus, Response, ShowAnswers};
use domain::{AttemptId, ErrorCode, QuizId, UserId};
use rand::seq::SliceRandom;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{access_in, questions, snapshots, QuizAccess};
use crate::db::{in_tx, new_id, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

pub use super::saving::{save, save_receipt, submit_once, submit_once_in};
pub use super::submitting::sweep;
pub(super) use super::submitting::{settle, submit_row, totals};

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
    pub(super) started_at: OffsetDateTime,
    pub(super) deadline_at: Option<OffsetDateTime>,
    pub(super) submitted_at: Option<OffsetDateTime>,
    pub(super) auto_submitted: bool,
    pub(super) points: Option<f64>,
    pub(super) max_points: f64,
    pub(super) score: Option<f64>,
    pub(super) passed: Option<bool>,
    pub(super) paused_at: Option<OffsetDateTime>,
}

impl AttemptRow {
    pub(super) fn status(&self) -> Result<AttemptStatus, ServiceError> {
        Ok(AttemptStatus::parse("status", &self.status)?)
    }

    /// Past the deadline and its grace at `now`; a paused attempt's clock stands still.
    pub(super) fn expired(&self, now: OffsetDateTime, grace: Duration) -> bool {
        self.paused_at.is_none()
            && self
                .deadline_at
                .is_some_and(|deadline| now > deadline + grace)
    }

    /// The time left at `now`, or at the pause while paused.
    pub(super) fn remaining_ms(&self, now: OffsetDateTime) -> Result<Option<i64>, ServiceError> {
        Ok(remaining_ms(
            self.status()?,
            self.deadline_at,
            self.paused_at,
            now,
        ))
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
pub(super) async fn learner(tx: &mut TenantTx) -> Result<UserId, ServiceError> {
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
/// Whether the learner may take the course's quizzes. Locks their enrollment row, so that one
/// learner's concurrent starts follow one another without holding up the course's other learners
/// (locking the course row made a whole exam's starts queue behind each other).
async fn lock_enrollment(
    tx: &mut TenantTx,
    course: Uuid,
    user: UserId,
) -> Result<bool, ServiceError> {
    let status = sqlx::query_scalar!(
        "select status from enrollment where tenant_id = $1 and course_id = $2 and user_id = $3
         for no key update",
        tx.tenant().as_uuid(),
        course,
        user.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(matches!(status.as_deref(), Some("active" | "completed")))
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
            "select id, quiz_id, course_id, user_id, preview, status, started_at, deadline_at,
                    submitted_at, auto_submitted, points, max_points, score, passed, paused_at
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
            "select id, quiz_id, course_id, user_id, preview, status, started_at, deadline_at,
                    submitted_at, auto_submitted, points, max_points, score, passed, paused_at
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

pub(super) fn response_of(value: Option<serde_json::Value>) -> Option<Response> {
    value.and_then(|v| serde_json::from_value(v).ok())
}

pub(super) async fn view(tx: &mut TenantTx, row: AttemptRow) -> Result<AttemptView, ServiceError> {
    let now = tx.now();
    let snapshot = snapshots::of(tx, row.id).await?;
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
    let remaining_ms = row.remaining_ms(now)?;
    let proctoring = crate::proctoring::mode_of(tx, row.id).await?;
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
        paused: row.paused_at.is_some(),
        proctoring,
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

/// The time left to an attempt in progress with a deadline, never below zero: at `now`, or at
/// `paused_at` while a teacher has it paused (its clock stands still).
pub(crate) fn remaining_ms(
    status: AttemptStatus,
    deadline: Option<OffsetDateTime>,
    paused_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Option<i64> {
    let at = paused_at.unwrap_or(now);
    match (status, deadline) {
        (AttemptStatus::InProgress, Some(deadline)) => {
            Some(i64::try_from((deadline - at).whole_milliseconds().max(0)).unwrap_or(0))
        }
        _ => None,
    }
}

/// Starts an attempt, or answers the one in progress; says whether the attempt is new. Only the
/// course's active learners start a published quiz, within its window and its number of attempts;
/// the course's editors may start a preview instead, which never counts.
pub async fn start(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    preview: bool,
) -> Result<(AttemptView, bool), ServiceError> {
    let options = StartOptions {
        preview,
        accepts_rules: false,
    };
    start_with(caller, store, quiz, options).await
}

/// How an attempt starts: as a teacher's preview, and whether the learner accepted a strict
/// quiz's proctoring rules (which it needs).
#[derive(Debug, Clone, Copy, Default)]
pub struct StartOptions {
    pub preview: bool,
    pub accepts_rules: bool,
}

/// [`start`] with the learner's acceptance of a strict quiz's rules.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn start_with(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    options: StartOptions,
) -> Result<(AttemptView, bool), ServiceError> {
    in_tx!(store, caller, |tx| start_with_in(
        tx,
        quiz,
        options,
        store.quiz_grace
    ))
}

pub async fn start_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    preview: bool,
    grace: Duration,
) -> Result<(AttemptView, bool), ServiceError> {
    let options = StartOptions {
        preview,
        accepts_rules: false,
    };
    start_with_in(tx, quiz, options, grace).await
}

pub async fn start_with_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    options: StartOptions,
    grace: Duration,
) -> Result<(AttemptView, bool), ServiceError> {
    let preview = options.preview;
    if preview {
        tx.caller().require_teacher()?;
    }
    let user = learner(tx).await?;
    // A preview holds the course row (a teacher's previews follow one another); a learner's start
    // holds their enrollment row below.
    let access = access_in(tx, quiz, preview).await?;
    let now = tx.now();
    if preview {
        access.course.require_edit()?;
    } else {
        if !lock_enrollment(tx, access.quiz.course_id, user).await? {
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
    // A preview is the teacher's own look at the quiz: never proctored.
    let proctoring = if preview {
        ProctoringMode::Off
    } else {
        ProctoringMode::parse("proctoring", &access.quiz.proctoring)?
    };
    if proctoring == ProctoringMode::Strict && !options.accepts_rules {
        return Err(ServiceError::conflict(
            ErrorCode::ProctoringRulesNotAccepted,
            "This quiz is proctored in strict mode: read its rules and accept them to start.",
        ));
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
    snapshots::remember(tx, id, snapshot.into());
    if proctoring != ProctoringMode::Off {
        let started = crate::proctoring::sessions::Opening {
            course: access.quiz.course_id,
            quiz: quiz.as_uuid(),
            attempt: id,
            user: user.as_uuid(),
            mode: proctoring,
        };
        crate::proctoring::sessions::open_in(tx, started).await?;
    }
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
        "select id, quiz_id, course_id, user_id, preview, status, started_at, deadline_at,
                submitted_at, auto_submitted, points, max_points, score, passed, paused_at
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

/// The clock of the caller's own attempt in progress (or its end), read without a lock: what the
/// taking page syncs its countdown with.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn clock(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    id: AttemptId,
) -> Result<AttemptClock, ServiceError> {
    in_tx!(store, caller, |tx| clock_in(tx, quiz, id))
}

pub async fn clock_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    id: AttemptId,
) -> Result<AttemptClock, ServiceError> {
    let user = learner(tx).await?;
    let row = fetch(tx, quiz, id, false).await?;
    if row.user_id != user.as_uuid() {
        return Err(ServiceError::NotFound);
    }
    let now = tx.now();
    Ok(AttemptClock {
        status: row.status()?,
        paused: row.paused_at.is_some(),
        server_now: rfc3339(now),
        remaining_ms: row.remaining_ms(now)?,
    })
}
