//! `server bench-sessions --tenant SLUG --course crs_… --count N`: signed-in learners for the quiz
//! benchmark (`bench/quiz_rush.sh`). **For the benchmark's operator only**: a command run beside
//! the server against its database, never reachable over HTTP.
//!
//! Signing in thousands of learners through `/api/auth/sign-in` would measure argon2 and trip the
//! per-address sign-in limit, which is not what the benchmark is about. This makes (or reuses) N
//! active learners `bench-learner-{i}@bench.invalid` without a password, enrols them in the course,
//! opens each a session the way sign-in does (the `auth_session` row, through the same service
//! step, and the tower-sessions record the browser's cookie names), and prints one `Cookie` header
//! value per line, signed with `LECTERN_SECRET_KEY` as the server signs its own. The server must run
//! with the same key for the cookies to be accepted.

use std::collections::HashMap;
use std::str::FromStr;

use anyhow::{bail, Context};
use domain::{CourseId, UserId};
use service::auth::{self, RequestMeta};
use service::db::{new_id, tenant_tx};
use service::enrollments::{self, Learner};
use service::{Caller, TenantTx};
use tower_sessions::cookie::{Cookie, CookieJar, Key};
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::Config;
use crate::operator;
use crate::startup::{SESSION_COOKIE, SESSION_INACTIVITY};

const MAX_COUNT: usize = 100_000;
/// Rows per transaction: small enough to keep each one short, large enough not to crawl.
const CHUNK: usize = 500;

pub async fn bench_sessions(args: &[String]) -> anyhow::Result<Vec<String>> {
    let options = operator::options(args, &["--tenant", "--course", "--count"])?;
    let course = CourseId::from_str(operator::required(&options, "--course")?)
        .map_err(|_| anyhow::anyhow!("--course takes a course id such as crs_…"))?;
    let count: usize = operator::required(&options, "--count")?
        .parse()
        .context("--count takes a whole number")?;
    if !(1..=MAX_COUNT).contains(&count) {
        bail!("--count must be from 1 to {MAX_COUNT}");
    }
    let config = Config::from_env().map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("{}", list.join("; "))
    })?;
    if config.secret_key_generated {
        bail!(
            "set LECTERN_SECRET_KEY to the server's key: cookies signed with another are refused"
        );
    }
    let key = Key::try_from(config.secret_key.as_slice()).context("LECTERN_SECRET_KEY")?;
    let (store, tenant) = operator::open(&config.database_url, &options).await?;
    let caller = Caller {
        tenant_id: tenant.id,
        user_id: None,
        api_key_id: None,
        role: domain::Role::Admin,
        request_id: "bench-sessions".into(),
        ip: None,
        user_agent: None,
        on_behalf_of: None,
    };

    // Made directly rather than through `users::create`, which would mail each an invitation; they
    // have no password, so nobody can sign in as them.
    let emails: Vec<String> = (0..count)
        .map(|i| format!("bench-learner-{i}@bench.invalid"))
        .collect();
    let mut users: HashMap<String, UserId> = HashMap::with_capacity(count);
    for chunk in emails.chunks(CHUNK) {
        let ids: Vec<uuid::Uuid> = chunk.iter().map(|_| new_id()).collect();
        let names: Vec<String> = chunk
            .iter()
            .map(|e| {
                format!(
                    "Bench learner {}",
                    e.trim_start_matches("bench-learner-")
                        .trim_end_matches("@bench.invalid")
                )
            })
            .collect();
        let mut tx = tenant_tx(&store.pool, tenant.id).await?;
        sqlx::query(
            "insert into app_user (id, tenant_id, email, name, role)
             select id, $1, email, name, 'student' from unnest($2::uuid[], $3::text[], $4::text[]) as u(id, email, name)
             on conflict (tenant_id, email) do nothing",
        )
        .bind(tenant.id.as_uuid())
        .bind(&ids)
        .bind(chunk)
        .bind(&names)
        .execute(&mut *tx)
        .await?;
        let rows: Vec<(uuid::Uuid, String)> =
            sqlx::query_as("select id, email from app_user where tenant_id = $1 and email = any($2) and status = 'active'")
                .bind(tenant.id.as_uuid())
                .bind(chunk)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        users.extend(
            rows.into_iter()
                .map(|(id, email)| (email, UserId::from_uuid(id))),
        );
    }
    let users: Vec<UserId> = emails
        .iter()
        .map(|e| {
            users
                .get(e)
                .copied()
                .with_context(|| format!("{e} is not an active user"))
        })
        .collect::<anyhow::Result<_>>()?;

    // Through the service, so the course's rules hold (published, not archived) and an earlier
    // run's enrolments are kept.
    for chunk in users.chunks(CHUNK) {
        let mut tx = TenantTx::begin(&store, &caller).await?;
        for user in chunk {
            enrollments::enroll_in(&mut tx, course, Learner::Id(*user)).await?;
        }
        tx.commit().await?;
    }

    let meta = RequestMeta {
        request_id: "bench-sessions".into(),
        ip: None,
        user_agent: Some("bench-sessions".into()),
    };
    let session_store = PostgresStore::new(store.pool.clone());
    session_store
        .migrate()
        .await
        .context("could not create the session table")?;
    let mut cookies = Vec::with_capacity(count);
    for chunk in users.chunks(CHUNK) {
        let now = store.clock.now();
        let mut tx = tenant_tx(&store.pool, tenant.id).await?;
        let mut opened = Vec::with_capacity(chunk.len());
        for user in chunk {
            opened.push(auth::open_session_in(&mut tx, tenant.id, *user, now, &meta).await?);
        }
        tx.commit().await?;
        for session_id in opened {
            // What sign-in's `session.insert(AUTH_KEY, …)` stores.
            let auth_cookie = app::ssr::AuthCookie {
                tenant_id: tenant.id,
                session_id,
            };
            let mut record = Record {
                id: Id::default(),
                data: HashMap::from([(
                    app::ssr::AUTH_KEY.to_string(),
                    serde_json::to_value(&auth_cookie)?,
                )]),
                expiry_date: time::OffsetDateTime::now_utc() + SESSION_INACTIVITY,
            };
            session_store
                .create(&mut record)
                .await
                .map_err(|e| anyhow::anyhow!("could not store a session: {e}"))?;
            let mut jar = CookieJar::new();
            jar.signed_mut(&key)
                .add(Cookie::new(SESSION_COOKIE, record.id.to_string()));
            let value = jar
                .get(SESSION_COOKIE)
                .map(|c| c.value().to_string())
                .context("the signed cookie went missing")?;
            cookies.push(format!("{SESSION_COOKIE}={value}"));
        }
    }
    Ok(cookies)
}
