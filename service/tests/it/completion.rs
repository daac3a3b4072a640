//! A course is complete when every lesson is and every required quiz has a passing attempt; a later
//! failing attempt does not undo it, and concurrent graders complete it once.

use crate::common::*;
use crate::quizzes::{every_kind, quiz_form, world, World};
use domain::attempt::{AnswerSave, QuestionGrade};
use domain::quiz::Response;
use domain::{EnrollmentStatus, LessonId, QuizId};
use service::quizzes::questions::{self, QuestionForm};
use service::quizzes::{self, attempts, grading};
use service::{courses, learning};
use sqlx::PgPool;

async fn required_quiz(w: &World, title: &str, question: QuestionForm) -> QuizId {
    let mut input = quiz_form(w.course, title);
    input.required_for_completion = Some(true);
    let quiz = quizzes::create(&w.teacher, &w.store, input).await.unwrap();
    questions::add(&w.teacher, &w.store, quiz.id, question)
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    quiz.id
}

async fn only_lesson(w: &World) -> LessonId {
    let course = courses::get(&w.teacher, &w.store, w.course).await.unwrap();
    course.modules.unwrap()[0].lessons[0].id
}

async fn status(w: &World) -> (EnrollmentStatus, i64) {
    let enrollment = learning::course(&w.student, &w.store, w.course)
        .await
        .unwrap()
        .enrollment
        .unwrap();
    let events = count(
        &w.store.pool,
        "select count(*) from event_outbox where event_type = 'enrollment.completed'",
    )
    .await;
    (enrollment.status, events)
}

fn answer(question: domain::QuestionId, text: &str) -> AnswerSave {
    AnswerSave::new(question, Response::Text(text.into()), None)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_pass_completes_the_course_and_a_later_fail_does_not_undo_it(pool: PgPool) {
    let w = world(pool).await;
    let quiz = required_quiz(&w, "Final", every_kind().remove(3)).await; // short text: "median"
    learning::complete_lesson(&w.student, &w.store, only_lesson(&w).await)
        .await
        .unwrap();
    assert_eq!(
        status(&w).await,
        (EnrollmentStatus::Active, 0),
        "the required quiz is still to pass"
    );

    let (first, _) = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap();
    let question = first.questions[0].id;
    let passed = attempts::save(
        &w.student,
        &w.store,
        quiz,
        first.id,
        vec![answer(question, "median")],
        true,
    )
    .await
    .unwrap();
    assert_eq!(passed.passed, Some(true));
    assert_eq!(status(&w).await, (EnrollmentStatus::Completed, 1));

    let (second, _) = attempts::start(&w.student, &w.store, quiz, false)
        .await
        .unwrap();
    let failed = attempts::save(
        &w.student,
        &w.store,
        quiz,
        second.id,
        vec![answer(question, "mode")],
        true,
    )
    .await
    .unwrap();
    assert_eq!(failed.passed, Some(false));
    assert_eq!(status(&w).await, (EnrollmentStatus::Completed, 1));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn two_graders_finishing_the_last_required_quizzes_at_once_complete_the_course_once(
    pool: PgPool,
) {
    let w = world(pool).await;
    let essay = || every_kind().remove(5);
    let quizzes = [
        required_quiz(&w, "Essay one", essay()).await,
        required_quiz(&w, "Essay two", essay()).await,
    ];
    learning::complete_lesson(&w.student, &w.store, only_lesson(&w).await)
        .await
        .unwrap();
    let mut pending = Vec::new();
    for quiz in quizzes {
        let (attempt, _) = attempts::start(&w.student, &w.store, quiz, false)
            .await
            .unwrap();
        let essay = attempt.questions[0].id;
        attempts::save(
            &w.student,
            &w.store,
            quiz,
            attempt.id,
            vec![answer(essay, "My essay.")],
            true,
        )
        .await
        .unwrap();
        pending.push((quiz, attempt.id, essay));
    }
    assert_eq!(status(&w).await, (EnrollmentStatus::Active, 0));

    let t = w.teacher.tenant_id;
    let second_grader = caller(
        t,
        user(&w.store, t, domain::Role::Admin, "adm@acme.test").await,
        domain::Role::Admin,
    );
    let grade = |(quiz, attempt, essay): (QuizId, domain::AttemptId, domain::QuestionId),
                 grader| {
        let store = w.store.clone();
        async move {
            let grades = vec![QuestionGrade {
                question_id: essay,
                points: 5.0,
                comment: None,
            }];
            grading::grade(&grader, &store, quiz, attempt, grades).await
        }
    };
    let (a, b) = tokio::join!(
        grade(pending[0], w.teacher.clone()),
        grade(pending[1], second_grader)
    );
    assert_eq!(
        (a.unwrap().passed, b.unwrap().passed),
        (Some(true), Some(true))
    );
    assert_eq!(status(&w).await, (EnrollmentStatus::Completed, 1));
}
