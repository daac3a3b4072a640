//! Quiz authoring: settings, questions of every kind with their answer keys, order, publishing,
//! and who sees what.

use crate::common::*;
use domain::course::Block;
use domain::quiz::{AnswerKey, ChoiceScoring, QuestionKind, QuizStatus};
use domain::{QuizId, Role};
use service::courses::outline::{self, LessonForm, LessonInput};
use service::courses::{self, NewCourse, NewCourseForm};
use service::enrollments::{self, Learner};
use service::quizzes::questions::{self, OptionForm, QuestionForm};
use service::quizzes::{self, QuizForm, QuizInput};
use service::{Caller, ServiceError, Store};
use sqlx::PgPool;

pub(crate) struct World {
    pub store: Store,
    pub teacher: Caller,
    pub student: Caller,
    pub outsider: Caller,
    pub course: domain::CourseId,
}

pub(crate) async fn world(pool: PgPool) -> World {
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
    let other = tenant(&store, "globex").await;
    let outsider = caller(
        other,
        user(&store, other, Role::Admin, "adm@globex.test").await,
        Role::Admin,
    );
    let form = NewCourseForm {
        title: "Statistics".into(),
        ..Default::default()
    };
    let course = courses::create(&teacher, &store, NewCourse::parse(form).unwrap())
        .await
        .unwrap();
    let module = outline::add_module(&teacher, &store, course.id, "One")
        .await
        .unwrap();
    let lesson = LessonInput::parse(LessonForm {
        title: Some("Intro".into()),
        blocks: Some(vec![Block::Markdown { text: "Hi".into() }]),
        ..Default::default()
    })
    .unwrap();
    outline::add_lesson(&teacher, &store, module.id, lesson)
        .await
        .unwrap();
    courses::publish(&teacher, &store, course.id, None)
        .await
        .unwrap();
    enrollments::enroll(&student, &store, course.id, Learner::Me)
        .await
        .unwrap();
    World {
        store,
        teacher,
        student,
        outsider,
        course: course.id,
    }
}

pub(crate) fn quiz_form(course: domain::CourseId, title: &str) -> QuizInput {
    QuizInput::parse_new(QuizForm {
        course_id: Some(course),
        title: Some(title.into()),
        time_limit_minutes: Some(Some(20)),
        max_attempts: Some(Some(2)),
        ..QuizForm::default()
    })
    .unwrap()
}

pub(crate) fn choice(kind: &str, options: &[(&str, bool)]) -> QuestionForm {
    QuestionForm {
        kind: Some(kind.into()),
        prompt: Some(format!("A {kind} question")),
        options: Some(
            options
                .iter()
                .map(|(text, correct)| OptionForm {
                    id: None,
                    text: (*text).into(),
                    correct: *correct,
                })
                .collect(),
        ),
        ..QuestionForm::default()
    }
}

/// One question of each kind.
pub(crate) fn every_kind() -> Vec<QuestionForm> {
    vec![
        choice("single_choice", &[("Mean", true), ("Mode", false)]),
        QuestionForm {
            scoring: Some("partial".into()),
            ..choice("multiple_choice", &[("2", true), ("3", true), ("4", false)])
        },
        QuestionForm {
            kind: Some("true_false".into()),
            prompt: Some("A variance can be negative.".into()),
            correct_answer: Some(false),
            ..QuestionForm::default()
        },
        QuestionForm {
            kind: Some("short_text".into()),
            prompt: Some("The middle value is the…".into()),
            accepted_answers: Some(vec!["median".into()]),
            ..QuestionForm::default()
        },
        QuestionForm {
            kind: Some("numeric".into()),
            prompt: Some("The mean of 1, 2 and 6".into()),
            value: Some(3.0),
            tolerance: Some(0.0),
            points: Some(2),
            ..QuestionForm::default()
        },
        QuestionForm {
            kind: Some("essay".into()),
            prompt: Some("Explain a p-value.".into()),
            points: Some(5),
            ..QuestionForm::default()
        },
    ]
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_teacher_builds_a_quiz_of_every_kind_and_publishes_it(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Week 1"))
        .await
        .unwrap();
    assert!(quiz.id.to_string().starts_with("asmnt_"));
    assert_eq!((quiz.status, quiz.question_count), (QuizStatus::Draft, 0));
    assert_eq!(
        (
            quiz.time_limit_minutes,
            quiz.max_attempts,
            quiz.passing_score
        ),
        (Some(20), Some(2), 70)
    );

    // An empty quiz cannot be published, and a draft is the editors' alone.
    let error = quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "quiz.no_questions");
    let hidden = quizzes::get(&w.student, &w.store, quiz.id)
        .await
        .unwrap_err();
    assert!(matches!(hidden, ServiceError::NotFound));

    let mut ids = Vec::new();
    for form in every_kind() {
        ids.push(
            questions::add(&w.teacher, &w.store, quiz.id, form)
                .await
                .unwrap()
                .id,
        );
    }
    let staff_view = quizzes::get(&w.teacher, &w.store, quiz.id).await.unwrap();
    let questions = staff_view.questions.unwrap();
    let kinds: Vec<QuestionKind> = questions.iter().map(|q| q.kind).collect();
    assert_eq!(
        kinds,
        [
            QuestionKind::SingleChoice,
            QuestionKind::MultipleChoice,
            QuestionKind::TrueFalse,
            QuestionKind::ShortText,
            QuestionKind::Numeric,
            QuestionKind::Essay
        ]
    );
    assert_eq!(questions[1].scoring, Some(ChoiceScoring::Partial));
    assert!(questions[0]
        .options
        .iter()
        .all(|o| o.id.to_string().starts_with("opt_")));
    assert!(questions[2]
        .options
        .iter()
        .any(|o| o.text == "False" && o.correct));
    assert_eq!(staff_view.question_count, 6);

    // The essay goes first; a list that leaves one out is refused.
    let mut order = ids.clone();
    order.rotate_right(1);
    let reordered = questions::reorder(&w.teacher, &w.store, quiz.id, order.clone())
        .await
        .unwrap();
    assert_eq!(reordered.iter().map(|q| q.id).collect::<Vec<_>>(), order);
    let error = questions::reorder(&w.teacher, &w.store, quiz.id, order[1..].to_vec())
        .await
        .unwrap_err();
    assert_eq!(error.details()[0].field, "ids");

    let published = quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    assert_eq!(published.status, QuizStatus::Published);
    assert!(published.published_at.is_some());

    // A learner of the course sees the settings and the count, never the questions or keys.
    let learner_view = quizzes::get(&w.student, &w.store, quiz.id).await.unwrap();
    assert_eq!(
        (learner_view.question_count, learner_view.questions),
        (6, None)
    );
    let listed = quizzes::list(&w.student, &w.store, Some(w.course), None, None)
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|q| q.id).collect::<Vec<_>>(),
        [quiz.id]
    );
    let mine = quizzes::list(&w.student, &w.store, None, None, None)
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn questions_and_settings_are_checked_field_by_field(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Checks"))
        .await
        .unwrap();

    let error = questions::add(
        &w.teacher,
        &w.store,
        quiz.id,
        choice("single_choice", &[("a", true), ("b", true)]),
    )
    .await
    .unwrap_err();
    assert_eq!(error.details()[0].field, "options");
    let error = questions::add(&w.teacher, &w.store, quiz.id, QuestionForm::default())
        .await
        .unwrap_err();
    let fields: Vec<String> = error.details().iter().map(|e| e.field.clone()).collect();
    assert_eq!(fields, ["prompt", "kind"]);

    // A change that leaves the key alone keeps it; one that names a key field replaces it.
    let question = questions::add(&w.teacher, &w.store, quiz.id, every_kind().remove(4))
        .await
        .unwrap();
    let renamed = QuestionForm {
        prompt: Some("The mean of 1, 2 and 9".into()),
        version: Some(question.version),
        ..QuestionForm::default()
    };
    let renamed = questions::update(&w.teacher, &w.store, question.id, renamed)
        .await
        .unwrap();
    assert_eq!((renamed.value, renamed.points), (Some(3.0), 2));
    let rekeyed = QuestionForm {
        value: Some(4.0),
        ..QuestionForm::default()
    };
    let rekeyed = questions::update(&w.teacher, &w.store, question.id, rekeyed)
        .await
        .unwrap();
    assert_eq!(
        (rekeyed.kind, rekeyed.value),
        (QuestionKind::Numeric, Some(4.0))
    );
    let stale = QuestionForm {
        points: Some(9),
        version: Some(question.version),
        ..QuestionForm::default()
    };
    let error = questions::update(&w.teacher, &w.store, question.id, stale)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.version_conflict");

    let window = QuizInput::parse(QuizForm {
        opens_at: Some(Some("2026-12-01T09:00:00Z".into())),
        version: Some(quiz.version),
        ..QuizForm::default()
    })
    .unwrap();
    let changed = quizzes::update(&w.teacher, &w.store, quiz.id, window)
        .await
        .unwrap();
    assert_eq!(changed.opens_at.as_deref(), Some("2026-12-01T09:00:00Z"));
    assert_eq!(
        changed.time_limit_minutes,
        Some(20),
        "left out stays as it was"
    );
    let closes_first = QuizInput::parse(QuizForm {
        closes_at: Some(Some("2026-11-30T09:00:00Z".into())),
        ..QuizForm::default()
    })
    .unwrap();
    let error = quizzes::update(&w.teacher, &w.store, quiz.id, closes_first)
        .await
        .unwrap_err();
    assert_eq!(error.details()[0].field, "closes_at");
    let untimed = QuizInput::parse(QuizForm {
        time_limit_minutes: Some(None),
        ..QuizForm::default()
    })
    .unwrap();
    let untimed = quizzes::update(&w.teacher, &w.store, quiz.id, untimed)
        .await
        .unwrap();
    assert_eq!(untimed.time_limit_minutes, None);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn students_and_other_tenants_cannot_author_or_see_answer_keys(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Guarded"))
        .await
        .unwrap();
    let question = questions::add(&w.teacher, &w.store, quiz.id, every_kind().remove(0))
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();

    // The role is refused before anything is looked up: a real id and an unknown one alike.
    let unknown = QuizId::from_uuid(uuid::Uuid::now_v7());
    for id in [quiz.id, unknown] {
        let error = questions::add(&w.student, &w.store, id, every_kind().remove(0))
            .await
            .unwrap_err();
        assert!(matches!(error, ServiceError::Forbidden), "{id}");
    }
    let error = quizzes::create(&w.student, &w.store, quiz_form(w.course, "Mine"))
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden));
    let error = questions::delete(&w.student, &w.store, question.id)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden));

    // Another tenant's admin finds nothing, whatever they try.
    assert!(matches!(
        quizzes::get(&w.outsider, &w.store, quiz.id).await,
        Err(ServiceError::NotFound)
    ));
    let edit = QuizInput::parse(QuizForm::default()).unwrap();
    assert!(matches!(
        quizzes::update(&w.outsider, &w.store, quiz.id, edit).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        questions::delete(&w.outsider, &w.store, question.id).await,
        Err(ServiceError::NotFound)
    ));
    let theirs = quizzes::list(&w.outsider, &w.store, None, None, None)
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);

    // A student who has not joined the course sees the published quiz's settings only.
    let t = w.student.tenant_id;
    let newcomer = caller(
        t,
        user(&w.store, t, Role::Student, "new@acme.test").await,
        Role::Student,
    );
    assert_eq!(
        quizzes::get(&newcomer, &w.store, quiz.id)
            .await
            .unwrap()
            .questions,
        None
    );
    assert_eq!(
        quizzes::list(&newcomer, &w.store, None, None, None)
            .await
            .unwrap()
            .total,
        0
    );

    quizzes::delete(&w.teacher, &w.store, quiz.id, None)
        .await
        .unwrap();
    assert_eq!(
        count(&w.store.pool, "select count(*) from quiz_question").await,
        0
    );
    let actions = count(
        &w.store.pool,
        "select count(*) from audit_event where action in ('quiz.created', 'question.created', 'quiz.published', 'quiz.deleted')",
    )
    .await;
    assert_eq!(actions, 4);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_answer_key_is_stored_whole_and_read_back(pool: PgPool) {
    let w = world(pool).await;
    let quiz = quizzes::create(&w.teacher, &w.store, quiz_form(w.course, "Keys"))
        .await
        .unwrap();
    questions::add(&w.teacher, &w.store, quiz.id, every_kind().remove(3))
        .await
        .unwrap();
    let body: serde_json::Value = sqlx::query_scalar("select body from quiz_question")
        .fetch_one(&w.store.pool)
        .await
        .unwrap();
    let key: AnswerKey = serde_json::from_value(body).unwrap();
    assert_eq!(
        key,
        AnswerKey::ShortText {
            accepted_answers: vec!["median".into()],
            case_sensitive: false
        }
    );
}
