#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::{Password, Role, TenantStatus, UserStatus};
use service::auth::{
    self, SignInForm, MAX_FAILURES_PER_ACCOUNT, SESSION_LIFETIME, THROTTLE_WINDOW,
};
use service::{tenants, users, ServiceError};
use sqlx::PgPool;

fn form(org: &str, email: &str, password: &str) -> SignInForm {
    SignInForm {
        organisation: org.into(),
        email: email.into(),
        password: Password::offered(password),
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn signing_in_with_the_right_password_opens_a_session(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    let user = user(&store, tenant, Role::Teacher, "tea@acme.test").await;

    let signed_in = auth::sign_in(&store, &meta(), form("acme", " TEA@acme.test ", PASSWORD))
        .await
        .unwrap();
    assert_eq!(signed_in.user.user_id, user);
    assert_eq!(signed_in.user.role, Role::Teacher);
    assert_eq!(signed_in.user.tenant_slug, "acme");

    let resolved = auth::resolve_session(&store, tenant, signed_in.session_id)
        .await
        .unwrap();
    assert_eq!(resolved.map(|u| u.user_id), Some(user));
    let audit = count(
        &store.pool,
        "select count(*) from audit_event where action = 'auth.signed_in'",
    )
    .await;
    assert_eq!(audit, 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_wrong_password_an_unknown_email_and_an_unknown_organisation_fail_alike(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;

    for attempt in [
        form("acme", "stu@acme.test", "wrong password!"),
        form("acme", "nobody@acme.test", PASSWORD),
        form("nope", "stu@acme.test", PASSWORD),
    ] {
        let error = auth::sign_in(&store, &meta(), attempt).await.unwrap_err();
        assert!(
            matches!(error, ServiceError::InvalidCredentials),
            "{error:?}"
        );
        assert_eq!(error.code().as_str(), "auth.invalid_credentials");
    }
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn repeated_failures_lock_the_account_until_the_window_passes(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;

    for _ in 0..MAX_FAILURES_PER_ACCOUNT {
        let error = auth::sign_in(
            &store,
            &meta(),
            form("acme", "stu@acme.test", "guess guess guess"),
        )
        .await
        .unwrap_err();
        assert!(matches!(error, ServiceError::InvalidCredentials));
    }
    // Now even the right password is refused, with the time to wait.
    let error = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap_err();
    let ServiceError::TooManyAttempts {
        retry_after_seconds,
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!(retry_after_seconds, THROTTLE_WINDOW.whole_seconds());

    store.clock.advance(THROTTLE_WINDOW);
    auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap();
    let left = count(&store.pool, "select count(*) from sign_in_failure").await;
    assert_eq!(left, 0, "a success clears the failures");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn failures_in_one_tenant_do_not_lock_the_same_email_in_another(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    user(&store, a, Role::Student, "same@example.test").await;
    user(&store, b, Role::Student, "same@example.test").await;
    for _ in 0..MAX_FAILURES_PER_ACCOUNT + 1 {
        let _ = auth::sign_in(
            &store,
            &meta(),
            form("acme", "same@example.test", "guess guess guess"),
        )
        .await;
    }
    auth::sign_in(
        &store,
        &meta(),
        form("globex", "same@example.test", PASSWORD),
    )
    .await
    .unwrap();
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn sessions_end_at_their_absolute_lifetime(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;
    let signed_in = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap();

    store
        .clock
        .advance(SESSION_LIFETIME - time::Duration::seconds(1));
    assert!(auth::resolve_session(&store, tenant, signed_in.session_id)
        .await
        .unwrap()
        .is_some());
    store.clock.advance(time::Duration::seconds(1));
    assert!(auth::resolve_session(&store, tenant, signed_in.session_id)
        .await
        .unwrap()
        .is_none());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn deactivating_a_user_ends_their_sessions_and_refuses_sign_in(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    let admin = user(&store, tenant, Role::Admin, "adm@acme.test").await;
    let student = user(&store, tenant, Role::Student, "stu@acme.test").await;
    let session = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap()
        .session_id;

    users::set_status(
        &caller(tenant, admin, Role::Admin),
        &store,
        student,
        UserStatus::Deactivated,
    )
    .await
    .unwrap();

    assert!(auth::resolve_session(&store, tenant, session)
        .await
        .unwrap()
        .is_none());
    let error = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::InvalidCredentials));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_suspended_tenant_refuses_sign_in_and_ends_sessions(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;
    let session = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap()
        .session_id;

    tenants::set_status(&store, tenant, TenantStatus::Suspended)
        .await
        .unwrap();

    assert!(auth::resolve_session(&store, tenant, session)
        .await
        .unwrap()
        .is_none());
    let error = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "tenant.suspended");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn signing_out_revokes_the_session(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    let student = user(&store, tenant, Role::Student, "stu@acme.test").await;
    let session = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap()
        .session_id;

    auth::sign_out(&store, &caller(tenant, student, Role::Student), session)
        .await
        .unwrap();
    assert!(auth::resolve_session(&store, tenant, session)
        .await
        .unwrap()
        .is_none());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn passwords_are_stored_as_argon2_hashes_only(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;
    let hash: String = sqlx::query_scalar("select password_hash from app_user")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn parallel_guesses_cannot_exceed_the_failure_limit(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;

    let guesses = (0..12).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            auth::sign_in(
                &store,
                &meta(),
                form("acme", "stu@acme.test", &format!("guess number {i}")),
            )
            .await
        })
    });
    let mut wrong_password = 0;
    let mut throttled = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            Err(ServiceError::InvalidCredentials) => wrong_password += 1,
            Err(ServiceError::TooManyAttempts { .. }) => throttled += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        (wrong_password, throttled),
        (MAX_FAILURES_PER_ACCOUNT, 12 - MAX_FAILURES_PER_ACCOUNT)
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_sweeper_removes_only_what_no_longer_counts(pool: PgPool) {
    let store = store(pool);
    let tenant = tenant(&store, "acme").await;
    user(&store, tenant, Role::Student, "stu@acme.test").await;
    let live = auth::sign_in(&store, &meta(), form("acme", "stu@acme.test", PASSWORD))
        .await
        .unwrap();
    let _ = auth::sign_in(
        &store,
        &meta(),
        form("acme", "stu@acme.test", "a wrong password"),
    )
    .await;

    auth::sweep(&store.pool, store.clock.now()).await.unwrap();
    assert_eq!(
        count(&store.pool, "select count(*) from sign_in_failure").await,
        1,
        "still inside the window"
    );
    assert!(auth::resolve_session(&store, tenant, live.session_id)
        .await
        .unwrap()
        .is_some());

    store
        .clock
        .advance(SESSION_LIFETIME + time::Duration::days(1) + time::Duration::seconds(1));
    auth::sweep(&store.pool, store.clock.now()).await.unwrap();
    assert_eq!(
        count(&store.pool, "select count(*) from sign_in_failure").await,
        0
    );
    assert_eq!(
        count(&store.pool, "select count(*) from auth_session").await,
        0
    );
}
