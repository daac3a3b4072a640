#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use domain::dto::UserQuery;
use domain::{Role, UserStatus};
use service::users::{self, NewUser, NewUserForm};
use service::ServiceError;
use sqlx::PgPool;

fn new_user(
    email: &str,
    name: &str,
    role: &str,
    password: Option<&str>,
) -> Result<NewUser, Vec<domain::FieldError>> {
    NewUser::parse(NewUserForm {
        email: email.into(),
        name: name.into(),
        role: role.into(),
        password: password.map(Into::into),
    })
}

const BASE: &str = "http://lectern.test";

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_student_may_not_list_users_but_teachers_and_admins_may(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let student = user(&store, t, Role::Student, "stu@acme.test").await;
    let teacher = user(&store, t, Role::Teacher, "tea@acme.test").await;

    let error = users::list(
        &caller(t, student, Role::Student),
        &store,
        UserQuery::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code().as_str(), "auth.forbidden");
    let page = users::list(
        &caller(t, teacher, Role::Teacher),
        &store,
        UserQuery::default(),
    )
    .await
    .unwrap();
    assert_eq!(page.total, 2);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_user_of_another_tenant_is_not_found_whatever_the_role(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    let student_a = user(&store, a, Role::Student, "stu@acme.test").await;
    let admin_a = user(&store, a, Role::Admin, "adm@acme.test").await;
    let user_b = user(&store, b, Role::Student, "stu@globex.test").await;

    for caller in [
        caller(a, student_a, Role::Student),
        caller(a, admin_a, Role::Admin),
    ] {
        let error = users::get(&caller, &store, user_b).await.unwrap_err();
        assert_eq!(error.code().as_str(), "resource.not_found", "{caller:?}");
    }
    let error = users::change_role(
        &caller(a, admin_a, Role::Admin),
        &store,
        user_b,
        Role::Admin,
    )
    .await
    .unwrap_err();
    assert_eq!(error.code().as_str(), "resource.not_found");
    let role: String =
        sqlx::query_scalar("select role from app_user where email = 'stu@globex.test'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(role, "student", "nothing changed in the other tenant");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_student_reads_themselves_and_no_one_else_exists_for_them(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let student = user(&store, t, Role::Student, "stu@acme.test").await;
    let other = user(&store, t, Role::Student, "other@acme.test").await;
    let me = caller(t, student, Role::Student);

    assert_eq!(
        users::get(&me, &store, student).await.unwrap().email,
        "stu@acme.test"
    );
    assert!(matches!(
        users::get(&me, &store, other).await,
        Err(ServiceError::NotFound)
    ));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn admins_add_users_and_an_email_is_taken_once_per_tenant(pool: PgPool) {
    let store = store(pool);
    let a = tenant(&store, "acme").await;
    let b = tenant(&store, "globex").await;
    let admin_a = caller(
        a,
        user(&store, a, Role::Admin, "adm@acme.test").await,
        Role::Admin,
    );
    let admin_b = caller(
        b,
        user(&store, b, Role::Admin, "adm@globex.test").await,
        Role::Admin,
    );

    let input = || {
        new_user(
            "New@Example.test",
            "New Person",
            "teacher",
            Some("a long enough password"),
        )
        .unwrap()
    };
    let created = users::create(&admin_a, &store, input(), BASE)
        .await
        .unwrap();
    assert_eq!(
        (created.email.as_str(), created.role),
        ("new@example.test", Role::Teacher)
    );

    let error = users::create(&admin_a, &store, input(), BASE)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "user.email_taken");
    users::create(&admin_b, &store, input(), BASE)
        .await
        .unwrap();
    assert_eq!(
        count(
            &store.pool,
            "select count(*) from audit_event where action = 'user.created'"
        )
        .await,
        2
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn teachers_may_not_add_users(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let teacher = caller(
        t,
        user(&store, t, Role::Teacher, "tea@acme.test").await,
        Role::Teacher,
    );
    let input = new_user("x@acme.test", "X", "admin", None).unwrap();
    assert!(matches!(
        users::create(&teacher, &store, input, BASE).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(count(&store.pool, "select count(*) from app_user").await, 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn every_invalid_field_is_reported_at_once(pool: PgPool) {
    let _ = pool;
    let Err(fields) = new_user("not-an-email", " ", "root", Some("short")) else {
        panic!("expected a validation error")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["email", "name", "role", "password"]);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_user_added_without_password_is_invited_by_mail(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let admin = caller(
        t,
        user(&store, t, Role::Admin, "adm@acme.test").await,
        Role::Admin,
    );
    let input = new_user("invitee@acme.test", "Invitee", "student", None).unwrap();
    users::create(&admin, &store, input, BASE).await.unwrap();

    let (to, body): (String, String) =
        sqlx::query_as("select to_address, body_text from mail_outbox")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(to, "invitee@acme.test");
    assert!(
        body.contains("http://lectern.test/reset-password?org=acme&token="),
        "{body}"
    );
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_last_active_admin_can_be_neither_demoted_nor_deactivated(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let admin_id = user(&store, t, Role::Admin, "adm@acme.test").await;
    let admin = caller(t, admin_id, Role::Admin);

    let error = users::change_role(&admin, &store, admin_id, Role::Teacher)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "user.last_admin");
    let error = users::set_status(&admin, &store, admin_id, UserStatus::Deactivated)
        .await
        .unwrap_err();
    assert_eq!(error.code().as_str(), "user.last_admin");

    let second = user(&store, t, Role::Admin, "adm2@acme.test").await;
    let demoted = users::change_role(&admin, &store, second, Role::Teacher)
        .await
        .unwrap();
    assert_eq!(demoted.role, Role::Teacher);
    let (before, after): (String, String) = sqlx::query_as(
        "select data->>'before', data->>'after' from audit_event where action = 'user.role_changed'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!((before.as_str(), after.as_str()), ("admin", "teacher"));
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn two_admins_demoting_each_other_at_once_leave_one_admin(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let a = user(&store, t, Role::Admin, "a@acme.test").await;
    let b = user(&store, t, Role::Admin, "b@acme.test").await;
    let (ca, cb) = (caller(t, a, Role::Admin), caller(t, b, Role::Admin));
    let (ra, rb) = tokio::join!(
        users::change_role(&ca, &store, b, Role::Student),
        users::change_role(&cb, &store, a, Role::Student)
    );
    assert_eq!(
        u8::from(ra.is_ok()) + u8::from(rb.is_ok()),
        1,
        "{ra:?} {rb:?}"
    );
    let admins = count(
        &store.pool,
        "select count(*) from app_user where role = 'admin'",
    )
    .await;
    assert_eq!(admins, 1);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_list_filters_searches_and_pages_with_totals(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let admin = caller(
        t,
        user(&store, t, Role::Admin, "adm@acme.test").await,
        Role::Admin,
    );
    for i in 0..7 {
        user(&store, t, Role::Student, &format!("learner{i}@acme.test")).await;
    }
    let other = tenant(&store, "globex").await;
    user(&store, other, Role::Student, "learner9@globex.test").await;

    let query = UserQuery {
        role: Some(Role::Student),
        per_page: Some(3),
        page: Some(3),
        ..Default::default()
    };
    let page = users::list(&admin, &store, query).await.unwrap();
    assert_eq!(
        (page.total, page.items.len(), page.total_pages()),
        (7, 1, 3)
    );

    let search = UserQuery {
        q: Some("LEARNER1".into()),
        ..Default::default()
    };
    let found = users::list(&admin, &store, search).await.unwrap();
    assert_eq!(
        found
            .items
            .iter()
            .map(|u| u.email.as_str())
            .collect::<Vec<_>>(),
        ["learner1@acme.test"]
    );

    let past_end = UserQuery {
        page: Some(99),
        ..Default::default()
    };
    let empty = users::list(&admin, &store, past_end).await.unwrap();
    assert_eq!((empty.items.len(), empty.total), (0, 8));

    let wildcard = UserQuery {
        q: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(
        users::list(&admin, &store, wildcard).await.unwrap().total,
        0,
        "% is a literal, not a wildcard"
    );

    let too_many = UserQuery {
        per_page: Some(101),
        ..Default::default()
    };
    let error = users::list(&admin, &store, too_many).await.unwrap_err();
    assert_eq!(error.details()[0].field, "per_page");
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_tenant_user_limit_holds(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    let admin = caller(
        t,
        user(&store, t, Role::Admin, "adm@acme.test").await,
        Role::Admin,
    );
    sqlx::query("update tenant set max_users = 2")
        .execute(&store.pool)
        .await
        .unwrap();
    users::create(
        &admin,
        &store,
        new_user("b@acme.test", "B", "student", None).unwrap(),
        BASE,
    )
    .await
    .unwrap();
    let error = users::create(
        &admin,
        &store,
        new_user("c@acme.test", "C", "student", None).unwrap(),
        BASE,
    )
    .await
    .unwrap_err();
    assert_eq!(error.code().as_str(), "tenant.limit_reached");
}
