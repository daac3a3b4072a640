//! The role is checked before anything is looked up: a student key gets 403 on every staff-only
//! `/v1` write, whatever it names — a real id, an id that exists nowhere, another tenant's id, a
//! known or an unknown email — so the answer never tells which of them exist. The routes come
//! from the OpenAPI document, so a new route is walked as soon as it is documented.

use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{code, send, spawn_app_with_store};

/// Writes a student key may make itself: they act on the calling key only.
const SELF_SERVICE: &[&str] = &["/v1/admin/key/rotate", "/v1/admin/key/revoke"];

/// A valid body for each write, so that a refusal can only come from the role check.
fn body_for(method: &Method, path: &str) -> Option<Value> {
    // The Assessments API's names take the quiz routes' bodies.
    let path = path
        .replacen("/api/v1/assessments", "/v1/quizzes", 1)
        .replacen("/v1/assessments", "/v1/quizzes", 1);
    let body = match (method.as_str(), path.as_str()) {
        (_, p) if *method == Method::DELETE || p.ends_with("/publish") => return None,
        (_, p) if p.ends_with("/unpublish") || p.ends_with("/archive") => return None,
        (_, p) if p.ends_with("/rotate") || p.ends_with("/revoke") => json!({}),
        (_, p) if p.ends_with("/rotate-secret") => json!({}),
        (_, p) if p.ends_with("/test") || p.ends_with("/redeliver") => return None,
        ("POST", "/v1/webhooks" | "/v1/admin/webhook/register") => {
            json!({"url": "http://127.0.0.1:9/hooks", "events": ["*"]})
        }
        ("PATCH", "/v1/webhooks/{id}") => json!({"description": "Mine"}),
        ("POST", "/v1/users") => json!({"email": "new@acme.test", "name": "New", "role": "admin"}),
        ("PATCH", "/v1/users/{id}") => json!({"name": "Renamed"}),
        ("PATCH", "/v1/users/{id}/role") => json!({"role": "admin"}),
        ("POST", "/v1/api-keys") => json!({"name": "Mine", "role": "admin"}),
        ("POST", "/v1/courses") => json!({"title": "Mine"}),
        ("PATCH", "/v1/courses/{id}") => json!({"title": "Mine"}),
        ("POST", "/v1/courses/{id}/modules") => json!({"title": "M"}),
        ("POST", "/v1/courses/{id}/modules/reorder") => json!({"ids": []}),
        ("PATCH", "/v1/modules/{id}") => json!({"title": "M"}),
        ("POST", "/v1/modules/{id}/lessons") => json!({"title": "L"}),
        ("POST", "/v1/modules/{id}/lessons/reorder") => json!({"ids": []}),
        ("PATCH", "/v1/lessons/{id}") => json!({"title": "L"}),
        ("POST", "/v1/courses/{id}/enrollments") => json!({"email": "{email}"}),
        ("POST", "/v1/courses/{id}/staff") => json!({"email": "{email}"}),
        ("POST", "/v1/courses/{id}/enrollments/import") => {
            return Some(Value::String("email\n{email}\n".into()))
        }
        ("PUT" | "PATCH", "/v1/settings") => json!({"image_hosts": []}),
        // The course id is checked only after the role; the body just has to be well formed.
        ("POST", "/v1/quizzes") => {
            json!({"course_id": "crs_00000000000000000000000001", "title": "Mine"})
        }
        ("PATCH", "/v1/quizzes/{id}") => json!({"title": "Mine"}),
        ("POST", "/v1/quizzes/{id}/questions") => json!({"kind": "essay", "prompt": "Why?"}),
        ("POST", "/v1/quizzes/{id}/questions/reorder") => json!({"ids": []}),
        ("PATCH", "/v1/questions/{id}") => json!({"points": 2}),
        ("POST", "/v1/quizzes/{id}/attempts" | "/v1/quizzes/{id}/preview") => return None,
        ("PATCH", "/v1/quizzes/{id}/attempts/{attempt_id}") => {
            json!({"answers": [], "submit": true})
        }
        ("POST", "/v1/quizzes/{id}/submissions") => json!({"answers": []}),
        ("POST", "/v1/quizzes/{id}/attempts/{attempt_id}/grade") => {
            json!({"grades": [{"question_id": "q_00000000000000000000000001", "points": 1}]})
        }
        ("POST", "/v1/quizzes/{id}/attempts/{attempt_id}/override") => {
            json!({"score": 50, "reason": "Appeal"})
        }
        ("POST", "/v1/quizzes/{id}/attempts/{attempt_id}/control") => {
            json!({"action": "pause", "reason": "Fire drill"})
        }
        ("PUT", "/v1/proctoring/settings") => json!({}),
        ("PATCH", "/v1/proctoring/incidents/{id}") => json!({"status": "dismissed"}),
        (m, p) => panic!("{m} {p}: add a valid body for this write to body_for"),
    };
    Some(body)
}

/// An incident of a proctored attempt in `course` (which gets published) of `learner`: a teacher's
/// flag, made and found through `/v1`.
async fn flagged_incident(
    app: &crate::helpers::TestApp,
    secret: &str,
    tenant: domain::TenantId,
    course: &str,
    learner: &str,
) -> String {
    send(app.v1(
        Method::POST,
        &format!("/v1/courses/{course}/publish"),
        secret,
        tenant,
    ))
    .await;
    let quiz = app
        .create(
            secret,
            tenant,
            "/v1/quizzes",
            json!({"course_id": course, "title": "Watched", "proctoring": "record"}),
        )
        .await;
    let question = json!({"kind": "essay", "prompt": "Why?"});
    app.create(
        secret,
        tenant,
        &format!("/v1/quizzes/{quiz}/questions"),
        question,
    )
    .await;
    send(app.v1(
        Method::POST,
        &format!("/v1/quizzes/{quiz}/publish"),
        secret,
        tenant,
    ))
    .await;
    let enrol = json!({"user_id": learner});
    app.create(
        secret,
        tenant,
        &format!("/v1/courses/{course}/enrollments"),
        enrol,
    )
    .await;
    let (_, _, attempt) = send(
        app.v1(
            Method::POST,
            &format!("/v1/quizzes/{quiz}/attempts"),
            secret,
            tenant,
        )
        .header("x-on-behalf-of", learner),
    )
    .await;
    let attempt = attempt["data"]["id"].as_str().unwrap().to_string();
    let flag = json!({"action": "flag", "reason": "Check"});
    let control = format!("/v1/quizzes/{quiz}/attempts/{attempt}/control");
    let (status, _, flagged) =
        send(app.v1(Method::POST, &control, secret, tenant).json(&flag)).await;
    assert_eq!(status, StatusCode::OK, "{flagged}");
    let (_, _, sessions) = send(app.v1(
        Method::GET,
        &format!("/v1/proctoring/sessions?quiz_id={quiz}"),
        secret,
        tenant,
    ))
    .await;
    let session = sessions["data"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/v1/proctoring/sessions/{session}/incidents");
    let (_, _, incidents) = send(app.v1(Method::GET, &path, secret, tenant)).await;
    incidents["data"][0]["id"].as_str().unwrap().to_string()
}

/// What a path parameter can name: an id of its kind that exists, one that exists nowhere, and
/// one of another tenant.
struct Targets {
    real: Value,
    foreign: Value,
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_student_key_is_refused_every_staff_write_before_any_lookup(pool: PgPool) {
    // Webhooks to loopback, so that each tenant can have an endpoint without DNS.
    let store = service::Store::new(pool, service::Clock::system())
        .with_webhook_loopback(service::webhooks::destination::Loopback::Allowed);
    let app = spawn_app_with_store(store).await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let admin = app.key(t, Role::Admin).await;
    let foreign_admin = app.key(other, Role::Admin).await;
    let student = app.key(t, Role::Student).await;
    app.user(t, Role::Student, "known@acme.test").await;

    // One of each resource in both tenants.
    let make = |secret: String, tenant| {
        let app = &app;
        async move {
            let post = |path: String, body: Value| {
                let secret = secret.clone();
                async move { app.create(&secret, tenant, &path, body).await }
            };
            let course = post("/v1/courses".into(), json!({"title": "Course"})).await;
            let module = post(
                format!("/v1/courses/{course}/modules"),
                json!({"title": "M"}),
            )
            .await;
            let lesson = post(
                format!("/v1/modules/{module}/lessons"),
                json!({"title": "L"}),
            )
            .await;
            let user = post(
                "/v1/users".into(),
                json!({"email": "someone@acme.test", "name": "Someone", "role": "student"}),
            )
            .await;
            let key = post(
                "/v1/api-keys".into(),
                json!({"name": "Other", "role": "teacher"}),
            )
            .await;
            let quiz = post(
                "/v1/quizzes".into(),
                json!({"course_id": course, "title": "Quiz"}),
            )
            .await;
            let question = post(
                format!("/v1/quizzes/{quiz}/questions"),
                json!({"kind": "essay", "prompt": "Why?"}),
            )
            .await;
            let webhook = post(
                "/v1/webhooks".into(),
                json!({"url": "http://127.0.0.1:9/hooks", "events": ["*"]}),
            )
            .await;
            let delivery = post(format!("/v1/webhooks/{webhook}/test"), json!({})).await;
            let incident = flagged_incident(app, &secret, tenant, &course, &user).await;
            [
                ("courses", course),
                ("modules", module),
                ("lessons", lesson),
                ("users", user),
                ("api-keys", key),
                ("quizzes", quiz),
                ("questions", question),
                ("webhooks", webhook.clone()),
                ("webhook", webhook),
                ("deliveries", delivery),
                ("incidents", incident),
            ]
        }
    };
    let ours = make(admin.clone(), t).await;
    let theirs = make(foreign_admin, other).await;
    let kinds = |collection: &str| -> Targets {
        let find = |set: &[(&str, String); 11]| {
            Value::String(
                set.iter()
                    .find(|(c, _)| *c == collection)
                    .unwrap_or_else(|| panic!("no {collection}"))
                    .1
                    .clone(),
            )
        };
        Targets {
            real: find(&ours),
            foreign: find(&theirs),
        }
    };
    // Same prefix as a real one, an id no tenant has.
    let nowhere = |collection: &str| {
        let real = kinds(collection).real;
        let prefix = real
            .as_str()
            .unwrap()
            .split('_')
            .next()
            .unwrap()
            .to_string();
        format!("{prefix}_{}", "0".repeat(25) + "1")
    };

    let doc = server::v1::openapi::document();
    let doc = serde_json::to_value(&doc).unwrap();
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() || SELF_SERVICE.contains(&path.as_str()) {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let segments: Vec<&str> = path.split('/').collect();
            // The collection a `{…}` names is the segment before it; `{user_id}` names a user.
            let param = segments
                .iter()
                .enumerate()
                .find(|(_, s)| s.starts_with('{'));
            let variants: Vec<String> = match param {
                None => vec![path.clone()],
                Some((i, _)) => {
                    let collection = match segments[i - 1] {
                        "assessments" => "quizzes",
                        other => other,
                    };
                    let t = kinds(collection);
                    let mut paths: Vec<String> = [
                        t.real.as_str().unwrap().to_string(),
                        nowhere(collection),
                        t.foreign.as_str().unwrap().to_string(),
                    ]
                    .into_iter()
                    .map(|id| path.replacen(segments[i], &id, 1))
                    .collect();
                    for p in paths.iter_mut() {
                        let user = kinds("users");
                        *p = p.replace("{user_id}", user.real.as_str().unwrap());
                        // No attempt exists for a student key to name; any well-formed id will do.
                        *p = p.replace("{attempt_id}", &format!("att_{}", "0".repeat(25) + "1"));
                    }
                    paths
                }
            };
            for concrete in variants {
                for email in ["known@acme.test", "unknown@acme.test"] {
                    let mut request = app.v1(method.clone(), &concrete, &student, t);
                    if path.ends_with("/enrollments") && method == Method::DELETE {
                        request = request.query(&[("email", email)]);
                    }
                    match body_for(&method, path) {
                        Some(Value::String(csv)) => {
                            request = request
                                .header("content-type", "text/csv")
                                .body(csv.replace("{email}", email));
                        }
                        Some(body) => {
                            let text = body.to_string().replace("{email}", email);
                            request = request
                                .header("content-type", "application/json")
                                .body(text);
                        }
                        None => {}
                    }
                    let (status, _, answer) = send(request).await;
                    assert_eq!(
                        (status, code(&answer)),
                        (StatusCode::FORBIDDEN, "auth.forbidden"),
                        "{method} {concrete} ({email}): {answer}"
                    );
                    walked += 1;
                }
            }
        }
    }
    assert!(walked > 100, "only {walked} requests walked");
}
