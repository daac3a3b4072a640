//! The live view's board and its signals: who is in with their time left (a pause included), the
//! latest incidents, a signal for each change once it commits, and nobody else's quizzes.

use crate::proctoring::{event, proctored_quiz, start};
use crate::proctoring_control::action;
use crate::quizzes::world;
use domain::proctoring::{ControlAction, IncidentKind, ProctoringMode};
use domain::ErrorCode;
use service::proctoring::{self, live};
use service::quizzes::control::control;
use service::ServiceError;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::time::Duration as StdDuration;
use time::Duration;

/// The next signal on the live channel, within a few seconds.
async fn next_signal(listener: &mut PgListener) -> live::LiveSignal {
    let heard = tokio::time::timeout(StdDuration::from_secs(5), listener.recv())
        .await
        .expect("a signal within 5 s")
        .unwrap();
    live::LiveSignal::parse(heard.payload()).expect("a signal this version sends")
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_board_shows_who_is_in_with_time_left_and_the_latest_incidents(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Strict).await;
    let empty = live::board(&w.teacher, &w.store, quiz).await.unwrap();
    assert_eq!((empty.running.len(), empty.running_total), (0, 0));
    assert!(empty.recent.is_empty());

    let attempt = start(&w, &w.student, quiz).await;
    // Within the silence the rules allow, so the paste is the only incident.
    w.store.clock.advance(Duration::seconds(20));
    proctoring::ingest(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![event(0, "paste", 0)],
    )
    .await
    .unwrap();
    let board = live::board(&w.teacher, &w.store, quiz).await.unwrap();
    assert_eq!(board.running_total, 1);
    let running = &board.running[0];
    assert_eq!(running.attempt_id, attempt.id);
    assert_eq!(running.remaining_ms, Some(20 * 60 * 1000 - 20_000));
    assert!(running.risk_score > 0);
    assert_eq!(board.recent.len(), 1);
    assert_eq!(board.recent[0].incident.kind, IncidentKind::Paste);
    assert_eq!(board.recent[0].attempt_id, attempt.id);

    // A paused attempt's time stands still on the board as on the learner's page.
    let pause = action(ControlAction::Pause, None);
    control(&w.teacher, &w.store, quiz, attempt.id, pause)
        .await
        .unwrap();
    w.store.clock.advance(Duration::seconds(60));
    let board = live::board(&w.teacher, &w.store, quiz).await.unwrap();
    assert!(board.running[0].paused);
    assert_eq!(board.running[0].remaining_ms, Some(20 * 60 * 1000 - 20_000));

    // Submitted, it leaves the board; its incident stays among the latest.
    let terminate = action(ControlAction::Terminate, None);
    control(&w.teacher, &w.store, quiz, attempt.id, terminate)
        .await
        .unwrap();
    let board = live::board(&w.teacher, &w.store, quiz).await.unwrap();
    assert_eq!(board.running_total, 0);
    assert_eq!(board.recent.len(), 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_the_courses_editors_watch_a_quiz(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    live::watch(&w.teacher, &w.store, quiz).await.unwrap();
    // The role is checked before anything is looked up.
    let student = live::board(&w.student, &w.store, quiz).await.unwrap_err();
    assert_eq!(student.code(), ErrorCode::Forbidden);
    let student = live::watch(&w.student, &w.store, quiz).await.unwrap_err();
    assert_eq!(student.code(), ErrorCode::Forbidden);
    // Another tenant's teacher finds nothing there.
    assert!(matches!(
        live::board(&w.outsider, &w.store, quiz).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        live::watch(&w.outsider, &w.store, quiz).await,
        Err(ServiceError::NotFound)
    ));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn each_change_signals_its_quiz_once_committed(pool: PgPool) {
    let w = world(pool.clone()).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Strict).await;
    let mut listener = PgListener::connect_with(&pool).await.unwrap();
    listener.listen(live::CHANNEL).await.unwrap();

    let attempt = start(&w, &w.student, quiz).await;
    let started = next_signal(&mut listener).await;
    assert_eq!(
        (started.tenant, started.quiz, started.incident),
        (w.teacher.tenant_id, quiz, None)
    );

    proctoring::ingest(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![event(0, "paste", 0)],
    )
    .await
    .unwrap();
    let flagged = next_signal(&mut listener).await;
    let board = live::board(&w.teacher, &w.store, quiz).await.unwrap();
    assert_eq!(flagged.incident, Some(board.recent[0].incident.id));

    // A batch that raises nothing says nothing.
    proctoring::ingest(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![event(1, "copy", 0)],
    )
    .await
    .unwrap();
    let extend = action(ControlAction::Extend, Some(5));
    control(&w.teacher, &w.store, quiz, attempt.id, extend)
        .await
        .unwrap();
    let extended = next_signal(&mut listener).await;
    assert_eq!((extended.quiz, extended.incident), (quiz, None));

    // A refused change signals nothing.
    let refused = action(ControlAction::Resume, None);
    assert!(control(&w.teacher, &w.store, quiz, attempt.id, refused)
        .await
        .is_err());
    let quiet = tokio::time::timeout(StdDuration::from_millis(500), listener.recv()).await;
    assert!(quiet.is_err(), "a refused change signals nothing");
}
