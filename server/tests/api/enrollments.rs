//! `/v1/courses/{id}/enrollments` and `/staff`, and the learner's server functions (enrol, complete
//! a lesson, my courses) as the browser calls them.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn teachers_enrol_withdraw_and_import_rosters(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let key = app.key(t, Role::Teacher).await;
    let ada = app.user(t, Role::Student, "ada@acme.test").await;
    app.user(t, Role::Student, "bob@acme.test").await;
    app.user(t, Role::Teacher, "tea@acme.test").await;
    let (_, _, course) = send(
        app.v1(Method::POST, "/v1/courses", &key, t)
            .json(&json!({"title": "Biology"})),
    )
    .await;
    let c = course["data"]["id"].as_str().unwrap().to_string();
    let path = format!("/v1/courses/{c}/enrollments");

    let (status, _, body) = send(
        app.v1(Method::POST, &path, &key, t)
            .json(&json!({"email": "Ada@acme.test"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            body["data"]["user_id"].as_str(),
            body["data"]["status"].as_str()
        ),
        (Some(ada.to_string().as_str()), Some("active"))
    );
    let (status, _, _) = send(
        app.v1(Method::POST, &path, &key, t)
            .json(&json!({"user_id": ada.to_string()})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "already enrolled");
    let (status, _, body) = send(
        app.v1(Method::POST, &path, &key, t)
            .json(&json!({"user_id": ada.to_string(), "email": "ada@acme.test"})),
    )
    .await;
    assert_eq!(
        (status, fields(&body["error"]["details"])),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["user_id"])
    );
    let (status, _, body) = send(
        app.v1(Method::POST, &path, &key, t)
            .json(&json!({"email": "nobody@acme.test"})),
    )
    .await;
    assert_eq!(
        (status, fields(&body["error"]["details"])),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["email"])
    );

    let (status, _, body) = send(
        app.v1(Method::POST, &format!("{path}/import"), &key, t)
            .header("content-type", "text/csv")
            .body("email\nbob@acme.test\nada@acme.test\nnot an email\n"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcomes: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["enrolled", "already_enrolled", "failed"]);
    assert_eq!(body["data"][2]["line"], 4);

    let (_, _, roster) = send(app.v1(Method::GET, &format!("{path}?per_page=1"), &key, t)).await;
    assert_eq!(
        (
            roster["meta"]["total"].as_i64(),
            roster["data"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    assert_eq!(roster["data"][0]["user_email"], "ada@acme.test");

    // Deleting the course is refused while learners are enrolled.
    let (status, _, body) =
        send(app.v1(Method::DELETE, &format!("/v1/courses/{c}"), &key, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "course.has_enrollments")
    );

    let (status, _, body) = send(app.v1(
        Method::DELETE,
        &format!("{path}?email=bob@acme.test"),
        &key,
        t,
    ))
    .await;
    assert_eq!(
        (status, body["data"]["status"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );
    let (status, _, _) = send(app.v1(Method::DELETE, &format!("{path}/{ada}"), &key, t)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = send(app.v1(Method::DELETE, &format!("{path}/{ada}"), &key, t)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
    let (_, _, roster) = send(app.v1(Method::GET, &format!("{path}?status=active"), &key, t)).await;
    assert_eq!(roster["meta"]["total"], 0);

    let (status, _, staff) = send(
        app.v1(Method::POST, &format!("/v1/courses/{c}/staff"), &key, t)
            .json(&json!({"email": "tea@acme.test"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    assert_eq!(staff["data"][0]["email"], "tea@acme.test");
    let (status, _, body) = send(
        app.v1(Method::POST, &format!("/v1/courses/{c}/staff"), &key, t)
            .json(&json!({"email": "ada@acme.test"})),
    )
    .await;
    assert_eq!(
        (status, fields(&body["error"]["details"])),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["email"])
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_signed_in_learner_enrols_completes_a_lesson_and_sees_progress(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let key = app.key(t, Role::Teacher).await;
    app.user(t, Role::Student, "stu@acme.test").await;
    let (_, _, course) = send(
        app.v1(Method::POST, "/v1/courses", &key, t)
            .json(&json!({"title": "Geology", "summary": "Rocks."})),
    )
    .await;
    let c = course["data"]["id"].as_str().unwrap().to_string();
    let (_, _, module) = send(
        app.v1(Method::POST, &format!("/v1/courses/{c}/modules"), &key, t)
            .json(&json!({"title": "M"})),
    )
    .await;
    let m = module["data"]["id"].as_str().unwrap().to_string();
    let mut lessons = Vec::new();
    for title in ["Igneous", "Sedimentary"] {
        let (_, _, l) = send(
            app.v1(Method::POST, &format!("/v1/modules/{m}/lessons"), &key, t)
                .json(&json!({"title": title})),
        )
        .await;
        lessons.push(l["data"]["id"].as_str().unwrap().to_string());
    }
    send(app.v1(Method::POST, &format!("/v1/courses/{c}/publish"), &key, t)).await;

    let browser = app.signed_in("acme", "stu@acme.test").await;
    let (status, _, found) = app.call(&browser, "catalog/search", &[("q", "rock")]).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1);
    let (status, _, body) = app
        .call(&browser, "learning/lesson", &[("id", &lessons[0])])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("NeedsEnrollment").is_some(),
        "not enrolled yet: {body}"
    );
    let (status, _, body) = app
        .call(&browser, "learning/enroll", &[("course_id", &c)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = app
        .call(&browser, "learning/complete", &[("id", &lessons[0])])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["completed_lessons"].as_i64(),
            body["total_lessons"].as_i64()
        ),
        (Some(1), Some(2))
    );
    let (_, _, mine) = app.call(&browser, "learning/my-courses", &[]).await;
    assert_eq!(mine[0]["completed_lessons"], 1);

    // The roster shows the same progress to the teacher's key.
    let (_, _, roster) = send(app.v1(
        Method::GET,
        &format!("/v1/courses/{c}/enrollments"),
        &key,
        t,
    ))
    .await;
    assert_eq!(roster["data"][0]["completed_lessons"], 1);
}
