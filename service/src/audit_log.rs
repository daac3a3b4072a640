//! Reading the audit log: filters, a cursor (newest first), and batches for the NDJSON export.

use domain::dto::{AuditEventView, AuditQuery, CursorPage};
use domain::{ApiKeyId, AuditEventId, CourseId, FieldError, UserId};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{in_tx, TenantTx};
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// The audit query, parsed: what the SQL needs.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    action: Option<String>,
    actor_user: Option<Uuid>,
    actor_key: Option<Uuid>,
    target: Option<Uuid>,
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
    after: Option<Uuid>,
    limit: u32,
}

impl AuditFilter {
    /// Parses raw filters, reporting every bad field at once.
    pub fn parse(query: &AuditQuery) -> Result<AuditFilter, ServiceError> {
        let mut errors = Vec::new();
        let mut filter = AuditFilter {
            limit: query.limit.unwrap_or(DEFAULT_LIMIT),
            action: non_empty(&query.action).map(str::to_string),
            ..AuditFilter::default()
        };
        if !(1..=MAX_LIMIT).contains(&filter.limit) {
            errors.push(FieldError::new("limit", "Choose between 1 and 500 rows."));
        }
        if let Some(actor) = non_empty(&query.actor) {
            if let Ok(user) = actor.parse::<UserId>() {
                filter.actor_user = Some(user.as_uuid());
            } else if let Ok(key) = actor.parse::<ApiKeyId>() {
                filter.actor_key = Some(key.as_uuid());
            } else {
                errors.push(FieldError::new(
                    "actor",
                    "Give a user id (usr_…) or an API key id (key_…).",
                ));
            }
        }
        if let Some(target) = non_empty(&query.target) {
            match any_public_id(target) {
                Some(id) => filter.target = Some(id),
                None => errors.push(FieldError::new(
                    "target",
                    "Give the id of a user, API key or course.",
                )),
            }
        }
        match non_empty(&query.since).map(|s| parse_instant("since", s)) {
            Some(Ok(at)) => filter.since = Some(at),
            Some(Err(e)) => errors.push(e),
            None => {}
        }
        match non_empty(&query.until).map(|s| parse_instant("until", s)) {
            Some(Ok(at)) => filter.until = Some(at),
            Some(Err(e)) => errors.push(e),
            None => {}
        }
        if let Some(cursor) = non_empty(&query.cursor) {
            match cursor.parse::<AuditEventId>() {
                Ok(id) => filter.after = Some(id.as_uuid()),
                Err(_) => errors.push(FieldError::new(
                    "cursor",
                    "Pass back the next_cursor of the previous page.",
                )),
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(ServiceError::Validation(errors))
        }
    }

    /// The same filters, continuing after `cursor`, in batches of `limit`.
    pub fn continuing_after(&self, cursor: AuditEventId, limit: u32) -> AuditFilter {
        AuditFilter {
            after: Some(cursor.as_uuid()),
            limit,
            ..self.clone()
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn any_public_id(text: &str) -> Option<Uuid> {
    text.parse::<UserId>()
        .map(|id| id.as_uuid())
        .or_else(|_| text.parse::<ApiKeyId>().map(|id| id.as_uuid()))
        .or_else(|_| text.parse::<CourseId>().map(|id| id.as_uuid()))
        .ok()
}

/// The years an instant may fall in: far enough for any real date, and away from the edges of what
/// the time and database types can hold, where arithmetic and conversion to UTC would fail.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9000;

/// RFC 3339, or a bare date meaning the start of that day in UTC; always answered in UTC.
pub fn parse_instant(field: &str, raw: &str) -> Result<OffsetDateTime, FieldError> {
    let raw = raw.trim();
    OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| {
            Date::parse(raw, format_description!("[year]-[month]-[day]"))
                .ok()
                .map(|d| d.midnight().assume_utc())
        })
        .and_then(|at| at.checked_to_offset(time::UtcOffset::UTC))
        .filter(|at| YEARS.contains(&at.year()))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "Give a date (2026-11-23) or a time in RFC 3339 (2026-11-23T14:00:00Z) between the years 1970 and 9000.",
            )
        })
}

/// One page of the tenant's audit log, newest first (admins only).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    filter: &AuditFilter,
) -> Result<CursorPage<AuditEventView>, ServiceError> {
    in_tx!(store, caller, |tx| list_in(tx, filter))
}

pub async fn list_in(
    tx: &mut TenantTx,
    filter: &AuditFilter,
) -> Result<CursorPage<AuditEventView>, ServiceError> {
    tx.caller().require_admin()?;
    // One row more than asked tells whether another page follows.
    let rows = sqlx::query!(
        r#"select e.id, e.action, e.actor_user_id, e.actor_key_id, e.target_type, e.target_id,
                  host(e.ip) as ip, e.request_id, e.data, e.created_at,
                  coalesce(u.name, k.name) as actor_name
           from audit_event e
           left join app_user u on u.tenant_id = e.tenant_id and u.id = e.actor_user_id
           left join api_key k on k.tenant_id = e.tenant_id and k.id = e.actor_key_id
           where e.tenant_id = $1
             and ($2::text is null or e.action = $2 or (right($2, 1) = '.' and starts_with(e.action, $2)))
             and ($3::uuid is null or e.actor_user_id = $3)
             and ($4::uuid is null or e.actor_key_id = $4)
             and ($5::uuid is null or e.target_id = $5)
             and ($6::timestamptz is null or e.created_at >= $6)
             and ($7::timestamptz is null or e.created_at < $7)
             and ($8::uuid is null or (e.created_at, e.id) <
                  (select c.created_at, c.id from audit_event c where c.tenant_id = $1 and c.id = $8))
           order by e.created_at desc, e.id desc
           limit $9"#,
        tx.tenant().as_uuid(),
        filter.action,
        filter.actor_user,
        filter.actor_key,
        filter.target,
        filter.since,
        filter.until,
        filter.after,
        i64::from(filter.limit) + 1,
    )
    .fetch_all(&mut **tx)
    .await?;
    let has_more = rows.len() > filter.limit as usize;
    let items: Vec<AuditEventView> = rows
        .into_iter()
        .take(filter.limit as usize)
        .map(|r| {
            let (actor_type, actor_id) = match (r.actor_user_id, r.actor_key_id) {
                (Some(user), _) => ("user", Some(UserId::from_uuid(user).to_string())),
                (None, Some(key)) => ("api_key", Some(ApiKeyId::from_uuid(key).to_string())),
                (None, None) => ("none", None),
            };
            AuditEventView {
                id: AuditEventId::from_uuid(r.id),
                target_id: r
                    .target_id
                    .map(|id| public_target_id(r.target_type.as_deref(), id)),
                action: r.action,
                actor_type: actor_type.to_string(),
                actor_id,
                actor_name: r.actor_name,
                target_type: r.target_type,
                ip: r.ip,
                request_id: r.request_id,
                data: r.data,
                created_at: rfc3339(r.created_at),
            }
        })
        .collect();
    let next_cursor = if has_more {
        items.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(CursorPage { items, next_cursor })
}

fn public_target_id(target_type: Option<&str>, id: Uuid) -> String {
    match target_type {
        Some("user") => UserId::from_uuid(id).to_string(),
        Some("api_key") => ApiKeyId::from_uuid(id).to_string(),
        Some("course") => CourseId::from_uuid(id).to_string(),
        Some("webhook") => domain::WebhookEndpointId::from_uuid(id).to_string(),
        _ => id.to_string(),
    }
}
