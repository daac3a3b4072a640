//! Quizzes of a course: their settings, publishing, and who may see what. Questions are in
//! [`questions`].
//!
//! A quiz is seen by whoever sees its course, except that drafts are for the course's editors.
//! Questions with their answer keys have one rule, [`QuizAccess::reads_answer_key`]: the course's
//! editors; learners meet questions only inside an attempt.

pub mod attempts;
pub mod control;
pub mod grading;
mod intro;
pub mod questions;
mod saving;
pub mod snapshots;
mod submitting;

pub use intro::{intro, intro_in};

use domain::dto::Page;
use domain::proctoring::ProctoringMode;
use domain::quiz::{QuizStatus, QuizView, ShowAnswers};
use domain::{AuditAction, CourseId, ErrorCode, QuizId};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::courses::access::{self, check_version, CourseAccess};
use crate::courses::render;
use crate::db::{in_tx, new_id, TenantTx};
use crate::paging::Window;
use crate::users::rfc3339;
use crate::{audit, Caller, ServiceError, Store};
pub use domain::quiz_input::{QuizForm, QuizInput};

pub const DEFAULT_PER_PAGE: u32 = 20;

/// What the caller may do with one quiz: its course's access and the quiz's own row.
pub struct QuizAccess {
    pub course: CourseAccess,
    pub quiz: QuizRow,
}

impl QuizAccess {
    /// The one rule for questions with their answers, on every path: the course's editors.
    pub fn reads_answer_key(&self) -> bool {
        self.course.can_edit
    }

    pub fn id(&self) -> QuizId {
        QuizId::from_uuid(self.quiz.id)
    }
}

/// A quiz's row as every read selects it.
pub struct QuizRow {
    pub id: Uuid,
    pub course_id: Uuid,
    pub title: String,
    pub instructions: String,
    pub passing_score: i32,
    pub time_limit_minutes: Option<i32>,
    pub max_attempts: Option<i32>,
    pub opens_at: Option<OffsetDateTime>,
    pub closes_at: Option<OffsetDateTime>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub show_answers: String,
    pub proctoring: String,
    pub status: String,
    pub required_for_completion: bool,
    pub version: i32,
    pub question_count: i64,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl QuizRow {
    pub fn status(&self) -> Result<QuizStatus, ServiceError> {
        Ok(QuizStatus::parse("status", &self.status)?)
    }
}

async fn fetch_row(tx: &mut TenantTx, id: Uuid) -> Result<Option<QuizRow>, ServiceError> {
    Ok(sqlx::query_as!(
        QuizRow,
        r#"select q.id, q.course_id, q.title, q.instructions, q.passing_score, q.time_limit_minutes,
                  q.max_attempts, q.opens_at, q.closes_at, q.shuffle_questions, q.shuffle_options,
                  q.show_answers, q.proctoring, q.status, q.required_for_completion, q.version, q.published_at,
                  q.created_at, q.updated_at,
                  (select count(*) from quiz_question x where x.tenant_id = q.tenant_id and x.quiz_id = q.id) as "question_count!"
           from quiz q where q.tenant_id = $1 and q.id = $2"#,
        tx.tenant().as_uuid(),
        id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Loads what the caller may do with a quiz: not found when its course is hidden from them or it
/// is a draft they may not edit. `lock` holds the course row, as course edits do, so structural
/// changes to one course's quizzes run one at a time.
pub async fn access_in(
    tx: &mut TenantTx,
    id: QuizId,
    lock: bool,
) -> Result<QuizAccess, ServiceError> {
    let course = sqlx::query_scalar!(
        "select course_id from quiz where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let course = access::load(tx, CourseId::from_uuid(course), lock).await?;
    let quiz = fetch_row(tx, id.as_uuid())
        .await?
        .ok_or(ServiceError::NotFound)?;
    if quiz.status()? == QuizStatus::Draft && !course.can_edit {
        return Err(ServiceError::NotFound);
    }
    Ok(QuizAccess { course, quiz })
}

/// The course's editors only, checked after the role so a student learns nothing of the ids.
async fn edit_in(tx: &mut TenantTx, id: QuizId) -> Result<QuizAccess, ServiceError> {
    tx.caller().require_teacher()?;
    let access = access_in(tx, id, true).await?;
    access.course.require_edit()?;
    Ok(access)
}

pub(crate) async fn view(tx: &mut TenantTx, row: QuizRow) -> Result<QuizView, ServiceError> {
    let images = crate::tenants::image_hosts(tx).await?;
    view_with(row, &images)
}

/// The quiz as it crosses the wire, its instructions rendered with the tenant's image hosts.
fn view_with(row: QuizRow, images: &domain::ImageHosts) -> Result<QuizView, ServiceError> {
    Ok(QuizView {
        id: QuizId::from_uuid(row.id),
        course_id: CourseId::from_uuid(row.course_id),
        instructions_html: render::markdown(&row.instructions, images),
        status: QuizStatus::parse("status", &row.status)?,
        show_answers: ShowAnswers::parse("show_answers", &row.show_answers)?,
        proctoring: ProctoringMode::parse("proctoring", &row.proctoring)?,
        title: row.title,
        instructions: row.instructions,
        passing_score: row.passing_score,
        time_limit_minutes: row.time_limit_minutes,
        max_attempts: row.max_attempts,
        opens_at: row.opens_at.map(rfc3339),
        closes_at: row.closes_at.map(rfc3339),
        shuffle_questions: row.shuffle_questions,
        shuffle_options: row.shuffle_options,
        required_for_completion: row.required_for_completion,
        question_count: row.question_count,
        version: row.version,
        published_at: row.published_at.map(rfc3339),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
        questions: None,
    })
}

/// The quizzes of one course, or of every course the caller learns in or teaches; oldest first.
/// Drafts only for the course's editors (and, without a course, for teachers and admins).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    course: Option<CourseId>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<QuizView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx, course, page, per_page))
}

pub async fn list_in(
    tx: &mut TenantTx,
    course: Option<CourseId>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<QuizView>, ServiceError> {
    let window = Window::parse(page, per_page, DEFAULT_PER_PAGE)?;
    let (drafts, learner_only) = match course {
        Some(course) => {
            let access = access::load(tx, course, false).await?;
            (access.can_edit, false)
        }
        None => {
            let teaches = tx.caller().role.can_teach();
            (teaches, !teaches)
        }
    };
    let rows = sqlx::query!(
        r#"select q.id, q.course_id, q.title, q.instructions, q.passing_score, q.time_limit_minutes,
                  q.max_attempts, q.opens_at, q.closes_at, q.shuffle_questions, q.shuffle_options,
                  q.show_answers, q.proctoring, q.status, q.required_for_completion, q.version, q.published_at,
                  q.created_at, q.updated_at,
                  (select count(*) from quiz_question x where x.tenant_id = q.tenant_id and x.quiz_id = q.id) as "question_count!",
                  count(*) over () as "total!"
           from quiz q
           where q.tenant_id = $1
             and ($2::uuid is null or q.course_id = $2)
             and ($3 or q.status = 'published')
             and (not $4 or exists(select 1 from enrollment e join course c on c.tenant_id = e.tenant_id and c.id = e.course_id
                                   where e.tenant_id = q.tenant_id and e.course_id = q.course_id and e.user_id = $5
                                     and e.status <> 'withdrawn' and c.status <> 'draft'))
           order by q.created_at, q.id
           limit $6 offset $7"#,
        tx.tenant().as_uuid(),
        course.map(|c| c.as_uuid()),
        drafts,
        learner_only,
        tx.caller().user_id.map(|u| u.as_uuid()),
        window.limit(),
        window.offset(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let total = rows
        .first()
        .map_or(0, |r| u64::try_from(r.total).unwrap_or(0));
    let images = crate::tenants::image_hosts(tx).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let row = QuizRow {
                id: r.id,
                course_id: r.course_id,
                title: r.title,
                instructions: r.instructions,
                passing_score: r.passing_score,
                time_limit_minutes: r.time_limit_minutes,
                max_attempts: r.max_attempts,
                opens_at: r.opens_at,
                closes_at: r.closes_at,
                shuffle_questions: r.shuffle_questions,
                shuffle_options: r.shuffle_options,
                show_answers: r.show_answers,
                proctoring: r.proctoring,
                status: r.status,
                required_for_completion: r.required_for_completion,
                version: r.version,
                question_count: r.question_count,
                published_at: r.published_at,
                created_at: r.created_at,
                updated_at: r.updated_at,
            };
            view_with(row, &images)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(window.page(items, total))
}

/// Reads a quiz; its course's editors get the questions with their answers too.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn get(caller: &Caller, store: &Store, id: QuizId) -> Result<QuizView, ServiceError> {
    in_tx!(store, caller, |tx| get_in(tx, id))
}

pub async fn get_in(tx: &mut TenantTx, id: QuizId) -> Result<QuizView, ServiceError> {
    let access = access_in(tx, id, false).await?;
    let questions = if access.reads_answer_key() {
        Some(questions::list_in(tx, &access).await?)
    } else {
        None
    };
    let mut quiz = view(tx, access.quiz).await?;
    quiz.questions = questions;
    Ok(quiz)
}

/// Creates a draft quiz in a course the caller edits.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn create(
    caller: &Caller,
    store: &Store,
    input: QuizInput,
) -> Result<QuizView, ServiceError> {
    in_tx!(store, caller, |tx| create_in(tx, input))
}

pub async fn create_in(tx: &mut TenantTx, input: QuizInput) -> Result<QuizView, ServiceError> {
    tx.caller().require_teacher()?;
    let course = input.course_id.ok_or_else(|| {
        ServiceError::invalid("course_id", "Choose the course the quiz belongs to.")
    })?;
    let title = input
        .title
        .clone()
        .ok_or_else(|| ServiceError::invalid("title", "The title cannot be empty."))?;
    access::load(tx, course, true).await?.require_edit()?;
    let id = new_id();
    sqlx::query!(
        "insert into quiz (id, tenant_id, course_id, title, instructions, passing_score, time_limit_minutes,
                           max_attempts, opens_at, closes_at, shuffle_questions, shuffle_options,
                           show_answers, required_for_completion, proctoring)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        id,
        tx.tenant().as_uuid(),
        course.as_uuid(),
        title,
        input.instructions.clone().unwrap_or_default(),
        input.passing_score.unwrap_or(70),
        input.time_limit_minutes.flatten(),
        input.max_attempts.flatten(),
        input.opens_at.flatten(),
        input.closes_at.flatten(),
        input.shuffle_questions.unwrap_or(false),
        input.shuffle_options.unwrap_or(false),
        input.show_answers.unwrap_or(ShowAnswers::AfterAttempt).as_str(),
        input.required_for_completion.unwrap_or(false),
        input.proctoring.unwrap_or(ProctoringMode::Off).as_str(),
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "course_id": course, "title": title });
    audit::record_on(tx, AuditAction::QuizCreated, "quiz", id, data).await?;
    let row = fetch_row(tx, id).await?.ok_or(ServiceError::NotFound)?;
    view(tx, row).await
}

/// Changes a quiz's settings under optimistic concurrency; `course_id` cannot change.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn update(
    caller: &Caller,
    store: &Store,
    id: QuizId,
    input: QuizInput,
) -> Result<QuizView, ServiceError> {
    in_tx!(store, caller, |tx| update_in(tx, id, input))
}

pub async fn update_in(
    tx: &mut TenantTx,
    id: QuizId,
    input: QuizInput,
) -> Result<QuizView, ServiceError> {
    let access = edit_in(tx, id).await?;
    if input
        .course_id
        .is_some_and(|c| c.as_uuid() != access.quiz.course_id)
    {
        return Err(ServiceError::invalid(
            "course_id",
            "A quiz stays in its course.",
        ));
    }
    check_version(input.version, access.quiz.version, "quiz")?;
    let opens_at = input.opens_at.unwrap_or(access.quiz.opens_at);
    let closes_at = input.closes_at.unwrap_or(access.quiz.closes_at);
    if let (Some(opens), Some(closes)) = (opens_at, closes_at) {
        if opens >= closes {
            return Err(ServiceError::invalid(
                "closes_at",
                "The quiz must close after it opens.",
            ));
        }
    }
    sqlx::query!(
        "update quiz set
             title = coalesce($3, title), instructions = coalesce($4, instructions),
             passing_score = coalesce($5, passing_score),
             time_limit_minutes = case when $6 then $7 else time_limit_minutes end,
             max_attempts = case when $8 then $9 else max_attempts end,
             opens_at = $10, closes_at = $11,
             shuffle_questions = coalesce($12, shuffle_questions),
             shuffle_options = coalesce($13, shuffle_options),
             show_answers = coalesce($14, show_answers),
             required_for_completion = coalesce($15, required_for_completion),
             proctoring = coalesce($16, proctoring),
             version = version + 1
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        input.title,
        input.instructions,
        input.passing_score,
        input.time_limit_minutes.is_some(),
        input.time_limit_minutes.flatten(),
        input.max_attempts.is_some(),
        input.max_attempts.flatten(),
        opens_at,
        closes_at,
        input.shuffle_questions,
        input.shuffle_options,
        input.show_answers.map(ShowAnswers::as_str),
        input.required_for_completion,
        input.proctoring.map(ProctoringMode::as_str),
    )
    .execute(&mut **tx)
    .await?;
    let row = fetch_row(tx, id.as_uuid())
        .await?
        .ok_or(ServiceError::NotFound)?;
    let data = json!({ "title": row.title, "version": row.version });
    audit::record_on(tx, AuditAction::QuizUpdated, "quiz", id.as_uuid(), data).await?;
    view(tx, row).await
}

/// Publishes a quiz with at least one question; learners may then start it within its window.
pub async fn publish(
    caller: &Caller,
    store: &Store,
    id: QuizId,
    version: Option<i32>,
) -> Result<QuizView, ServiceError> {
    set_status(caller, store, id, QuizStatus::Published, version).await
}

/// Takes a quiz back to draft: nobody starts it any more, and attempts in progress run to their end.
pub async fn unpublish(
    caller: &Caller,
    store: &Store,
    id: QuizId,
    version: Option<i32>,
) -> Result<QuizView, ServiceError> {
    set_status(caller, store, id, QuizStatus::Draft, version).await
}

#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn set_status(
    caller: &Caller,
    store: &Store,
    id: QuizId,
    status: QuizStatus,
    version: Option<i32>,
) -> Result<QuizView, ServiceError> {
    in_tx!(store, caller, |tx| set_status_in(tx, id, status, version))
}

/// Publishes a quiz or takes it back to draft, audited; publishing needs a question.
pub async fn set_status_in(
    tx: &mut TenantTx,
    id: QuizId,
    status: QuizStatus,
    version: Option<i32>,
) -> Result<QuizView, ServiceError> {
    let access = edit_in(tx, id).await?;
    check_version(version, access.quiz.version, "quiz")?;
    if status == QuizStatus::Published && access.quiz.question_count == 0 {
        return Err(ServiceError::conflict(
            ErrorCode::QuizHasNoQuestions,
            "Add at least one question before publishing this quiz.",
        ));
    }
    sqlx::query!(
        "update quiz set status = $3, version = version + 1,
             published_at = case when $3 = 'published' then coalesce(published_at, $4) else published_at end
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        status.as_str(),
        tx.now()
    )
    .execute(&mut **tx)
    .await?;
    let action = match status {
        QuizStatus::Published => AuditAction::QuizPublished,
        QuizStatus::Draft => AuditAction::QuizUnpublished,
    };
    let data = json!({ "title": access.quiz.title });
    audit::record_on(tx, action, "quiz", id.as_uuid(), data).await?;
    let row = fetch_row(tx, id.as_uuid())
        .await?
        .ok_or(ServiceError::NotFound)?;
    view(tx, row).await
}

/// Deletes a quiz with its questions and attempts.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn delete(
    caller: &Caller,
    store: &Store,
    id: QuizId,
    version: Option<i32>,
) -> Result<(), ServiceError> {
    in_tx!(store, caller, |tx| delete_in(tx, id, version))
}

pub async fn delete_in(
    tx: &mut TenantTx,
    id: QuizId,
    version: Option<i32>,
) -> Result<(), ServiceError> {
    let access = edit_in(tx, id).await?;
    check_version(version, access.quiz.version, "quiz")?;
    sqlx::query!(
        "delete from quiz where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "title": access.quiz.title, "course_id": CourseId::from_uuid(access.quiz.course_id) });
    audit::record_on(tx, AuditAction::QuizDeleted, "quiz", id.as_uuid(), data).await
}
