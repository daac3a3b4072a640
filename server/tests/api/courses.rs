//! `/v1/courses`, modules and lessons: authoring end to end, optimistic concurrency, validation,
//! pagination totals, and refusals for students and other tenants on every route.

use domain::{Role, TenantId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app, TestApp};

/// Sends a `/v1` call with an optional JSON body and asserts its status; answers the body.
async fn call(
    app: &TestApp,
    key: &str,
    t: TenantId,
    method: Method,
    path: &str,
    body: Option<Value>,
    expect: StatusCode,
) -> Value {
    let mut request = app.v1(method.clone(), path, key, t);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let (status, _, body) = send(request).await;
    assert_eq!(status, expect, "{method} {path}: {body}");
    body
}

fn id(body: &Value) -> String {
    body["data"]["id"].as_str().unwrap().to_string()
}

fn titles(modules: &Value) -> Vec<&str> {
    modules
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect()
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_teacher_key_authors_reorders_and_publishes_a_course(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let key = app.key(t, Role::Teacher).await;
    let owner = app.user(t, Role::Teacher, "tea@acme.test").await;
    let ok = StatusCode::OK;

    let course = call(&app, &key, t, Method::POST, "/v1/courses", Some(json!({
        "title": "Statistics for everyone", "summary": "Means, medians and p-values.", "owner_id": owner.to_string()
    })), StatusCode::CREATED).await;
    assert_eq!(course["data"]["status"], "draft");
    assert_eq!(course["data"]["slug"], "statistics-for-everyone");
    assert_eq!(course["data"]["owner_id"], owner.to_string());
    let c = id(&course);

    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/publish"),
        None,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code(&error), "course.no_lessons");

    let m1 = id(&call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules"),
        Some(json!({"title": "Week 1"})),
        StatusCode::CREATED,
    )
    .await);
    let m2 = id(&call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules"),
        Some(json!({"title": "Week 2"})),
        StatusCode::CREATED,
    )
    .await);
    let mut lessons = Vec::new();
    for (module, title) in [(&m1, "Means"), (&m1, "Medians"), (&m2, "P-values")] {
        let body = json!({ "title": title, "blocks": [
            { "kind": "markdown", "text": format!("# {title}") },
            { "kind": "video", "url": "https://www.youtube.com/watch?v=abc", "title": "Intro" },
            { "kind": "file", "url": "https://example.org/notes.pdf", "label": "Notes" }
        ]});
        lessons.push(id(&call(
            &app,
            &key,
            t,
            Method::POST,
            &format!("/v1/modules/{module}/lessons"),
            Some(body),
            StatusCode::CREATED,
        )
        .await));
    }

    let order = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules/reorder"),
        Some(json!({"ids": [m2, m1]})),
        ok,
    )
    .await;
    assert_eq!(titles(&order["data"]), ["Week 2", "Week 1"]);
    let order = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/modules/{m1}/lessons/reorder"),
        Some(json!({"ids": [lessons[1], lessons[0]]})),
        ok,
    )
    .await;
    assert_eq!(titles(&order["data"]), ["Medians", "Means"]);

    let whole = call(
        &app,
        &key,
        t,
        Method::GET,
        &format!("/v1/courses/{c}"),
        None,
        ok,
    )
    .await;
    let modules = &whole["data"]["modules"];
    assert_eq!(titles(modules), ["Week 2", "Week 1"]);
    assert_eq!(titles(&modules[1]["lessons"]), ["Medians", "Means"]);
    assert_eq!(modules[0]["lessons"][0]["blocks"][1]["kind"], "video");
    assert_eq!(whole["data"]["lesson_count"], 3);

    // Optimistic concurrency: the version read must still be current.
    let version = whole["data"]["version"].as_i64().unwrap();
    call(
        &app,
        &key,
        t,
        Method::PATCH,
        &format!("/v1/courses/{c}"),
        Some(json!({"summary": "Updated.", "version": version})),
        ok,
    )
    .await;
    let stale = call(
        &app,
        &key,
        t,
        Method::PATCH,
        &format!("/v1/courses/{c}"),
        Some(json!({"title": "Lost edit", "version": version})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code(&stale), "resource.version_conflict");
    let lesson = call(
        &app,
        &key,
        t,
        Method::GET,
        &format!("/v1/lessons/{}", lessons[0]),
        None,
        ok,
    )
    .await;
    let lv = lesson["data"]["version"].as_i64().unwrap();
    call(
        &app,
        &key,
        t,
        Method::PATCH,
        &format!("/v1/lessons/{}", lessons[0]),
        Some(json!({"blocks": [], "version": lv})),
        ok,
    )
    .await;
    let stale = call(
        &app,
        &key,
        t,
        Method::PATCH,
        &format!("/v1/lessons/{}", lessons[0]),
        Some(json!({"title": "x", "version": lv})),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code(&stale), "resource.version_conflict");
    let module = call(
        &app,
        &key,
        t,
        Method::PATCH,
        &format!("/v1/modules/{m2}"),
        Some(json!({"title": "Week Two"})),
        ok,
    )
    .await;
    assert_eq!(module["data"]["title"], "Week Two");

    let published = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/publish"),
        None,
        ok,
    )
    .await;
    assert_eq!(published["data"]["status"], "published");
    let events: i64 = sqlx::query_scalar("select count(*) from event_outbox where event_type = 'course.published' and tenant_id = $1")
        .bind(t.as_uuid())
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    assert_eq!(events, 1);

    call(
        &app,
        &key,
        t,
        Method::DELETE,
        &format!("/v1/lessons/{}", lessons[2]),
        None,
        ok,
    )
    .await;
    call(
        &app,
        &key,
        t,
        Method::DELETE,
        &format!("/v1/modules/{m2}"),
        None,
        ok,
    )
    .await;
    let left = call(
        &app,
        &key,
        t,
        Method::GET,
        &format!("/v1/courses/{c}/modules"),
        None,
        ok,
    )
    .await;
    assert_eq!(titles(&left["data"]), ["Week 1"]);
    call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/unpublish"),
        Some(json!({})),
        ok,
    )
    .await;
    let archived = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/archive"),
        None,
        ok,
    )
    .await;
    assert_eq!(archived["data"]["status"], "archived");
    let gone = call(
        &app,
        &key,
        t,
        Method::DELETE,
        &format!("/v1/courses/{c}"),
        None,
        ok,
    )
    .await;
    assert_eq!(gone["data"]["deleted"], true);
    call(
        &app,
        &key,
        t,
        Method::GET,
        &format!("/v1/courses/{c}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn invalid_input_names_each_field(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let key = app.key(t, Role::Teacher).await;
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        "/v1/courses",
        Some(json!({"title": "ab", "cover_color": "pink", "slug": "Not A Slug"})),
        unprocessable,
    )
    .await;
    assert_eq!(code(&error), "request.validation_failed");
    assert_eq!(
        fields(&error["error"]["details"]),
        ["title", "slug", "cover_color"]
    );
    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        "/v1/courses",
        Some(json!({"title": "t".repeat(201)})),
        unprocessable,
    )
    .await;
    assert_eq!(fields(&error["error"]["details"]), ["title"]);

    let c = id(&call(
        &app,
        &key,
        t,
        Method::POST,
        "/v1/courses",
        Some(json!({"title": "Valid"})),
        StatusCode::CREATED,
    )
    .await);
    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules"),
        Some(json!({"title": "  "})),
        unprocessable,
    )
    .await;
    assert_eq!(fields(&error["error"]["details"]), ["title"]);
    let m = id(&call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules"),
        Some(json!({"title": "M"})),
        StatusCode::CREATED,
    )
    .await);
    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/modules/{m}/lessons"),
        Some(json!({"title": "L", "blocks": [
            {"kind": "markdown", "text": "fine"},
            {"kind": "file", "url": "javascript:alert(1)", "label": "x"},
            {"kind": "video", "url": "https://example.org/v", "title": ""}
        ]})),
        unprocessable,
    )
    .await;
    assert_eq!(
        fields(&error["error"]["details"]),
        ["blocks[1].url", "blocks[2].title"]
    );
    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules/reorder"),
        Some(json!({"ids": []})),
        unprocessable,
    )
    .await;
    assert_eq!(fields(&error["error"]["details"]), ["ids"]);
    let error = call(
        &app,
        &key,
        t,
        Method::GET,
        "/v1/courses?per_page=101",
        None,
        unprocessable,
    )
    .await;
    assert_eq!(fields(&error["error"]["details"]), ["per_page"]);
    let error = call(
        &app,
        &key,
        t,
        Method::GET,
        "/v1/courses?status=live",
        None,
        unprocessable,
    )
    .await;
    assert_eq!(fields(&error["error"]["details"]), ["status"]);
    let error = call(
        &app,
        &key,
        t,
        Method::GET,
        "/v1/courses/usr_01kbt2n3r5x8yq0c4e6g8j9m2p",
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(code(&error), "request.malformed");
    let error = call(
        &app,
        &key,
        t,
        Method::POST,
        &format!("/v1/modules/{m}/lessons"),
        Some(json!({"title": "L", "blocks": [{"kind": "flash"}]})),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(code(&error), "request.malformed");
    // Nothing half-written: the refused lessons left no row.
    let lessons: i64 = sqlx::query_scalar("select count(*) from lesson")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    assert_eq!(lessons, 0);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn lists_page_with_totals_and_searches(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let key = app.key(t, Role::Teacher).await;
    for i in 0..23 {
        let summary = if i == 7 {
            "All about zymurgy and brewing."
        } else {
            "General studies."
        };
        call(
            &app,
            &key,
            t,
            Method::POST,
            "/v1/courses",
            Some(json!({"title": format!("Course number {i}"), "summary": summary})),
            StatusCode::CREATED,
        )
        .await;
    }
    let page = call(
        &app,
        &key,
        t,
        Method::GET,
        "/v1/courses?per_page=10&page=3",
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
    assert_eq!(
        (
            page["meta"]["total"].as_i64(),
            page["meta"]["total_pages"].as_i64(),
            page["meta"]["page"].as_i64()
        ),
        (Some(23), Some(3), Some(3))
    );
    let found = call(
        &app,
        &key,
        t,
        Method::GET,
        "/v1/courses?q=zymur",
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["meta"]["total"], 1);
    assert_eq!(found["data"][0]["title"], "Course number 7");
    let drafts = call(
        &app,
        &key,
        t,
        Method::GET,
        "/v1/courses?status=published",
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(drafts["meta"]["total"], 0);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_student_key_reads_published_courses_and_writes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    let student = app.key(t, Role::Student).await;
    let c = id(&call(
        &app,
        &teacher,
        t,
        Method::POST,
        "/v1/courses",
        Some(json!({"title": "Chemistry"})),
        StatusCode::CREATED,
    )
    .await);
    let m = id(&call(
        &app,
        &teacher,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules"),
        Some(json!({"title": "M"})),
        StatusCode::CREATED,
    )
    .await);
    let l = id(&call(
        &app,
        &teacher,
        t,
        Method::POST,
        &format!("/v1/modules/{m}/lessons"),
        Some(json!({"title": "L"})),
        StatusCode::CREATED,
    )
    .await);

    // A draft is not found for a student.
    call(
        &app,
        &student,
        t,
        Method::GET,
        &format!("/v1/courses/{c}"),
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    call(
        &app,
        &teacher,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/publish"),
        None,
        StatusCode::OK,
    )
    .await;
    call(
        &app,
        &student,
        t,
        Method::GET,
        &format!("/v1/courses/{c}"),
        None,
        StatusCode::OK,
    )
    .await;
    let list = call(
        &app,
        &student,
        t,
        Method::GET,
        "/v1/courses",
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["meta"]["total"], 1);

    let writes = [
        (
            Method::POST,
            "/v1/courses".to_string(),
            json!({"title": "Mine"}),
        ),
        (
            Method::PATCH,
            format!("/v1/courses/{c}"),
            json!({"title": "Mine"}),
        ),
        (Method::DELETE, format!("/v1/courses/{c}"), json!({})),
        (Method::POST, format!("/v1/courses/{c}/publish"), json!({})),
        (
            Method::POST,
            format!("/v1/courses/{c}/unpublish"),
            json!({}),
        ),
        (Method::POST, format!("/v1/courses/{c}/archive"), json!({})),
        (
            Method::POST,
            format!("/v1/courses/{c}/modules"),
            json!({"title": "M"}),
        ),
        (
            Method::POST,
            format!("/v1/courses/{c}/modules/reorder"),
            json!({"ids": [m]}),
        ),
        (
            Method::PATCH,
            format!("/v1/modules/{m}"),
            json!({"title": "M"}),
        ),
        (Method::DELETE, format!("/v1/modules/{m}"), json!({})),
        (
            Method::POST,
            format!("/v1/modules/{m}/lessons"),
            json!({"title": "L"}),
        ),
        (
            Method::POST,
            format!("/v1/modules/{m}/lessons/reorder"),
            json!({"ids": [l]}),
        ),
        (
            Method::PATCH,
            format!("/v1/lessons/{l}"),
            json!({"title": "L"}),
        ),
        (Method::DELETE, format!("/v1/lessons/{l}"), json!({})),
        (
            Method::GET,
            format!("/v1/courses/{c}/enrollments"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/v1/courses/{c}/enrollments"),
            json!({"email": "x@acme.test"}),
        ),
        (
            Method::POST,
            format!("/v1/courses/{c}/staff"),
            json!({"email": "x@acme.test"}),
        ),
    ];
    for (method, path, body) in writes {
        let body = if method == Method::DELETE || method == Method::GET {
            None
        } else {
            Some(body)
        };
        let error = call(
            &app,
            &student,
            t,
            method,
            &path,
            body,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(code(&error), "auth.forbidden", "{path}");
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn another_tenants_ids_are_not_found_on_every_route(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let other = app.tenant("other").await;
    let ours = app.key(t, Role::Admin).await;
    let theirs = app.key(other, Role::Admin).await;
    app.user(other, Role::Student, "stu@other.test").await;
    let c = id(&call(
        &app,
        &ours,
        t,
        Method::POST,
        "/v1/courses",
        Some(json!({"title": "Private"})),
        StatusCode::CREATED,
    )
    .await);
    let m = id(&call(
        &app,
        &ours,
        t,
        Method::POST,
        &format!("/v1/courses/{c}/modules"),
        Some(json!({"title": "M"})),
        StatusCode::CREATED,
    )
    .await);
    let l = id(&call(
        &app,
        &ours,
        t,
        Method::POST,
        &format!("/v1/modules/{m}/lessons"),
        Some(json!({"title": "L"})),
        StatusCode::CREATED,
    )
    .await);

    let routes = [
        (Method::GET, format!("/v1/courses/{c}"), None),
        (
            Method::PATCH,
            format!("/v1/courses/{c}"),
            Some(json!({"title": "Stolen"})),
        ),
        (Method::DELETE, format!("/v1/courses/{c}"), None),
        (Method::POST, format!("/v1/courses/{c}/publish"), None),
        (Method::POST, format!("/v1/courses/{c}/archive"), None),
        (Method::GET, format!("/v1/courses/{c}/modules"), None),
        (
            Method::POST,
            format!("/v1/courses/{c}/modules"),
            Some(json!({"title": "M"})),
        ),
        (
            Method::POST,
            format!("/v1/courses/{c}/modules/reorder"),
            Some(json!({"ids": [m]})),
        ),
        (Method::GET, format!("/v1/modules/{m}"), None),
        (
            Method::PATCH,
            format!("/v1/modules/{m}"),
            Some(json!({"title": "M"})),
        ),
        (Method::DELETE, format!("/v1/modules/{m}"), None),
        (Method::GET, format!("/v1/modules/{m}/lessons"), None),
        (
            Method::POST,
            format!("/v1/modules/{m}/lessons"),
            Some(json!({"title": "L"})),
        ),
        (Method::GET, format!("/v1/lessons/{l}"), None),
        (
            Method::PATCH,
            format!("/v1/lessons/{l}"),
            Some(json!({"title": "L"})),
        ),
        (Method::DELETE, format!("/v1/lessons/{l}"), None),
        (Method::GET, format!("/v1/courses/{c}/enrollments"), None),
        (
            Method::POST,
            format!("/v1/courses/{c}/enrollments"),
            Some(json!({"email": "stu@other.test"})),
        ),
        (
            Method::DELETE,
            format!("/v1/courses/{c}/enrollments?email=stu@other.test"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/courses/{c}/staff"),
            Some(json!({"email": "stu@other.test"})),
        ),
    ];
    for (method, path, body) in routes {
        let error = call(
            &app,
            &theirs,
            other,
            method,
            &path,
            body,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(code(&error), "resource.not_found", "{path}");
    }
    let still = call(
        &app,
        &ours,
        t,
        Method::GET,
        &format!("/v1/courses/{c}"),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(still["data"]["title"], "Private");
}
