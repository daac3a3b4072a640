//! Service steps compose: several `…_in` bodies run in one [`TenantTx`], and it commits or leaves
//! nothing at all.

use crate::common::*;
use domain::course::Block;
use domain::{CourseStatus, QuizId, Role};
use service::courses::outline::{self, LessonForm, LessonInput};
use service::courses::{self, NewCourse, NewCourseForm};
use service::{ServiceError, TenantTx};
use sqlx::PgPool;

async fn teacher_and_course(pool: &PgPool) -> (service::Store, service::Caller, domain::CourseId) {
    let store = store(pool.clone());
    let t = tenant(&store, "acme").await;
    let teacher = caller(
        t,
        user(&store, t, Role::Teacher, "tea@acme.test").await,
        Role::Teacher,
    );
    let input = NewCourse::parse(NewCourseForm {
        title: "Composed".into(),
        ..Default::default()
    })
    .unwrap();
    let course = courses::create(&teacher, &store, input).await.unwrap();
    (store, teacher, course.id)
}

fn lesson_naming_quiz(quiz: QuizId) -> LessonInput {
    LessonInput::parse(LessonForm {
        title: Some("Check".into()),
        blocks: Some(vec![Block::Quiz { quiz_id: quiz }]),
        ..Default::default()
    })
    .unwrap()
}

async fn modules_and_audit_rows(pool: &PgPool) -> (i64, i64) {
    let modules = count(pool, "select count(*) from course_module").await;
    let audit = count(
        pool,
        "select count(*) from audit_event where action = 'module.created'",
    )
    .await;
    (modules, audit)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_failing_second_step_leaves_nothing_of_the_first(pool: PgPool) {
    let (store, teacher, course) = teacher_and_course(&pool).await;
    let mut tx = TenantTx::begin(&store, &teacher).await.unwrap();
    let module = outline::add_module_in(&mut tx, course, "Week 1")
        .await
        .unwrap();
    // The first step is done inside the transaction: the module is there for the second one.
    assert_eq!(
        outline::get_module_in(&mut tx, module.id)
            .await
            .unwrap()
            .title,
        "Week 1"
    );
    let unknown_quiz = QuizId::from_uuid(uuid::Uuid::now_v7());
    let second = outline::add_lesson_in(&mut tx, module.id, lesson_naming_quiz(unknown_quiz)).await;
    assert!(
        matches!(second, Err(ServiceError::Validation(_))),
        "{second:?}"
    );
    drop(tx);
    assert_eq!(modules_and_audit_rows(&pool).await, (0, 0));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn steps_that_all_succeed_commit_together(pool: PgPool) {
    let (store, teacher, course) = teacher_and_course(&pool).await;
    let mut tx = TenantTx::begin(&store, &teacher).await.unwrap();
    let module = outline::add_module_in(&mut tx, course, "Week 1")
        .await
        .unwrap();
    let input = LessonInput::parse(LessonForm {
        title: Some("Intro".into()),
        ..Default::default()
    })
    .unwrap();
    outline::add_lesson_in(&mut tx, module.id, input)
        .await
        .unwrap();
    let status = courses::set_status_in(&mut tx, course, CourseStatus::Published, None).await;
    status.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(modules_and_audit_rows(&pool).await, (1, 1));
    let published = count(
        &pool,
        "select count(*) from event_outbox where event_type = 'course.published'",
    )
    .await;
    assert_eq!(published, 1);
}

/// Every server process and worker must agree on a quiz's deadline, so a transaction's time is
/// the database's own (`now()`, fixed for the transaction), not the process's clock; tests keep
/// their manual clock.
#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_transaction_takes_the_database_time_unless_the_clock_is_manual(pool: PgPool) {
    let (manual, teacher, _) = teacher_and_course(&pool).await;
    let system = service::Store::new(pool.clone(), service::Clock::system());
    let mut tx = TenantTx::begin(&system, &teacher).await.unwrap();
    let database_now: time::OffsetDateTime = sqlx::query_scalar("select now()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(tx.now(), database_now);
    drop(tx);

    let mut tx = TenantTx::begin(&manual, &teacher).await.unwrap();
    assert_eq!(tx.now(), manual.clock.now());
    let database_now: time::OffsetDateTime = sqlx::query_scalar("select now()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_ne!(tx.now(), database_now);
}
