//! Webhook endpoints: where a tenant's events go, managed by its admins. An address is checked
//! (`destination`) and its host resolved before the transaction opens, so a slow DNS answer never
//! holds a database connection. The signing secret is shown once and stored sealed (`sealed`).

use domain::webhook::{
    parse_description, parse_events, IssuedWebhookSecret, WebhookEndpointInput,
    WebhookEndpointPatch, WebhookEndpointView,
};
use domain::{AuditAction, ErrorCode, FieldError, WebhookEndpointId};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use url::Url;
use uuid::Uuid;

use super::destination::{self, Refusal};
use super::sealed::SecretBox;
use super::signature::SigningSecret;
use crate::audit::{self, AuditEntry};
use crate::db::{in_tx, new_id, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

/// How long a rotated-out secret keeps signing unless the admin says otherwise: a day, for
/// receivers that deploy their new secret on a schedule.
pub const DEFAULT_OVERLAP: Duration = Duration::days(1);
const MAX_OVERLAP: Duration = Duration::days(7);
/// Every event fans out to each subscribed endpoint, so their number bounds a tenant's share of
/// the delivery worker.
pub const MAX_ENDPOINTS: i64 = 20;

/// Adds an endpoint (admins only) and answers its signing secret, which is never shown again.
#[tracing::instrument(skip(store, input), fields(tenant_id = %caller.tenant_id))]
pub async fn create(
    caller: &Caller,
    store: &Store,
    input: WebhookEndpointInput,
) -> Result<IssuedWebhookSecret, ServiceError> {
    caller.require_admin()?;
    let mut errors = Vec::new();
    let events = parse_events(&input.events).map_err(|e| errors.push(e)).ok();
    let description = parse_description(input.description.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let url = gather_url(store, &input.url, &mut errors).await?;
    let (Some(events), Some(description), Some(url)) = (events, description, url) else {
        return Err(ServiceError::Validation(errors));
    };
    let secret = SigningSecret::generate();
    let fields = Fields {
        url: url.to_string(),
        description,
        events,
        enabled: input.enabled.unwrap_or(true),
    };
    let sealer = &store.webhook_secrets;
    let endpoint: Result<WebhookEndpointView, ServiceError> =
        in_tx!(store, caller, |tx| create_in(tx, sealer, &fields, &secret));
    let endpoint = endpoint?;
    Ok(IssuedWebhookSecret {
        endpoint,
        secret: secret.reveal(),
    })
}

struct Fields {
    url: String,
    description: String,
    events: Vec<String>,
    enabled: bool,
}

async fn create_in(
    tx: &mut TenantTx,
    sealer: &SecretBox,
    fields: &Fields,
    secret: &SigningSecret,
) -> Result<WebhookEndpointView, ServiceError> {
    let (id, now, tenant) = (new_id(), tx.now(), tx.tenant().as_uuid());
    let existing = sqlx::query_scalar!(
        r#"select count(*) as "count!" from webhook_endpoint where tenant_id = $1"#,
        tenant
    )
    .fetch_one(&mut **tx)
    .await?;
    if existing >= MAX_ENDPOINTS {
        return Err(ServiceError::conflict(
            ErrorCode::TenantLimitReached,
            format!("An organisation has at most {MAX_ENDPOINTS} webhook endpoints; delete one first, or subscribe an existing one to more events."),
        ));
    }
    sqlx::query!(
        "insert into webhook_endpoint
             (id, tenant_id, url, description, event_types, enabled, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
        id,
        tenant,
        fields.url,
        fields.description,
        &fields.events,
        fields.enabled,
        now,
    )
    .execute(&mut **tx)
    .await?;
    insert_secret(tx, sealer, id, secret).await?;
    let endpoint = get_in(tx, WebhookEndpointId::from_uuid(id)).await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::WebhookCreated,
            target_type: Some("webhook"),
            target_id: Some(id),
            data: json!({ "url": audited_url(&endpoint.url), "events": endpoint.events, "enabled": endpoint.enabled }),
        },
    )
    .await?;
    Ok(endpoint)
}

/// The tenant's endpoints, newest first (admins only).
pub async fn list(
    caller: &Caller,
    store: &Store,
) -> Result<Vec<WebhookEndpointView>, ServiceError> {
    caller.require_admin()?;
    in_tx!(store, caller, |tx| list_in(tx))
}

async fn list_in(tx: &mut TenantTx) -> Result<Vec<WebhookEndpointView>, ServiceError> {
    let rows = sqlx::query_as!(
        Row,
        r#"select e.id, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, e.created_at, e.updated_at,
                  (select max(s.retired_at) from webhook_endpoint_secret s
                   where s.tenant_id = e.tenant_id and s.endpoint_id = e.id) as previous_secret_until
           from webhook_endpoint e where e.tenant_id = $1 order by e.created_at desc, e.id desc"#,
        tx.tenant().as_uuid()
    )
    .fetch_all(&mut **tx)
    .await?;
    let now = tx.now();
    Ok(rows.into_iter().map(|row| row.view(now)).collect())
}

/// One endpoint (admins only); another tenant's id is not found.
pub async fn get(
    caller: &Caller,
    store: &Store,
    id: WebhookEndpointId,
) -> Result<WebhookEndpointView, ServiceError> {
    caller.require_admin()?;
    in_tx!(store, caller, |tx| get_in(tx, id))
}

/// Changes the fields the patch gives (admins only). A new address is checked as at creation.
#[tracing::instrument(skip(store, patch), fields(tenant_id = %caller.tenant_id))]
pub async fn update(
    caller: &Caller,
    store: &Store,
    id: WebhookEndpointId,
    patch: WebhookEndpointPatch,
) -> Result<WebhookEndpointView, ServiceError> {
    caller.require_admin()?;
    let mut errors = Vec::new();
    let events = match &patch.events {
        Some(events) => parse_events(events).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    let description = match &patch.description {
        Some(text) => parse_description(Some(text))
            .map_err(|e| errors.push(e))
            .ok(),
        None => None,
    };
    let url = match &patch.url {
        Some(text) => gather_url(store, text, &mut errors)
            .await?
            .map(|url| url.to_string()),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let enabled = patch.enabled;
    if url.is_none() && description.is_none() && events.is_none() && enabled.is_none() {
        // Nothing to change: no write, no audit row.
        return in_tx!(store, caller, |tx| get_in(tx, id));
    }
    in_tx!(store, caller, |tx| update_in(
        tx,
        id,
        url,
        description,
        events,
        enabled
    ))
}

async fn update_in(
    tx: &mut TenantTx,
    id: WebhookEndpointId,
    url: Option<String>,
    description: Option<String>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
) -> Result<WebhookEndpointView, ServiceError> {
    lock(tx, id).await?;
    let before = get_in(tx, id).await?;
    sqlx::query!(
        "update webhook_endpoint
         set url = coalesce($3, url), description = coalesce($4, description),
             event_types = coalesce($5, event_types), enabled = coalesce($6, enabled), updated_at = $7,
             -- Turned on again by an admin: the automatic disabling and its failures are behind it.
             disabled_reason = case when $6 then null else disabled_reason end,
             failing_since = case when $6 then null else failing_since end
         where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
        url,
        description,
        events.as_deref(),
        enabled,
        tx.now(),
    )
    .execute(&mut **tx)
    .await?;
    let after = get_in(tx, id).await?;
    let summary = |e: &WebhookEndpointView| json!({ "url": audited_url(&e.url), "description": e.description, "events": e.events, "enabled": e.enabled });
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::WebhookUpdated,
            target_type: Some("webhook"),
            target_id: Some(id.as_uuid()),
            data: json!({ "before": summary(&before), "after": summary(&after) }),
        },
    )
    .await?;
    Ok(after)
}

/// Deletes an endpoint (admins only).
pub async fn delete(
    caller: &Caller,
    store: &Store,
    id: WebhookEndpointId,
) -> Result<(), ServiceError> {
    caller.require_admin()?;
    in_tx!(store, caller, |tx| delete_in(tx, id))
}

async fn delete_in(tx: &mut TenantTx, id: WebhookEndpointId) -> Result<(), ServiceError> {
    let url = sqlx::query_scalar!(
        "delete from webhook_endpoint where tenant_id = $1 and id = $2 returning url",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::WebhookDeleted,
            target_type: Some("webhook"),
            target_id: Some(id.as_uuid()),
            data: json!({ "url": audited_url(&url) }),
        },
    )
    .await
}

/// Parses a rotation's overlap in seconds: up to seven days, a day when not given.
pub fn parse_overlap(seconds: Option<i64>) -> Result<Duration, ServiceError> {
    let overlap = seconds.map_or(DEFAULT_OVERLAP, Duration::seconds);
    if overlap.is_negative() || overlap > MAX_OVERLAP {
        return Err(ServiceError::invalid(
            "overlap_seconds",
            "Choose an overlap between 0 and 604800 seconds (seven days).",
        ));
    }
    Ok(overlap)
}

/// Gives an endpoint a new signing secret (admins only), answered once. Every secret still
/// signing keeps signing for `overlap` at most (a secret rotated out earlier keeps what is left of
/// its own overlap, if that is shorter).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn rotate_secret(
    caller: &Caller,
    store: &Store,
    id: WebhookEndpointId,
    overlap: Duration,
) -> Result<IssuedWebhookSecret, ServiceError> {
    caller.require_admin()?;
    let secret = SigningSecret::generate();
    let sealer = &store.webhook_secrets;
    let endpoint: Result<WebhookEndpointView, ServiceError> =
        in_tx!(store, caller, |tx| rotate_in(
            tx, sealer, id, &secret, overlap
        ));
    let endpoint = endpoint?;
    Ok(IssuedWebhookSecret {
        endpoint,
        secret: secret.reveal(),
    })
}

async fn rotate_in(
    tx: &mut TenantTx,
    sealer: &SecretBox,
    id: WebhookEndpointId,
    secret: &SigningSecret,
    overlap: Duration,
) -> Result<WebhookEndpointView, ServiceError> {
    lock(tx, id).await?;
    let (tenant, now) = (tx.tenant().as_uuid(), tx.now());
    let retire_at = now + overlap;
    // Every secret still signing stops by the end of this overlap; none is given longer than it
    // had, and none still in use is cut short by a second rotation.
    sqlx::query!(
        "update webhook_endpoint_secret set retired_at = $3
         where tenant_id = $1 and endpoint_id = $2 and (retired_at is null or retired_at > $3)",
        tenant,
        id.as_uuid(),
        retire_at,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "delete from webhook_endpoint_secret
         where tenant_id = $1 and endpoint_id = $2 and retired_at <= $3",
        tenant,
        id.as_uuid(),
        now,
    )
    .execute(&mut **tx)
    .await?;
    insert_secret(tx, sealer, id.as_uuid(), secret).await?;
    sqlx::query!(
        "update webhook_endpoint set updated_at = $3 where tenant_id = $1 and id = $2",
        tenant,
        id.as_uuid(),
        now,
    )
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::WebhookSecretRotated,
            target_type: Some("webhook"),
            target_id: Some(id.as_uuid()),
            data: json!({ "overlap_seconds": overlap.whole_seconds() }),
        },
    )
    .await?;
    get_in(tx, id).await
}

/// The secrets a delivery to the endpoint signs with now, newest first: its current one and those
/// rotated out whose overlap lasts. A current secret that does not open (the server key changed)
/// is an error; a rotated-out one that does not open is left out.
pub async fn signing_secrets_in(
    tx: &mut TenantTx,
    sealer: &SecretBox,
    id: WebhookEndpointId,
) -> Result<Vec<SigningSecret>, ServiceError> {
    // The endpoint first, so an unknown id is not found rather than an endpoint without secrets.
    get_in(tx, id).await?;
    let (tenant, now) = (tx.tenant().as_uuid(), tx.now());
    secrets_on(tx, sealer, tenant, id, now).await
}

/// [`signing_secrets_in`] on any connection, for the delivery worker (which acts across tenants).
pub(crate) async fn secrets_on(
    conn: &mut sqlx::PgConnection,
    sealer: &SecretBox,
    tenant: Uuid,
    id: WebhookEndpointId,
    now: OffsetDateTime,
) -> Result<Vec<SigningSecret>, ServiceError> {
    let rows = sqlx::query!(
        "select sealed, retired_at from webhook_endpoint_secret
         where tenant_id = $1 and endpoint_id = $2 and (retired_at is null or retired_at > $3)
         order by created_at desc, id desc",
        tenant,
        id.as_uuid(),
        now,
    )
    .fetch_all(conn)
    .await?;
    let mut secrets = Vec::with_capacity(rows.len());
    for row in rows {
        match sealer.open(&row.sealed, tenant, id.as_uuid()) {
            Some(secret) => secrets.push(secret),
            // Signing with the old secrets alone would fail every receiver that has switched.
            None if row.retired_at.is_none() => {
                return Err(ServiceError::Internal(anyhow::anyhow!(
                    "the signing secret of webhook endpoint {id} does not open: LECTERN_SECRET_KEY differs from the one that sealed it"
                )))
            }
            None => tracing::warn!(%id, "a rotated-out webhook secret does not open; skipped"),
        }
    }
    if secrets.is_empty() {
        return Err(ServiceError::Internal(anyhow::anyhow!(
            "webhook endpoint {id} has no signing secret"
        )));
    }
    Ok(secrets)
}

/// Stores `secret` for the endpoint, sealed.
async fn insert_secret(
    tx: &mut TenantTx,
    sealer: &SecretBox,
    endpoint: Uuid,
    secret: &SigningSecret,
) -> Result<(), ServiceError> {
    let tenant = tx.tenant().as_uuid();
    sqlx::query!(
        "insert into webhook_endpoint_secret (id, tenant_id, endpoint_id, sealed, created_at)
         values ($1, $2, $3, $4, $5)",
        new_id(),
        tenant,
        endpoint,
        sealer.seal(secret, tenant, endpoint),
        tx.now(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An address as the audit log keeps it: without its query, where a receiver's token may sit, since
/// audit rows are never deleted.
pub(crate) fn audited_url(url: &str) -> serde_json::Value {
    match Url::parse(url) {
        Ok(mut parsed) => {
            let had_query = parsed.query().is_some();
            parsed.set_query(None);
            parsed.set_fragment(None);
            json!({ "address": parsed.as_str(), "query_redacted": had_query })
        }
        Err(_) => json!({ "address": null, "query_redacted": true }),
    }
}

/// The checked address, or its problem: a malformed address joins the other fields' problems; a
/// refused one is answered on its own once the rest of the input is valid.
async fn gather_url(
    store: &Store,
    text: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Url>, ServiceError> {
    match checked_url(store, text).await {
        Ok(url) => Ok(Some(url)),
        Err(ServiceError::Validation(mut problems)) => {
            errors.append(&mut problems);
            Ok(None)
        }
        Err(refused) if errors.is_empty() => Err(refused),
        Err(_) => Ok(None),
    }
}

/// The address checked and its host resolved: a malformed one is a validation error of `url`,
/// one that may not be reached is `webhook.url_refused` with the reason.
async fn checked_url(store: &Store, text: &str) -> Result<Url, ServiceError> {
    let refused = |refusal: Refusal| match refusal {
        Refusal::NotAUrl | Refusal::TooLong => {
            ServiceError::Validation(vec![FieldError::new("url", refusal.to_string())])
        }
        other => ServiceError::conflict(ErrorCode::WebhookUrlRefused, other.to_string()),
    };
    let url = destination::check_url(text, store.webhook_loopback).map_err(refused)?;
    destination::resolve(&url, store.webhook_loopback)
        .await
        .map_err(refused)?;
    Ok(url)
}

struct Row {
    id: Uuid,
    url: String,
    description: String,
    event_types: Vec<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    previous_secret_until: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl Row {
    fn view(self, now: OffsetDateTime) -> WebhookEndpointView {
        WebhookEndpointView {
            id: WebhookEndpointId::from_uuid(self.id),
            url: self.url,
            description: self.description,
            events: self.event_types,
            enabled: self.enabled,
            disabled_reason: self.disabled_reason,
            previous_secret_expires_at: self
                .previous_secret_until
                .filter(|until| *until > now)
                .map(rfc3339),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// Holds the endpoint's row until the transaction ends, so changes to it (and to its secrets)
/// queue behind one another; another tenant's id is not found.
async fn lock(tx: &mut TenantTx, id: WebhookEndpointId) -> Result<(), ServiceError> {
    sqlx::query_scalar!(
        "select 1 as \"locked!\" from webhook_endpoint where tenant_id = $1 and id = $2 for update",
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or(ServiceError::NotFound)
}

/// One endpoint of the transaction's tenant; another tenant's id is not found.
pub(crate) async fn get_in(
    tx: &mut TenantTx,
    id: WebhookEndpointId,
) -> Result<WebhookEndpointView, ServiceError> {
    let row = sqlx::query_as!(
        Row,
        r#"select e.id, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, e.created_at, e.updated_at,
                  (select max(s.retired_at) from webhook_endpoint_secret s
                   where s.tenant_id = e.tenant_id and s.endpoint_id = e.id) as previous_secret_until
           from webhook_endpoint e where e.tenant_id = $1 and e.id = $2"#,
        tx.tenant().as_uuid(),
        id.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?;
    let now = tx.now();
    row.map(|row| row.view(now)).ok_or(ServiceError::NotFound)
}
