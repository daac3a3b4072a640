#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::course::{Block, CourseQuery, RenderedBlock};
use domain::{CourseId, CourseStatus, ModuleId, Role};
use service::courses::outline::{self, LessonForm, LessonInput};
use service::courses::{self, CoursePatch, CoursePatchForm, NewCourse, NewCourseForm};
use service::{Caller, Store};
use sqlx::PgPool;

struct World {
    store: Store,
    teacher: Caller,
    other_teacher: Caller,
    student: Caller,
    admin: Caller,
}

async fn world(pool: PgPool) -> World {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let teacher = user(&store, t, Role::Teacher, "tea@acme.test").await;
    let other = user(&store, t, Role::Teacher, "tea2@acme.test").await;
    let student = user(&store, t, Role::Student, "stu@acme.test").await;
    let admin = user(&store, t, Role::Admin, "adm@acme.test").await;
    World {
        teacher: caller(t, teacher, Role::Teacher),
        other_teacher: caller(t, other, Role::Teacher),
        student: caller(t, student, Role::Student),
        admin: caller(t, admin, Role::Admin),
        store,
    }
}

fn new_course(title: &str, summary: &str) -> NewCourse {
    NewCourse::parse(NewCourseForm {
        title: title.into(),
        summary: Some(summary.into()),
        ..Default::default()
    })
    .unwrap()
}

fn lesson(title: &str, text: &str) -> LessonInput {
    LessonInput::parse(LessonForm {
        title: Some(title.into()),
        blocks: Some(vec![Block::Markdown { text: text.into() }]),
        ..Default::default()
    })
    .unwrap()
}

/// A course with one module and one lesson, published.
async fn published(w: &World, title: &str, summary: &str) -> CourseId {
    let course = courses::create(&w.teacher, &w.store, new_course(title, summary))
        .await
        .unwrap();
    let module = outline::add_module(&w.teacher, &w.store, course.id, "Basics")
        .await
        .unwrap();
    outline::add_lesson(&w.teacher, &w.store, module.id, lesson("One", "text"))
        .await
        .unwrap();
    courses::publish(&w.teacher, &w.store, course.id, None)
        .await
        .unwrap();
    course.id
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_course_is_validated_field_by_field(pool: PgPool) {
    let form = NewCourseForm {
        title: "ab".into(),
        slug: Some("-bad".into()),
        summary: Some("s".repeat(2001)),
        cover_color: Some("pink".into()),
        cover_image_url: Some("javascript:alert(1)".into()),
        ..Default::default()
    };
    let error = service::ServiceError::from(NewCourse::parse(form).unwrap_err());
    let fields: Vec<String> = error.details().into_iter().map(|f| f.field).collect();
    assert_eq!(
        fields,
        ["title", "slug", "summary", "cover_image_url", "cover_color"]
    );
    let w = world(pool).await;
    let error = courses::create(&w.student, &w.store, new_course("Rust", ""))
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn slugs_come_from_titles_and_stay_unique(pool: PgPool) {
    let w = world(pool).await;
    let a = courses::create(&w.teacher, &w.store, new_course("Intro to Rust", ""))
        .await
        .unwrap();
    let b = courses::create(&w.teacher, &w.store, new_course("Intro to Rust!", ""))
        .await
        .unwrap();
    assert_eq!(a.slug, "intro-to-rust");
    assert!(
        b.slug.starts_with("intro-to-rust-") && b.slug != a.slug,
        "{}",
        b.slug
    );
    let patch = CoursePatch::parse(CoursePatchForm {
        slug: Some("intro-to-rust".into()),
        ..Default::default()
    })
    .unwrap();
    let error = courses::update(&w.teacher, &w.store, b.id, patch)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "course.slug_taken");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn publishing_needs_a_lesson_and_writes_the_event_and_audit_row_with_it(pool: PgPool) {
    let w = world(pool.clone()).await;
    let course = courses::create(&w.teacher, &w.store, new_course("Statistics", ""))
        .await
        .unwrap();
    let error = courses::publish(&w.teacher, &w.store, course.id, None)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "course.no_lessons");
    assert_eq!(
        error.public_message(),
        "Add at least one lesson before publishing this course."
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from event_outbox where event_type = 'course.published'"
        )
        .await,
        0
    );

    let module = outline::add_module(&w.teacher, &w.store, course.id, "M")
        .await
        .unwrap();
    outline::add_lesson(&w.teacher, &w.store, module.id, lesson("L", "x"))
        .await
        .unwrap();
    let done = courses::publish(&w.teacher, &w.store, course.id, None)
        .await
        .unwrap();
    assert_eq!(done.status, CourseStatus::Published);
    assert!(done.published_at.is_some());
    // Publishing again changes nothing and announces nothing.
    courses::publish(&w.teacher, &w.store, course.id, None)
        .await
        .unwrap();
    let payload: serde_json::Value = sqlx::query_scalar(
        "select payload from event_outbox where event_type = 'course.published'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(payload["course_id"], course.id.to_string());
    assert_eq!(payload["lesson_count"], 1);
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_event where action = 'course.published'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_stale_edit_is_refused_not_silently_applied(pool: PgPool) {
    let w = world(pool).await;
    let course = courses::create(&w.teacher, &w.store, new_course("Algebra", ""))
        .await
        .unwrap();
    let read = course.version;
    let first = CoursePatch::parse(CoursePatchForm {
        title: Some("Algebra I".into()),
        version: Some(read),
        ..Default::default()
    })
    .unwrap();
    courses::update(&w.teacher, &w.store, course.id, first)
        .await
        .unwrap();
    let second = CoursePatch::parse(CoursePatchForm {
        title: Some("Algebra One".into()),
        version: Some(read),
        ..Default::default()
    })
    .unwrap();
    let error = courses::update(&w.admin, &w.store, course.id, second)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.version_conflict");
    let now = courses::get(&w.teacher, &w.store, course.id).await.unwrap();
    assert_eq!(now.title, "Algebra I");
    assert_eq!(now.version, read + 1);

    let module = outline::add_module(&w.teacher, &w.store, course.id, "M")
        .await
        .unwrap();
    let l = outline::add_lesson(&w.teacher, &w.store, module.id, lesson("L", "v1"))
        .await
        .unwrap();
    let edit = |text: &str| {
        LessonInput::parse(LessonForm {
            blocks: Some(vec![Block::Markdown { text: text.into() }]),
            version: Some(l.version),
            ..Default::default()
        })
        .unwrap()
    };
    outline::update_lesson(&w.teacher, &w.store, l.id, edit("mine"))
        .await
        .unwrap();
    let error = outline::update_lesson(&w.admin, &w.store, l.id, edit("theirs"))
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.version_conflict");
    let stored = outline::get_lesson(&w.teacher, &w.store, l.id)
        .await
        .unwrap();
    assert_eq!(
        stored.blocks,
        Some(vec![Block::Markdown {
            text: "mine".into()
        }])
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn modules_and_lessons_keep_the_order_they_are_given(pool: PgPool) {
    let w = world(pool).await;
    let course = courses::create(&w.teacher, &w.store, new_course("Order", ""))
        .await
        .unwrap();
    let a = outline::add_module(&w.teacher, &w.store, course.id, "A")
        .await
        .unwrap();
    let b = outline::add_module(&w.teacher, &w.store, course.id, "B")
        .await
        .unwrap();
    let c = outline::add_module(&w.teacher, &w.store, course.id, "C")
        .await
        .unwrap();
    let titles = |modules: Vec<domain::course::ModuleView>| {
        modules.into_iter().map(|m| m.title).collect::<Vec<_>>()
    };

    let order = outline::reorder_modules(&w.teacher, &w.store, course.id, vec![c.id, a.id, b.id])
        .await
        .unwrap();
    assert_eq!(titles(order), ["C", "A", "B"]);
    let order = outline::shift_module(&w.teacher, &w.store, b.id, -1)
        .await
        .unwrap();
    assert_eq!(titles(order), ["C", "B", "A"]);

    // A list that leaves one out, repeats one, or names another course's module is refused.
    for ids in [
        vec![c.id, a.id],
        vec![c.id, a.id, a.id],
        vec![c.id, a.id, ModuleId::from_uuid(uuid::Uuid::now_v7())],
    ] {
        let error = outline::reorder_modules(&w.teacher, &w.store, course.id, ids)
            .await
            .unwrap_err();
        assert_eq!(error.details()[0].field, "ids");
    }

    let one = outline::add_lesson(&w.teacher, &w.store, a.id, lesson("1", ""))
        .await
        .unwrap();
    let two = outline::add_lesson(&w.teacher, &w.store, a.id, lesson("2", ""))
        .await
        .unwrap();
    let three = outline::add_lesson(&w.teacher, &w.store, a.id, lesson("3", ""))
        .await
        .unwrap();
    let lessons =
        outline::reorder_lessons(&w.teacher, &w.store, a.id, vec![three.id, one.id, two.id])
            .await
            .unwrap();
    assert_eq!(
        lessons.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
        ["3", "1", "2"]
    );
    let lessons = outline::shift_lesson(&w.teacher, &w.store, three.id, 1)
        .await
        .unwrap();
    assert_eq!(
        lessons.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
        ["1", "3", "2"]
    );

    // Moving a lesson to another module puts it at that module's end.
    let moved = LessonInput::parse(LessonForm {
        module_id: Some(b.id),
        ..Default::default()
    })
    .unwrap();
    outline::update_lesson(&w.teacher, &w.store, two.id, moved)
        .await
        .unwrap();
    let whole = courses::get(&w.teacher, &w.store, course.id).await.unwrap();
    let modules = whole.modules.unwrap();
    assert_eq!(titles(modules.clone()), ["C", "B", "A"]);
    assert_eq!(
        modules[1]
            .lessons
            .iter()
            .map(|l| l.title.as_str())
            .collect::<Vec<_>>(),
        ["2"]
    );
    assert_eq!(
        modules[2]
            .lessons
            .iter()
            .map(|l| l.title.as_str())
            .collect::<Vec<_>>(),
        ["1", "3"]
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_the_owner_staff_and_admins_edit_a_course(pool: PgPool) {
    let w = world(pool).await;
    let course = courses::create(&w.teacher, &w.store, new_course("Owned", ""))
        .await
        .unwrap();
    let rename = || {
        CoursePatch::parse(CoursePatchForm {
            title: Some("Renamed".into()),
            ..Default::default()
        })
        .unwrap()
    };
    let error = courses::update(&w.other_teacher, &w.store, course.id, rename())
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");
    let error = courses::update(&w.student, &w.store, course.id, rename())
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");

    courses::staff::add(&w.teacher, &w.store, course.id, "tea2@acme.test")
        .await
        .unwrap();
    courses::update(&w.other_teacher, &w.store, course.id, rename())
        .await
        .unwrap();
    courses::update(&w.admin, &w.store, course.id, rename())
        .await
        .unwrap();
    let error = courses::staff::add(&w.teacher, &w.store, course.id, "stu@acme.test")
        .await
        .unwrap_err();
    assert_eq!(error.details()[0].field, "email");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn students_see_only_published_courses(pool: PgPool) {
    let w = world(pool).await;
    let draft = courses::create(&w.teacher, &w.store, new_course("Draft course", ""))
        .await
        .unwrap();
    let live = published(&w, "Live course", "").await;
    let error = courses::get(&w.student, &w.store, draft.id)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.not_found");
    courses::get(&w.student, &w.store, live).await.unwrap();
    let page = courses::list(
        &w.student,
        &w.store,
        CourseQuery {
            status: Some(CourseStatus::Draft),
            ..CourseQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.items.iter().map(|c| c.id).collect::<Vec<_>>(), [live]);
    let page = courses::list(&w.teacher, &w.store, CourseQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 2);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn search_keeps_the_catalog_order_and_matches_word_prefixes(pool: PgPool) {
    let w = world(pool).await;
    let in_title = published(&w, "Borrowing and ownership", "Rust's memory model.").await;
    let in_summary = published(
        &w,
        "Cooking basics",
        "We also cover borrowing kitchen tools.",
    )
    .await;
    published(&w, "Gardening", "Soil and seeds.").await;
    let search = |q: &str| CourseQuery {
        q: Some(q.into()),
        ..CourseQuery::default()
    };
    let page = courses::list(&w.student, &w.store, search("borrowing"))
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [in_summary, in_title],
        "newest first, as the catalog lists them"
    );
    assert_eq!(page.total, 2);
    let page = courses::list(&w.student, &w.store, search("borr"))
        .await
        .unwrap();
    assert_eq!(page.total, 2, "the last word is a prefix");
    let page = courses::list(&w.student, &w.store, search("kitchen borr"))
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [in_summary]
    );
    let page = courses::list(&w.student, &w.store, search("'); drop table course; --"))
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    let titles = courses::search::suggest(&w.student, &w.store, "bor")
        .await
        .unwrap();
    assert_eq!(
        titles,
        ["Borrowing and ownership", "Cooking basics"],
        "suggestions rank title matches first"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_course_with_an_enormous_word_is_saved_and_found_by_its_other_words(pool: PgPool) {
    let w = world(pool).await;
    // 2,020 bytes: a lexeme PostgreSQL keeps, which its tenant's tag would take past 2,047.
    let summary = format!("Zymurgy {}", "é".repeat(1010));
    let course = published(&w, "Brewing", &summary).await;
    let page = courses::list(
        &w.student,
        &w.store,
        CourseQuery {
            q: Some("zymurgy".into()),
            ..CourseQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [course]
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn pages_carry_totals(pool: PgPool) {
    let w = world(pool).await;
    for i in 0..5 {
        courses::create(&w.teacher, &w.store, new_course(&format!("Course {i}"), ""))
            .await
            .unwrap();
    }
    let query = |page| CourseQuery {
        page: Some(page),
        per_page: Some(2),
        ..CourseQuery::default()
    };
    let second = courses::list(&w.teacher, &w.store, query(2)).await.unwrap();
    assert_eq!(
        (second.items.len(), second.total, second.total_pages()),
        (2, 5, 3)
    );
    let past = courses::list(&w.teacher, &w.store, query(9)).await.unwrap();
    assert_eq!((past.items.len(), past.total), (0, 5));
    let error = courses::list(
        &w.teacher,
        &w.store,
        CourseQuery {
            per_page: Some(101),
            ..CourseQuery::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(error.details()[0].field, "per_page");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn another_tenants_course_is_not_found(pool: PgPool) {
    let w = world(pool).await;
    let course = published(&w, "Ours", "").await;
    let other = tenant(&w.store, "other").await;
    let admin = user(&w.store, other, Role::Admin, "adm@other.test").await;
    let them = caller(other, admin, Role::Admin);
    for error in [
        courses::get(&them, &w.store, course).await.unwrap_err(),
        courses::publish(&them, &w.store, course, None)
            .await
            .unwrap_err(),
        courses::delete(&them, &w.store, course, None)
            .await
            .unwrap_err(),
        outline::add_module(&them, &w.store, course, "M")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(error.code().as_str(), "resource.not_found");
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn markdown_with_a_script_is_rendered_inert_on_the_lesson_page(pool: PgPool) {
    let w = world(pool).await;
    let course = courses::create(&w.teacher, &w.store, new_course("Safe", ""))
        .await
        .unwrap();
    let module = outline::add_module(&w.teacher, &w.store, course.id, "M")
        .await
        .unwrap();
    let l = outline::add_lesson(
        &w.teacher,
        &w.store,
        module.id,
        lesson("XSS", "<script>alert(1)</script>\n\n[x](javascript:alert(2)) <a href=\"#\" onclick=\"alert(3)\">y</a>"),
    )
    .await
    .unwrap();
    let domain::course::LessonPage::Open(page) =
        service::learning::lesson(&w.teacher, &w.store, l.id)
            .await
            .unwrap()
    else {
        panic!("a teacher reads every lesson")
    };
    let RenderedBlock::Html { html } = &page.blocks[0] else {
        panic!("{:?}", page.blocks)
    };
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    // The raw tag is shown as text: its attribute is words on the page, not on an element.
    assert!(!html.contains("<a href=\"#\""), "{html}");
    assert!(html.contains("&lt;a href="), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn deleting_a_course_with_learners_needs_it_archived_first(pool: PgPool) {
    let w = world(pool.clone()).await;
    let course = published(&w, "Busy", "").await;
    service::enrollments::enroll(
        &w.student,
        &w.store,
        course,
        service::enrollments::Learner::Me,
    )
    .await
    .unwrap();
    let error = courses::delete(&w.teacher, &w.store, course, None)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "course.has_enrollments");
    courses::archive(&w.teacher, &w.store, course, None)
        .await
        .unwrap();
    courses::delete(&w.teacher, &w.store, course, None)
        .await
        .unwrap();
    assert_eq!(
        count(&pool, "select count(*) from course where title = 'Busy'").await,
        0
    );
    assert_eq!(count(&pool, "select count(*) from enrollment").await, 0);
    assert_eq!(
        count(
            &pool,
            "select count(*) from audit_event where action = 'course.deleted'"
        )
        .await,
        1
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_editor_moves_deletes_and_reorders_modules_and_lessons_through_one_set_of_steps(
    pool: PgPool,
) {
    use domain::outline::{OutlineItem as Item, OutlineParent as Parent};
    use service::courses::items;

    let w = world(pool).await;
    let course = courses::create(&w.teacher, &w.store, new_course("Items", ""))
        .await
        .unwrap();
    let a = outline::add_module(&w.teacher, &w.store, course.id, "A")
        .await
        .unwrap();
    let b = outline::add_module(&w.teacher, &w.store, course.id, "B")
        .await
        .unwrap();
    let one = outline::add_lesson(&w.teacher, &w.store, a.id, lesson("1", ""))
        .await
        .unwrap();
    let two = outline::add_lesson(&w.teacher, &w.store, a.id, lesson("2", ""))
        .await
        .unwrap();
    let outline_of = || async {
        let modules = courses::get(&w.teacher, &w.store, course.id)
            .await
            .unwrap()
            .modules
            .unwrap();
        modules
            .into_iter()
            .map(|m| {
                let lessons: Vec<String> = m.lessons.into_iter().map(|l| l.title).collect();
                format!("{}:{}", m.title, lessons.join(","))
            })
            .collect::<Vec<_>>()
    };

    items::shift(&w.teacher, &w.store, Item::Module(b.id), -1)
        .await
        .unwrap();
    items::shift(&w.teacher, &w.store, Item::Lesson(one.id), 1)
        .await
        .unwrap();
    assert_eq!(outline_of().await, ["B:", "A:2,1"]);
    items::reorder(
        &w.teacher,
        &w.store,
        Parent::Module(a.id),
        vec![Item::Lesson(one.id), Item::Lesson(two.id)],
    )
    .await
    .unwrap();
    assert_eq!(outline_of().await, ["B:", "A:1,2"]);

    // A course orders modules and a module lessons: a mixed list is refused and changes nothing.
    let error = items::reorder(
        &w.teacher,
        &w.store,
        Parent::Course(course.id),
        vec![Item::Module(a.id), Item::Lesson(one.id)],
    )
    .await
    .unwrap_err();
    assert_eq!(error.details()[0].field, "ids");
    let error = items::shift(&w.student, &w.store, Item::Lesson(one.id), 1)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");
    assert_eq!(outline_of().await, ["B:", "A:1,2"]);

    items::delete(&w.teacher, &w.store, Item::Lesson(two.id))
        .await
        .unwrap();
    items::delete(&w.teacher, &w.store, Item::Module(b.id))
        .await
        .unwrap();
    assert_eq!(outline_of().await, ["A:1"]);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn past_a_thousand_matches_the_total_is_an_estimate_and_says_so(pool: PgPool) {
    let w = world(pool).await;
    let acme = w.student.tenant_id.as_uuid();
    // Straight into the table: 1,200 courses through the service would only slow the test down.
    // Course 1 is the newest; optics and waves are spread evenly, zymurgy is the three oldest.
    sqlx::query(
        "insert into course (id, tenant_id, slug, title, summary, status, published_at, created_at)
         select gen_random_uuid(), $1, 'bulk-' || i, 'Bulk physics ' || i,
                case when i > 1197 then 'Zymurgy.' when i % 4 = 0 then 'Waves.' else 'Optics.' end,
                'published', now(), now() - make_interval(secs => i)
         from generate_series(1, 1200) i",
    )
    .bind(acme)
    .execute(&w.store.pool)
    .await
    .unwrap();
    // Another tenant's zymurgy course, which no search of this tenant may count.
    let other = tenant(&w.store, "other").await.as_uuid();
    sqlx::query(
        "insert into course (id, tenant_id, slug, title, summary, status, published_at)
         values (gen_random_uuid(), $1, 'brewing', 'Brewing', 'Zymurgy.', 'published', now())",
    )
    .bind(other)
    .execute(&w.store.pool)
    .await
    .unwrap();
    sqlx::query("analyze course")
        .execute(&w.store.pool)
        .await
        .unwrap();
    let list = |q: Option<&str>, page: u32| CourseQuery {
        q: q.map(str::to_string),
        page: Some(page),
        ..CourseQuery::default()
    };
    let titles = |page: &domain::dto::Page<domain::course::CourseView>| {
        page.items
            .iter()
            .map(|c| c.title.clone())
            .collect::<Vec<_>>()
    };
    let numbered = |numbers: std::ops::RangeInclusive<u32>| {
        numbers
            .map(|i| format!("Bulk physics {i}"))
            .collect::<Vec<_>>()
    };

    let all = courses::list(&w.student, &w.store, list(None, 1))
        .await
        .unwrap();
    assert!(all.total_is_estimate, "1,200 courses is past the threshold");
    assert!(all.total > 1_000, "{}", all.total);
    assert_eq!(titles(&all), numbered(1..=20));

    // Every course matches: the newest page fills at once, and the share that matched (all of
    // them) applied to the catalog is the estimate.
    let many = courses::list(&w.student, &w.store, list(Some("physics"), 1))
        .await
        .unwrap();
    assert!(many.total_is_estimate, "{many:?}");
    assert!((1_001..=1_300).contains(&many.total), "{}", many.total);
    assert_eq!(titles(&many), numbered(1..=20), "newest first");

    // Fewer than a thousand: counted exactly, whichever way the page was found.
    for (word, matches) in [("optics", 898), ("waves", 299), ("chemistry", 0)] {
        let page = courses::list(&w.student, &w.store, list(Some(word), 1))
            .await
            .unwrap();
        assert_eq!(
            (page.total, page.total_is_estimate),
            (matches, false),
            "{word}"
        );
    }
    let oldest = courses::list(&w.student, &w.store, list(Some("zymurgy"), 1))
        .await
        .unwrap();
    assert_eq!((oldest.total, oldest.total_is_estimate), (3, false));
    assert_eq!(titles(&oldest), numbered(1198..=1200));

    let last = courses::list(&w.student, &w.store, list(Some("physics"), 60))
        .await
        .unwrap();
    assert!(last.total_is_estimate, "{last:?}");
    assert_eq!(titles(&last), numbered(1181..=1200));
    // Past the last page nothing is shown to estimate from, so the index counts.
    let beyond = courses::list(&w.student, &w.store, list(Some("physics"), 61))
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!((beyond.total, beyond.total_is_estimate), (1_200, false));
    let past = courses::list(&w.student, &w.store, list(Some("waves"), 100))
        .await
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!((past.total, past.total_is_estimate), (299, false));

    // Browsing past the last page still says how large the catalog is.
    let beyond = courses::list(&w.student, &w.store, list(None, 100))
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert!(
        beyond.total_is_estimate && beyond.total > 1_000,
        "{beyond:?}"
    );

    // Down to a few hundred: counted exactly at once, though the process still holds the
    // planner's estimate of 1,200 and the statistics still say so.
    sqlx::query(
        "delete from course
         where tenant_id = $1 and slug like 'bulk-%' and split_part(slug, '-', 2)::int > 300",
    )
    .bind(acme)
    .execute(&w.store.pool)
    .await
    .unwrap();
    let published: i64 = sqlx::query_scalar(
        "select count(*) from course where tenant_id = $1 and status = 'published'",
    )
    .bind(acme)
    .fetch_one(&w.store.pool)
    .await
    .unwrap();
    let shrunk = courses::list(&w.student, &w.store, list(None, 1))
        .await
        .unwrap();
    assert_eq!(
        (shrunk.total, shrunk.total_is_estimate),
        (published as u64, false)
    );
    assert_eq!(titles(&shrunk), numbered(1..=20));
}

/// `n` published courses for `tenant`, straight into the table, newest first by number.
async fn insert_published(pool: &PgPool, tenant: uuid::Uuid, prefix: &str, n: i32) {
    sqlx::query(
        "insert into course (id, tenant_id, slug, title, status, published_at, created_at)
         select gen_random_uuid(), $1, $2 || '-' || i, 'Course ' || i, 'published', now(),
                now() - make_interval(secs => i)
         from generate_series(1, $3) i",
    )
    .bind(tenant)
    .bind(prefix)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("analyze course").execute(pool).await.unwrap();
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn each_large_catalog_keeps_its_own_estimate_for_a_minute(pool: PgPool) {
    let w = world(pool).await;
    let acme = w.student.tenant_id;
    let other = tenant(&w.store, "other").await;
    let other_student = caller(
        other,
        user(&w.store, other, Role::Student, "stu@other.test").await,
        Role::Student,
    );
    insert_published(&w.store.pool, acme.as_uuid(), "a", 1_200).await;
    insert_published(&w.store.pool, other.as_uuid(), "o", 4_000).await;
    let total = |caller: Caller| {
        let store = w.store.clone();
        async move {
            let page = courses::list(&caller, &store, CourseQuery::default())
                .await
                .unwrap();
            assert!(page.total_is_estimate, "{page:?}");
            page.total
        }
    };

    assert!((1_001..=1_600).contains(&total(w.student.clone()).await));
    // Asked after acme's, so a cache that forgot the tenant would answer acme's figure.
    assert!((3_000..=5_000).contains(&total(other_student).await));

    // Within the minute, acme's figure stands, though its catalog and the statistics grew.
    insert_published(&w.store.pool, acme.as_uuid(), "b", 3_000).await;
    assert!((1_001..=1_600).contains(&total(w.student.clone()).await));
    w.store.clock.advance(time::Duration::seconds(61));
    assert!((3_500..=5_000).contains(&total(w.student.clone()).await));
}
