//! Row-level security, the second wall: even SQL that forgets its tenant filter sees one tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::Role;
use service::db::tenant_tx;
use sqlx::PgPool;

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn an_unfiltered_query_in_a_tenant_transaction_sees_only_that_tenant(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    user(&store, a, Role::Student, "one@acme.test").await;
    user(&store, b, Role::Student, "two@globex.test").await;
    user(&store, b, Role::Student, "three@globex.test").await;

    let mut tx = tenant_tx(&store.pool, a).await.unwrap();
    let users: i64 = sqlx::query_scalar("select count(*) from app_user")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let tenants: i64 = sqlx::query_scalar("select count(*) from tenant")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!((users, tenants), (1, 1));

    // Writing a row into another tenant is refused by the policy's check.
    let insert = sqlx::query("insert into app_user (id, tenant_id, email, name, role) values (gen_random_uuid(), $1, 'x@x.test', 'X', 'admin')")
        .bind(b.as_uuid())
        .execute(&mut *tx)
        .await;
    assert!(insert.is_err());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_application_role_without_a_tenant_sees_nothing(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    user(&store, a, Role::Student, "one@acme.test").await;
    let mut tx = store.pool.begin().await.unwrap();
    sqlx::query("set local role lectern_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let users: i64 = sqlx::query_scalar("select count(*) from app_user")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn audit_rows_cannot_be_changed_by_the_application(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let admin = user(&store, a, Role::Admin, "adm@acme.test").await;
    let other = user(&store, a, Role::Admin, "adm2@acme.test").await;
    service::users::change_role(&caller(a, admin, Role::Admin), &store, other, Role::Teacher)
        .await
        .unwrap();

    let mut tx = tenant_tx(&store.pool, a).await.unwrap();
    let deleted = sqlx::query("delete from audit_event")
        .execute(&mut *tx)
        .await;
    assert!(deleted.is_err(), "audit rows are append-only");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn every_table_with_a_tenant_id_has_row_level_security(pool: PgPool) {
    let unprotected: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c
         join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
         where c.relkind = 'r'
           and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
           and not (c.relrowsecurity and exists (select 1 from pg_policy p where p.polrelid = c.oid))",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        unprotected.is_empty(),
        "tables without a tenant policy: {unprotected:?}"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn seeding_the_demo_tenant_twice_creates_it_once(pool: PgPool) {
    let store = store(pool);
    assert!(service::seed::demo(&store).await.unwrap());
    assert!(!service::seed::demo(&store).await.unwrap());
    assert_eq!(count(&store.pool, "select count(*) from tenant").await, 1);
    assert_eq!(count(&store.pool, "select count(*) from app_user").await, 4);
    assert_eq!(
        count(
            &store.pool,
            "select count(*) from course where status = 'published'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &store.pool,
            "select count(*) from quiz where time_limit_minutes is not null and status = 'published'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &store.pool,
            "select count(distinct kind) from quiz_question"
        )
        .await,
        6,
        "one question of each kind"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_application_cannot_change_its_tenants_status_or_limits(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let mut tx = tenant_tx(&store.pool, a).await.unwrap();
    let raised = sqlx::query("update tenant set max_users = 1000000, status = 'active'")
        .execute(&mut *tx)
        .await;
    assert!(raised.is_err());
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_token_taker_searches_no_temporary_schema_first_and_only_the_application_calls_it(
    pool: PgPool,
) {
    let config: Vec<String> = sqlx::query_scalar(
        "select unnest(proconfig) from pg_proc where proname = 'lectern_take_token'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // `pg_temp` last: a caller's temporary table can never stand in for `rate_limit_bucket`.
    assert_eq!(config, ["search_path=pg_catalog, public, pg_temp"]);

    sqlx::query(
        "do $$ begin
            if not exists (select 1 from pg_roles where rolname = 'lectern_probe') then
                create role lectern_probe nologin;
            end if;
         end $$",
    )
    .execute(&pool)
    .await
    .unwrap();
    let may = |role: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "select has_function_privilege($1, 'lectern_take_token(text, integer, integer, timestamptz)', 'execute')",
            )
            .bind(role)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert!(!may("lectern_probe").await, "PUBLIC may not call it");
    assert!(may("lectern_app").await);
}

/// The catalog's search functions run as the table's owner, past the policy: they must confine
/// themselves, even to a query the service never writes, such as a negation that holds for every
/// other tenant's courses.
#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_search_functions_see_only_the_transactions_tenant(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    for (tenant, courses) in [(a, 2), (b, 3)] {
        sqlx::query(
            "insert into course (id, tenant_id, slug, title, summary, status, published_at)
             select gen_random_uuid(), $1, 'optics-' || i, 'Optics ' || i, 'Light.', 'published', now()
             from generate_series(1, $2) i",
        )
        .bind(tenant.as_uuid())
        .bind(courses)
        .execute(&store.pool)
        .await
        .unwrap();
    }
    let mut tx = tenant_tx(&store.pool, a).await.unwrap();
    // A negation alone holds for every course of every other tenant: such a query, with no word
    // to look up, answers nothing.
    for (query, courses) in [
        ("optics", 2),
        ("optics & !zymurgy", 2),
        ("!zymurgy", 0),
        ("optics | !zymurgy", 0),
    ] {
        let found: i64 = sqlx::query_scalar(
            "select count(*) from lectern_course_search('{published,draft,archived}', to_tsquery('english', $1), 100, 0)",
        )
        .bind(query)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let suggested: i64 = sqlx::query_scalar(
            "select count(*) from lectern_course_suggest(to_tsquery('english', $1), 100)",
        )
        .bind(query)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!((found, suggested), (courses, courses), "{query}");
    }
    tx.rollback().await.unwrap();

    // Without a tenant, nothing.
    let mut tx = store.pool.begin().await.unwrap();
    sqlx::query("set local role lectern_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let found: i64 = sqlx::query_scalar(
        "select count(*) from lectern_course_search('{published}', to_tsquery('english', '!zymurgy'), 100, 0)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(found, 0);
}
