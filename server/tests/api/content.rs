//! Lesson content reaches the course's learners and teachers only, on every path that returns
//! lessons: `/v1` (where a student key is no learner, so it reads outlines) and the server
//! functions a signed-in student calls.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{code, send, spawn_app};

/// Every lesson object in a `/v1` answer or a server function's answer.
fn lessons(value: &Value) -> Vec<&Value> {
    match value {
        Value::Object(map) if map.contains_key("module_id") && map.contains_key("position") => {
            vec![value]
        }
        Value::Object(map) => map.values().flat_map(lessons).collect(),
        Value::Array(items) => items.iter().flat_map(lessons).collect(),
        _ => Vec::new(),
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn lesson_content_is_for_learners_and_teachers_on_every_route(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    let student_key = app.key(t, Role::Student).await;
    app.user(t, Role::Student, "stu@acme.test").await;
    let c = app
        .create(
            &teacher,
            t,
            "/v1/courses",
            json!({"title": "Secret recipes", "self_enrollment": false}),
        )
        .await;
    let m = app
        .create(
            &teacher,
            t,
            &format!("/v1/courses/{c}/modules"),
            json!({"title": "M"}),
        )
        .await;
    let l = app
        .create(
            &teacher,
            t,
            &format!("/v1/modules/{m}/lessons"),
            json!({"title": "Sauce", "blocks": [{"kind": "markdown", "text": "THE SECRET"}]}),
        )
        .await;
    app.create(&teacher, t, &format!("/v1/courses/{c}/publish"), json!({}))
        .await;

    let reads = [
        format!("/v1/courses/{c}"),
        format!("/v1/courses/{c}/modules"),
        format!("/v1/modules/{m}"),
        format!("/v1/modules/{m}/lessons"),
    ];
    for path in &reads {
        let (status, _, body) = send(app.v1(Method::GET, path, &student_key, t)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let found = lessons(&body);
        assert_eq!(found.len(), 1, "{path}: the outline shows: {body}");
        assert!(found[0].get("blocks").is_none(), "{path}: {body}");
        assert!(!body.to_string().contains("THE SECRET"), "{path}: {body}");

        let (_, _, body) = send(app.v1(Method::GET, path, &teacher, t)).await;
        assert!(body.to_string().contains("THE SECRET"), "{path}: {body}");
    }
    let (status, _, body) =
        send(app.v1(Method::GET, &format!("/v1/lessons/{l}"), &student_key, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "enrollment.required"),
        "{body}"
    );

    // A signed-in student who has not joined: the outline, no content, and the lesson page's gate.
    let browser = app.signed_in("acme", "stu@acme.test").await;
    for (endpoint, form) in [
        ("courses/get", vec![("id", c.as_str())]),
        ("learning/course", vec![("id", c.as_str())]),
    ] {
        let (status, _, body) = app.call(&browser, endpoint, &form).await;
        assert_eq!(status, StatusCode::OK, "{endpoint}: {body}");
        assert_eq!(lessons(&body).len(), 1, "{endpoint}: {body}");
        assert!(
            !body.to_string().contains("THE SECRET"),
            "{endpoint}: {body}"
        );
    }
    let (status, _, body) = app.call(&browser, "learning/lesson", &[("id", &l)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["NeedsEnrollment"]["lesson_title"], "Sauce", "{body}");
    assert_eq!(body["NeedsEnrollment"]["can_self_enroll"], false, "{body}");
    assert!(!body.to_string().contains("THE SECRET"), "{body}");
}
