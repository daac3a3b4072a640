#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::{Password, Role};
use service::auth::RequestMeta;
use service::auth::{self, SignInForm};
use service::reset::{self, RESET_VALIDITY};
use service::Store;
use sqlx::PgPool;

const BASE: &str = "http://lectern.test";

/// Asks for a reset as the request path does: it only queues.
async fn ask(store: &Store, organisation: &str, email: &str) {
    reset::request_reset(store, &meta(), organisation, email)
        .await
        .unwrap();
}

/// The worker's step: handles every queued request.
async fn work(store: &Store) -> usize {
    reset::process_pending(store, BASE, 100).await.unwrap()
}

async fn mailed_token(pool: &PgPool) -> String {
    let body: String = sqlx::query_scalar(
        "select body_text from mail_outbox order by created_at desc, id desc limit 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let start = body.find("token=").expect("the mail holds a link") + "token=".len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

fn sign_in_form(password: &str) -> SignInForm {
    SignInForm {
        organisation: "acme".into(),
        email: "stu@acme.test".into(),
        password: Password::offered(password),
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_reset_link_sets_a_new_password_once_and_ends_other_sessions(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    let old_session = auth::sign_in(&store, &meta(), sign_in_form(PASSWORD))
        .await
        .unwrap()
        .session_id;

    ask(&store, "acme", "stu@acme.test").await;
    work(&store).await;
    let token = mailed_token(&store.pool).await;
    assert_eq!(token.len(), 64);
    let stored: Vec<u8> = sqlx::query_scalar("select token_hash from password_reset_token")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "only the hash is stored");

    reset::reset_password(&store, &meta(), "acme", &token, "a brand new passphrase")
        .await
        .unwrap();
    assert!(auth::resolve_session(&store, t, old_session)
        .await
        .unwrap()
        .is_none());
    auth::sign_in(&store, &meta(), sign_in_form("a brand new passphrase"))
        .await
        .unwrap();
    assert!(auth::sign_in(&store, &meta(), sign_in_form(PASSWORD))
        .await
        .is_err());

    let again = reset::reset_password(&store, &meta(), "acme", &token, "yet another passphrase")
        .await
        .unwrap_err();
    assert_eq!(again.code().as_str(), "auth.invalid_reset_token");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_expired_reset_link_is_refused(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    ask(&store, "acme", "stu@acme.test").await;
    work(&store).await;
    let token = mailed_token(&store.pool).await;

    store.clock.advance(RESET_VALIDITY);
    let error = reset::reset_password(&store, &meta(), "acme", &token, "a brand new passphrase")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.invalid_reset_token");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_token_of_one_tenant_does_not_work_in_another(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    tenant(&store, "globex").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    ask(&store, "acme", "stu@acme.test").await;
    work(&store).await;
    let token = mailed_token(&store.pool).await;
    let error = reset::reset_password(&store, &meta(), "globex", &token, "a brand new passphrase")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.invalid_reset_token");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn asking_for_an_unknown_account_sends_nothing_and_says_nothing(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    ask(&store, "acme", "nobody@acme.test").await;
    ask(&store, "no-such-org", "stu@acme.test").await;
    assert_eq!(work(&store).await, 2);
    assert_eq!(
        count(&store.pool, "select count(*) from mail_outbox").await,
        0
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn reset_requests_are_capped_per_hour(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    for _ in 0..5 {
        ask(&store, "acme", "stu@acme.test").await;
    }
    work(&store).await;
    assert_eq!(
        count(&store.pool, "select count(*) from mail_outbox").await,
        3
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_weak_new_password_is_refused_with_the_field(pool: PgPool) {
    let store = store(pool);
    let error = reset::reset_password(&store, &meta(), "acme", "whatever", "short")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "request.validation_failed");
    assert_eq!(error.details()[0].field, "password");
}

/// What a request leaves behind: queued requests, tokens, mails, audit rows.
async fn traces(pool: &PgPool) -> [i64; 4] {
    [
        count(pool, "select count(*) from password_reset_request").await,
        count(pool, "select count(*) from password_reset_token").await,
        count(pool, "select count(*) from mail_outbox").await,
        count(pool, "select count(*) from audit_event").await,
    ]
}

fn meta_of(request_id: &str, ip: &str) -> RequestMeta {
    RequestMeta {
        request_id: request_id.into(),
        ip: Some(ip.parse().unwrap()),
        user_agent: Some("tests".into()),
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_request_only_queues_whether_or_not_the_account_exists_and_the_worker_mails_the_real_one(
    pool: PgPool,
) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    let before = traces(&store.pool).await;
    let requests = [
        ("acme", "Stu@Acme.test", meta_of("req_real", "203.0.113.7")),
        (
            "acme",
            "nobody@acme.test",
            meta_of("req_unknown_email", "198.51.100.1"),
        ),
        (
            "no-such-org",
            "stu@acme.test",
            meta_of("req_unknown_org", "2001:db8::1"),
        ),
    ];
    for (i, (organisation, email, meta)) in requests.iter().enumerate() {
        reset::request_reset(&store, meta, organisation, email)
            .await
            .unwrap();
        let [queued, tokens, mails, audits] = traces(&store.pool).await;
        assert_eq!(
            queued,
            i as i64 + 1,
            "{email} at {organisation} queues one row"
        );
        assert_eq!(
            [tokens, mails, audits],
            [before[1], before[2], before[3]],
            "{email} at {organisation}: nothing but the queued row before the worker runs"
        );
    }
    let (ip, request_id): (String, String) = sqlx::query_as(
        "select host(ip), request_id from password_reset_request where email = 'stu@acme.test' and organisation = 'acme'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        (ip.as_str(), request_id.as_str()),
        ("203.0.113.7", "req_real")
    );

    assert_eq!(work(&store).await, 3);
    let [queued, tokens, mails, audits] = traces(&store.pool).await;
    assert_eq!(queued, 0, "the queue is empty");
    assert_eq!(
        [tokens, mails, audits],
        [before[1] + 1, before[2] + 1, before[3] + 1],
        "only the real account has a token, a mail and an audit row"
    );
    let to: String = sqlx::query_scalar("select to_address from mail_outbox")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(to, "stu@acme.test");
    let audit: (String, String, String) = sqlx::query_as(
        "select action, host(ip), request_id from audit_event where action = 'auth.password_reset_requested'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        (
            "auth.password_reset_requested".to_string(),
            "203.0.113.7".to_string(),
            "req_real".to_string()
        ),
        "the audit row names the original request, not the worker"
    );
    let token = mailed_token(&store.pool).await;
    reset::reset_password(&store, &meta(), "acme", &token, "a brand new passphrase")
        .await
        .unwrap();
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_malformed_email_is_refused_with_the_field_and_queues_nothing(pool: PgPool) {
    let store = store(pool);
    let error = reset::request_reset(&store, &meta(), "acme", "not an email")
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "request.validation_failed");
    assert_eq!(error.details()[0].field, "email");
    assert_eq!(
        count(&store.pool, "select count(*) from password_reset_request").await,
        0
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_request_that_keeps_failing_is_retried_and_then_dropped(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    // Every new token fails to be stored: an internal error for the worker.
    sqlx::raw_sql(
        "create function refuse_tokens() returns trigger language plpgsql as $$ begin raise exception 'no tokens today'; end $$;
         create trigger refuse_tokens before insert on password_reset_token for each row execute function refuse_tokens();",
    )
    .execute(&store.pool)
    .await
    .unwrap();
    ask(&store, "acme", "stu@acme.test").await;
    for attempt in 1..reset::MAX_ATTEMPTS {
        assert_eq!(work(&store).await, 1);
        let attempts: i32 = sqlx::query_scalar("select attempts from password_reset_request")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(attempts, attempt, "kept for another try");
    }
    assert_eq!(work(&store).await, 1);
    assert_eq!(
        traces(&store.pool).await[..3],
        [0, 0, 0],
        "dropped, nothing sent"
    );
}
