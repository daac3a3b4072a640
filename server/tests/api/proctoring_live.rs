//! The live view's push over HTTP: a signed-in editor's event stream hears a learner start and an
//! incident as they commit, `/v1/proctoring/live` reads the same board with a key, and nobody
//! else may listen.

use std::time::Duration;

use domain::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{send, spawn_app, TestApp};
use crate::proctoring::{events, fn_code, server_fn, strict_quiz, StrictQuiz};

/// A server-sent event stream, read event by event.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(app: &TestApp, client: &Client, quiz: &str) -> EventStream {
        let response = client
            .get(app.url(&format!("/live/quizzes/{quiz}/proctoring")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event's name and data, skipping keep-alive comments; within a few seconds.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim());
                    }
                }
                if name.is_empty() {
                    continue;
                }
                return (name, serde_json::from_str(&data).unwrap());
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_editors_stream_hears_a_start_and_an_incident_as_they_commit(pool: PgPool) {
    let app = spawn_app(pool).await;
    let StrictQuiz { t, teacher, quiz } = strict_quiz(&app).await;
    app.user(t, Role::Admin, "adm@acme.test").await;
    let admin = app.signed_in("acme", "adm@acme.test").await;
    let mut stream = EventStream::open(&app, &admin, &quiz).await;
    assert_eq!(stream.next().await.0, "ready");

    let student = app.signed_in("acme", "stu@acme.test").await;
    let (status, attempt) = server_fn(
        &app,
        &student,
        "quiz/start",
        json!({"quiz_id": quiz, "preview": false, "accept_proctoring_rules": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{attempt}");
    let (event, data) = stream.next().await;
    assert_eq!(
        (event.as_str(), &data),
        ("roster", &json!({"incidents": []}))
    );

    let attempt_id = attempt["id"].as_str().unwrap();
    let batch = json!({"quiz_id": quiz, "attempt_id": attempt_id, "events": events(&["paste"], 0)});
    let (status, _) = server_fn(&app, &student, "proctoring/events", batch).await;
    assert_eq!(status, StatusCode::OK);
    let (event, data) = stream.next().await;
    assert_eq!(event, "incident");

    // What the push names, the board shows: through /v1 with a key, and the page's server fn.
    let (status, _, board) = send(app.v1(
        Method::GET,
        &format!("/v1/proctoring/live?quiz_id={quiz}"),
        &teacher,
        t,
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let board = &board["data"];
    assert_eq!(board["running_total"], 1);
    assert_eq!(board["running"][0]["attempt_id"].as_str(), Some(attempt_id));
    let left = board["running"][0]["remaining_ms"].as_i64().unwrap();
    assert!((29 * 60 * 1000..=30 * 60 * 1000).contains(&left), "{left}");
    assert_eq!(data["incidents"][0], board["recent"][0]["incident"]["id"]);
    assert_eq!(board["recent"][0]["incident"]["kind"], "paste");
    // As the page calls it: form-encoded.
    let response = admin
        .post(app.url("/api/proctoring/live"))
        .form(&[("quiz_id", quiz.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page_board: Value = response.json().await.unwrap();
    assert_eq!(page_board["recent"], board["recent"]);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_the_courses_editors_may_listen(pool: PgPool) {
    let app = spawn_app(pool).await;
    let StrictQuiz { quiz, .. } = strict_quiz(&app).await;
    let path = format!("/live/quizzes/{quiz}/proctoring");

    let anonymous = Client::new().get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(fn_code(&body), "auth.unauthenticated");
    assert!(body["request_id"].as_str().is_some_and(|r| !r.is_empty()));

    let student = app.signed_in("acme", "stu@acme.test").await;
    let refused = student.get(app.url(&path)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let other = app.tenant("globex").await;
    app.user(other, Role::Admin, "adm@globex.test").await;
    let foreign = app.signed_in("globex", "adm@globex.test").await;
    let missing = foreign.get(app.url(&path)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let garbage = foreign
        .get(app.url("/live/quizzes/not-an-id/proctoring"))
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::NOT_FOUND);
}
