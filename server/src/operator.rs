//! Commands for the platform operator, run beside the server against its database:
//! `server issue-key --tenant SLUG --role ROLE [--name NAME]` makes a tenant's first API key (for an
//! integration set up before anyone signs in, and for the API's own property tests) and prints the
//! tenant id and the key's secret, once, on standard output.

use anyhow::{bail, Context};
use domain::{Role, Slug};
use service::{api_keys, tenants, Clock, Store};
use sqlx::postgres::PgPoolOptions;

pub async fn issue_key(
    database_url: &str,
    args: &[String],
) -> anyhow::Result<(domain::TenantId, String)> {
    let mut tenant = None;
    let mut role = None;
    let mut name = "Operator key".to_string();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--tenant" => tenant = Some(value.clone()),
            "--role" => role = Some(value.clone()),
            "--name" => name = value.clone(),
            other => bail!("unknown option {other}; use --tenant SLUG --role ROLE [--name NAME]"),
        }
    }
    let slug = Slug::parse("tenant", tenant.as_deref().context("--tenant is required")?)
        .map_err(|e| anyhow::anyhow!("--tenant: {}", e.message))?;
    let role = Role::parse("role", role.as_deref().context("--role is required")?)
        .map_err(|e| anyhow::anyhow!("--role: {}", e.message))?;
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
        .with_context(|| {
            format!(
                "no tenant has the short name {slug:?}",
                slug = slug.as_str()
            )
        })?;
    let operator = service::Caller {
        tenant_id: tenant.id,
        user_id: None,
        api_key_id: None,
        role: Role::Admin,
        request_id: "operator".into(),
        ip: None,
    };
    let input = api_keys::NewApiKey::parse(&name, role.as_str(), None, store.clock.now())?;
    let issued = api_keys::create(&operator, &store, input).await?;
    Ok((tenant.id, issued.secret))
}
