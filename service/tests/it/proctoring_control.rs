//! A teacher's control of a running attempt, with the manual clock: pause stops the clock and
//! refuses saves, resume gives back exactly the time left, extend reaches the next save, terminate
//! submits, flag raises an incident; each audited and on the timeline.

use crate::common::*;
use crate::proctoring::{event, proctored_quiz, session_of, start};
use crate::quizzes::world;
use domain::proctoring::{AttemptControl, ControlAction, IncidentKind, ProctoringMode};
use domain::quiz::AttemptStatus;
use domain::ErrorCode;
use service::proctoring::{self, incidents, sessions};
use service::quizzes::attempts;
use service::quizzes::control::control;
use service::ServiceError;
use sqlx::PgPool;
use time::Duration;

pub(crate) fn action(action: ControlAction, minutes: Option<i32>) -> AttemptControl {
    AttemptControl {
        action,
        minutes,
        reason: "Fire drill in room 4".into(),
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_pause_stops_the_clock_refuses_saves_and_resuming_gives_the_time_back(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    w.store.clock.advance(Duration::minutes(5));
    let paused = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Pause, None),
    )
    .await
    .unwrap();
    assert!(paused.paused);
    assert_eq!(paused.remaining_ms, Some(15 * 60 * 1000));

    w.store.clock.advance(Duration::seconds(60));
    let save = attempts::save(&w.student, &w.store, quiz, attempt.id, Vec::new(), false).await;
    assert_eq!(save.unwrap_err().code(), ErrorCode::AttemptPaused);
    let clock = attempts::clock(&w.student, &w.store, quiz, attempt.id)
        .await
        .unwrap();
    assert!(clock.paused);
    assert_eq!(clock.remaining_ms, Some(15 * 60 * 1000));
    let ack = proctoring::ingest(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![event(0, "copy", 0)],
    )
    .await
    .unwrap();
    assert!(ack.paused);
    assert_eq!(ack.remaining_ms, Some(15 * 60 * 1000));

    // Past the original deadline while paused: the sweeper leaves it alone.
    w.store.clock.advance(Duration::minutes(20));
    assert_eq!(attempts::sweep(&w.store, 100).await.unwrap(), 0);
    let twice = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Pause, None),
    )
    .await;
    assert_eq!(twice.unwrap_err().code(), ErrorCode::AttemptPaused);

    let resumed = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Resume, None),
    )
    .await
    .unwrap();
    assert!(!resumed.paused);
    assert_eq!(resumed.remaining_ms, Some(15 * 60 * 1000));
    let saved = attempts::save(&w.student, &w.store, quiz, attempt.id, Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(saved.remaining_ms, Some(15 * 60 * 1000));
    let again = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Resume, None),
    )
    .await;
    assert_eq!(again.unwrap_err().code(), ErrorCode::AttemptNotPaused);

    let session = session_of(&w, &attempt).await;
    let events = sessions::events(&w.teacher, &w.store, session, None, None)
        .await
        .unwrap();
    let kinds: Vec<&str> = events
        .items
        .iter()
        .filter(|e| e.source == "server")
        .map(|e| e.kind.as_str())
        .collect();
    // The test's page sent nothing for six minutes: the server says so, at the last sign of life.
    assert_eq!(kinds, ["started", "heartbeat_missed", "paused", "resumed"]);
    assert_eq!(
        count(&w.store.pool, "select count(*) from audit_event where action in ('attempt.paused', 'attempt.resumed')").await,
        2
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn extra_time_reaches_the_next_save_and_terminating_submits_with_the_reason(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    let extended = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Extend, Some(5)),
    )
    .await
    .unwrap();
    assert_eq!(extended.remaining_ms, Some(25 * 60 * 1000));
    w.store.clock.advance(Duration::minutes(22));
    let saved = attempts::save_receipt(&w.student, &w.store, quiz, attempt.id, Vec::new(), false)
        .await
        .unwrap();
    assert_eq!(saved.remaining_ms, Some(3 * 60 * 1000));

    let no_minutes = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Extend, None),
    )
    .await;
    assert!(matches!(no_minutes, Err(ServiceError::Validation(_))));
    let by_student = control(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Terminate, None),
    )
    .await;
    assert!(matches!(by_student, Err(ServiceError::Forbidden)));
    let by_outsider = control(
        &w.outsider,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Terminate, None),
    )
    .await;
    assert!(matches!(by_outsider, Err(ServiceError::NotFound)));

    let flagged = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Flag, None),
    )
    .await
    .unwrap();
    assert_eq!(flagged.status, AttemptStatus::InProgress);
    let ended = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Terminate, None),
    )
    .await
    .unwrap();
    assert_ne!(ended.status, AttemptStatus::InProgress);
    assert!(ended.auto_submitted);
    assert_eq!(
        count(
            &w.store.pool,
            "select count(*) from quiz_attempt where terminated_reason = 'Fire drill in room 4'"
        )
        .await,
        1
    );
    let session = session_of(&w, &attempt).await;
    let raised = incidents::list(&w.teacher, &w.store, session)
        .await
        .unwrap();
    assert_eq!(raised[0].kind, IncidentKind::TeacherFlag);
    assert_eq!(raised[0].summary, "Fire drill in room 4");
    let view = sessions::get(&w.teacher, &w.store, session).await.unwrap();
    assert_eq!(view.status, domain::proctoring::SessionStatus::Closed);
    let late = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Extend, Some(5)),
    )
    .await;
    assert_eq!(late.unwrap_err().code(), ErrorCode::AttemptSubmitted);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_unproctored_attempt_can_be_extended_but_not_flagged(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Off).await;
    let attempt = start(&w, &w.student, quiz).await;
    assert_eq!(attempt.proctoring, ProctoringMode::Off);
    let flag = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Flag, None),
    )
    .await;
    assert_eq!(flag.unwrap_err().code(), ErrorCode::ProctoringNotProctored);
    let extended = control(
        &w.teacher,
        &w.store,
        quiz,
        attempt.id,
        action(ControlAction::Extend, Some(10)),
    )
    .await
    .unwrap();
    assert_eq!(extended.remaining_ms, Some(30 * 60 * 1000));
    let batch = proctoring::ingest(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![event(0, "copy", 0)],
    )
    .await;
    assert_eq!(
        batch.unwrap_err().code(),
        ErrorCode::ProctoringSessionNotFound
    );
}
