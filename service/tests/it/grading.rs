//! Teachers grade essays and override scores; the attempt gets its final score exactly when no
//! answer waits, and every change is audited.

use crate::common::*;
use crate::quizzes::{every_kind, quiz_form, world};
use domain::attempt::{AnswerSave, QuestionGrade};
use domain::quiz::{AnswerResult, AttemptStatus, Response};
use domain::Role;
use service::quizzes;
use service::quizzes::attempts;
use service::quizzes::grading;
use service::quizzes::questions;
use service::ServiceError;
use sqlx::PgPool;

fn text(question: domain::QuestionId, text: &str) -> AnswerSave {
    AnswerSave::new(question, Response::Text(text.into()), None)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_essay_waits_for_its_teacher_then_the_attempt_is_graded(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Essays"))
        .await
        .unwrap();
    let mut kinds = every_kind();
    questions::add(&w.teacher, &w.store, quiz.id, kinds.remove(3))
        .await
        .unwrap(); // short text, 1 point
    questions::add(&w.teacher, &w.store, quiz.id, kinds.remove(4))
        .await
        .unwrap(); // essay, 5 points
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();

    let (attempt, _) = attempts::start(&w.student, &w.store, quiz.id, false)
        .await
        .unwrap();
    let (short, essay) = (attempt.questions[0].id, attempt.questions[1].id);
    let answers = vec![
        text(short, " MEDIAN "),
        text(essay, "The chance of data this odd if nothing is going on."),
    ];
    let submitted = attempts::save(&w.student, &w.store, quiz.id, attempt.id, answers, true)
        .await
        .unwrap();
    assert_eq!(
        (submitted.status, submitted.score, submitted.passed),
        (AttemptStatus::Submitted, None, None)
    );
    let results: Vec<AnswerResult> = submitted
        .results
        .unwrap()
        .iter()
        .map(|r| r.result)
        .collect();
    assert_eq!(results, [AnswerResult::Correct, AnswerResult::Pending]);
    let events = "select count(*) from event_outbox where event_type = 'quiz.attempt.graded'";
    assert_eq!(count(&w.store.pool, events).await, 0);

    // Out-of-range points and unknown questions are refused, field by field.
    let bad = vec![
        QuestionGrade {
            question_id: essay,
            points: 6.0,
            comment: None,
        },
        QuestionGrade {
            question_id: domain::QuestionId::from_uuid(uuid::Uuid::now_v7()),
            points: 1.0,
            comment: None,
        },
    ];
    let error = grading::grade(&w.teacher, &w.store, quiz.id, attempt.id, bad)
        .await
        .unwrap_err();
    let fields: Vec<String> = error.details().iter().map(|e| e.field.clone()).collect();
    assert_eq!(fields, ["grades[0].points", "grades[1].question_id"]);
    let student_grades = vec![QuestionGrade {
        question_id: essay,
        points: 5.0,
        comment: None,
    }];
    let refused = grading::grade(&w.student, &w.store, quiz.id, attempt.id, student_grades).await;
    assert!(matches!(refused, Err(ServiceError::Forbidden)));

    let grades = vec![QuestionGrade {
        question_id: essay,
        points: 3.5,
        comment: Some("Close: say what 'odd' means.".into()),
    }];
    let graded = grading::grade(&w.teacher, &w.store, quiz.id, attempt.id, grades)
        .await
        .unwrap();
    assert_eq!(graded.status, AttemptStatus::Graded);
    assert_eq!(
        (graded.points, graded.score, graded.passed),
        (Some(4.5), Some(75.0), Some(true))
    );
    let essay_result = &graded.results.as_ref().unwrap()[1];
    assert_eq!(
        (essay_result.result, essay_result.comment.as_deref()),
        (AnswerResult::Partial, Some("Close: say what 'odd' means."))
    );
    assert_eq!(count(&w.store.pool, events).await, 1);

    // An override replaces the score for a reason; the audit keeps before and after.
    let error = grading::override_score(&w.teacher, &w.store, quiz.id, attempt.id, 120.0, " ")
        .await
        .unwrap_err();
    let fields: Vec<String> = error.details().iter().map(|e| e.field.clone()).collect();
    assert_eq!(fields, ["score", "reason"]);
    let overridden = grading::override_score(
        &w.teacher,
        &w.store,
        quiz.id,
        attempt.id,
        60.0,
        "Marked the essay again on appeal.",
    )
    .await
    .unwrap();
    assert_eq!(
        (overridden.score, overridden.passed),
        (Some(60.0), Some(false))
    );
    let audit: serde_json::Value = sqlx::query_scalar(
        "select data from audit_event where action = 'attempt.score_overridden'",
    )
    .fetch_one(&w.store.pool)
    .await
    .unwrap();
    assert_eq!(
        (audit["before"].clone(), audit["after"].clone()),
        (serde_json::json!(75.0), serde_json::json!(60.0))
    );
    assert_eq!(audit["reason"], "Marked the essay again on appeal.");
    assert_eq!(count(&w.store.pool, events).await, 2);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn editors_list_every_attempt_and_learners_their_own(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Listed"))
        .await
        .unwrap();
    questions::add(&w.teacher, &w.store, quiz.id, every_kind().remove(0))
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    let t = w.student.tenant_id;
    let other = caller(
        t,
        user(&w.store, t, Role::Student, "two@acme.test").await,
        Role::Student,
    );
    service::enrollments::enroll(
        &other,
        &w.store,
        w.course,
        service::enrollments::Learner::Me,
    )
    .await
    .unwrap();
    let (mine, _) = attempts::start(&w.student, &w.store, quiz.id, false)
        .await
        .unwrap();
    attempts::start(&other, &w.store, quiz.id, false)
        .await
        .unwrap();

    let all = grading::list(&w.teacher, &w.store, quiz.id, None, None, None, None)
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    let one = grading::list(
        &w.teacher,
        &w.store,
        quiz.id,
        Some(w.student.user_id.unwrap()),
        None,
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        one.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [mine.id]
    );
    // A learner asking for someone else's still gets only their own.
    let own = grading::list(
        &w.student,
        &w.store,
        quiz.id,
        other.user_id,
        None,
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        own.items.iter().map(|a| a.id).collect::<Vec<_>>(),
        [mine.id]
    );
    assert!(matches!(
        grading::list(&w.outsider, &w.store, quiz.id, None, None, None, None).await,
        Err(ServiceError::NotFound)
    ));
    // The status filter: both attempts are still running, none is graded.
    let running = Some(AttemptStatus::InProgress);
    let graded = Some(AttemptStatus::Graded);
    for (status, total) in [(running, 2), (graded, 0)] {
        let page = grading::list(&w.teacher, &w.store, quiz.id, None, status, None, None)
            .await
            .unwrap();
        assert_eq!(page.total, total, "{status:?}");
    }
    let in_progress =
        grading::override_score(&w.teacher, &w.store, quiz.id, mine.id, 50.0, "Early")
            .await
            .unwrap_err();
    assert_eq!(in_progress.code().as_str(), "quiz.attempt.in_progress");
}
