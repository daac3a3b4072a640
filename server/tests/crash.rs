//! The crash test: 50 learners save answers through `/v1` while the real server binary is killed
//! with SIGKILL and started again on the same port and database. Every save the server
//! acknowledged is there afterwards, the learners resend what was not acknowledged and lose
//! nothing, and the attempts whose deadline passed while the server was down are submitted by the
//! deadline sweeper with the answers saved before.
//!
//! `bench/quiz_rush.sh` runs the same crash at 2,000 learners through the browser's path.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{Role, UserId};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::watch;

const LEARNERS: usize = 50;
/// Every fifth learner walks away while the server is down; their deadline passes meanwhile.
const ABANDONED_EVERY: usize = 5;
const SAVES: usize = 24;
/// The kill comes once every learner has this many saves acknowledged…
const BEFORE_KILL: usize = 4;
/// …and nobody goes past this save until the server is back, so every learner is mid-run at the kill.
const HOLD_AT: usize = 16;
/// The longest any one wait may take.
const WAIT: Duration = Duration::from_secs(30);

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn acknowledged_saves_survive_a_sigkill_and_overdue_attempts_are_submitted_after_restart(
    pool: PgPool,
) {
    tokio::time::timeout(Duration::from_secs(100), crash(pool))
        .await
        .expect("the crash test took longer than 100 s");
}

async fn crash(pool: PgPool) {
    let store = service::Store::new(pool.clone(), service::Clock::system());
    let tenant = service::fixtures::tenant(&store, "acme").await.unwrap();
    // Fifty learners through one key are far beyond an integration's usual rate.
    service::tenants::set_rate_limits(&store, tenant, 1_000_000, 100_000_000)
        .await
        .unwrap();
    let (_, key) = service::fixtures::api_key(&store, tenant, Role::Admin)
        .await
        .unwrap();
    let mut learners = Vec::new();
    for i in 0..LEARNERS {
        let email = format!("learner{i}@acme.test");
        learners.push(
            service::fixtures::user(&store, tenant, Role::Student, &email)
                .await
                .unwrap(),
        );
    }

    let addr = support::free_address();
    let log = std::env::temp_dir().join(format!("lectern-crash-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let database_url = support::database_url(&pool);
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let api = Api {
        client: client.clone(),
        base: format!("http://{addr}"),
        key,
        tenant: tenant.to_string(),
    };
    let mut server = support::Server::start(&database_url, &addr, &log);
    server.wait_until_healthy(&client, &api.base).await;

    let quiz = seed_quiz(&api, &learners).await;

    let acked: Arc<Vec<AtomicUsize>> =
        Arc::new((0..LEARNERS).map(|_| AtomicUsize::new(0)).collect());
    let (restarted_tx, restarted) = watch::channel(false);
    let mut tasks = Vec::new();
    for (i, user) in learners.iter().enumerate() {
        let learner = Learner {
            api: api.clone(),
            quiz: quiz.clone(),
            index: i,
            user: *user,
            abandons: i % ABANDONED_EVERY == 0,
            acked: acked.clone(),
            restarted: restarted.clone(),
        };
        tasks.push(tokio::spawn(learner.run()));
    }

    // Kill once every learner is under way, with saves in flight.
    let deadline = Instant::now() + WAIT;
    while acked.iter().any(|n| n.load(Ordering::SeqCst) < BEFORE_KILL) {
        assert!(
            Instant::now() < deadline,
            "the learners did not get going:\n{}",
            support::tail(&log)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let killed_at = Instant::now();
    let acked_at_kill: usize = acked.iter().map(|n| n.load(Ordering::SeqCst)).sum();

    // While it is down, the walkers-away run out of time: their deadline passes.
    let overdue: Vec<uuid::Uuid> = learners
        .iter()
        .step_by(ABANDONED_EVERY)
        .map(|u| u.as_uuid())
        .collect();
    let moved = sqlx::query(
        "update quiz_attempt set started_at = now() - interval '40 minutes',
                                 deadline_at = now() - interval '10 minutes'
         where user_id = any($1) and status = 'in_progress'",
    )
    .bind(&overdue)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(moved.rows_affected(), overdue.len() as u64);

    server = support::Server::start(&database_url, &addr, &log);
    server.wait_until_healthy(&client, &api.base).await;
    let downtime = killed_at.elapsed();
    restarted_tx.send(true).unwrap();

    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let resent: usize = outcomes.iter().map(|o| o.resent).sum();
    eprintln!(
        "crash: {acked_at_kill} saves acknowledged before the kill, down {downtime:?}, {resent} resent after errors"
    );

    let attempt_path = |o: &Outcome| format!("/v1/quizzes/{quiz}/attempts/{}", o.attempt);
    for outcome in outcomes.iter().filter(|o| !o.abandoned) {
        assert_eq!(outcome.acked_count, SAVES, "learner {}", outcome.index);
        let attempt = api
            .ok(
                Method::GET,
                &attempt_path(outcome),
                Some(outcome.user),
                None,
            )
            .await;
        assert_eq!(
            attempt["status"], "in_progress",
            "learner {}",
            outcome.index
        );
        let stored = answers_by_question(&attempt);
        assert_eq!(
            stored.len(),
            outcome.acked.len(),
            "learner {}: {attempt}",
            outcome.index
        );
        for (question, sent) in &outcome.acked {
            let answer = stored.get(question).copied().unwrap_or(&Value::Null);
            assert!(
                sent.matches(answer),
                "learner {} lost the acknowledged answer {sent:?} to {question}: {answer}",
                outcome.index
            );
        }
    }

    // Nobody came back for these: only the sweeper can have submitted them.
    for outcome in outcomes.iter().filter(|o| o.abandoned) {
        let deadline = Instant::now() + WAIT;
        let attempt = loop {
            let attempt = api
                .ok(
                    Method::GET,
                    &attempt_path(outcome),
                    Some(outcome.user),
                    None,
                )
                .await;
            if attempt["status"] != "in_progress" {
                break attempt;
            }
            assert!(
                Instant::now() < deadline,
                "the sweeper did not submit learner {}'s overdue attempt:\n{}",
                outcome.index,
                support::tail(&log)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            matches!(attempt["status"].as_str(), Some("submitted" | "graded")),
            "{attempt}"
        );
        assert_eq!(attempt["auto_submitted"], true, "{attempt}");
        assert!(attempt["submitted_at"].is_string(), "{attempt}");
        let stored = answers_by_question(&attempt);
        for (question, answer) in &stored {
            // The save in flight at the kill may or may not have been committed; either is right.
            let unknown = outcome
                .unknown
                .as_ref()
                .is_some_and(|(q, sent)| q == question && sent.matches(answer));
            let acknowledged = outcome
                .acked
                .get(question)
                .is_some_and(|sent| sent.matches(answer));
            assert!(
                unknown || acknowledged,
                "learner {}: {question} holds {answer}, which was never sent as the last answer",
                outcome.index
            );
        }
        for question in outcome.acked.keys() {
            assert!(
                stored.contains_key(question),
                "learner {} lost the acknowledged answer to {question}",
                outcome.index
            );
        }
    }
    drop(server);
    let _ = std::fs::remove_file(&log);
}

/// A course with one lesson, published; a 30-minute quiz of three single-choice questions, a
/// numeric one and a short text, published; every learner enrolled. Answers the quiz's id.
async fn seed_quiz(api: &Api, learners: &[UserId]) -> String {
    let id = |v: Value| v["id"].as_str().unwrap().to_string();
    let course = id(api
        .ok(
            Method::POST,
            "/v1/courses",
            None,
            Some(json!({"title": "Statistics"})),
        )
        .await);
    let module = id(api
        .ok(
            Method::POST,
            &format!("/v1/courses/{course}/modules"),
            None,
            Some(json!({"title": "One"})),
        )
        .await);
    api.ok(
        Method::POST,
        &format!("/v1/modules/{module}/lessons"),
        None,
        Some(json!({"title": "Intro"})),
    )
    .await;
    api.ok(
        Method::POST,
        &format!("/v1/courses/{course}/publish"),
        None,
        None,
    )
    .await;
    let quiz = id(api
        .ok(
            Method::POST,
            "/v1/quizzes",
            None,
            Some(json!({"course_id": course, "title": "Under fire", "time_limit_minutes": 30})),
        )
        .await);
    let choice = |prompt: &str| {
        json!({"kind": "single_choice", "prompt": prompt,
               "options": [{"text": "A", "correct": true}, {"text": "B"}, {"text": "C"}]})
    };
    for question in [
        choice("First"),
        choice("Second"),
        choice("Third"),
        json!({"kind": "numeric", "prompt": "1 + 1", "value": 2}),
        json!({"kind": "short_text", "prompt": "The middle value", "accepted_answers": ["median"]}),
    ] {
        api.ok(
            Method::POST,
            &format!("/v1/quizzes/{quiz}/questions"),
            None,
            Some(question),
        )
        .await;
    }
    api.ok(
        Method::POST,
        &format!("/v1/quizzes/{quiz}/publish"),
        None,
        None,
    )
    .await;
    for user in learners {
        api.ok(
            Method::POST,
            &format!("/v1/courses/{course}/enrollments"),
            None,
            Some(json!({"user_id": user.to_string()})),
        )
        .await;
    }
    quiz
}

/// One simulated learner: starts the attempt, then saves one answer after another, each under
/// the revision the server last gave it, resending on a connection error until acknowledged. One
/// who abandons stops at the first error (or at the hold) and never comes back.
struct Learner {
    api: Api,
    quiz: String,
    index: usize,
    user: UserId,
    abandons: bool,
    acked: Arc<Vec<AtomicUsize>>,
    restarted: watch::Receiver<bool>,
}

/// What a learner knows at the end.
struct Outcome {
    index: usize,
    user: UserId,
    attempt: String,
    abandoned: bool,
    /// The last acknowledged answer to each question.
    acked: HashMap<String, Sent>,
    acked_count: usize,
    /// The save in flight when the server died, which an abandoning learner never resent.
    unknown: Option<(String, Sent)>,
    resent: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Sent {
    Option(String),
    Number(f64),
    Text(String),
}

impl Sent {
    fn save(&self, question: &str, revision: Option<i64>) -> Value {
        let mut answer = json!({"question_id": question, "revision": revision});
        match self {
            Sent::Option(id) => answer["selected_option_id"] = json!(id),
            Sent::Number(n) => answer["number"] = json!(n),
            Sent::Text(t) => answer["text"] = json!(t),
        }
        json!({"answers": [answer]})
    }

    fn matches(&self, answer: &Value) -> bool {
        match self {
            Sent::Option(id) => answer["selected_option_id"].as_str() == Some(id),
            Sent::Number(n) => answer["number"].as_f64() == Some(*n),
            Sent::Text(t) => answer["text"].as_str() == Some(t),
        }
    }
}

enum Sending {
    Answered(StatusCode, Value),
    /// The connection failed: the server is down, or died with the request.
    Failed,
}

impl Learner {
    async fn run(mut self) -> Outcome {
        let attempts = format!("/v1/quizzes/{}/attempts", self.quiz);
        let mut resent = 0;
        // A start whose answer was lost returns the attempt in progress when sent again.
        let attempt = loop {
            match self.send(Method::POST, &attempts, None).await {
                Sending::Answered(status, body) => {
                    assert!(status.is_success(), "start: {status} {body}");
                    break body["data"].clone();
                }
                Sending::Failed => {
                    resent += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        let path = format!("{attempts}/{}", attempt["id"].as_str().unwrap());
        let questions = attempt["questions"].as_array().unwrap().clone();
        let mut outcome = Outcome {
            index: self.index,
            user: self.user,
            attempt: attempt["id"].as_str().unwrap().to_string(),
            abandoned: false,
            acked: HashMap::new(),
            acked_count: 0,
            unknown: None,
            resent,
        };
        let mut revisions: HashMap<String, i64> = HashMap::new();
        for k in 0..SAVES {
            if k == HOLD_AT {
                if self.abandons {
                    outcome.abandoned = true;
                    return outcome;
                }
                let restarted = self.restarted.wait_for(|up| *up);
                tokio::time::timeout(WAIT, restarted)
                    .await
                    .expect("the server was not restarted in time")
                    .unwrap();
            }
            let question = &questions[k % questions.len()];
            let question_id = question["id"].as_str().unwrap().to_string();
            let round = k / questions.len();
            let sent = match question["kind"].as_str().unwrap() {
                "single_choice" => {
                    let options = question["options"].as_array().unwrap();
                    Sent::Option(
                        options[round % options.len()]["id"]
                            .as_str()
                            .unwrap()
                            .into(),
                    )
                }
                "numeric" => Sent::Number(round as f64 + 0.5),
                _ => Sent::Text(format!("answer {round}")),
            };
            let body = sent.save(&question_id, revisions.get(&question_id).copied());
            let deadline = Instant::now() + WAIT;
            loop {
                match self.send(Method::PATCH, &path, Some(body.clone())).await {
                    Sending::Answered(status, answer) => {
                        assert!(
                            status.is_success(),
                            "learner {} save {k}: {status} {answer}",
                            self.index
                        );
                        let stored = answer["data"]["answers"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|a| a["question_id"] == question_id.as_str())
                            .cloned()
                            .unwrap_or(Value::Null);
                        // Applied now, or applied before its answer was lost: a resend under the
                        // old revision is not applied again and answers the stored one.
                        assert!(
                            sent.matches(&stored),
                            "learner {} save {k}: sent {sent:?}, the server holds {stored}",
                            self.index
                        );
                        revisions.insert(question_id.clone(), stored["revision"].as_i64().unwrap());
                        outcome.acked.insert(question_id.clone(), sent.clone());
                        outcome.acked_count += 1;
                        self.acked[self.index].fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    Sending::Failed if self.abandons => {
                        outcome.unknown = Some((question_id, sent));
                        outcome.abandoned = true;
                        return outcome;
                    }
                    Sending::Failed => {
                        assert!(
                            Instant::now() < deadline,
                            "learner {} could not save for {WAIT:?}",
                            self.index
                        );
                        outcome.resent += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }
        outcome
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Sending {
        let mut request = self.api.request(method, path, Some(self.user));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let Ok(response) = request.send().await else {
            return Sending::Failed;
        };
        let status = response.status();
        let Ok(text) = response.text().await else {
            return Sending::Failed;
        };
        // A dying server never answers 5xx; one that does has a bug this test should show.
        assert!(!status.is_server_error(), "{status}: {text}");
        Sending::Answered(status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn answers_by_question(attempt: &Value) -> HashMap<String, &Value> {
    attempt["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["question_id"].as_str().unwrap().to_string(), a))
        .collect()
}

#[derive(Clone)]
struct Api {
    client: Client,
    base: String,
    key: String,
    tenant: String,
}

impl Api {
    fn request(
        &self,
        method: Method,
        path: &str,
        learner: Option<UserId>,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("x-tenant-id", &self.tenant);
        if let Some(user) = learner {
            request = request.header("x-on-behalf-of", user.to_string());
        }
        request
    }

    /// A request while the server is up: asserts success and answers `data`.
    async fn ok(
        &self,
        method: Method,
        path: &str,
        learner: Option<UserId>,
        body: Option<Value>,
    ) -> Value {
        let mut request = self.request(method.clone(), path, learner);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body["data"].clone()
    }
}
