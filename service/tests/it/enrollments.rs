#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::course::{Block, LessonGateView, LessonPage, LessonPageView};
use domain::{CourseId, Email, EnrollmentStatus, LessonId, Role};
use service::courses::outline::{self, LessonForm, LessonInput};
use service::courses::{self, CoursePatch, CoursePatchForm, NewCourse, NewCourseForm};
use service::enrollments::{self, Learner};
use service::{learning, Caller, Store};
use sqlx::PgPool;

struct World {
    store: Store,
    teacher: Caller,
    student: Caller,
    course: CourseId,
    lessons: Vec<LessonId>,
}

/// A published course with two lessons in one module, a teacher who owns it and a student.
async fn world(pool: PgPool) -> World {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let teacher = caller(
        t,
        user(&store, t, Role::Teacher, "tea@acme.test").await,
        Role::Teacher,
    );
    let student = caller(
        t,
        user(&store, t, Role::Student, "stu@acme.test").await,
        Role::Student,
    );
    user(&store, t, Role::Student, "ada@acme.test").await;
    let input = NewCourse::parse(NewCourseForm {
        title: "Physics".into(),
        ..Default::default()
    })
    .unwrap();
    let course = courses::create(&teacher, &store, input).await.unwrap().id;
    let module = outline::add_module(&teacher, &store, course, "M")
        .await
        .unwrap();
    let mut lessons = Vec::new();
    for title in ["One", "Two"] {
        let input = LessonInput::parse(LessonForm {
            title: Some(title.into()),
            blocks: Some(vec![Block::Markdown { text: title.into() }]),
            ..Default::default()
        })
        .unwrap();
        lessons.push(
            outline::add_lesson(&teacher, &store, module.id, input)
                .await
                .unwrap()
                .id,
        );
    }
    courses::publish(&teacher, &store, course, None)
        .await
        .unwrap();
    World {
        store,
        teacher,
        student,
        course,
        lessons,
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_learner_enrols_completes_lessons_and_the_last_one_completes_the_course(pool: PgPool) {
    let w = world(pool.clone()).await;
    let (enrollment, created) = enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(
        (
            enrollment.status,
            enrollment.completed_lessons,
            enrollment.total_lessons
        ),
        (EnrollmentStatus::Active, 0, 2)
    );
    let (_, again) = enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    assert!(!again, "enrolling twice changes nothing");

    let after_one = learning::complete_lesson(&w.student, &w.store, w.lessons[0])
        .await
        .unwrap();
    assert_eq!(
        (after_one.status, after_one.completed_lessons),
        (EnrollmentStatus::Active, 1)
    );
    learning::complete_lesson(&w.student, &w.store, w.lessons[0])
        .await
        .unwrap();
    let page = open(
        learning::lesson(&w.student, &w.store, w.lessons[1])
            .await
            .unwrap(),
    );
    assert_eq!(
        (page.completed, page.previous, page.next),
        (false, Some(w.lessons[0]), None)
    );
    let done = learning::complete_lesson(&w.student, &w.store, w.lessons[1])
        .await
        .unwrap();
    assert_eq!(
        (done.status, done.completed_lessons),
        (EnrollmentStatus::Completed, 2)
    );
    assert!(done.completed_at.is_some());
    learning::complete_lesson(&w.student, &w.store, w.lessons[1])
        .await
        .unwrap();
    assert_eq!(
        count(
            &pool,
            "select count(*) from event_outbox where event_type = 'enrollment.completed'"
        )
        .await,
        1
    );

    let mine = learning::my_courses(&w.student, &w.store).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].completed_lessons, mine[0].total_lessons), (2, 2));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn lessons_are_for_enrolled_learners(pool: PgPool) {
    let w = world(pool).await;
    let page = learning::lesson(&w.student, &w.store, w.lessons[0])
        .await
        .unwrap();
    assert_eq!(
        page,
        LessonPage::NeedsEnrollment(LessonGateView {
            course_id: w.course,
            course_title: "Physics".into(),
            lesson_title: "One".into(),
            can_self_enroll: true,
        }),
        "the page says so and offers the way in"
    );
    let error = learning::complete_lesson(&w.student, &w.store, w.lessons[0])
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.not_found");
    let view = learning::course(&w.student, &w.store, w.course)
        .await
        .unwrap();
    let lessons = &view.course.modules.unwrap()[0].lessons;
    assert_eq!(lessons.len(), 2, "the outline shows");
    assert!(
        lessons.iter().all(|l| l.blocks.is_none()),
        "the content does not"
    );
}

fn open(page: LessonPage) -> LessonPageView {
    match page {
        LessonPage::Open(page) => page,
        LessonPage::NeedsEnrollment(gate) => panic!("not readable: {gate:?}"),
    }
}

/// Every read that returns lessons, for one caller: whether each carried content.
async fn content_on_every_path(w: &World, caller: &Caller) -> Vec<(&'static str, bool)> {
    let has = |lessons: &[domain::course::LessonView]| {
        assert!(!lessons.is_empty());
        lessons.iter().all(|l| l.blocks.is_some())
    };
    let course = courses::get(caller, &w.store, w.course).await.unwrap();
    let modules = course.modules.unwrap();
    let module = modules[0].id;
    let listed = outline::list_modules(caller, &w.store, w.course)
        .await
        .unwrap();
    let one = outline::get_module(caller, &w.store, module).await.unwrap();
    let lessons = outline::list_lessons(caller, &w.store, module)
        .await
        .unwrap();
    let page = learning::course(caller, &w.store, w.course).await.unwrap();
    let lesson = outline::get_lesson(caller, &w.store, w.lessons[0]).await;
    if let Err(error) = &lesson {
        assert_eq!(error.code().as_str(), "enrollment.required");
    }
    let learner_page = learning::lesson(caller, &w.store, w.lessons[0])
        .await
        .unwrap();
    vec![
        ("courses::get", has(&modules[0].lessons)),
        ("outline::list_modules", has(&listed[0].lessons)),
        ("outline::get_module", has(&one.lessons)),
        ("outline::list_lessons", has(&lessons)),
        (
            "learning::course",
            has(&page.course.modules.unwrap()[0].lessons),
        ),
        ("outline::get_lesson", lesson.is_ok()),
        (
            "learning::lesson",
            matches!(learner_page, LessonPage::Open(_)),
        ),
    ]
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn lesson_content_reaches_learners_and_teachers_only_on_every_path(pool: PgPool) {
    let w = world(pool).await;
    let closed = CoursePatch::parse(CoursePatchForm {
        self_enrollment: Some(false),
        ..Default::default()
    })
    .unwrap();
    courses::update(&w.teacher, &w.store, w.course, closed)
        .await
        .unwrap();
    let everywhere = |readable: bool| {
        content_on_every_path_names()
            .into_iter()
            .map(|name| (name, readable))
            .collect::<Vec<_>>()
    };
    // A student who has not joined (self-enrolment off) and a student-role key see the outline.
    assert_eq!(
        content_on_every_path(&w, &w.student).await,
        everywhere(false)
    );
    let (key, _) = service::fixtures::api_key(&w.store, w.student.tenant_id, Role::Student)
        .await
        .unwrap();
    let student_key = Caller {
        api_key_id: Some(key),
        ..service::fixtures::platform_caller(w.student.tenant_id, Role::Student)
    };
    assert_eq!(
        content_on_every_path(&w, &student_key).await,
        everywhere(false)
    );
    let gate = learning::lesson(&w.student, &w.store, w.lessons[0])
        .await
        .unwrap();
    assert!(
        matches!(gate, LessonPage::NeedsEnrollment(ref g) if !g.can_self_enroll),
        "self-enrolment is off, so no offer: {gate:?}"
    );
    // Teachers read it all; so does the student once a teacher has enrolled them.
    assert_eq!(
        content_on_every_path(&w, &w.teacher).await,
        everywhere(true)
    );
    enrollments::enroll(
        &w.teacher,
        &w.store,
        w.course,
        Learner::Id(w.student.user_id.unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(
        content_on_every_path(&w, &w.student).await,
        everywhere(true)
    );
}

fn content_on_every_path_names() -> Vec<&'static str> {
    vec![
        "courses::get",
        "outline::list_modules",
        "outline::get_module",
        "outline::list_lessons",
        "learning::course",
        "outline::get_lesson",
        "learning::lesson",
    ]
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn self_enrolment_can_be_turned_off_then_a_teacher_enrols(pool: PgPool) {
    let w = world(pool).await;
    let closed = CoursePatch::parse(CoursePatchForm {
        self_enrollment: Some(false),
        ..Default::default()
    })
    .unwrap();
    courses::update(&w.teacher, &w.store, w.course, closed)
        .await
        .unwrap();
    let error = enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "enrollment.closed");
    let email = Email::parse("email", "stu@acme.test").unwrap();
    let (enrollment, created) =
        enrollments::enroll(&w.teacher, &w.store, w.course, Learner::Email(email))
            .await
            .unwrap();
    assert!(created);
    assert_eq!(enrollment.user_email, "stu@acme.test");
    // A student may not enrol someone else.
    let other = Email::parse("email", "ada@acme.test").unwrap();
    let error = enrollments::enroll(&w.student, &w.store, w.course, Learner::Email(other))
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn leaving_keeps_progress_and_enrolling_again_resumes_it(pool: PgPool) {
    let w = world(pool).await;
    enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    learning::complete_lesson(&w.student, &w.store, w.lessons[0])
        .await
        .unwrap();
    let left = enrollments::withdraw(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    assert_eq!(left.status, EnrollmentStatus::Withdrawn);
    assert!(learning::my_courses(&w.student, &w.store)
        .await
        .unwrap()
        .is_empty());
    let error = enrollments::withdraw(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.not_found");
    let (back, created) = enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(
        (back.status, back.completed_lessons),
        (EnrollmentStatus::Active, 1)
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_archived_course_takes_no_new_learners(pool: PgPool) {
    let w = world(pool).await;
    courses::archive(&w.teacher, &w.store, w.course, None)
        .await
        .unwrap();
    let email = Email::parse("email", "stu@acme.test").unwrap();
    let error = enrollments::enroll(&w.teacher, &w.store, w.course, Learner::Email(email))
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "course.archived");
    // To a student who was never enrolled, an archived course is simply gone.
    let error = enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.not_found");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_roster_upload_reports_every_row(pool: PgPool) {
    let w = world(pool).await;
    enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    let csv = "email,name\nada@acme.test,Ada\nstu@acme.test\nnot-an-email\nnobody@acme.test\n\n\"ADA@acme.test\"\n";
    let report = enrollments::import_roster(&w.teacher, &w.store, w.course, csv)
        .await
        .unwrap();
    let rows: Vec<(u32, &str, &str)> = report
        .iter()
        .map(|r| (r.line, r.email.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (2, "ada@acme.test", "enrolled"),
            (3, "stu@acme.test", "already_enrolled"),
            (4, "not-an-email", "failed"),
            (5, "nobody@acme.test", "failed"),
            (7, "ADA@acme.test", "already_enrolled"),
        ]
    );
    assert_eq!(
        report[3].message.as_deref(),
        Some("No user of this organisation has this email.")
    );
    let roster = enrollments::roster(&w.teacher, &w.store, w.course, None, None, None)
        .await
        .unwrap();
    assert_eq!(roster.total, 2);
    let error = enrollments::roster(&w.student, &w.store, w.course, None, None, None)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");
    let error = enrollments::import_roster(&w.teacher, &w.store, w.course, " \n ")
        .await
        .unwrap_err();
    assert_eq!(error.details()[0].field, "csv");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn two_last_lessons_completed_at_once_complete_the_course_once(pool: PgPool) {
    let w = world(pool.clone()).await;
    enrollments::enroll(&w.student, &w.store, w.course, Learner::Me)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        learning::complete_lesson(&w.student, &w.store, w.lessons[0]),
        learning::complete_lesson(&w.student, &w.store, w.lessons[1]),
    );
    a.unwrap();
    b.unwrap();
    let status: String = sqlx::query_scalar("select status from enrollment")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "completed");
    assert_eq!(
        count(
            &pool,
            "select count(*) from event_outbox where event_type = 'enrollment.completed'"
        )
        .await,
        1
    );
}
