//! Proctoring over HTTP: a strict quiz set through `/v1`, started and watched from a signed-in
//! browser's server functions, read and reviewed with a teacher's key (JSON and NDJSON), the
//! control route's pause refusing the learner's save, and another tenant finding nothing.

use domain::{Role, TenantId};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{code, send, spawn_app, TestApp};

/// A server function's error code (its body is the error itself, not an envelope).
pub(crate) fn fn_code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

pub(crate) async fn server_fn(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = client
        .post(app.url(&format!("/api/{endpoint}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub(crate) fn events(kinds: &[&str], from: i64) -> Value {
    Value::Array(
        kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| json!({"sequence": from + i as i64, "kind": kind, "offset_ms": 1000 * (i as i64 + 1), "age_ms": 0}))
            .collect(),
    )
}

/// A published course with a 30-minute strict quiz of one question, its student enrolled; made
/// with a teacher's key.
pub(crate) struct StrictQuiz {
    pub t: TenantId,
    pub teacher: String,
    pub quiz: String,
}

pub(crate) async fn strict_quiz(app: &TestApp) -> StrictQuiz {
    let t = app.tenant("acme").await;
    let teacher = app.key(t, Role::Teacher).await;
    let student = app.user(t, Role::Student, "stu@acme.test").await;

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
    let quiz = app
        .create(
            &teacher,
            t,
            "/v1/quizzes",
            json!({"course_id": course, "title": "Final", "time_limit_minutes": 30}),
        )
        .await;
    let (status, _, patched) = send(
        app.v1(Method::PATCH, &format!("/v1/quizzes/{quiz}"), &teacher, t)
            .json(&json!({"proctoring": "strict"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["data"]["proctoring"], "strict");
    let question = json!({"kind": "numeric", "prompt": "1 + 1", "value": 2.0});
    app.create(
        &teacher,
        t,
        &format!("/v1/quizzes/{quiz}/questions"),
        question,
    )
    .await;
    send(app.v1(
        Method::POST,
        &format!("/v1/quizzes/{quiz}/publish"),
        &teacher,
        t,
    ))
    .await;
    app.create(
        &teacher,
        t,
        &format!("/v1/courses/{course}/enrollments"),
        json!({"user_id": student}),
    )
    .await;

    StrictQuiz { t, teacher, quiz }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_strict_quiz_is_watched_from_the_browser_and_reviewed_through_v1(pool: PgPool) {
    let app = spawn_app(pool).await;
    let StrictQuiz { t, teacher, quiz } = strict_quiz(&app).await;
    let browser = app.signed_in("acme", "stu@acme.test").await;
    let (status, refused) = server_fn(
        &app,
        &browser,
        "quiz/start",
        json!({"quiz_id": quiz, "preview": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(fn_code(&refused), "proctoring.rules_not_accepted");
    let (status, attempt) = server_fn(
        &app,
        &browser,
        "quiz/start",
        json!({"quiz_id": quiz, "preview": false, "accept_proctoring_rules": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{attempt}");
    assert_eq!(attempt["proctoring"], "strict");
    let attempt_id = attempt["id"].as_str().unwrap().to_string();

    let batch = json!({"quiz_id": quiz, "attempt_id": attempt_id,
        "events": events(&["tab_hidden", "tab_visible", "tab_hidden", "tab_visible", "tab_hidden", "tab_hidden", "paste"], 0)});
    let (status, ack) = server_fn(&app, &browser, "proctoring/events", batch.clone()).await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(
        (ack["accepted"].as_u64(), ack["duplicates"].as_u64()),
        (Some(7), Some(0))
    );
    let left = ack["remaining_ms"].as_i64().unwrap();
    assert!((29 * 60 * 1000..=30 * 60 * 1000).contains(&left), "{left}");
    let (_, again) = server_fn(&app, &browser, "proctoring/events", batch).await;
    assert_eq!(
        (again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(7))
    );
    let flood =
        json!({"quiz_id": quiz, "attempt_id": attempt_id, "events": events(&["copy"; 51], 100)});
    let (status, large) = server_fn(&app, &browser, "proctoring/events", flood).await;
    assert_eq!(
        (status, fn_code(&large)),
        (StatusCode::PAYLOAD_TOO_LARGE, "proctoring.batch_too_large")
    );

    let (status, _, sessions) = send(app.v1(
        Method::GET,
        &format!("/v1/proctoring/sessions?quiz_id={quiz}"),
        &teacher,
        t,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let session = &sessions["data"][0];
    assert_eq!(
        (
            session["risk_score"].as_i64(),
            session["open_incidents"].as_i64()
        ),
        (Some(13), Some(2))
    );
    let session_id = session["id"].as_str().unwrap().to_string();
    assert!(session_id.starts_with("psn_"));

    let response = app
        .v1(
            Method::GET,
            &format!("/v1/proctoring/sessions/{session_id}/events"),
            &teacher,
            t,
        )
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let lines: Vec<Value> = response
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let client: Vec<i64> = lines
        .iter()
        .filter(|e| e["source"] == "client")
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(client, (0..7).collect::<Vec<_>>());

    let (_, _, incidents) = send(app.v1(
        Method::GET,
        &format!("/v1/proctoring/sessions/{session_id}/incidents"),
        &teacher,
        t,
    ))
    .await;
    let paste = incidents["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "paste")
        .unwrap();
    let incident = paste["id"].as_str().unwrap().to_string();
    assert!(incident.starts_with("inc_"));
    let (status, _, reviewed) = send(
        app.v1(
            Method::PATCH,
            &format!("/v1/proctoring/incidents/{incident}"),
            &teacher,
            t,
        )
        .json(&json!({"status": "confirmed", "comment": "Pasted the answer from notes."})),
    )
    .await;
    assert_eq!(
        (status, reviewed["data"]["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    let flagged: i64 = sqlx::query_scalar(
        "select count(*) from event_outbox where event_type = 'proctoring.incident.flagged'",
    )
    .fetch_one(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(flagged, 2);

    // Paused through /v1: the learner's next save is refused, and the batch says so.
    let control = format!("/v1/quizzes/{quiz}/attempts/{attempt_id}/control");
    let (status, _, paused) = send(
        app.v1(Method::POST, &control, &teacher, t)
            .json(&json!({"action": "pause", "reason": "Fire drill"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["data"]["paused"], true);
    let save = json!({"quiz_id": quiz, "attempt_id": attempt_id, "answers": [], "submit": false});
    let (status, refused) = server_fn(&app, &browser, "quiz/save", save.clone()).await;
    assert_eq!(
        (status, fn_code(&refused)),
        (StatusCode::CONFLICT, "quiz.attempt.paused")
    );
    let heartbeat = json!({"quiz_id": quiz, "attempt_id": attempt_id, "events": []});
    let (_, ack) = server_fn(&app, &browser, "proctoring/events", heartbeat).await;
    assert_eq!(ack["paused"], true);
    let (status, _, bad) = send(
        app.v1(Method::POST, &control, &teacher, t)
            .json(&json!({"action": "extend", "reason": "More"})),
    )
    .await;
    assert_eq!(
        (status, code(&bad)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.validation_failed"
        )
    );
    let (status, _, _) = send(
        app.v1(Method::POST, &control, &teacher, t)
            .json(&json!({"action": "resume", "reason": "Drill over"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server_fn(&app, &browser, "quiz/save", save).await;
    assert_eq!(status, StatusCode::OK);

    // Another tenant's admin finds nothing, and a student key may not look.
    let other = app.tenant("globex").await;
    let foreign = app.key(other, Role::Admin).await;
    let (status, _, missing) = send(app.v1(
        Method::GET,
        &format!("/v1/proctoring/sessions/{session_id}"),
        &foreign,
        other,
    ))
    .await;
    assert_eq!(
        (status, code(&missing)),
        (StatusCode::NOT_FOUND, "resource.not_found")
    );
    let (status, _, _) = send(
        app.v1(
            Method::PATCH,
            &format!("/v1/proctoring/incidents/{incident}"),
            &foreign,
            other,
        )
        .json(&json!({"status": "dismissed"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let student_key = app.key(t, Role::Student).await;
    let (status, _, _) =
        send(app.v1(Method::GET, "/v1/proctoring/sessions", &student_key, t)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
