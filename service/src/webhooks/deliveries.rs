//! The admins' side of deliveries: an endpoint's delivery log, a test event sent to one endpoint,
//! and a finished delivery sent again. The worker (`dispatch`) does the sending.

use domain::dto::CursorPage;
use domain::webhook::{DeliveryStatus, WebhookDeliveryView};
use domain::{AuditAction, ErrorCode, EventId, WebhookDeliveryId, WebhookEndpointId};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::endpoints;
use crate::audit;
use crate::db::{in_tx, new_id, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

/// The type of the event "send a test event" sends; it goes to the one endpoint asked, whatever
/// it subscribes to, and never through the outbox's fan-out.
pub const TEST_EVENT: &str = "webhook.test";
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 100;

/// An endpoint's deliveries, newest first, a page at a time (admins only).
pub async fn list(
    caller: &Caller,
    store: &Store,
    endpoint: WebhookEndpointId,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<CursorPage<WebhookDeliveryView>, ServiceError> {
    caller.require_admin()?;
    let cursor = match cursor.map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<WebhookDeliveryId>().map_err(|_| {
            ServiceError::invalid("cursor", "Pass back the next_cursor of the previous page.")
        })?),
    };
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::invalid(
            "limit",
            &format!("Choose between 1 and {MAX_LIMIT} deliveries a page."),
        ));
    }
    in_tx!(store, caller, |tx| list_in(tx, endpoint, cursor, limit))
}

async fn list_in(
    tx: &mut TenantTx,
    endpoint: WebhookEndpointId,
    cursor: Option<WebhookDeliveryId>,
    limit: u32,
) -> Result<CursorPage<WebhookDeliveryView>, ServiceError> {
    endpoints::get_in(tx, endpoint).await?;
    let tenant = tx.tenant().as_uuid();
    let rows = sqlx::query_as!(
        Row,
        "select id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at,
                last_attempt_at, response_status, response_body, latency_ms, last_error,
                redelivery_of, created_at, finished_at
         from webhook_delivery d
         where d.tenant_id = $1 and d.endpoint_id = $2
           and ($3::uuid is null or (d.created_at, d.id) < (
                select c.created_at, c.id from webhook_delivery c where c.tenant_id = $1 and c.id = $3))
         order by d.created_at desc, d.id desc
         limit $4",
        tenant,
        endpoint.as_uuid(),
        cursor.map(|c| c.as_uuid()),
        i64::from(limit) + 1,
    )
    .fetch_all(&mut **tx)
    .await?;
    let has_more = rows.len() > limit as usize;
    let items: Vec<WebhookDeliveryView> = rows
        .into_iter()
        .take(limit as usize)
        .map(Row::view)
        .collect();
    let next_cursor = has_more
        .then(|| items.last().map(|d| d.id.to_string()))
        .flatten();
    Ok(CursorPage { items, next_cursor })
}

/// Sends a `webhook.test` event to one endpoint now (admins only), enabled or not; the answer is
/// the queued delivery, whose outcome the log shows a moment later.
pub async fn send_test(
    caller: &Caller,
    store: &Store,
    endpoint: WebhookEndpointId,
) -> Result<WebhookDeliveryView, ServiceError> {
    caller.require_admin()?;
    in_tx!(store, caller, |tx| send_test_in(tx, endpoint))
}

async fn send_test_in(
    tx: &mut TenantTx,
    endpoint: WebhookEndpointId,
) -> Result<WebhookDeliveryView, ServiceError> {
    endpoints::get_in(tx, endpoint).await?;
    let (tenant, now, event) = (tx.tenant().as_uuid(), tx.now(), new_id());
    let payload = json!({
        "webhook_id": endpoint,
        "message": "A test event from Lectern: your endpoint received it.",
    });
    // In the outbox for its body, already handed over, so the fan-out leaves it alone.
    sqlx::query!(
        "insert into event_outbox (id, tenant_id, event_type, payload, created_at, delivered_at)
         values ($1, $2, $3, $4, $5, $5)",
        event,
        tenant,
        TEST_EVENT,
        payload,
        now,
    )
    .execute(&mut **tx)
    .await?;
    let id = queue(tx, endpoint.as_uuid(), event, TEST_EVENT, None).await?;
    audit::record_on(
        tx,
        AuditAction::WebhookTestSent,
        "webhook",
        endpoint.as_uuid(),
        json!({ "delivery_id": WebhookDeliveryId::from_uuid(id), "event_id": EventId::from_uuid(event) }),
    )
    .await?;
    fetch(tx, WebhookDeliveryId::from_uuid(id)).await
}

/// Sends a finished delivery's event to its endpoint again, as a new delivery with the same
/// `webhook-id` (admins only). One still pending is refused: it is being sent already.
pub async fn redeliver(
    caller: &Caller,
    store: &Store,
    id: WebhookDeliveryId,
) -> Result<WebhookDeliveryView, ServiceError> {
    caller.require_admin()?;
    in_tx!(store, caller, |tx| redeliver_in(tx, id))
}

async fn redeliver_in(
    tx: &mut TenantTx,
    id: WebhookDeliveryId,
) -> Result<WebhookDeliveryView, ServiceError> {
    let original = fetch(tx, id).await?;
    if original.status == DeliveryStatus::Pending {
        return Err(ServiceError::conflict(
            ErrorCode::WebhookDeliveryPending,
            "This delivery is still being sent; redeliver it once it has succeeded or failed.",
        ));
    }
    let again = queue(
        tx,
        original.endpoint_id.as_uuid(),
        original.event_id.as_uuid(),
        &original.event_type,
        Some(id.as_uuid()),
    )
    .await?;
    audit::record_on(
        tx,
        AuditAction::WebhookRedelivered,
        "webhook",
        original.endpoint_id.as_uuid(),
        json!({ "delivery_id": id, "redelivery_id": WebhookDeliveryId::from_uuid(again), "event_id": original.event_id }),
    )
    .await?;
    fetch(tx, WebhookDeliveryId::from_uuid(again)).await
}

/// Queues a delivery, due now.
async fn queue(
    tx: &mut TenantTx,
    endpoint: Uuid,
    event: Uuid,
    event_type: &str,
    redelivery_of: Option<Uuid>,
) -> Result<Uuid, ServiceError> {
    let (id, tenant, now) = (new_id(), tx.tenant().as_uuid(), tx.now());
    sqlx::query!(
        "insert into webhook_delivery
             (id, tenant_id, endpoint_id, event_id, event_type, next_attempt_at, created_at, redelivery_of)
         values ($1, $2, $3, $4, $5, $6, $6, $7)",
        id,
        tenant,
        endpoint,
        event,
        event_type,
        now,
        redelivery_of,
    )
    .execute(&mut **tx)
    .await?;
    // Wakes the workers now rather than at their next look.
    sqlx::query!("select pg_notify('lectern_outbox', '')")
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// How long the log keeps a finished delivery, and the outbox an event no delivery refers to.
pub const KEPT_FOR: time::Duration = time::Duration::days(30);

/// The platform's sweep: a delivery whose last attempt's process died is failed, since no attempt
/// is left to claim it; finished deliveries and handed-over events past [`KEPT_FOR`] are deleted.
pub async fn sweep(pool: &sqlx::PgPool, now: OffsetDateTime) -> Result<u64, ServiceError> {
    let interrupted = sqlx::query!(
        "update webhook_delivery
         set status = 'failed', finished_at = $1, claimed_until = '-infinity',
             last_error = coalesce(last_error, 'the last attempt was interrupted')
         where status = 'pending' and attempts >= $2 and claimed_until <= $1",
        now,
        super::retry::MAX_ATTEMPTS,
    )
    .execute(pool)
    .await?;
    let finished = sqlx::query!(
        "delete from webhook_delivery where status <> 'pending' and finished_at < $1",
        now - KEPT_FOR,
    )
    .execute(pool)
    .await?;
    let events = sqlx::query!(
        "delete from event_outbox o
         where o.delivered_at < $1
           and not exists (select 1 from webhook_delivery d where d.event_id = o.id)",
        now - KEPT_FOR,
    )
    .execute(pool)
    .await?;
    Ok(interrupted.rows_affected() + finished.rows_affected() + events.rows_affected())
}

/// One delivery of the tenant; another tenant's id is not found.
async fn fetch(
    tx: &mut TenantTx,
    id: WebhookDeliveryId,
) -> Result<WebhookDeliveryView, ServiceError> {
    sqlx::query_as!(
        Row,
        "select id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at,
                last_attempt_at, response_status, response_body, latency_ms, last_error,
                redelivery_of, created_at, finished_at
         from webhook_delivery where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        id.as_uuid(),
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(Row::view)
    .ok_or(ServiceError::NotFound)
}

struct Row {
    id: Uuid,
    endpoint_id: Uuid,
    event_id: Uuid,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: OffsetDateTime,
    last_attempt_at: Option<OffsetDateTime>,
    response_status: Option<i32>,
    response_body: Option<String>,
    latency_ms: Option<i32>,
    last_error: Option<String>,
    redelivery_of: Option<Uuid>,
    created_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
}

impl Row {
    fn view(self) -> WebhookDeliveryView {
        let status =
            DeliveryStatus::parse("status", &self.status).unwrap_or(DeliveryStatus::Pending);
        WebhookDeliveryView {
            id: WebhookDeliveryId::from_uuid(self.id),
            endpoint_id: WebhookEndpointId::from_uuid(self.endpoint_id),
            event_id: EventId::from_uuid(self.event_id),
            event_type: self.event_type,
            status,
            attempts: self.attempts,
            next_attempt_at: (status == DeliveryStatus::Pending)
                .then(|| rfc3339(self.next_attempt_at)),
            last_attempt_at: self.last_attempt_at.map(rfc3339),
            response_status: self.response_status,
            latency_ms: self.latency_ms,
            response_body: self.response_body,
            error: self.last_error,
            redelivery_of: self.redelivery_of.map(WebhookDeliveryId::from_uuid),
            created_at: rfc3339(self.created_at),
            finished_at: self.finished_at.map(rfc3339),
        }
    }
}
