#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use domain::{Password, Role};
use service::auth::{self, SignInForm};
use service::reset::{self, RESET_VALIDITY};
use sqlx::PgPool;

const BASE: &str = "http://lectern.test";

async fn mailed_token(pool: &PgPool) -> String {
    let body: String =
        sqlx::query_scalar("select body_text from mail_outbox order by created_at desc limit 1")
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

    reset::request_reset(&store, &meta(), "acme", "stu@acme.test", BASE)
        .await
        .unwrap();
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
    reset::request_reset(&store, &meta(), "acme", "stu@acme.test", BASE)
        .await
        .unwrap();
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
    reset::request_reset(&store, &meta(), "acme", "stu@acme.test", BASE)
        .await
        .unwrap();
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
    reset::request_reset(&store, &meta(), "acme", "nobody@acme.test", BASE)
        .await
        .unwrap();
    reset::request_reset(&store, &meta(), "no-such-org", "stu@acme.test", BASE)
        .await
        .unwrap();
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
        reset::request_reset(&store, &meta(), "acme", "stu@acme.test", BASE)
            .await
            .unwrap();
    }
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
