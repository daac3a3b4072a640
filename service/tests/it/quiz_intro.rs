//! What a learner sees around an attempt: the quiz's intro (attempts used and left, the one in
//! progress) and the right answers, which a submitted attempt shows only as the quiz allows.

use crate::quizzes::{every_kind, quiz_form, world, World};
use domain::attempt::AttemptView;
use domain::quiz::AttemptStatus;
use domain::QuizId;
use service::quizzes::attempts;
use service::quizzes::questions;
use service::quizzes::{self, QuizForm, QuizInput};
use sqlx::PgPool;
use time::Duration;

async fn quiz_showing(w: &World, show_answers: &str, closes_at: Option<&str>) -> QuizId {
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Shown"))
        .await
        .unwrap();
    questions::add(&w.teacher, &w.store, quiz.id, every_kind().remove(0))
        .await
        .unwrap();
    let settings = QuizInput::parse(QuizForm {
        show_answers: Some(show_answers.into()),
        closes_at: Some(closes_at.map(str::to_string)),
        ..QuizForm::default()
    })
    .unwrap();
    quizzes::update(&w.teacher, &w.store, quiz.id, settings)
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    quiz.id
}

async fn submitted(w: &World, quiz: QuizId) -> AttemptView {
    let attempt = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap()
        .0;
    attempts::save(&w.student, &w.store, quiz, attempt.id, vec![], true)
        .await
        .unwrap()
}

fn reveals(attempt: &AttemptView) -> bool {
    let results = attempt
        .results
        .as_ref()
        .expect("a submitted attempt has results");
    results.iter().all(|r| r.correct_answer.is_some())
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_intro_counts_attempts_and_points_at_the_one_in_progress(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quiz_showing(&w, "after_attempt", None).await;
    let intro = quizzes::intro(&w.student, &w.store, quiz).await.unwrap();
    assert_eq!((intro.attempts_used, intro.attempts_left), (0, Some(2)));
    assert!(intro.enrolled && intro.open && !intro.can_edit);
    assert_eq!(intro.quiz.question_count, 1);

    let first = submitted(&w, quiz).await;
    let running = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap()
        .0;
    // A teacher's preview is theirs alone and never counts.
    attempts::start(&w.teacher, &w.store, quiz, true)
        .await
        .unwrap();
    let intro = quizzes::intro(&w.student, &w.store, quiz).await.unwrap();
    assert_eq!((intro.attempts_used, intro.attempts_left), (2, Some(0)));
    assert_eq!(intro.in_progress, Some(running.id));
    let ids: Vec<_> = intro.attempts.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![running.id, first.id], "newest first");
    assert_eq!(
        intro.attempts[1].status,
        AttemptStatus::Graded,
        "no essay: graded at once"
    );

    let teacher = quizzes::intro(&w.teacher, &w.store, quiz).await.unwrap();
    assert!(teacher.can_edit && !teacher.enrolled);
    assert_eq!(teacher.attempts_used, 0);
    let outsider = quizzes::intro(&w.outsider, &w.store, quiz).await;
    assert!(matches!(outsider, Err(service::ServiceError::NotFound)));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn right_answers_show_after_the_attempt_after_the_close_or_never(pool: PgPool) {
    let w = world(pool).await;
    let after_attempt = quiz_showing(&w, "after_attempt", None).await;
    assert!(reveals(&submitted(&w, after_attempt).await));

    let never = quiz_showing(&w, "never", None).await;
    let attempt = submitted(&w, never).await;
    assert!(!reveals(&attempt));
    assert!(attempt.results.as_ref().unwrap()[0]
        .correct_answer
        .is_none());
    let staff = attempts::get(&w.teacher, &w.store, never, attempt.id)
        .await
        .unwrap();
    assert!(reveals(&staff), "the course's editors always see them");

    // The manual clock stands at 2026-11-23 12:00.
    let after_close = quiz_showing(&w, "after_close", Some("2026-11-23T13:00:00Z")).await;
    let attempt = submitted(&w, after_close).await;
    assert!(!reveals(&attempt));
    w.store.clock.advance(Duration::hours(2));
    let later = attempts::get(&w.student, &w.store, after_close, attempt.id)
        .await
        .unwrap();
    assert!(reveals(&later));
}
