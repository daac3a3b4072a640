//! Submitting: grading an attempt with the answers it holds, its final score once nothing waits
//! for a teacher, and the sweeper that submits attempts left open past their deadline.

use domain::event::{self, DomainEvent};
use domain::quiz::{self, AnswerResult};
use domain::{AttemptId, CourseId, QuizId, UserId};
use uuid::Uuid;

use super::attempts::{answers, fetch, response_of, AttemptRow};
use super::snapshots;
use crate::db::TenantTx;
use crate::users::rfc3339;
use crate::{outbox, Caller, ServiceError, Store};

/// The grades of an attempt's questions, as columns for one statement.
#[derive(Default)]
struct Grades {
    questions: Vec<Uuid>,
    results: Vec<String>,
    points: Vec<Option<f64>>,
}

/// Grades and submits a locked attempt in progress, with the answers it holds; writes the events.
pub(super) async fn submit_row(
    tx: &mut TenantTx,
    row: AttemptRow,
    auto: bool,
) -> Result<AttemptRow, ServiceError> {
    let snapshot = snapshots::of(tx, row.id).await?;
    let stored = answers(tx, row.id).await?;
    let mut graded = Grades::default();
    for question in snapshot.iter() {
        let response = stored
            .iter()
            .find(|a| a.question_id == question.id.as_uuid())
            .and_then(|a| response_of(a.response.clone()));
        let grade = quiz::grade(&question.key, f64::from(question.points), response.as_ref());
        graded.questions.push(question.id.as_uuid());
        graded.results.push(grade.result.as_str().to_string());
        graded
            .points
            .push((grade.result != AnswerResult::Pending).then_some(grade.points));
    }
    // One statement for every question: a whole exam submits at its deadline at once.
    sqlx::query!(
        "insert into quiz_answer (tenant_id, attempt_id, question_id, result, points)
         select $1, $2, question_id, result, points
           from unnest($3::uuid[], $4::text[], $5::float8[]) as g(question_id, result, points)
         on conflict (tenant_id, attempt_id, question_id) do update
             set result = excluded.result, points = excluded.points",
        tx.tenant().as_uuid(),
        row.id,
        &graded.questions,
        &graded.results,
        &graded.points as &[Option<f64>],
    )
    .execute(&mut **tx)
    .await?;
    let now = tx.now();
    // A paused attempt is submitted only by a teacher's terminate: it ends unpaused.
    sqlx::query!(
        "update quiz_attempt set status = 'submitted', submitted_at = $3, auto_submitted = $4,
                                 paused_at = null
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        row.id,
        now,
        auto,
    )
    .execute(&mut **tx)
    .await?;
    let answered = stored.iter().filter(|a| a.response.is_some()).count();
    crate::proctoring::sessions::close_in(tx, row.id, row.started_at, answered).await?;
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
    // What was just graded is every answer the attempt holds.
    let totals = Totals {
        points: graded.points.iter().flatten().sum(),
        pending: graded
            .results
            .iter()
            .any(|r| r == AnswerResult::Pending.as_str()),
    };
    settle(tx, &row, totals, None).await?;
    fetch(
        tx,
        QuizId::from_uuid(row.quiz_id),
        AttemptId::from_uuid(row.id),
        false,
    )
    .await
}

/// An attempt's points so far, and whether an answer waits for a teacher.
pub(super) struct Totals {
    pub(super) points: f64,
    pub(super) pending: bool,
}

/// The [`Totals`] of the answers an attempt holds.
pub(super) async fn totals(tx: &mut TenantTx, attempt: Uuid) -> Result<Totals, ServiceError> {
    let row = sqlx::query!(
        r#"select coalesce(sum(points), 0)::float8 as "points!", bool_or(result = 'pending') as pending
           from quiz_answer where tenant_id = $1 and attempt_id = $2"#,
        tx.tenant().as_uuid(),
        attempt
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Totals {
        points: row.points,
        pending: row.pending == Some(true),
    })
}

/// Gives a submitted attempt its final score once no answer waits for a teacher: the sum of its
/// answers' points, or `overridden` (a teacher's score with its reason). Writes
/// `quiz.attempt.graded`. An attempt with an essay still pending stays `submitted`.
pub(super) async fn settle(
    tx: &mut TenantTx,
    row: &AttemptRow,
    totals: Totals,
    overridden: Option<(f64, &str)>,
) -> Result<(), ServiceError> {
    if totals.pending && overridden.is_none() {
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
        "select distinct tenant_id from quiz_attempt
         where status = 'in_progress' and deadline_at < $1 and paused_at is null",
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
             where tenant_id = $1 and status = 'in_progress' and deadline_at < $2 and paused_at is null
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
