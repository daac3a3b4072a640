//! Webhook endpoints as their tenant's admins see and edit them. The signing secret is shown once,
//! in [`IssuedWebhookSecret`], when the endpoint is made or its secret rotated.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DomainEvent, EventId, FieldError, WebhookDeliveryId, WebhookEndpointId};

/// What an endpoint subscribes to by `["*"]`: every event type, including those added later.
pub const ALL_EVENTS: &str = "*";

/// An endpoint: where its tenant's events go.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpointView {
    pub id: WebhookEndpointId,
    pub url: String,
    pub description: String,
    /// Event types from the catalogue, or `["*"]` for all of them.
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why Lectern turned the endpoint off, when it did (it failed for days); cleared when an
    /// admin turns it on again.
    pub disabled_reason: Option<String>,
    /// Until when the secret replaced by the last rotation still signs, if it does.
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An endpoint with its signing secret (`whsec_…`): answered once. Its `Debug` leaves the
/// secret out, so no log line can carry it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedWebhookSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpointView,
    pub secret: String,
}

impl std::fmt::Debug for IssuedWebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedWebhookSecret")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// A new endpoint, as an admin submits it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointInput {
    /// https, to a public address.
    pub url: String,
    pub description: Option<String>,
    /// Event types from the catalogue, or `["*"]` for all of them.
    pub events: Vec<String>,
    /// On unless said otherwise.
    pub enabled: Option<bool>,
}

/// A change to an endpoint: the fields given change, the others stay.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

text_enum!(
    /// Where a delivery stands: waiting for its next attempt (or in one), delivered, or given up
    /// after its last retry.
    DeliveryStatus { Pending = "pending", Succeeded = "succeeded", Failed = "failed" }
);

/// The sending of one event to one endpoint, as the delivery log shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDeliveryView {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    /// The event's id, sent as `webhook-id`: the same on every attempt and redelivery.
    pub event_id: EventId,
    pub event_type: String,
    pub status: DeliveryStatus,
    /// Attempts begun so far.
    pub attempts: i32,
    /// When a pending delivery is tried next (RFC 3339).
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// The HTTP status of the last answer, if the receiver answered.
    pub response_status: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    pub latency_ms: Option<i32>,
    /// The start of the last answer's body (at most 1,024 characters).
    pub response_body: Option<String>,
    /// Why the last attempt failed without an answer (a timeout, a refused address…).
    pub error: Option<String>,
    /// The delivery this one repeats, for a redelivery.
    pub redelivery_of: Option<WebhookDeliveryId>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// The most event types one endpoint lists.
pub const MAX_EVENTS: usize = 64;
/// The longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// A subscription's event types: each from the catalogue, no repeats, or `*` alone.
pub fn parse_events(raw: &[String]) -> Result<Vec<String>, FieldError> {
    let field = "events";
    if raw.is_empty() {
        return Err(FieldError::new(
            field,
            "Choose at least one event type, or \"*\" for all of them.",
        ));
    }
    if raw.len() > MAX_EVENTS {
        return Err(FieldError::new(
            field,
            format!("List at most {MAX_EVENTS} event types."),
        ));
    }
    if raw.iter().any(|e| e == ALL_EVENTS) {
        return if raw.len() == 1 {
            Ok(vec![ALL_EVENTS.to_string()])
        } else {
            Err(FieldError::new(
                field,
                "\"*\" already means every event type; list it alone.",
            ))
        };
    }
    let mut events: Vec<String> = Vec::with_capacity(raw.len());
    for event in raw {
        if !DomainEvent::TYPES.contains(&event.as_str()) {
            return Err(FieldError::new(
                field,
                format!(
                    "\"{event}\" is not an event type; choose from {}.",
                    DomainEvent::TYPES.join(", ")
                ),
            ));
        }
        if events.contains(event) {
            return Err(FieldError::new(
                field,
                format!("\"{event}\" is listed twice."),
            ));
        }
        events.push(event.clone());
    }
    Ok(events)
}

/// A description: trimmed, at most [`MAX_DESCRIPTION_CHARS`], no control characters.
pub fn parse_description(raw: Option<&str>) -> Result<String, FieldError> {
    let text = raw.unwrap_or_default().trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(FieldError::new(
            "description",
            format!("Use at most {MAX_DESCRIPTION_CHARS} characters."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            "description",
            "The description cannot contain control characters.",
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(list: &[&str]) -> Result<Vec<String>, FieldError> {
        parse_events(&list.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn events_come_from_the_catalogue_or_are_all_of_them() {
        assert_eq!(events(&["*"]).unwrap(), ["*"]);
        assert_eq!(
            events(&["course.published", "user.provisioned"]).unwrap(),
            ["course.published", "user.provisioned"]
        );
        for bad in [
            &[][..],
            &["*", "course.published"],
            &["course.published", "course.published"],
            &["course.deleted"],
        ] {
            assert!(events(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn descriptions_are_trimmed_and_bounded() {
        assert_eq!(parse_description(Some("  CRM sync ")).unwrap(), "CRM sync");
        assert_eq!(parse_description(None).unwrap(), "");
        assert!(parse_description(Some("a\u{7}b")).is_err());
        assert!(parse_description(Some(&"x".repeat(501))).is_err());
    }
}
