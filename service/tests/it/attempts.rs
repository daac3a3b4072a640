//! Attempts with the manual clock: the server's deadline and its grace, the sweeper, one attempt
//! in progress, revisions against stale tabs, the rules for starting, and grading at submission.

use crate::common::*;
use crate::quizzes::{every_kind, quiz_form, world, World};
use domain::attempt::{AnswerSave, AttemptView};
use domain::quiz::{AnswerResult, AttemptStatus, Response};
use domain::{AttemptId, QuestionId, QuizId, Role};
use service::quizzes::attempts::{self, DEFAULT_GRACE as GRACE};
use service::quizzes::questions::{self, QuestionForm};
use service::quizzes::{self, QuizForm, QuizInput};
use service::ServiceError;
use sqlx::PgPool;
use time::Duration;

/// A published quiz of one single-choice question and one numeric question (2 points), 20 minutes
/// long, two attempts at most.
async fn published_quiz(w: &World) -> QuizId {
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Timed"))
        .await
        .unwrap();
    let mut kinds = every_kind();
    questions::add(&w.teacher, &w.store, quiz.id, kinds.remove(0))
        .await
        .unwrap();
    questions::add(&w.teacher, &w.store, quiz.id, kinds.remove(3))
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    quiz.id
}

fn right_option(attempt: &AttemptView) -> AnswerSave {
    let question = &attempt.questions[0];
    let mean = question.options.iter().find(|o| o.text == "Mean").unwrap();
    AnswerSave::new(question.id, Response::SelectedOptionId(mean.id), None)
}

fn number(question: QuestionId, value: f64, revision: Option<i32>) -> AnswerSave {
    AnswerSave::new(question, Response::Number(value), revision)
}

async fn outbox(w: &World, event: &str) -> i64 {
    count(
        &w.store.pool,
        &format!("select count(*) from event_outbox where event_type = '{event}'"),
    )
    .await
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_server_clock_keeps_a_save_before_the_deadline_and_refuses_one_after(pool: PgPool) {
    let w = world(pool).await;
    let quiz = published_quiz(&w).await;
    let attempt = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap()
        .0;
    assert_eq!(attempt.remaining_ms, Some(20 * 60 * 1000));
    assert_eq!(attempt.server_now, attempt.started_at);

    w.store
        .clock
        .advance(Duration::minutes(20) - Duration::seconds(1));
    let saved = attempts::save(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![right_option(&attempt)],
        false,
    )
    .await
    .unwrap();
    assert_eq!(saved.remaining_ms, Some(1000));
    assert_eq!(saved.answers[0].revision, 1);

    // A second start returns the attempt in progress, with the time it has left.
    let (again, new) = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap();
    assert_eq!((again.id, again.answers.len(), new), (attempt.id, 1, false));

    w.store
        .clock
        .advance(Duration::seconds(1) + GRACE + Duration::seconds(1));
    let numeric = attempt.questions[1].id;
    let late = attempts::save(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![number(numeric, 3.0, None)],
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(late.code().as_str(), "quiz.attempt.timer_expired");
    assert_eq!(late.to_string(), "Server-enforced timer elapsed.");

    // Submitted with what was saved in time: the choice counts, the late number does not.
    let done = attempts::get(&w.student, &w.store, quiz, attempt.id)
        .await
        .unwrap();
    assert_eq!(
        (done.status, done.auto_submitted),
        (AttemptStatus::Graded, true)
    );
    assert_eq!(
        (done.points, done.max_points, done.score),
        (Some(1.0), 3.0, Some(33.33))
    );
    assert_eq!(done.passed, Some(false));
    let results: Vec<AnswerResult> = done.results.unwrap().iter().map(|r| r.result).collect();
    assert_eq!(results, [AnswerResult::Correct, AnswerResult::Incorrect]);
    assert_eq!(
        (
            outbox(&w, "quiz.attempt.submitted").await,
            outbox(&w, "quiz.attempt.graded").await
        ),
        (1, 1)
    );
}

/// Saves a number as the taking page does, and answers what the receipt says is stored.
async fn save_number(
    w: &World,
    quiz: QuizId,
    attempt: AttemptId,
    question: QuestionId,
    value: f64,
    revision: Option<i32>,
) -> (Option<f64>, i32) {
    let receipt = attempts::save_receipt(
        &w.student,
        &w.store,
        quiz,
        attempt,
        vec![number(question, value, revision)],
        false,
    )
    .await
    .unwrap();
    assert_eq!(receipt.status, AttemptStatus::InProgress);
    assert_eq!(
        receipt.answers.len(),
        1,
        "a receipt names the answers saved"
    );
    (receipt.answers[0].number, receipt.answers[0].revision)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_stale_tab_never_overwrites_a_newer_answer(pool: PgPool) {
    let w = world(pool).await;
    let quiz = published_quiz(&w).await;
    let attempt = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap()
        .0;
    let numeric = attempt.questions[1].id;

    let first = save_number(&w, quiz, attempt.id, numeric, 1.0, None).await;
    assert_eq!(first, (Some(1.0), 1));
    // Tab A saves on top of revision 1; tab B, still at revision 1, then saves an older thought.
    let newer = save_number(&w, quiz, attempt.id, numeric, 3.0, Some(1)).await;
    assert_eq!(newer, (Some(3.0), 2));
    let stale = save_number(&w, quiz, attempt.id, numeric, 2.0, Some(1)).await;
    assert_eq!(
        stale,
        (Some(3.0), 2),
        "the stored answer comes back instead"
    );
    // A replayed first answer (no revision) changes nothing either.
    let replay = save_number(&w, quiz, attempt.id, numeric, 1.0, None).await;
    assert_eq!(replay, (Some(3.0), 2));

    // The whole attempt (the /v1 reply) holds the same.
    w.store.clock.advance(Duration::minutes(5));
    let whole = attempts::save(&w.student, &w.store, quiz, attempt.id, vec![], false)
        .await
        .unwrap();
    assert_eq!(
        (whole.answers[0].number, whole.answers[0].revision),
        (Some(3.0), 2)
    );
    assert_eq!(whole.remaining_ms, Some(15 * 60 * 1000));

    let submitted = attempts::save_receipt(&w.student, &w.store, quiz, attempt.id, vec![], true)
        .await
        .unwrap();
    assert_eq!(
        (submitted.status, submitted.remaining_ms),
        (AttemptStatus::Graded, None)
    );
    let graded = attempts::get(&w.student, &w.store, quiz, attempt.id)
        .await
        .unwrap();
    assert_eq!(graded.points, Some(2.0));
    let after = attempts::save(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![number(numeric, 9.0, Some(2))],
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(after.code().as_str(), "quiz.attempt.submitted");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_sweeper_submits_abandoned_attempts_once(pool: PgPool) {
    let w = world(pool).await;
    let quiz = published_quiz(&w).await;
    let attempt = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap()
        .0;
    attempts::save(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![right_option(&attempt)],
        false,
    )
    .await
    .unwrap();

    assert_eq!(
        attempts::sweep(&w.store, 100).await.unwrap(),
        0,
        "not yet due"
    );
    w.store
        .clock
        .advance(Duration::minutes(20) + GRACE + Duration::seconds(1));
    let (a, b) = tokio::join!(
        attempts::sweep(&w.store, 100),
        attempts::sweep(&w.store, 100)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let swept = attempts::get(&w.teacher, &w.store, quiz, attempt.id)
        .await
        .unwrap();
    assert_eq!(
        (swept.status, swept.auto_submitted, swept.points),
        (AttemptStatus::Graded, true, Some(1.0))
    );
    assert_eq!(outbox(&w, "quiz.attempt.submitted").await, 1);
    assert_eq!(attempts::sweep(&w.store, 100).await.unwrap(), 0);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn starting_needs_an_enrolment_an_open_window_and_an_attempt_left(pool: PgPool) {
    let w = world(pool).await;
    let quiz = published_quiz(&w).await;
    let t = w.student.tenant_id;
    let stranger = caller(
        t,
        user(&w.store, t, Role::Student, "new@acme.test").await,
        Role::Student,
    );
    let error = attempts::start(&stranger, &w.store, quiz, false)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "enrollment.required");

    for _ in 0..2 {
        let attempt = attempts::start(&w.student, &w.store, quiz, false)
            .await
            .unwrap()
            .0;
        attempts::save(&w.student, &w.store, quiz, attempt.id, vec![], true)
            .await
            .unwrap();
    }
    let error = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "quiz.attempt.limit_reached");
    assert!(error.to_string().contains("all 2 attempts"), "{error}");
    // A teacher's preview never counts and is not limited.
    let preview = attempts::start(&w.teacher, &w.store, quiz, true)
        .await
        .unwrap()
        .0;
    assert!(preview.preview);
    assert!(matches!(
        attempts::start(&w.student, &w.store, quiz, true).await,
        Err(ServiceError::Forbidden)
    ));

    let closed = QuizInput::parse(QuizForm {
        max_attempts: Some(None),
        closes_at: Some(Some("2026-11-23T11:00:00Z".into())),
        ..QuizForm::default()
    })
    .unwrap();
    quizzes::update(&w.teacher, &w.store, quiz, closed)
        .await
        .unwrap();
    let error = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "quiz.closed");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn editing_a_question_leaves_a_submitted_result_as_it_was(pool: PgPool) {
    let w = world(pool).await;
    let quiz = published_quiz(&w).await;
    let attempt = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap()
        .0;
    let numeric = attempt.questions[1].id;
    let done = attempts::save(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![number(numeric, 3.0, None)],
        true,
    )
    .await
    .unwrap();
    assert_eq!(done.points, Some(2.0));

    let rekey = QuestionForm {
        value: Some(4.0),
        prompt: Some("The mean of 2, 4 and 6".into()),
        ..QuestionForm::default()
    };
    questions::update(&w.teacher, &w.store, numeric, rekey)
        .await
        .unwrap();
    let again = attempts::get(&w.student, &w.store, quiz, attempt.id)
        .await
        .unwrap();
    assert_eq!((again.points, again.score), (Some(2.0), Some(66.67)));
    assert_eq!(again.questions[1].prompt, "The mean of 1, 2 and 6");

    // Another learner's attempt is not found; the course's editors read it.
    let t = w.student.tenant_id;
    let other = caller(
        t,
        user(&w.store, t, Role::Student, "other@acme.test").await,
        Role::Student,
    );
    assert!(matches!(
        attempts::get(&other, &w.store, quiz, attempt.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        attempts::get(&w.outsider, &w.store, quiz, attempt.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(attempts::get(&w.teacher, &w.store, quiz, attempt.id)
        .await
        .is_ok());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_configured_grace_keeps_a_save_that_the_default_would_refuse(pool: PgPool) {
    let mut w = world(pool).await;
    w.store = w.store.clone().with_quiz_grace(Duration::seconds(30));
    let quiz = published_quiz(&w).await;
    let (attempt, _) = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap();
    let numeric = attempt.questions[1].id;
    w.store
        .clock
        .advance(Duration::minutes(20) + Duration::seconds(20));
    let late_but_kept = attempts::save(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![number(numeric, 3.0, None)],
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (late_but_kept.answers.len(), late_but_kept.remaining_ms),
        (1, Some(0))
    );
    assert_eq!(
        attempts::sweep(&w.store, 100).await.unwrap(),
        0,
        "still within the grace"
    );
    w.store.clock.advance(Duration::seconds(11));
    assert_eq!(attempts::sweep(&w.store, 100).await.unwrap(), 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_shuffled_attempt_shows_every_option_once_and_grades_by_id(pool: PgPool) {
    let w = world(pool).await;
    let mut input = quiz_form(w.course, "Shuffled");
    (input.shuffle_questions, input.shuffle_options) = (Some(true), Some(true));
    let quiz = quizzes::create(&w.teacher, &w.store, input).await.unwrap();
    let options: Vec<(&str, bool)> = vec![
        ("Mean", true),
        ("a", false),
        ("b", false),
        ("c", false),
        ("d", false),
        ("e", false),
    ];
    let question = crate::quizzes::choice("single_choice", &options);
    let authored = questions::add(&w.teacher, &w.store, quiz.id, question)
        .await
        .unwrap();
    questions::add(&w.teacher, &w.store, quiz.id, every_kind().remove(4))
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();

    let (attempt, _) = attempts::start(&w.student, &w.store, quiz.id, false)
        .await
        .unwrap();
    let shown = attempt
        .questions
        .iter()
        .find(|q| q.id == authored.id)
        .unwrap();
    let mut shown_ids: Vec<_> = shown.options.iter().map(|o| o.id).collect();
    let mut authored_ids: Vec<_> = authored.options.iter().map(|o| o.id).collect();
    shown_ids.sort();
    authored_ids.sort();
    assert_eq!(shown_ids, authored_ids);
    let mean = shown.options.iter().find(|o| o.text == "Mean").unwrap().id;
    let choice = AnswerSave::new(authored.id, Response::SelectedOptionId(mean), None);
    let done = attempts::save(
        &w.student,
        &w.store,
        quiz.id,
        attempt.id,
        vec![choice],
        true,
    )
    .await
    .unwrap();
    assert_eq!(done.points, Some(1.0));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_learners_two_starts_at_once_make_one_attempt_and_others_start_beside_them(pool: PgPool) {
    let w = world(pool).await;
    let quiz = published_quiz(&w).await;
    let t = w.student.tenant_id;
    let classmate_id = user(&w.store, t, Role::Student, "two@acme.test").await;
    let classmate = caller(t, classmate_id, Role::Student);
    service::enrollments::enroll(
        &w.teacher,
        &w.store,
        w.course,
        service::enrollments::Learner::Id(classmate_id),
    )
    .await
    .unwrap();
    let (a, b, c) = tokio::join!(
        attempts::start(&w.student, &w.store, quiz, false),
        attempts::start(&w.student, &w.store, quiz, false),
        attempts::start(&classmate, &w.store, quiz, false),
    );
    let ((a, a_new), (b, b_new), (c, c_new)) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(a.id, b.id, "one attempt for the learner");
    assert!(a_new != b_new, "one of the two made it");
    assert!(c_new && c.id != a.id);
}
