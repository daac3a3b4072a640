#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::{ApiKeyStatus, Role, TenantStatus};
use service::api_keys::{self, NewApiKey};
use service::fixtures::{api_key, platform_caller};
use sqlx::PgPool;
use time::Duration;

fn refusal(result: Result<api_keys::Authenticated, service::ServiceError>) -> &'static str {
    result.unwrap_err().code().as_str()
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_key_acts_with_its_role_in_its_tenant(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let (id, secret) = api_key(&store, t, Role::Teacher).await.unwrap();
    assert!(
        secret.starts_with("ck_test_"),
        "fixture tenants are test tenants"
    );

    let done = api_keys::authenticate(&store, &secret, Some(t), &meta())
        .await
        .unwrap();
    assert_eq!(done.caller.tenant_id, t);
    assert_eq!(done.caller.role, Role::Teacher);
    assert_eq!(done.caller.api_key_id, Some(id));
    assert_eq!(done.caller.user_id, None);
    assert_eq!(
        (done.requests_per_minute, done.requests_per_hour),
        (600, 10_000)
    );
    let key = api_keys::get(&platform_caller(t, Role::Admin), &store, id)
        .await
        .unwrap();
    assert!(key.last_used_at.is_some());
    assert!(secret.starts_with(&key.prefix) && key.prefix.len() < secret.len());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn each_refusal_has_its_own_code(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    let (id, secret) = api_key(&store, a, Role::Admin).await.unwrap();
    let admin = platform_caller(a, Role::Admin);

    let unknown = format!("ck_live_{}", "0".repeat(26));
    assert_eq!(
        refusal(api_keys::authenticate(&store, &unknown, Some(a), &meta()).await),
        "auth.invalid_token"
    );
    assert_eq!(
        refusal(api_keys::authenticate(&store, "ck_live_nope", Some(a), &meta()).await),
        "auth.invalid_token"
    );
    assert_eq!(
        refusal(api_keys::authenticate(&store, &secret, Some(b), &meta()).await),
        "auth.tenant_mismatch"
    );

    service::tenants::set_status(&store, a, TenantStatus::Suspended)
        .await
        .unwrap();
    assert_eq!(
        refusal(api_keys::authenticate(&store, &secret, Some(a), &meta()).await),
        "tenant.suspended"
    );
    service::tenants::set_status(&store, a, TenantStatus::Active)
        .await
        .unwrap();

    api_keys::revoke(&admin, &store, id).await.unwrap();
    assert_eq!(
        refusal(api_keys::authenticate(&store, &secret, Some(a), &meta()).await),
        "auth.token_revoked"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_key_stops_working_when_it_expires(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let admin = platform_caller(t, Role::Admin);
    let input = NewApiKey::parse(
        "nightly sync",
        "teacher",
        Some("2026-11-24"),
        store.clock.now(),
    )
    .unwrap();
    let issued = api_keys::create(&admin, &store, input).await.unwrap();
    assert_eq!(
        issued.key.expires_at.as_deref(),
        Some("2026-11-25T00:00:00Z"),
        "a date means through that day"
    );

    store.clock.advance(Duration::hours(35));
    assert!(
        api_keys::authenticate(&store, &issued.secret, Some(t), &meta())
            .await
            .is_ok()
    );
    store.clock.advance(Duration::hours(2));
    assert_eq!(
        refusal(api_keys::authenticate(&store, &issued.secret, Some(t), &meta()).await),
        "auth.token_revoked"
    );
    let listed = api_keys::list(&admin, &store).await.unwrap();
    assert_eq!(listed[0].status, ApiKeyStatus::Expired);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_new_key_is_checked_field_by_field(pool: PgPool) {
    let store = store(pool);
    let now = store.clock.now();
    let error = NewApiKey::parse(" ", "root", Some("2020-01-01"), now).unwrap_err();
    let fields: Vec<String> = error.details().into_iter().map(|d| d.field).collect();
    assert_eq!(fields, ["name", "role", "expires_at"]);
    assert!(NewApiKey::parse("ok", "admin", Some("tomorrow"), now).is_err());
    assert!(NewApiKey::parse("ok", "admin", Some("2027-01-01T00:00:00Z"), now).is_ok());
    assert!(api_keys::parse_overlap(Some(-1)).is_err());
    assert!(api_keys::parse_overlap(Some(604_801)).is_err());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn rotation_retires_the_old_secret_after_the_overlap(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let admin = platform_caller(t, Role::Admin);
    let (id, first) = api_key(&store, t, Role::Admin).await.unwrap();

    let second = api_keys::rotate(&admin, &store, id, Duration::ZERO)
        .await
        .unwrap();
    assert_ne!(second.secret, first);
    assert_eq!(second.key.id, id);
    assert!(second.secret.starts_with(&second.key.prefix));
    assert_eq!(
        refusal(api_keys::authenticate(&store, &first, Some(t), &meta()).await),
        "auth.token_revoked"
    );
    assert!(
        api_keys::authenticate(&store, &second.secret, Some(t), &meta())
            .await
            .is_ok()
    );

    let third = api_keys::rotate(&admin, &store, id, Duration::minutes(10))
        .await
        .unwrap();
    store.clock.advance(Duration::minutes(9));
    assert!(
        api_keys::authenticate(&store, &second.secret, Some(t), &meta())
            .await
            .is_ok(),
        "within the overlap"
    );
    assert!(
        api_keys::authenticate(&store, &third.secret, Some(t), &meta())
            .await
            .is_ok()
    );
    store.clock.advance(Duration::minutes(2));
    assert_eq!(
        refusal(api_keys::authenticate(&store, &second.secret, Some(t), &meta()).await),
        "auth.token_revoked"
    );

    api_keys::revoke(&admin, &store, id).await.unwrap();
    let error = api_keys::rotate(&admin, &store, id, Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "api_key.inactive");
    assert_eq!(
        refusal(api_keys::authenticate(&store, &third.secret, Some(t), &meta()).await),
        "auth.token_revoked"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn only_admins_or_the_key_itself_manage_keys_and_other_tenants_keys_are_not_found(
    pool: PgPool,
) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    let teacher = user(&store, a, Role::Teacher, "tea@acme.test").await;
    let (id, secret) = api_key(&store, a, Role::Student).await.unwrap();
    let (foreign, _) = api_key(&store, b, Role::Admin).await.unwrap();

    let as_teacher = caller(a, teacher, Role::Teacher);
    assert_eq!(
        api_keys::list(&as_teacher, &store)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "auth.forbidden"
    );
    assert_eq!(
        api_keys::revoke(&as_teacher, &store, id)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "auth.forbidden"
    );

    // A student key may rotate itself, and nothing else.
    let itself = api_keys::authenticate(&store, &secret, Some(a), &meta())
        .await
        .unwrap()
        .caller;
    assert!(api_keys::rotate(&itself, &store, id, Duration::ZERO)
        .await
        .is_ok());
    assert_eq!(
        api_keys::list(&itself, &store)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "auth.forbidden"
    );

    let admin = platform_caller(a, Role::Admin);
    assert_eq!(
        api_keys::get(&admin, &store, foreign)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "resource.not_found"
    );
    assert_eq!(
        api_keys::revoke(&admin, &store, foreign)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "resource.not_found"
    );
    assert_eq!(api_keys::list(&admin, &store).await.unwrap().len(), 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn key_changes_are_audited_and_no_secret_is_stored(pool: PgPool) {
    let store = store(pool.clone());
    let t = tenant(&store, "acme").await;
    let admin_user = user(&store, t, Role::Admin, "adm@acme.test").await;
    let admin = caller(t, admin_user, Role::Admin);
    let input = NewApiKey::parse("ci", "admin", None, store.clock.now()).unwrap();
    let first = api_keys::create(&admin, &store, input).await.unwrap();
    let second = api_keys::rotate(&admin, &store, first.key.id, Duration::ZERO)
        .await
        .unwrap();
    api_keys::revoke(&admin, &store, first.key.id)
        .await
        .unwrap();
    api_keys::revoke(&admin, &store, first.key.id)
        .await
        .unwrap();

    let actions: Vec<(String, Option<uuid::Uuid>)> = sqlx::query_as(
        "select action, actor_user_id from audit_event where action like 'api_key.%' order by created_at, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        ["api_key.created", "api_key.rotated", "api_key.revoked"],
        "revoking twice records once"
    );
    assert!(actions
        .iter()
        .all(|(_, actor)| *actor == Some(admin_user.as_uuid())));

    for secret in [&first.secret, &second.secret] {
        let random = &secret[8..];
        assert_eq!(
            rows_containing(&pool, random).await,
            Vec::<String>::new(),
            "{secret} is stored somewhere"
        );
    }
}

/// Every table whose rows, as text, contain `needle`.
async fn rows_containing(pool: &PgPool, needle: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.len() > 10, "{tables:?}");
    let mut found = Vec::new();
    for table in tables {
        let hits: i64 = sqlx::query_scalar(&format!(
            "select count(*) from {table} t where position(lower($1) in lower(t::text)) > 0"
        ))
        .bind(needle)
        .fetch_one(pool)
        .await
        .unwrap();
        if hits > 0 {
            found.push(table);
        }
    }
    found
}
