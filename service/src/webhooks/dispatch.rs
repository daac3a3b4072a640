//! The delivery worker's steps. Outbox events are fanned out into deliveries (one per enabled
//! endpoint subscribed to the type); due deliveries are claimed for a lease under `FOR UPDATE SKIP
//! LOCKED`, so server processes share the work and none is sent twice at once; each is sent to the
//! address checked and resolved at that moment, signed; its outcome sets the next retry, or ends it.
//!
//! The worker acts for the platform across tenants (the owning role, as the quiz deadline sweeper
//! does); every statement still names the tenant of the row it touches.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use domain::{EventId, WebhookEndpointId};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::destination::{self, Refusal};
use super::endpoints::secrets_on;
use super::retry;
use super::signature::signature_header;
use crate::users::rfc3339;
use crate::{ServiceError, Store};

/// The channel the outbox's trigger notifies as events commit.
pub const OUTBOX_CHANNEL: &str = "lectern_outbox";
/// The version of the body's shape and of every payload, sent as `data.schema_version`.
pub const SCHEMA_VERSION: u32 = domain::event::EVENT_VERSION;
/// How much of a receiver's answer the log keeps.
const KEPT_BODY_CHARS: usize = 1024;

#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// The longest a receiver may take to answer.
    pub timeout: std::time::Duration,
    /// How long a claim holds a delivery: past it, a delivery whose process died is claimed again.
    /// Far longer than a send may take (a pool wait, DNS, the timeout), so that another process
    /// never takes over a delivery still being sent.
    pub lease: Duration,
    /// At most this many deliveries of one endpoint are in flight at once, and of one tenant's
    /// endpoints together, so an endpoint that hangs holds that many of the worker's places and
    /// no more.
    pub per_endpoint: i64,
    pub per_tenant: i64,
    /// An endpoint whose every delivery has failed for this long is turned off.
    pub disable_after: Duration,
    /// Where admins manage webhooks, for the mail that says an endpoint was turned off.
    pub base_url: String,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            timeout: std::time::Duration::from_secs(10),
            lease: Duration::minutes(2),
            per_endpoint: 16,
            per_tenant: 48,
            disable_after: Duration::days(5),
            base_url: "http://127.0.0.1:3000".into(),
        }
    }
}

/// A delivery claimed by this process: its attempt number is the claim's token when recorded.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub tenant: Uuid,
    pub endpoint: Uuid,
    pub event: Uuid,
    pub attempt: i32,
    /// When this process took it, by its own monotonic clock: a send that could outlast the lease
    /// is not started.
    pub claimed_at: Instant,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: Option<u16>,
    pub body: Option<String>,
    pub error: Option<String>,
    pub latency_ms: Option<i32>,
    /// From a 429 or 503 answer's `Retry-After`.
    pub retry_after: Option<Duration>,
}

impl Attempt {
    fn failed(error: impl Into<String>) -> Attempt {
        Attempt {
            status: None,
            body: None,
            error: Some(error.into()),
            latency_ms: None,
            retry_after: None,
        }
    }

    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends deliveries. One per process: it keeps an HTTP client per checked destination, so
/// deliveries to one receiver reuse their connections.
#[derive(Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub settings: DispatchSettings,
    clients: Arc<quick_cache::sync::Cache<(String, Vec<SocketAddr>), reqwest::Client>>,
}

impl Dispatcher {
    pub fn new(store: Store, settings: DispatchSettings) -> Dispatcher {
        Dispatcher {
            store,
            settings,
            clients: Arc::new(quick_cache::sync::Cache::new(256)),
        }
    }

    /// The time the worker acts at: the store's clock (a manual one in tests).
    pub fn now(&self) -> OffsetDateTime {
        self.store.clock.now()
    }

    /// One pass: fans out waiting events, claims what is due (up to `limit`), sends every claimed
    /// delivery at once and records each outcome. Answers how many it sent.
    pub async fn run_once(&self, limit: i64) -> Result<usize, ServiceError> {
        fan_out(&self.store, self.now(), 500).await?;
        let claimed = self.claim(limit).await?;
        let count = claimed.len();
        let mut sends = tokio::task::JoinSet::new();
        for delivery in claimed {
            let dispatcher = self.clone();
            sends.spawn(async move { dispatcher.deliver(delivery).await });
        }
        while let Some(sent) = sends.join_next().await {
            sent.map_err(|e| ServiceError::Internal(e.into()))??;
        }
        Ok(count)
    }

    /// Claims up to `limit` due deliveries. Endpoints with due work are taken in random order, one
    /// vote each, and each gives an even share of `limit`, within its room: `per_endpoint` in
    /// flight at most, and `per_tenant` across the tenant's endpoints. Only the rows taken are
    /// locked, so another process's claim finds the rest.
    pub async fn claim(&self, limit: i64) -> Result<Vec<Claimed>, ServiceError> {
        let now = self.now();
        let claimed_at = Instant::now();
        let rows = sqlx::query!(
            r#"with recursive pending as (
                   (select tenant_id, endpoint_id from webhook_delivery where status = 'pending'
                    order by tenant_id, endpoint_id limit 1)
                   union all
                   select n.tenant_id, n.endpoint_id from pending p
                   cross join lateral (
                       select tenant_id, endpoint_id from webhook_delivery
                       where status = 'pending' and (tenant_id, endpoint_id) > (p.tenant_id, p.endpoint_id)
                       order by tenant_id, endpoint_id limit 1) n
               ), busy as (
                   select p.tenant_id, p.endpoint_id,
                          (select count(*) from webhook_delivery y
                           where y.tenant_id = p.tenant_id and y.endpoint_id = p.endpoint_id
                             and y.status = 'pending' and y.claimed_until > $1) as in_flight
                   from pending p
               ), open as (
                   select b.tenant_id, b.endpoint_id, e.enabled,
                          least($3 - b.in_flight,
                                $5::bigint - (sum(b.in_flight) over (partition by b.tenant_id))::bigint) as room
                   from busy b
                   join webhook_endpoint e on e.tenant_id = b.tenant_id and e.id = b.endpoint_id
                   where exists (
                       select 1 from webhook_delivery z
                       where z.tenant_id = b.tenant_id and z.endpoint_id = b.endpoint_id
                         and z.status = 'pending' and z.next_attempt_at <= $1
                         and z.claimed_until <= $1 and z.attempts < $6
                         -- A disabled endpoint still gets what an admin sends it by hand.
                         and (e.enabled or z.event_type = 'webhook.test' or z.redelivery_of is not null))
               ), picked as (
                   select * from open where room > 0 order by random() limit $4
               ), share as (
                   select greatest(1, ceil($4::float8 / greatest(count(*), 1)))::bigint as n from picked
               ), chosen as (
                   select d.tenant_id, d.id
                   from picked o cross join share s
                   cross join lateral (
                       select x.tenant_id, x.id from webhook_delivery x
                       where x.tenant_id = o.tenant_id and x.endpoint_id = o.endpoint_id
                         and x.status = 'pending' and x.next_attempt_at <= $1
                         and x.claimed_until <= $1 and x.attempts < $6
                         and (o.enabled or x.event_type = 'webhook.test' or x.redelivery_of is not null)
                       order by x.next_attempt_at
                       limit least(o.room, s.n)
                       for update skip locked) d
                   limit $4
               )
               update webhook_delivery w
               set claimed_until = $2, attempts = w.attempts + 1, last_attempt_at = $1
               from chosen
               where w.tenant_id = chosen.tenant_id and w.id = chosen.id
               returning w.id, w.tenant_id, w.endpoint_id, w.event_id, w.attempts"#,
            now,
            now + self.settings.lease,
            self.settings.per_endpoint,
            limit,
            self.settings.per_tenant,
            retry::MAX_ATTEMPTS,
        )
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Claimed {
                id: r.id,
                tenant: r.tenant_id,
                endpoint: r.endpoint_id,
                event: r.event_id,
                attempt: r.attempts,
                claimed_at,
            })
            .collect())
    }

    /// Sends one claimed delivery and records what came of it.
    pub async fn deliver(&self, claimed: Claimed) -> Result<Attempt, ServiceError> {
        let attempt = match self.send(&claimed).await {
            Ok(attempt) => attempt,
            Err(SendError::Gone) => return Ok(Attempt::failed("the endpoint was deleted")),
            Err(SendError::LeaseRunningOut) => {
                tracing::warn!(delivery = %claimed.id, "a claimed webhook delivery waited too long to be sent; left to the next claim");
                return Ok(Attempt::failed("not sent: its claim ran out"));
            }
            Err(SendError::Failed(error)) => return Err(error),
        };
        retry::record(self, &claimed, &attempt).await?;
        Ok(attempt)
    }

    async fn send(&self, claimed: &Claimed) -> Result<Attempt, SendError> {
        let store = &self.store;
        let Some(row) = sqlx::query!(
            "select e.url, o.event_type, o.payload, o.created_at
             from webhook_endpoint e, event_outbox o
             where e.tenant_id = $1 and e.id = $2 and o.tenant_id = $1 and o.id = $3",
            claimed.tenant,
            claimed.endpoint,
            claimed.event,
        )
        .fetch_optional(&store.pool)
        .await
        .map_err(|e| SendError::Failed(e.into()))?
        else {
            return Err(SendError::Gone);
        };
        let now = self.now();
        let mut conn = store
            .pool
            .acquire()
            .await
            .map_err(|e| SendError::Failed(e.into()))?;
        let endpoint = WebhookEndpointId::from_uuid(claimed.endpoint);
        let secrets = secrets_on(
            &mut conn,
            &store.webhook_secrets,
            claimed.tenant,
            endpoint,
            now,
        )
        .await;
        drop(conn);
        let secrets = match secrets {
            Ok(secrets) => secrets,
            // Recorded as a failed attempt, so the backoff, the end of the retries and the
            // disabling of the endpoint apply, and its admins see why in the log.
            Err(error) => {
                tracing::error!(?error, %endpoint, "a webhook delivery cannot be signed");
                return Ok(Attempt::failed(
                    "not sent: its signing secret cannot be opened (the server's LECTERN_SECRET_KEY changed); rotate the secret",
                ));
            }
        };
        let url = match destination::check_url(&row.url, store.webhook_loopback) {
            Ok(url) => url,
            Err(refusal) => return Ok(refused(refusal)),
        };
        let addresses = match destination::resolve(&url, store.webhook_loopback).await {
            Ok(addresses) => addresses,
            Err(refusal) => return Ok(refused(refusal)),
        };
        let event_id = EventId::from_uuid(claimed.event).to_string();
        let body = body(&row.event_type, row.created_at, row.payload);
        let timestamp = now.unix_timestamp();
        let signature = signature_header(&secrets, &event_id, timestamp, &body);
        let client = match self.client(&url, addresses) {
            Ok(client) => client,
            Err(error) => return Ok(Attempt::failed(format!("no HTTP client: {error}"))),
        };
        let margin = std::time::Duration::from_secs(10);
        if claimed.claimed_at.elapsed() + self.settings.timeout + margin
            > self.settings.lease.unsigned_abs()
        {
            return Err(SendError::LeaseRunningOut);
        }
        let started = Instant::now();
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(error) => {
                let mut attempt = Attempt::failed(describe(&error));
                attempt.latency_ms = Some(elapsed_ms(started));
                return Ok(attempt);
            }
        };
        let status = response.status().as_u16();
        let retry_after = matches!(status, 429 | 503)
            .then(|| response.headers().get("retry-after"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, now));
        let mut kept = Vec::new();
        let mut error = None;
        while kept.len() < KEPT_BODY_CHARS * 4 {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    error = Some(describe(&e));
                    break;
                }
            }
        }
        let text = printable(&String::from_utf8_lossy(&kept), KEPT_BODY_CHARS);
        Ok(Attempt {
            status: Some(status),
            body: Some(text),
            error,
            latency_ms: Some(elapsed_ms(started)),
            retry_after,
        })
    }

    /// A client that connects only to `addresses` (the ones just checked), follows no redirect and
    /// uses no proxy; one per destination, kept while it is used.
    fn client(
        &self,
        url: &url::Url,
        mut addresses: Vec<SocketAddr>,
    ) -> Result<reqwest::Client, reqwest::Error> {
        addresses.sort();
        let host = url.host_str().unwrap_or_default().to_string();
        let key = (host.clone(), addresses.clone());
        if let Some(client) = self.clients.get(&key) {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(self.settings.timeout)
            .connect_timeout(self.settings.timeout.min(std::time::Duration::from_secs(5)))
            .user_agent(concat!("Lectern-Webhooks/", env!("CARGO_PKG_VERSION")))
            .resolve_to_addrs(&host, &addresses)
            .build()?;
        self.clients.insert(key, client.clone());
        Ok(client)
    }
}

enum SendError {
    /// The endpoint or the event was deleted since the claim: nothing to send or record.
    Gone,
    /// The send could outlast the claim, and another process take the delivery meanwhile.
    LeaseRunningOut,
    Failed(ServiceError),
}

fn refused(refusal: Refusal) -> Attempt {
    Attempt::failed(format!("not sent: {refusal}"))
}

fn elapsed_ms(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// At most `limit` characters of `text`, with control characters other than line breaks and tabs
/// (a NUL, which PostgreSQL's text refuses) replaced.
fn printable(text: &str, limit: usize) -> String {
    text.chars()
        .take(limit)
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// A transport error in words for the log, with its causes but without the address (where tokens
/// sit in the query).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "the receiver did not answer in time"
    } else if error.is_connect() {
        "could not connect to the receiver"
    } else if error.is_body() || error.is_decode() {
        "the receiver's answer broke off"
    } else {
        "the request failed"
    };
    let mut text = kind.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    printable(&text, 400)
}

/// The body every receiver gets: `{type, timestamp, data}`, with the payload's `schema_version`.
pub fn body(event_type: &str, created_at: OffsetDateTime, payload: Value) -> Vec<u8> {
    let mut data = match payload {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("value".into(), other);
            map
        }
    };
    data.insert("schema_version".into(), json!(SCHEMA_VERSION));
    json!({ "type": event_type, "timestamp": rfc3339(created_at), "data": data })
        .to_string()
        .into_bytes()
}

/// Turns waiting outbox events into deliveries, a batch at a time, and marks them handed over.
/// Events of a tenant with no endpoint for them are marked too: they were announced to no one.
pub async fn fan_out(store: &Store, now: OffsetDateTime, limit: i64) -> Result<u64, ServiceError> {
    let done = sqlx::query!(
        "with events as (
             select id, tenant_id, event_type, created_at from event_outbox
             where delivered_at is null order by created_at limit $2 for update skip locked
         ), fanned as (
             insert into webhook_delivery
                 (id, tenant_id, endpoint_id, event_id, event_type, next_attempt_at, created_at)
             select gen_random_uuid(), e.tenant_id, w.id, e.id, e.event_type, $1, $1
             from events e
             join webhook_endpoint w on w.tenant_id = e.tenant_id and w.enabled
                  and (e.event_type = any(w.event_types) or '*' = any(w.event_types))
                  -- An endpoint gets what happens from its creation on, however far behind
                  -- the worker is.
                  and w.created_at <= e.created_at
         )
         update event_outbox o set delivered_at = $1 from events e where o.id = e.id",
        now,
        limit,
    )
    .execute(&store.pool)
    .await?;
    Ok(done.rows_affected())
}
