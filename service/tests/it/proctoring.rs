//! Proctoring sessions with the manual clock: ingestion (idempotent, ordered, bounded, the
//! learner's own), the rules that raise incidents and write the outbox, server signals, review,
//! tenant isolation and retention.

use crate::common::*;
use crate::quizzes::{every_kind, world, World};
use domain::attempt::AttemptView;
use domain::proctoring::{
    ClientEvent, IncidentKind, IncidentReview, IncidentStatus, ProctoringMode, ProctoringSettings,
};
use domain::{ErrorCode, ProctoringSessionId, QuizId, Role};
use service::enrollments::{self, Learner};
use service::proctoring::sessions::{self, SessionFilter};
use service::proctoring::{self, incidents};
use service::quizzes::attempts::{self, StartOptions};
use service::quizzes::questions;
use service::quizzes::{self, QuizForm, QuizInput};
use service::{Caller, ServiceError};
use sqlx::PgPool;
use time::Duration;

/// A published 20-minute quiz of two questions, proctored as `mode` says.
pub(crate) async fn proctored_quiz(w: &World, mode: ProctoringMode) -> QuizId {
    let input = QuizInput::parse_new(QuizForm {
        course_id: Some(w.course),
        title: Some("Proctored".into()),
        time_limit_minutes: Some(Some(20)),
        proctoring: Some(mode.as_str().into()),
        ..QuizForm::default()
    })
    .unwrap();
    let quiz = quizzes::create(&w.teacher, &w.store, input).await.unwrap();
    assert_eq!(quiz.proctoring, mode);
    let mut kinds = every_kind();
    for form in [kinds.remove(0), kinds.remove(3)] {
        questions::add(&w.teacher, &w.store, quiz.id, form)
            .await
            .unwrap();
    }
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    quiz.id
}

pub(crate) async fn start(w: &World, who: &Caller, quiz: QuizId) -> AttemptView {
    let options = StartOptions {
        preview: false,
        accepts_rules: true,
    };
    attempts::start_with(who, &w.store, quiz, options)
        .await
        .unwrap()
        .0
}

pub(crate) fn event(sequence: i64, kind: &str, age_ms: i64) -> ClientEvent {
    ClientEvent {
        sequence,
        kind: kind.into(),
        offset_ms: 10_000 + sequence * 1000,
        age_ms,
        data: None,
    }
}

pub(crate) async fn session_of(w: &World, attempt: &AttemptView) -> ProctoringSessionId {
    let filter = SessionFilter {
        quiz: Some(attempt.quiz_id),
        ..SessionFilter::default()
    };
    let page = sessions::list(&w.teacher, &w.store, filter).await.unwrap();
    page.items
        .iter()
        .find(|s| s.attempt_id == attempt.id)
        .map(|s| s.id)
        .unwrap()
}

fn code(error: ServiceError) -> ErrorCode {
    error.code()
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_strict_quiz_starts_only_once_its_rules_are_accepted(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Strict).await;
    let refused = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap_err();
    assert_eq!(code(refused), ErrorCode::ProctoringRulesNotAccepted);
    let attempt = start(&w, &w.student, quiz).await;
    assert_eq!(attempt.proctoring, ProctoringMode::Strict);
    let session = sessions::get(&w.teacher, &w.store, session_of(&w, &attempt).await)
        .await
        .unwrap();
    assert_eq!(
        session.rules_accepted_at.as_deref(),
        Some(attempt.started_at.as_str())
    );
    // A teacher's preview is never proctored.
    let preview = attempts::start(&w.teacher, &w.store, quiz, true)
        .await
        .unwrap()
        .0;
    assert_eq!(preview.proctoring, ProctoringMode::Off);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_batch_sent_twice_is_stored_once_and_late_batches_fall_into_sequence(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    w.store.clock.advance(Duration::seconds(30));
    // The second batch arrives first (the first was lost and is retried), ages and all.
    let later: Vec<ClientEvent> = (5..10)
        .map(|s| event(s, "window_blur", (9 - s) * 1000))
        .collect();
    let ack = proctoring::ingest(&w.student, &w.store, quiz, attempt.id, later.clone())
        .await
        .unwrap();
    assert_eq!((ack.accepted, ack.duplicates), (5, 0));
    assert_eq!(ack.remaining_ms, Some(19 * 60 * 1000 + 30_000));
    let earlier: Vec<ClientEvent> = (0..5)
        .map(|s| event(s, "window_focus", (14 - s) * 1000))
        .collect();
    proctoring::ingest(&w.student, &w.store, quiz, attempt.id, earlier)
        .await
        .unwrap();
    let again = proctoring::ingest(&w.student, &w.store, quiz, attempt.id, later)
        .await
        .unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 5));

    let session = session_of(&w, &attempt).await;
    let events = sessions::events(&w.teacher, &w.store, session, None, None)
        .await
        .unwrap();
    let client: Vec<i64> = events
        .items
        .iter()
        .filter(|e| e.source == "client")
        .map(|e| e.sequence)
        .collect();
    assert_eq!(client, (0..10).collect::<Vec<_>>());
    assert_eq!(events.items[0].kind, "started");
    assert_eq!(
        count(
            &w.store.pool,
            "select count(*) from proctoring_event where source = 'client'"
        )
        .await,
        10
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn batches_for_another_learner_a_finished_session_or_too_many_events_are_refused(
    pool: PgPool,
) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    let other = caller(
        w.student.tenant_id,
        user(
            &w.store,
            w.student.tenant_id,
            Role::Student,
            "other@acme.test",
        )
        .await,
        Role::Student,
    );
    enrollments::enroll(&other, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    let batch = vec![event(0, "copy", 0)];
    let theirs = proctoring::ingest(&other, &w.store, quiz, attempt.id, batch.clone()).await;
    assert_eq!(
        code(theirs.unwrap_err()),
        ErrorCode::ProctoringSessionNotFound
    );

    let too_many: Vec<ClientEvent> = (0..51).map(|s| event(s, "copy", 0)).collect();
    let large = proctoring::ingest(&w.student, &w.store, quiz, attempt.id, too_many).await;
    assert_eq!(code(large.unwrap_err()), ErrorCode::ProctoringBatchTooLarge);

    let malformed = vec![event(0, "webcam_off", 0), event(-1, "copy", 0)];
    let error = proctoring::ingest(&w.student, &w.store, quiz, attempt.id, malformed)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::ProctoringBatchMalformed);
    let fields: Vec<String> = error.details().into_iter().map(|d| d.field).collect();
    assert_eq!(fields, ["events[0].kind", "events[1].sequence"]);
    assert_eq!(
        count(
            &w.store.pool,
            "select count(*) from proctoring_event where source = 'client'"
        )
        .await,
        0
    );

    attempts::save(&w.student, &w.store, quiz, attempt.id, Vec::new(), true)
        .await
        .unwrap();
    let closed = proctoring::ingest(&w.student, &w.store, quiz, attempt.id, batch).await;
    assert_eq!(
        code(closed.unwrap_err()),
        ErrorCode::ProctoringSessionClosed
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn tab_switches_past_the_rule_and_a_paste_raise_incidents_that_reach_the_outbox(
    pool: PgPool,
) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Strict).await;
    let attempt = start(&w, &w.student, quiz).await;
    let three: Vec<ClientEvent> = (0..6)
        .map(|s| {
            event(
                s,
                if s % 2 == 0 {
                    "tab_hidden"
                } else {
                    "tab_visible"
                },
                0,
            )
        })
        .collect();
    proctoring::ingest(&w.student, &w.store, quiz, attempt.id, three)
        .await
        .unwrap();
    let session = session_of(&w, &attempt).await;
    assert!(incidents::list(&w.teacher, &w.store, session)
        .await
        .unwrap()
        .is_empty());

    let batch = vec![
        event(6, "tab_hidden", 0),
        event(7, "tab_visible", 0),
        event(8, "paste", 0),
    ];
    proctoring::ingest(&w.student, &w.store, quiz, attempt.id, batch)
        .await
        .unwrap();
    let raised = incidents::list(&w.teacher, &w.store, session)
        .await
        .unwrap();
    let kinds: Vec<IncidentKind> = raised.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [IncidentKind::TabSwitches, IncidentKind::Paste]);
    assert_eq!(raised[1].events[0].sequence, 8);
    assert_eq!(
        count(
            &w.store.pool,
            "select count(*) from event_outbox where event_type = 'proctoring.incident.flagged'"
        )
        .await,
        2
    );
    let view = sessions::get(&w.teacher, &w.store, session).await.unwrap();
    assert_eq!((view.risk_score, view.open_incidents), (3 + 10, 2));

    // A fifth switch raises nothing new: each rule fires once.
    let more = vec![event(9, "tab_hidden", 0)];
    proctoring::ingest(&w.student, &w.store, quiz, attempt.id, more)
        .await
        .unwrap();
    assert_eq!(
        incidents::list(&w.teacher, &w.store, session)
            .await
            .unwrap()
            .len(),
        2
    );

    let review = IncidentReview {
        status: IncidentStatus::Dismissed,
        comment: Some("Pasted their own notes by mistake; checked with them.".into()),
    };
    let refused = incidents::review(&w.student, &w.store, raised[1].id, review.clone()).await;
    assert!(matches!(refused, Err(ServiceError::Forbidden)));
    let reviewed = incidents::review(&w.teacher, &w.store, raised[1].id, review)
        .await
        .unwrap();
    assert_eq!(reviewed.status, IncidentStatus::Dismissed);
    assert_eq!(reviewed.reviewed_by, w.teacher.user_id);
    let view = sessions::get(&w.teacher, &w.store, session).await.unwrap();
    assert_eq!((view.risk_score, view.open_incidents), (3, 1));
    assert_eq!(
        count(
            &w.store.pool,
            "select count(*) from audit_event where action = 'proctoring.incident_reviewed'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_server_records_a_silent_page_a_new_address_and_full_screen_left_too_long(
    pool: PgPool,
) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Strict).await;
    let mut at_home = w.student.clone();
    at_home.ip = Some("198.51.100.4".parse().unwrap());
    let attempt = start(&w, &at_home, quiz).await;
    let exit = vec![event(0, "fullscreen_exit", 0)];
    proctoring::ingest(&at_home, &w.store, quiz, attempt.id, exit)
        .await
        .unwrap();
    w.store.clock.advance(Duration::seconds(45));
    let mut elsewhere = w.student.clone();
    elsewhere.ip = Some("203.0.113.9".parse().unwrap());
    let back = vec![event(1, "fullscreen_enter", 0)];
    proctoring::ingest(&elsewhere, &w.store, quiz, attempt.id, back)
        .await
        .unwrap();

    let session = session_of(&w, &attempt).await;
    let events = sessions::events(&w.teacher, &w.store, session, None, None)
        .await
        .unwrap();
    let server: Vec<&str> = events
        .items
        .iter()
        .filter(|e| e.source == "server")
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        server,
        [
            "started",
            "rules_accepted",
            "heartbeat_missed",
            "ip_changed"
        ]
    );
    let mut kinds: Vec<IncidentKind> = incidents::list(&w.teacher, &w.store, session)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.kind)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(
        kinds,
        [
            IncidentKind::FullscreenExit,
            IncidentKind::HeartbeatGap,
            IncidentKind::IpChange
        ]
    );
    let view = sessions::get(&w.teacher, &w.store, session).await.unwrap();
    assert_eq!(view.ip_address.as_deref(), Some("198.51.100.4"));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn answers_submitted_impossibly_fast_raise_an_incident(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    let answers = vec![domain::attempt::AnswerSave::new(
        attempt.questions[1].id,
        domain::quiz::Response::Number(3.0),
        None,
    )];
    w.store.clock.advance(Duration::seconds(1));
    attempts::save(&w.student, &w.store, quiz, attempt.id, answers, true)
        .await
        .unwrap();
    let session = session_of(&w, &attempt).await;
    let raised = incidents::list(&w.teacher, &w.store, session)
        .await
        .unwrap();
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].kind, IncidentKind::FastAnswers);
    let view = sessions::get(&w.teacher, &w.store, session).await.unwrap();
    assert_eq!(view.status, domain::proctoring::SessionStatus::Closed);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_tenant_never_sees_another_tenants_sessions_and_learners_see_theirs_only_when_allowed(
    pool: PgPool,
) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    let session = session_of(&w, &attempt).await;
    let theirs = sessions::list(&w.outsider, &w.store, SessionFilter::default())
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);
    assert!(matches!(
        sessions::get(&w.outsider, &w.store, session).await,
        Err(ServiceError::NotFound)
    ));
    let events = sessions::events(&w.outsider, &w.store, session, None, None).await;
    assert!(matches!(events, Err(ServiceError::NotFound)));
    let incidents = incidents::list(&w.outsider, &w.store, session).await;
    assert!(matches!(incidents, Err(ServiceError::NotFound)));
    // The learner: not while it runs, nor without the tenant's leave.
    assert!(matches!(
        sessions::get(&w.student, &w.store, session).await,
        Err(ServiceError::NotFound)
    ));
    attempts::save(&w.student, &w.store, quiz, attempt.id, Vec::new(), true)
        .await
        .unwrap();
    assert!(matches!(
        sessions::get(&w.student, &w.store, session).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        sessions::of_attempt(&w.student, &w.store, attempt.id, None).await,
        Err(ServiceError::NotFound)
    ));
    let admin = caller(
        w.student.tenant_id,
        user(&w.store, w.student.tenant_id, Role::Admin, "adm@acme.test").await,
        Role::Admin,
    );
    let allowed = ProctoringSettings {
        learner_sees_timeline: true,
        ..ProctoringSettings::default()
    };
    assert!(matches!(
        proctoring::update_settings(&w.teacher, &w.store, allowed.clone()).await,
        Err(ServiceError::Forbidden)
    ));
    proctoring::update_settings(&admin, &w.store, allowed)
        .await
        .unwrap();
    let own = sessions::events(&w.student, &w.store, session, None, None)
        .await
        .unwrap();
    assert!(own.items.iter().any(|e| e.kind == "submitted"));
    // The learner's page finds it by the attempt; another learner finds nothing there.
    let (own_session, _, own_events) = sessions::of_attempt(&w.student, &w.store, attempt.id, None)
        .await
        .unwrap();
    assert_eq!((own_session.id, own_events.total), (session, own.total));
    let classmate = caller(
        w.student.tenant_id,
        user(
            &w.store,
            w.student.tenant_id,
            Role::Student,
            "two@acme.test",
        )
        .await,
        Role::Student,
    );
    assert!(matches!(
        sessions::of_attempt(&classmate, &w.store, attempt.id, None).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        sessions::list(&w.student, &w.store, SessionFilter::default()).await,
        Err(ServiceError::Forbidden)
    ));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn events_older_than_the_tenants_retention_are_swept(pool: PgPool) {
    let w = world(pool).await;
    let quiz = proctored_quiz(&w, ProctoringMode::Record).await;
    let attempt = start(&w, &w.student, quiz).await;
    proctoring::ingest(
        &w.student,
        &w.store,
        quiz,
        attempt.id,
        vec![event(0, "copy", 0)],
    )
    .await
    .unwrap();
    let admin = caller(
        w.student.tenant_id,
        user(&w.store, w.student.tenant_id, Role::Admin, "adm@acme.test").await,
        Role::Admin,
    );
    let short = ProctoringSettings {
        retention_days: 2,
        ..ProctoringSettings::default()
    };
    proctoring::update_settings(&admin, &w.store, short)
        .await
        .unwrap();
    let invalid = ProctoringSettings {
        retention_days: 0,
        ..ProctoringSettings::default()
    };
    let refused = proctoring::update_settings(&admin, &w.store, invalid)
        .await
        .unwrap_err();
    assert_eq!(refused.details()[0].field, "retention_days");
    let before = count(&w.store.pool, "select count(*) from proctoring_event").await;
    assert!(before >= 2);
    assert_eq!(
        proctoring::sweep(&w.store.pool, w.store.clock.now() + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    let swept = proctoring::sweep(&w.store.pool, w.store.clock.now() + Duration::days(3))
        .await
        .unwrap();
    assert_eq!(i64::try_from(swept).unwrap(), before);
    // The session and its record of review stay.
    assert_eq!(
        count(&w.store.pool, "select count(*) from proctoring_session").await,
        1
    );
}
