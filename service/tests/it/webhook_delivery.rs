//! Webhook deliveries against real receivers on loopback: every event type arrives once, signed,
//! in its documented body; failures are retried on the backoff (the manual clock moves it), as a
//! 429's `Retry-After` asks; a delivery whose sender died is sent after its lease; two workers send
//! each event once; a hanging tenant does not hold back another; an endpoint failing for days is
//! turned off and its admins told; the address is checked again at every delivery.

use std::collections::HashSet;

use crate::common::*;
use crate::quizzes::{every_kind, quiz_form, world as quiz_world};
use crate::receiver::{Receiver, Reply};
use domain::attempt::AnswerSave;
use domain::quiz::Response;
use domain::user_input::{NewUser, NewUserForm};
use domain::webhook::{DeliveryStatus, WebhookEndpointInput, WebhookEndpointPatch};
use domain::{DomainEvent, EventId, Role, TenantId};
use service::quizzes::{attempts, questions};
use service::webhooks::destination::Loopback;
use service::webhooks::dispatch::{DispatchSettings, Dispatcher};
use service::webhooks::signature::SigningSecret;
use service::webhooks::{deliveries, endpoints};
use service::{courses, learning, quizzes, users, Caller, ServiceError, Store};
use sqlx::PgPool;
use time::Duration;

fn dispatcher(store: &Store) -> Dispatcher {
    Dispatcher::new(
        store.clone(),
        DispatchSettings {
            timeout: std::time::Duration::from_secs(2),
            ..DispatchSettings::default()
        },
    )
}

async fn admin_of(store: &Store, tenant: TenantId, email: &str) -> Caller {
    caller(
        tenant,
        user(store, tenant, Role::Admin, email).await,
        Role::Admin,
    )
}

/// An endpoint for `events` at the receiver, and its signing secret.
async fn subscribe(
    admin: &Caller,
    store: &Store,
    receiver: &Receiver,
    events: &[&str],
) -> (domain::WebhookEndpointId, SigningSecret) {
    let issued = endpoints::create(
        admin,
        store,
        WebhookEndpointInput {
            url: receiver.url.clone(),
            description: None,
            events: events.iter().map(|e| e.to_string()).collect(),
            enabled: None,
        },
    )
    .await
    .unwrap();
    (
        issued.endpoint.id,
        SigningSecret::parse(&issued.secret).unwrap(),
    )
}

/// An event of `tenant` in the outbox, as a change would write it.
async fn event(store: &Store, tenant: TenantId, event_type: &str) -> uuid::Uuid {
    sqlx::query_scalar(
        "insert into event_outbox (id, tenant_id, event_type, payload)
         values (gen_random_uuid(), $1, $2, '{\"n\": 1}') returning id",
    )
    .bind(tenant.as_uuid())
    .bind(event_type)
    .fetch_one(&store.pool)
    .await
    .unwrap()
}

/// Runs passes until nothing is due.
async fn drain(dispatcher: &Dispatcher) -> usize {
    let mut sent = 0;
    loop {
        match dispatcher.run_once(100).await.unwrap() {
            0 => return sent,
            n => sent += n,
        }
    }
}

fn verifies(secret: &SigningSecret, received: &crate::receiver::Received) -> bool {
    let id = received.header("webhook-id");
    let timestamp: i64 = received.header("webhook-timestamp").parse().unwrap();
    let expected = secret.sign(&id, timestamp, &received.body);
    received
        .header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn every_event_type_arrives_once_signed_in_its_documented_body(pool: PgPool) {
    let w = quiz_world(pool).await;
    let store = w.store.clone().with_webhook_loopback(Loopback::Allowed);
    let admin = admin_of(&store, w.teacher.tenant_id, "adm@acme.test").await;
    let receiver = Receiver::ok().await;
    let (_, secret) = subscribe(&admin, &store, &receiver, &["*"]).await;

    // The quiz world published a course and enrolled a learner; then a user, a completion, a
    // proctored attempt that a teacher flags, submitted (so graded).
    let form = NewUserForm {
        email: "new@acme.test".into(),
        name: "New Learner".into(),
        role: "student".into(),
        password: Some("a long enough password".into()),
    };
    users::create(&admin, &store, NewUser::parse(form).unwrap(), "http://x")
        .await
        .unwrap();
    let course = courses::get(&w.teacher, &store, w.course).await.unwrap();
    let lesson = course.modules.unwrap()[0].lessons[0].id;
    learning::complete_lesson(&w.student, &store, lesson)
        .await
        .unwrap();
    let mut form = quiz_form(w.course, "Check");
    form.proctoring = Some(domain::proctoring::ProctoringMode::Record);
    let quiz = quizzes::create(&w.teacher, &store, form).await.unwrap();
    questions::add(&w.teacher, &store, quiz.id, every_kind().remove(3))
        .await
        .unwrap();
    quizzes::publish(&w.teacher, &store, quiz.id, None)
        .await
        .unwrap();
    let (attempt, _) = attempts::start(&w.student, &store, quiz.id, false)
        .await
        .unwrap();
    store.clock.advance(time::Duration::seconds(30));
    let flag = domain::proctoring::AttemptControl {
        action: domain::proctoring::ControlAction::Flag,
        minutes: None,
        reason: "Looked at a phone".into(),
    };
    service::quizzes::control::control(&w.teacher, &store, quiz.id, attempt.id, flag)
        .await
        .unwrap();
    let answer = AnswerSave::new(
        attempt.questions[0].id,
        Response::Text("median".into()),
        None,
    );
    attempts::save(&w.student, &store, quiz.id, attempt.id, vec![answer], true)
        .await
        .unwrap();

    let dispatcher = dispatcher(&store);
    drain(&dispatcher).await;
    let received = receiver.received();
    let types: Vec<String> = received
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<&str> = DomainEvent::TYPES.to_vec();
    let mut got: Vec<&str> = types.iter().map(String::as_str).collect();
    expected.sort();
    got.sort();
    // Exactly one of each type of the catalogue, and nothing else.
    assert_eq!(got, expected);
    let ids: HashSet<String> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), received.len(), "an event arrived twice");

    let outbox: Vec<(uuid::Uuid, String, serde_json::Value)> =
        sqlx::query_as("select id, event_type, payload from event_outbox")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    for request in &received {
        assert!(verifies(&secret, request), "{:?}", request.headers);
        assert_eq!(request.header("content-type"), "application/json");
        let body = request.json();
        let id = request.header("webhook-id");
        let (_, event_type, payload) = outbox
            .iter()
            .find(|(uuid, _, _)| EventId::from_uuid(*uuid).to_string() == id)
            .expect("webhook-id names the outbox event");
        assert_eq!(body["type"], event_type.as_str());
        assert!(time::OffsetDateTime::parse(
            body["timestamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok());
        assert_eq!(body["data"]["schema_version"], 1);
        // The documented payload, field for field, beside its version.
        for (field, value) in payload.as_object().unwrap() {
            assert_eq!(&body["data"][field], value, "{event_type}.{field}");
        }
        let tagged = serde_json::json!({ "type": event_type, "data": payload });
        serde_json::from_value::<DomainEvent>(tagged).expect("a catalogue payload");
    }
    let succeeded = count(
        &store.pool,
        "select count(*) from webhook_delivery where status = 'succeeded' and attempts = 1",
    )
    .await;
    assert_eq!(succeeded, i64::try_from(DomainEvent::TYPES.len()).unwrap());
}

struct Tenant {
    store: Store,
    admin: Caller,
    id: TenantId,
}

async fn acme(pool: PgPool) -> Tenant {
    let store = store(pool).with_webhook_loopback(Loopback::Allowed);
    let id = tenant(&store, "acme").await;
    let admin = admin_of(&store, id, "adm@acme.test").await;
    Tenant { store, admin, id }
}

async fn delivery_row(store: &Store) -> (String, i32, time::OffsetDateTime) {
    sqlx::query_as("select status, attempts, next_attempt_at from webhook_delivery")
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_receiver_failing_three_times_gets_the_event_on_the_fourth_try_after_the_backoff(
    pool: PgPool,
) {
    let t = acme(pool).await;
    let receiver = Receiver::start(
        vec![Reply::Status(500), Reply::Status(500), Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    subscribe(&t.admin, &t.store, &receiver, &["course.published"]).await;
    event(&t.store, t.id, "course.published").await;
    event(&t.store, t.id, "user.provisioned").await; // not subscribed: never sent
    let dispatcher = dispatcher(&t.store);
    let clock = &t.store.clock;

    assert_eq!(dispatcher.run_once(10).await.unwrap(), 1, "sent at once");
    // Each wait is its step of the backoff, give or take 10 %: nothing before, the retry after.
    for (step, wait) in [
        Duration::seconds(5),
        Duration::minutes(5),
        Duration::minutes(30),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, attempts, next) = delivery_row(&t.store).await;
        assert_eq!((status.as_str(), attempts), ("pending", step as i32 + 1));
        let waited = next - clock.now();
        assert!(
            waited >= wait * 0.9 && waited <= wait * 1.1,
            "step {step}: {waited}"
        );
        clock.advance(wait * 0.85);
        assert_eq!(dispatcher.run_once(10).await.unwrap(), 0, "step {step}");
        clock.advance(wait * 0.3);
        assert_eq!(dispatcher.run_once(10).await.unwrap(), 1, "step {step}");
    }
    let (status, attempts, _) = delivery_row(&t.store).await;
    assert_eq!((status.as_str(), attempts), ("succeeded", 4));
    let received = receiver.received();
    assert_eq!(received.len(), 4);
    let ids: HashSet<String> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1, "the same webhook-id on every attempt");
    // Each attempt is signed at its own time.
    let stamps: HashSet<String> = received
        .iter()
        .map(|r| r.header("webhook-timestamp"))
        .collect();
    assert_eq!(stamps.len(), 4);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_429_with_retry_after_sets_the_wait_and_the_last_failure_ends_the_delivery(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::start(vec![Reply::RetryAfter(429, "120")], Reply::Status(410)).await;
    let (endpoint, _) = subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    event(&t.store, t.id, "course.published").await;
    let dispatcher = dispatcher(&t.store);
    let clock = &t.store.clock;
    dispatcher.run_once(10).await.unwrap();
    let (_, _, next) = delivery_row(&t.store).await;
    assert_eq!(next - clock.now(), Duration::seconds(120));

    // 410 every time after: the eighth attempt is the last.
    for _ in 0..7 {
        clock.advance(Duration::hours(12));
        assert_eq!(dispatcher.run_once(10).await.unwrap(), 1);
    }
    clock.advance(Duration::hours(12));
    assert_eq!(dispatcher.run_once(10).await.unwrap(), 0);
    let log = deliveries::list(&t.admin, &t.store, endpoint, None, None)
        .await
        .unwrap();
    let delivery = &log.items[0];
    assert_eq!(
        (delivery.status, delivery.attempts, delivery.response_status),
        (DeliveryStatus::Failed, 8, Some(410))
    );
    assert_eq!(delivery.response_body.as_deref(), Some("answered 410"));
    assert!(delivery.latency_ms.is_some() && delivery.finished_at.is_some());
    assert_eq!(delivery.next_attempt_at, None);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_delivery_whose_sender_died_mid_request_is_sent_once_its_lease_ends(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::start(vec![Reply::Hang], Reply::Status(204)).await;
    subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    event(&t.store, t.id, "course.published").await;

    // A process claims it, sends it, and is killed while the receiver holds the request.
    let doomed = dispatcher(&t.store);
    service::webhooks::dispatch::fan_out(&t.store, doomed.now(), 10)
        .await
        .unwrap();
    let claimed = doomed.claim(10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let sending = tokio::spawn(async move { doomed.deliver(claimed[0].clone()).await });
    receiver.wait_for(1).await;
    sending.abort();
    assert!(sending.await.unwrap_err().is_cancelled());

    // After a restart: the claim holds until its lease ends, then the delivery goes out.
    let restarted = dispatcher(&t.store);
    assert_eq!(restarted.run_once(10).await.unwrap(), 0, "still leased");
    t.store
        .clock
        .advance(Duration::minutes(2) + Duration::seconds(1));
    assert_eq!(restarted.run_once(10).await.unwrap(), 1);
    let (status, attempts, _) = delivery_row(&t.store).await;
    assert_eq!((status.as_str(), attempts), ("succeeded", 2));
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn two_workers_deliver_each_event_exactly_once(pool: PgPool) {
    let t = acme(pool.clone()).await;
    let receiver = Receiver::ok().await;
    subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    for _ in 0..60 {
        event(&t.store, t.id, "course.published").await;
    }
    // Two processes: each its own pool and dispatcher, over one database.
    let other_pool = sqlx::postgres::PgPoolOptions::new()
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let other = Store {
        pool: other_pool,
        ..t.store.clone()
    };
    let (first, second) = (dispatcher(&t.store), dispatcher(&other));
    let (a, b) = tokio::join!(
        async {
            let mut sent = 0;
            for _ in 0..20 {
                sent += first.run_once(7).await.unwrap();
            }
            sent
        },
        async {
            let mut sent = 0;
            for _ in 0..20 {
                sent += second.run_once(7).await.unwrap();
            }
            sent
        }
    );
    assert_eq!(a + b, 60);
    assert!(a > 0 && b > 0, "both shared the work: {a} and {b}");
    let ids: HashSet<String> = receiver
        .received()
        .iter()
        .map(|r| r.header("webhook-id"))
        .collect();
    assert_eq!((receiver.received().len(), ids.len()), (60, 60));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_tenant_whose_endpoint_hangs_does_not_hold_back_another(pool: PgPool) {
    let t = acme(pool).await;
    let globex = tenant(&t.store, "globex").await;
    let globex_admin = admin_of(&t.store, globex, "adm@globex.test").await;
    let hanging = Receiver::start(Vec::new(), Reply::Hang).await;
    let healthy = Receiver::ok().await;
    subscribe(&t.admin, &t.store, &hanging, &["*"]).await;
    subscribe(&globex_admin, &t.store, &healthy, &["*"]).await;
    for _ in 0..40 {
        event(&t.store, t.id, "course.published").await;
    }
    for _ in 0..5 {
        event(&t.store, globex, "course.published").await;
    }
    let dispatcher = Dispatcher::new(
        t.store.clone(),
        DispatchSettings {
            timeout: std::time::Duration::from_secs(1),
            per_endpoint: 8,
            ..DispatchSettings::default()
        },
    );
    // One pass with room for 16: acme's backlog of 40 takes 8 places, no more; globex's 5
    // events go in the same pass.
    assert_eq!(dispatcher.run_once(16).await.unwrap(), 13);
    assert_eq!(healthy.received().len(), 5);
    assert_eq!(hanging.received().len(), 8);
    let timed_out = count(
        &t.store.pool,
        "select count(*) from webhook_delivery where status = 'pending' and attempts = 1
         and last_error like 'the receiver did not answer in time%'",
    )
    .await;
    assert_eq!(timed_out, 8);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_endpoint_failing_for_days_is_turned_off_and_its_admins_told(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::start(Vec::new(), Reply::Status(500)).await;
    let (endpoint, _) = subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    let dispatcher = dispatcher(&t.store);
    // A failure, then nothing for six days: one failure long ago is not a run of them.
    event(&t.store, t.id, "course.published").await;
    dispatcher.run_once(10).await.unwrap();
    sqlx::query("update webhook_delivery set status = 'failed'")
        .execute(&t.store.pool)
        .await
        .unwrap();
    t.store.clock.advance(Duration::days(6));
    // Then a new event failing each day, and its retries: after five days of it, the endpoint
    // is turned off.
    for day in 0..5 {
        event(&t.store, t.id, "course.published").await;
        drain(&dispatcher).await;
        assert!(
            endpoints::get(&t.admin, &t.store, endpoint)
                .await
                .unwrap()
                .enabled,
            "day {day}"
        );
        t.store.clock.advance(Duration::hours(20));
        drain(&dispatcher).await;
        t.store.clock.advance(Duration::hours(4));
    }
    t.store.clock.advance(Duration::minutes(1));
    event(&t.store, t.id, "course.published").await;
    drain(&dispatcher).await;
    let view = endpoints::get(&t.admin, &t.store, endpoint).await.unwrap();
    assert!(!view.enabled);
    assert!(view
        .disabled_reason
        .as_deref()
        .unwrap()
        .contains("every delivery has failed since"));
    let mails: Vec<(String, String)> = sqlx::query_as(
        "select to_address, body_text from mail_outbox where subject like '%webhook%'",
    )
    .fetch_all(&t.store.pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "adm@acme.test");
    assert!(mails[0].1.contains("/admin/webhooks"), "{}", mails[0].1);
    assert!(
        !mails[0].1.contains("s3cret"),
        "the address's token stays out"
    );
    assert_eq!(
        count(
            &t.store.pool,
            "select count(*) from audit_event where action = 'webhook.disabled'"
        )
        .await,
        1
    );

    // Off: new events are not fanned out to it, and what was queued waits.
    let deliveries = count(&t.store.pool, "select count(*) from webhook_delivery").await;
    event(&t.store, t.id, "course.published").await;
    let before = receiver.received().len();
    t.store.clock.advance(Duration::days(2));
    drain(&dispatcher).await;
    assert_eq!(receiver.received().len(), before);
    assert_eq!(
        count(&t.store.pool, "select count(*) from webhook_delivery").await,
        deliveries
    );

    // Turned on again by an admin: the reason is gone.
    let patch = WebhookEndpointPatch {
        enabled: Some(true),
        ..Default::default()
    };
    let on = endpoints::update(&t.admin, &t.store, endpoint, patch)
        .await
        .unwrap();
    assert!(on.enabled && on.disabled_reason.is_none());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_address_is_checked_again_at_every_delivery(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::ok().await;
    subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    event(&t.store, t.id, "course.published").await;
    // The same database, served by a process where loopback is not allowed.
    let strict = Store {
        webhook_loopback: Loopback::Refused,
        ..t.store.clone()
    };
    dispatcher(&strict).run_once(10).await.unwrap();
    assert!(receiver.received().is_empty());
    let error: String = sqlx::query_scalar("select last_error from webhook_delivery")
        .fetch_one(&t.store.pool)
        .await
        .unwrap();
    assert!(error.starts_with("not sent: "), "{error}");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn admins_send_a_test_event_read_the_log_and_redeliver(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::start(vec![Reply::Status(503)], Reply::Status(200)).await;
    let (endpoint, secret) = subscribe(&t.admin, &t.store, &receiver, &["course.published"]).await;
    let queued = deliveries::send_test(&t.admin, &t.store, endpoint)
        .await
        .unwrap();
    assert_eq!(
        (queued.status, queued.event_type.as_str()),
        (DeliveryStatus::Pending, "webhook.test")
    );
    // A pending delivery is not sent again by hand.
    let pending = deliveries::redeliver(&t.admin, &t.store, queued.id)
        .await
        .unwrap_err();
    assert_eq!(pending.code().as_str(), "webhook.delivery_pending");

    let dispatcher = dispatcher(&t.store);
    dispatcher.run_once(10).await.unwrap();
    let body = receiver.received()[0].json();
    assert_eq!(body["type"], "webhook.test");
    assert_eq!(body["data"]["webhook_id"], endpoint.to_string());
    assert!(verifies(&secret, &receiver.received()[0]));

    // The 503 is retried on the backoff; an admin gives up waiting and, once it has failed,
    // sends it again: a new delivery of the same event.
    let log = deliveries::list(&t.admin, &t.store, endpoint, None, None)
        .await
        .unwrap();
    assert_eq!(log.items[0].response_status, Some(503));
    sqlx::query("update webhook_delivery set status = 'failed'")
        .execute(&t.store.pool)
        .await
        .unwrap();
    let again = deliveries::redeliver(&t.admin, &t.store, queued.id)
        .await
        .unwrap();
    assert_eq!(again.redelivery_of, Some(queued.id));
    assert_eq!(again.event_id, queued.event_id);
    dispatcher.run_once(10).await.unwrap();
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].header("webhook-id"),
        queued.event_id.to_string()
    );
    let log = deliveries::list(&t.admin, &t.store, endpoint, None, Some(1))
        .await
        .unwrap();
    assert_eq!(log.items[0].id, again.id);
    assert_eq!(log.items[0].status, DeliveryStatus::Succeeded);
    let older = log.next_cursor.unwrap();
    let rest = deliveries::list(&t.admin, &t.store, endpoint, Some(&older), Some(10))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].id, queued.id);
    assert_eq!(rest.next_cursor, None);

    // Another tenant's admin finds nothing; a teacher is refused before any lookup.
    let globex = tenant(&t.store, "globex").await;
    let stranger = admin_of(&t.store, globex, "adm@globex.test").await;
    for refused in [
        deliveries::list(&stranger, &t.store, endpoint, None, None)
            .await
            .map(|_| ()),
        deliveries::redeliver(&stranger, &t.store, queued.id)
            .await
            .map(|_| ()),
        deliveries::send_test(&stranger, &t.store, endpoint)
            .await
            .map(|_| ()),
    ] {
        assert!(
            matches!(refused, Err(ServiceError::NotFound)),
            "{refused:?}"
        );
    }
    let teacher = caller(
        t.id,
        user(&t.store, t.id, Role::Teacher, "tea@acme.test").await,
        Role::Teacher,
    );
    assert!(matches!(
        deliveries::send_test(&teacher, &t.store, endpoint).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(
        count(
            &t.store.pool,
            "select count(*) from audit_event where action in ('webhook.test_sent', 'webhook.redelivered')"
        )
        .await,
        2
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_answer_with_a_nul_byte_is_recorded_once(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::start(Vec::new(), Reply::Body(200, "ok\0done")).await;
    let (endpoint, _) = subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    event(&t.store, t.id, "course.published").await;
    let dispatcher = dispatcher(&t.store);
    assert_eq!(dispatcher.run_once(10).await.unwrap(), 1);
    t.store.clock.advance(Duration::minutes(3));
    assert_eq!(dispatcher.run_once(10).await.unwrap(), 0, "sent once");
    let log = deliveries::list(&t.admin, &t.store, endpoint, None, None)
        .await
        .unwrap();
    assert_eq!(log.items[0].status, DeliveryStatus::Succeeded);
    assert_eq!(
        log.items[0].response_body.as_deref(),
        Some("ok\u{fffd}done")
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_secret_sealed_under_another_server_key_fails_the_attempt_and_says_why(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::ok().await;
    let (endpoint, _) = subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    event(&t.store, t.id, "course.published").await;
    // The same database, served by a process started with another LECTERN_SECRET_KEY.
    let rekeyed = t
        .store
        .clone()
        .with_secret_key(b"another server key, not the one that sealed");
    dispatcher(&rekeyed).run_once(10).await.unwrap();
    assert!(receiver.received().is_empty(), "nothing goes out unsigned");
    let log = deliveries::list(&t.admin, &t.store, endpoint, None, None)
        .await
        .unwrap();
    let delivery = &log.items[0];
    assert_eq!(
        (delivery.status, delivery.attempts),
        (DeliveryStatus::Pending, 1)
    );
    assert!(delivery.next_attempt_at.is_some());
    assert!(
        delivery
            .error
            .as_deref()
            .unwrap()
            .contains("signing secret cannot be opened"),
        "{delivery:?}"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_sweep_fails_an_interrupted_last_attempt_and_forgets_old_deliveries(pool: PgPool) {
    let t = acme(pool).await;
    let receiver = Receiver::ok().await;
    subscribe(&t.admin, &t.store, &receiver, &["*"]).await;
    event(&t.store, t.id, "course.published").await;
    event(&t.store, t.id, "user.provisioned").await;
    let dispatcher = dispatcher(&t.store);
    assert_eq!(dispatcher.run_once(10).await.unwrap(), 2);
    // One of them claimed for its last attempt by a process that then died.
    sqlx::query(
        "update webhook_delivery set status = 'pending', attempts = $1, claimed_until = $2
         where event_type = 'user.provisioned'",
    )
    .bind(service::webhooks::retry::MAX_ATTEMPTS)
    .bind(t.store.clock.now() + Duration::minutes(2))
    .execute(&t.store.pool)
    .await
    .unwrap();
    let sweep = service::webhooks::deliveries::sweep;
    assert_eq!(
        sweep(&t.store.pool, t.store.clock.now()).await.unwrap(),
        0,
        "still leased"
    );
    t.store.clock.advance(Duration::minutes(3));
    assert_eq!(sweep(&t.store.pool, t.store.clock.now()).await.unwrap(), 1);
    let (status, error): (String, String) = sqlx::query_as(
        "select status, last_error from webhook_delivery where event_type = 'user.provisioned'",
    )
    .fetch_one(&t.store.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("failed", "the last attempt was interrupted")
    );

    // A month on, both deliveries and the events they sent are gone.
    t.store.clock.advance(Duration::days(31));
    assert_eq!(sweep(&t.store.pool, t.store.clock.now()).await.unwrap(), 4);
    assert_eq!(
        count(&t.store.pool, "select count(*) from webhook_delivery").await,
        0
    );
    assert_eq!(
        count(&t.store.pool, "select count(*) from event_outbox").await,
        0
    );
}
