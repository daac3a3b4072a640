//! `/v1/quizzes`: authoring over HTTP, with the envelope, validation, pagination totals, what a
//! student key sees, and other tenants' ids.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{code, fields, send, spawn_app};

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_teacher_key_authors_and_publishes_a_quiz_that_students_see_without_keys(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    let student = app.key(t, Role::Student).await;
    let request = |key: &str, method: Method, path: &str, body: Option<Value>| {
        let mut request = app.v1(method, path, key, t);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request)
    };

    let course = app
        .create(&teacher, t, "/v1/courses", json!({"title": "Statistics"}))
        .await;
    let module = app
        .create(
            &teacher,
            t,
            &format!("/v1/courses/{course}/modules"),
            json!({"title": "One"}),
        )
        .await;
    app.create(
        &teacher,
        t,
        &format!("/v1/modules/{module}/lessons"),
        json!({"title": "Intro"}),
    )
    .await;
    let (status, _, _) = request(
        &teacher,
        Method::POST,
        &format!("/v1/courses/{course}/publish"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Every problem of the body at once, by field.
    let (status, _, body) = request(
        &teacher,
        Method::POST,
        "/v1/quizzes",
        Some(json!({"course_id": course, "title": "ab", "passing_score": 0, "show_answers": "sometimes"})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
    assert_eq!(
        fields(&body["error"]["details"]),
        ["title", "passing_score", "show_answers"]
    );

    let (status, _, quiz) = request(
        &teacher,
        Method::POST,
        "/v1/quizzes",
        Some(json!({"course_id": course, "title": "Week 1", "time_limit_minutes": 15, "max_attempts": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let q = quiz["data"]["id"].as_str().unwrap().to_string();
    assert!(q.starts_with("asmnt_"), "{q}");
    assert_eq!(quiz["data"]["question_count"], 0);
    assert_eq!(quiz["data"]["status"], "draft");

    let (status, _, body) = request(
        &teacher,
        Method::POST,
        &format!("/v1/quizzes/{q}/publish"),
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "quiz.no_questions")
    );

    let mut question_ids = Vec::new();
    for question in [
        json!({"kind": "single_choice", "prompt": "Centre?", "options": [{"text": "Mean", "correct": true}, {"text": "Range"}]}),
        json!({"kind": "multiple_choice", "prompt": "Even?", "scoring": "partial", "options": [{"text": "2", "correct": true}, {"text": "3"}, {"text": "4", "correct": true}]}),
        json!({"kind": "true_false", "prompt": "Variances are never negative.", "correct_answer": true}),
        json!({"kind": "short_text", "prompt": "The middle value", "accepted_answers": ["median"]}),
        json!({"kind": "numeric", "prompt": "Mean of 1, 2, 6", "value": 3, "tolerance": 0.1, "points": 2}),
        json!({"kind": "essay", "prompt": "Explain a p-value.", "points": 5}),
    ] {
        let (status, _, created) = request(
            &teacher,
            Method::POST,
            &format!("/v1/quizzes/{q}/questions"),
            Some(question),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created["data"]["id"].as_str().unwrap().starts_with("q_"));
        question_ids.push(created["data"]["id"].as_str().unwrap().to_string());
    }
    let (_, _, bad) = request(
        &teacher,
        Method::POST,
        &format!("/v1/quizzes/{q}/questions"),
        Some(json!({"kind": "numeric", "prompt": "?", "tolerance": -1})),
    )
    .await;
    assert_eq!(fields(&bad["error"]["details"]), ["value"]);

    question_ids.reverse();
    let (status, _, order) = request(
        &teacher,
        Method::POST,
        &format!("/v1/quizzes/{q}/questions/reorder"),
        Some(json!({"ids": question_ids})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["data"][0]["kind"], "essay");

    let (status, _, patched) = request(
        &teacher,
        Method::PATCH,
        &format!("/v1/questions/{}", question_ids[0]),
        Some(json!({"points": 4})),
    )
    .await;
    assert_eq!(
        (status, patched["data"]["points"].clone()),
        (StatusCode::OK, json!(4))
    );

    let (status, _, published) = request(
        &teacher,
        Method::POST,
        &format!("/v1/quizzes/{q}/publish"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["data"]["status"], "published");
    // Back to draft, where students no longer find it, and published again.
    let (status, _, draft) = request(
        &teacher,
        Method::POST,
        &format!("/v1/quizzes/{q}/unpublish"),
        None,
    )
    .await;
    assert_eq!(
        (status, draft["data"]["status"].clone()),
        (StatusCode::OK, json!("draft"))
    );
    let (status, _, _) = request(&student, Method::GET, &format!("/v1/quizzes/{q}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = request(
        &teacher,
        Method::POST,
        &format!("/v1/quizzes/{q}/publish"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (_, _, staff_view) =
        request(&teacher, Method::GET, &format!("/v1/quizzes/{q}"), None).await;
    assert_eq!(staff_view["data"]["questions"].as_array().unwrap().len(), 6);
    assert_eq!(
        staff_view["data"]["questions"][5]["options"][0]["correct"],
        true
    );

    // A student key sees the settings and the count; the questions and their keys never.
    let (status, _, student_view) =
        request(&student, Method::GET, &format!("/v1/quizzes/{q}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(student_view["data"]["question_count"], 6);
    assert!(
        student_view["data"].get("questions").is_none(),
        "{student_view}"
    );

    let (status, _, list) = request(
        &teacher,
        Method::GET,
        &format!("/v1/quizzes?course_id={course}&per_page=1"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["meta"]["total"], 1);
    assert_eq!(list["data"][0]["id"], q.as_str());
    let (status, _, body) = request(&teacher, Method::GET, "/v1/quizzes?per_page=101", None).await;
    assert_eq!(
        (status, code(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );

    let (status, _, _) = request(
        &teacher,
        Method::DELETE,
        &format!("/v1/questions/{}", question_ids[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, deleted) =
        request(&teacher, Method::DELETE, &format!("/v1/quizzes/{q}"), None).await;
    assert_eq!(
        (status, deleted["data"]["deleted"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, _, body) = request(&teacher, Method::GET, &format!("/v1/quizzes/{q}"), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn another_tenants_quiz_and_question_are_not_found(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let ours = app.key(t, Role::Admin).await;
    let theirs = app.key(other, Role::Admin).await;
    let course = app
        .create(&theirs, other, "/v1/courses", json!({"title": "Theirs"}))
        .await;
    let quiz = app
        .create(
            &theirs,
            other,
            "/v1/quizzes",
            json!({"course_id": course, "title": "Their quiz"}),
        )
        .await;
    let question = app
        .create(
            &theirs,
            other,
            &format!("/v1/quizzes/{quiz}/questions"),
            json!({"kind": "essay", "prompt": "Why?"}),
        )
        .await;

    for (method, path, body) in [
        (Method::GET, format!("/v1/quizzes/{quiz}"), None),
        (
            Method::PATCH,
            format!("/v1/quizzes/{quiz}"),
            Some(json!({"title": "Mine now"})),
        ),
        (Method::POST, format!("/v1/quizzes/{quiz}/publish"), None),
        (Method::POST, format!("/v1/quizzes/{quiz}/unpublish"), None),
        (Method::DELETE, format!("/v1/quizzes/{quiz}"), None),
        (
            Method::POST,
            format!("/v1/quizzes/{quiz}/questions"),
            Some(json!({"kind": "essay", "prompt": "?"})),
        ),
        (
            Method::PATCH,
            format!("/v1/questions/{question}"),
            Some(json!({"points": 3})),
        ),
        (Method::DELETE, format!("/v1/questions/{question}"), None),
        (
            Method::POST,
            "/v1/quizzes".to_string(),
            Some(json!({"course_id": course, "title": "In theirs"})),
        ),
    ] {
        let mut request = app.v1(method.clone(), &path, &ours, t);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, _, answer) = send(request).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "resource.not_found"),
            "{method} {path}: {answer}"
        );
    }
    let (_, _, list) = send(app.v1(Method::GET, "/v1/quizzes", &ours, t)).await;
    assert_eq!(list["meta"]["total"], 0);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_teacher_key_takes_an_attempt_on_behalf_of_an_enrolled_learner(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let teacher = app.key(t, Role::Teacher).await;
    let student_key = app.key(t, Role::Student).await;
    let learner = app.user(t, Role::Student, "stu@acme.test").await;
    let foreigner = app.user(other, Role::Student, "stu@globex.test").await;
    let send_as = |key: &str,
                   on_behalf: Option<String>,
                   method: Method,
                   path: String,
                   body: Option<Value>| {
        let mut request = app.v1(method, &path, key, t);
        if let Some(user) = on_behalf {
            request = request.header("x-on-behalf-of", user);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request)
    };
    let me = Some(learner.to_string());

    let course = app
        .create(&teacher, t, "/v1/courses", json!({"title": "Statistics"}))
        .await;
    let module = app
        .create(
            &teacher,
            t,
            &format!("/v1/courses/{course}/modules"),
            json!({"title": "One"}),
        )
        .await;
    app.create(
        &teacher,
        t,
        &format!("/v1/modules/{module}/lessons"),
        json!({"title": "Intro"}),
    )
    .await;
    send_as(
        &teacher,
        None,
        Method::POST,
        format!("/v1/courses/{course}/publish"),
        None,
    )
    .await;
    let quiz = app
        .create(
            &teacher,
            t,
            "/v1/quizzes",
            json!({"course_id": course, "title": "Timed", "time_limit_minutes": 10}),
        )
        .await;
    let question = app
        .create(
            &teacher,
            t,
            &format!("/v1/quizzes/{quiz}/questions"),
            json!({"kind": "numeric", "prompt": "1 + 1", "value": 2}),
        )
        .await;
    send_as(
        &teacher,
        None,
        Method::POST,
        format!("/v1/quizzes/{quiz}/publish"),
        None,
    )
    .await;
    let attempts = format!("/v1/quizzes/{quiz}/attempts");

    // Not a learner of the course yet.
    let (status, _, body) =
        send_as(&teacher, me.clone(), Method::POST, attempts.clone(), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "enrollment.required"),
        "{body}"
    );
    app.create(
        &teacher,
        t,
        &format!("/v1/courses/{course}/enrollments"),
        json!({"user_id": learner.to_string()}),
    )
    .await;

    // A student key acts for nobody; a staff key must name the learner; the name must be well
    // formed and of this tenant.
    let (status, _, body) = send_as(
        &student_key,
        me.clone(),
        Method::POST,
        attempts.clone(),
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "auth.forbidden")
    );
    let (status, _, body) = send_as(&teacher, None, Method::POST, attempts.clone(), None).await;
    assert_eq!(
        (status, fields(&body["error"]["details"])),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["X-On-Behalf-Of"])
    );
    let (status, _, body) = send_as(
        &teacher,
        Some("nobody".into()),
        Method::POST,
        attempts.clone(),
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "request.malformed")
    );
    let (status, _, body) = send_as(
        &teacher,
        Some(foreigner.to_string()),
        Method::POST,
        attempts.clone(),
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );

    let (status, _, started) =
        send_as(&teacher, me.clone(), Method::POST, attempts.clone(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let attempt = started["data"]["id"].as_str().unwrap().to_string();
    assert!(attempt.starts_with("att_"));
    assert_eq!(started["data"]["remaining_ms"], 600_000);
    assert!(
        started["data"]["server_now"].is_string() && started["data"]["deadline_at"].is_string()
    );
    assert!(
        started["data"]["questions"][0].get("value").is_none(),
        "no answer key in an attempt"
    );
    let (status, _, again) =
        send_as(&teacher, me.clone(), Method::POST, attempts.clone(), None).await;
    assert_eq!(
        (status, again["data"]["id"].clone()),
        (StatusCode::OK, json!(attempt))
    );

    let one = format!("{attempts}/{attempt}");
    let save = |value: i32, revision: Option<i32>| json!({"answers": [{"question_id": question, "number": value, "revision": revision}]});
    let (status, _, saved) = send_as(
        &teacher,
        me.clone(),
        Method::PATCH,
        one.clone(),
        Some(save(3, None)),
    )
    .await;
    assert_eq!(
        (status, saved["data"]["answers"][0]["revision"].clone()),
        (StatusCode::OK, json!(1))
    );
    let (_, _, saved) = send_as(
        &teacher,
        me.clone(),
        Method::PATCH,
        one.clone(),
        Some(save(2, Some(1))),
    )
    .await;
    assert_eq!(saved["data"]["answers"][0]["number"], 2.0);
    let (_, _, stale) = send_as(
        &teacher,
        me.clone(),
        Method::PATCH,
        one.clone(),
        Some(save(5, Some(1))),
    )
    .await;
    assert_eq!(
        (
            stale["data"]["answers"][0]["number"].clone(),
            stale["data"]["answers"][0]["revision"].clone()
        ),
        (json!(2.0), json!(2))
    );
    let (status, _, body) = send_as(
        &teacher,
        me.clone(),
        Method::PATCH,
        one.clone(),
        Some(json!({"answers": [{"question_id": question, "text": "two"}]})),
    )
    .await;
    assert_eq!(
        (status, fields(&body["error"]["details"])),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["answers[0]"])
    );

    let (status, _, submitted) = send_as(
        &teacher,
        me.clone(),
        Method::PATCH,
        one.clone(),
        Some(json!({"submit": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(
        (
            submitted["data"]["status"].clone(),
            submitted["data"]["score"].clone()
        ),
        (json!("graded"), json!(100.0))
    );
    let (status, _, score) =
        send_as(&teacher, None, Method::GET, format!("{one}/score"), None).await;
    assert_eq!(
        (status, score["data"]["passed"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, _, body) = send_as(
        &teacher,
        me,
        Method::PATCH,
        one.clone(),
        Some(save(7, Some(2))),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "quiz.attempt.submitted")
    );

    let (status, _, list) = send_as(
        &teacher,
        None,
        Method::GET,
        format!("{attempts}?user_id={learner}"),
        None,
    )
    .await;
    assert_eq!(
        (status, list["meta"]["total"].clone()),
        (StatusCode::OK, json!(1))
    );
    assert_eq!(list["data"][0]["user_name"], "User stu@acme.test", "{list}");
    for (status_filter, total) in [("graded", 1), ("in_progress", 0), ("submitted", 0)] {
        let (_, _, list) = send_as(
            &teacher,
            None,
            Method::GET,
            format!("{attempts}?status={status_filter}"),
            None,
        )
        .await;
        assert_eq!(
            list["meta"]["total"],
            json!(total),
            "{status_filter}: {list}"
        );
    }
    let (status, _, body) = send_as(
        &teacher,
        None,
        Method::GET,
        format!("{attempts}?status=lost"),
        None,
    )
    .await;
    assert_eq!(
        (status, fields(&body["error"]["details"])),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["status"])
    );
    let (status, _, body) = send_as(
        &teacher,
        None,
        Method::POST,
        format!("{one}/grade"),
        Some(json!({"grades": [{"question_id": question, "points": 0, "comment": "Recounted."}]})),
    )
    .await;
    assert_eq!(
        (status, body["data"]["score"].clone()),
        (StatusCode::OK, json!(0.0)),
        "{body}"
    );
    let (status, _, body) = send_as(
        &teacher,
        None,
        Method::POST,
        format!("{one}/override"),
        Some(json!({"score": 80, "reason": "Appeal upheld."})),
    )
    .await;
    assert_eq!(
        (status, body["data"]["passed"].clone()),
        (StatusCode::OK, json!(true)),
        "{body}"
    );

    // Another tenant's key finds neither the quiz nor the attempt.
    let theirs = app.key(other, Role::Admin).await;
    let (status, _, _) = send(app.v1(Method::GET, &one, &theirs, other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_assessments_names_answer_the_same_bodies_and_take_one_shot_submissions(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    let learner = app.user(t, Role::Student, "stu@acme.test").await;
    let course = app
        .create(&teacher, t, "/v1/courses", json!({"title": "Statistics"}))
        .await;
    let module = app
        .create(
            &teacher,
            t,
            &format!("/v1/courses/{course}/modules"),
            json!({"title": "One"}),
        )
        .await;
    app.create(
        &teacher,
        t,
        &format!("/v1/modules/{module}/lessons"),
        json!({"title": "Intro"}),
    )
    .await;
    send(app.v1(
        Method::POST,
        &format!("/v1/courses/{course}/publish"),
        &teacher,
        t,
    ))
    .await;
    app.create(
        &teacher,
        t,
        &format!("/v1/courses/{course}/enrollments"),
        json!({"user_id": learner.to_string()}),
    )
    .await;
    // Made under the Assessments name, read under all three.
    let quiz = app
        .create(
            &teacher,
            t,
            "/v1/assessments",
            json!({"course_id": course, "title": "Check"}),
        )
        .await;
    assert!(quiz.starts_with("asmnt_"));
    let question = app
        .create(&teacher, t, &format!("/api/v1/assessments/{quiz}/questions"), json!({"kind": "short_text", "prompt": "Middle value?", "accepted_answers": ["median"]}))
        .await;
    send(app.v1(
        Method::POST,
        &format!("/v1/quizzes/{quiz}/publish"),
        &teacher,
        t,
    ))
    .await;
    let mut bodies = Vec::new();
    for base in ["/v1/quizzes", "/v1/assessments", "/api/v1/assessments"] {
        let (status, _, body) =
            send(app.v1(Method::GET, &format!("{base}/{quiz}"), &teacher, t)).await;
        assert_eq!(status, StatusCode::OK, "{base}: {body}");
        bodies.push(body["data"].clone());
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));

    let (status, _, created) = send(
        app.v1(
            Method::POST,
            &format!("/v1/assessments/{quiz}/submissions"),
            &teacher,
            t,
        )
        .header("x-on-behalf-of", learner.to_string())
        .json(&json!({"answers": [{"question_id": question, "text": "  Median "}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let submission = &created["data"];
    assert_eq!(submission["assessment_id"], quiz.as_str());
    assert_eq!(submission["user_id"], learner.to_string());
    assert_eq!(
        (submission["score"].clone(), submission["passed"].clone()),
        (json!(100.0), json!(true))
    );
    assert_eq!(submission["answers"][0]["result"], "correct");
    let id = submission["submission_id"].as_str().unwrap();
    assert!(id.starts_with("att_"));
    let (status, _, read) = send(
        app.v1(
            Method::GET,
            &format!("/api/v1/assessments/{quiz}/submissions/{id}"),
            &teacher,
            t,
        )
        .header("x-on-behalf-of", learner.to_string()),
    )
    .await;
    assert_eq!((status, &read["data"]), (StatusCode::OK, submission));
    // A submission is an attempt.
    let (status, _, attempt) = send(app.v1(
        Method::GET,
        &format!("/v1/quizzes/{quiz}/attempts/{id}"),
        &teacher,
        t,
    ))
    .await;
    assert_eq!(
        (status, attempt["data"]["status"].clone()),
        (StatusCode::OK, json!("graded"))
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_whole_number_written_with_a_fraction_is_an_integer_and_a_fraction_is_not(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    let course = app
        .create(&teacher, t, "/v1/courses", json!({"title": "Statistics"}))
        .await;
    let quiz = |body: Value| send(app.v1(Method::POST, "/v1/quizzes", &teacher, t).json(&body));

    // JSON Schema's `integer`, which the document uses, counts 72.0 as one.
    let (status, _, body) = quiz(
        json!({"course_id": course, "title": "Week 1", "passing_score": 72.0, "max_attempts": 3.0}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            &body["data"]["passing_score"],
            &body["data"]["max_attempts"]
        ),
        (&json!(72), &json!(3))
    );

    let (status, _, body) =
        quiz(json!({"course_id": course, "title": "Week 2", "passing_score": 72.5})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "request.malformed")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("passing_score")),
        "the message names the field: {body}"
    );
}
