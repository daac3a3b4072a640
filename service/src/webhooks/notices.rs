//! An endpoint failing for days is turned off, so its deliveries stop piling up; its admins are
//! told in the app (the reason on the endpoint, shown on the webhooks page) and by mail, and the
//! audit log keeps the platform's action.

use askama::Template;
use domain::{AuditAction, TenantId};
use serde_json::json;
use time::OffsetDateTime;

use super::dispatch::{Claimed, Dispatcher};
use super::endpoints::audited_url;
use crate::audit::{self, AuditEntry};
use crate::mail::{self, Mail};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, TenantTx};

#[derive(Template)]
#[template(path = "webhook_disabled.txt")]
struct DisabledText<'a> {
    name: &'a str,
    organisation: &'a str,
    address: &'a str,
    failing_since: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "webhook_disabled.html")]
struct DisabledHtml<'a> {
    name: &'a str,
    organisation: &'a str,
    address: &'a str,
    failing_since: &'a str,
    link: &'a str,
}

/// Turns the claimed delivery's endpoint off (once: an endpoint already off is left as it is).
pub(crate) async fn disable_failing(
    dispatcher: &Dispatcher,
    claimed: &Claimed,
    since: OffsetDateTime,
) -> Result<(), ServiceError> {
    let caller = Caller::system(TenantId::from_uuid(claimed.tenant), "webhook-worker");
    let mut tx = TenantTx::begin(&dispatcher.store, &caller).await?;
    let since_text = rfc3339(since);
    let reason = format!(
        "Turned off by Lectern: every delivery has failed since {since_text}. Turn it on again once the receiver works."
    );
    let Some(url) = sqlx::query_scalar!(
        "update webhook_endpoint set enabled = false, disabled_reason = $3, updated_at = $4
         where tenant_id = $1 and id = $2 and enabled
         returning url",
        claimed.tenant,
        claimed.endpoint,
        reason,
        tx.now(),
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let address = audited_url(&url);
    audit::record(
        &mut tx,
        AuditEntry {
            action: AuditAction::WebhookDisabled,
            target_type: Some("webhook"),
            target_id: Some(claimed.endpoint),
            data: json!({ "url": address, "failing_since": since_text }),
        },
    )
    .await?;
    let organisation = sqlx::query_scalar!("select name from tenant where id = $1", claimed.tenant)
        .fetch_one(&mut *tx)
        .await?;
    let admins = sqlx::query!(
        "select email, name from app_user
         where tenant_id = $1 and role = 'admin' and status = 'active' order by email",
        claimed.tenant
    )
    .fetch_all(&mut *tx)
    .await?;
    let shown = address["address"]
        .as_str()
        .unwrap_or("(an address that could not be read)");
    let link = format!(
        "{}/admin/webhooks",
        dispatcher.settings.base_url.trim_end_matches('/')
    );
    for admin in admins {
        let text = DisabledText {
            name: &admin.name,
            organisation: &organisation,
            address: shown,
            failing_since: &since_text,
            link: &link,
        };
        let html = DisabledHtml {
            name: &admin.name,
            organisation: &organisation,
            address: shown,
            failing_since: &since_text,
            link: &link,
        };
        let message = Mail::render(
            &admin.email,
            "A webhook endpoint was turned off",
            &text,
            &html,
        )?;
        let now = tx.now();
        mail::enqueue(&mut tx, caller.tenant_id, message, now).await?;
    }
    tx.commit().await
}
