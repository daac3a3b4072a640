//! Commands for the platform operator, run beside the server against its database:
//! - `server issue-key --tenant SLUG --role ROLE [--name NAME]` makes a tenant's first API key (for an
//!   integration set up before anyone signs in, and for the API's own property tests) and prints the
//!   tenant id and the key's secret, once, on standard output;
//! - `server set-limits --tenant SLUG --per-minute N --per-hour N` sets a tenant's API rate limits;
//! - `server bench-sessions …` makes signed-in learners for the quiz benchmark (see
//!   `crate::bench_sessions`; for benchmarks only).

use std::collections::HashMap;

use anyhow::{bail, Context};
use domain::{Role, Slug, TenantId};
use service::tenants::{self, TenantRef};
use service::{api_keys, Clock, Store};
use sqlx::postgres::PgPoolOptions;

/// `--name value` pairs, each name one of `allowed`.
pub(crate) fn options(
    args: &[String],
    allowed: &[&str],
) -> anyhow::Result<HashMap<String, String>> {
    let mut found = HashMap::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        if !allowed.contains(&flag.as_str()) {
            bail!(
                "unknown option {flag}; the options are {}",
                allowed.join(", ")
            );
        }
        let value = rest
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        found.insert(flag.clone(), value.clone());
    }
    Ok(found)
}

pub(crate) fn required<'a>(
    options: &'a HashMap<String, String>,
    name: &str,
) -> anyhow::Result<&'a str> {
    options
        .get(name)
        .map(String::as_str)
        .with_context(|| format!("{name} is required"))
}

/// Connects, migrates, and finds the tenant named by `--tenant`.
pub(crate) async fn open(
    database_url: &str,
    options: &HashMap<String, String>,
) -> anyhow::Result<(Store, TenantRef)> {
    let slug = Slug::parse("tenant", required(options, "--tenant")?)
        .map_err(|e| anyhow::anyhow!("--tenant: {}", e.message))?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(database_url)
        .await
        .context("could not connect to DATABASE_URL")?;
    service::MIGRATOR
        .run(&pool)
        .await
        .context("could not apply the database migrations")?;
    let store = Store::new(pool, Clock::system());
    let tenant = tenants::find_by_slug(&store.pool, &slug)
        .await?
        .with_context(|| format!("no tenant has the short name {:?}", slug.as_str()))?;
    Ok((store, tenant))
}

pub async fn issue_key(database_url: &str, args: &[String]) -> anyhow::Result<(TenantId, String)> {
    let options = options(args, &["--tenant", "--role", "--name"])?;
    let role = Role::parse("role", required(&options, "--role")?)
        .map_err(|e| anyhow::anyhow!("--role: {}", e.message))?;
    let name = options
        .get("--name")
        .cloned()
        .unwrap_or_else(|| "Operator key".to_string());
    let (store, tenant) = open(database_url, &options).await?;
    let operator = service::Caller {
        tenant_id: tenant.id,
        user_id: None,
        api_key_id: None,
        role: Role::Admin,
        request_id: "operator".into(),
        ip: None,
        user_agent: None,
        on_behalf_of: None,
    };
    let input = api_keys::NewApiKey::parse(&name, role.as_str(), None, store.clock.now())?;
    let issued = api_keys::create(&operator, &store, input).await?;
    Ok((tenant.id, issued.secret))
}

pub async fn set_limits(database_url: &str, args: &[String]) -> anyhow::Result<()> {
    let options = options(args, &["--tenant", "--per-minute", "--per-hour"])?;
    let number = |name: &str| -> anyhow::Result<i32> {
        required(&options, name)?
            .parse()
            .with_context(|| format!("{name} takes a whole number"))
    };
    let (per_minute, per_hour) = (number("--per-minute")?, number("--per-hour")?);
    let (store, tenant) = open(database_url, &options).await?;
    tenants::set_rate_limits(&store, tenant.id, per_minute, per_hour).await?;
    Ok(())
}
