//! The document's `webhooks` section (OpenAPI 3.1): each event type a receiver may get, with its
//! body and headers; and the rule for an endpoint's `events`, which the derived schema cannot say
//! (types from the catalogue, or `"*"` alone).

use domain::DomainEvent;
use serde_json::{json, Value};
use service::webhooks::deliveries::TEST_EVENT;
use service::webhooks::dispatch::SCHEMA_VERSION;

/// Each event type, the schema of its payload, and what it announces.
pub const EVENTS: &[(&str, &str, &str)] = &[
    ("user.provisioned", "UserProvisioned", "A user was created: by an admin, an invitation or SCIM."),
    ("course.published", "CoursePublished", "A course became visible in the catalog."),
    ("enrollment.created", "EnrollmentCreated", "A learner joined a course (or rejoined after a withdrawal)."),
    ("enrollment.completed", "EnrollmentCompleted", "A learner completed every lesson of a course."),
    ("quiz.attempt.submitted", "AttemptSubmitted", "A quiz attempt was submitted: by the learner, at its deadline, or by the deadline sweeper."),
    ("quiz.attempt.graded", "AttemptGraded", "A quiz attempt has its final score: at submission, or once a teacher graded its essays."),
    ("proctoring.incident.flagged", "IncidentFlagged", "A proctoring rule, or a teacher, flagged an incident in a proctored attempt."),
];

pub fn apply(document: &mut Value) {
    let mut webhooks = serde_json::Map::new();
    for (event, schema, about) in EVENTS {
        let payload = json!({ "$ref": format!("#/components/schemas/{schema}") });
        webhooks.insert(event.to_string(), operation(event, about, payload));
    }
    let test_payload = json!({
        "type": "object",
        "required": ["webhook_id", "message"],
        "properties": {
            "webhook_id": { "type": "string", "description": "The endpoint tested (whk_…)." },
            "message": { "type": "string" }
        }
    });
    webhooks.insert(
        TEST_EVENT.to_string(),
        operation(
            TEST_EVENT,
            "Sent by \"send a test event\" to one endpoint, whatever it subscribes to.",
            test_payload,
        ),
    );
    document["webhooks"] = Value::Object(webhooks);
    let events = events_schema();
    for (schema, required) in [
        ("WebhookEndpointInput", true),
        ("WebhookEndpointPatch", false),
    ] {
        if let Some(properties) = document
            .pointer_mut(&format!("/components/schemas/{schema}/properties"))
            .and_then(Value::as_object_mut)
        {
            let rule = if required {
                events.clone()
            } else {
                json!({ "oneOf": [events.clone(), { "type": "null" }] })
            };
            properties.insert("events".into(), rule);
        }
    }
}

/// Event types from the catalogue without repeats, or `["*"]` for every type, later ones too.
fn events_schema() -> Value {
    json!({
        "description": "Event types from the catalogue (see `webhooks`), or [\"*\"] for all of them, including types added later.",
        "oneOf": [
            { "type": "array", "items": { "const": "*" }, "minItems": 1, "maxItems": 1 },
            {
                "type": "array",
                "items": { "type": "string", "enum": DomainEvent::TYPES },
                "minItems": 1,
                "maxItems": domain::webhook::MAX_EVENTS,
                "uniqueItems": true
            }
        ]
    })
}

fn operation(event: &str, about: &str, payload: Value) -> Value {
    let header = |name: &str, description: &str| json!({ "name": name, "in": "header", "required": true, "description": description, "schema": { "type": "string" } });
    json!({
        "post": {
            "operationId": format!("on_{}", event.replace('.', "_")),
            "summary": about,
            "description": "Sent as the Standard Webhooks specification says; verify the signature before trusting the body (docs/WEBHOOKS.md). Deliveries are at least once: dedupe on `webhook-id`.",
            "tags": ["webhooks"],
            "parameters": [
                header("webhook-id", "The event's id (evt_…): the same on every retry and redelivery."),
                header("webhook-timestamp", "When this attempt was sent, in Unix seconds; reject one far from your clock."),
                header("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per signing secret (two during a rotation's overlap).")
            ],
            "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object",
                    "required": ["type", "timestamp", "data"],
                    "properties": {
                        "type": { "const": event },
                        "timestamp": { "type": "string", "format": "date-time", "description": "When the event happened." },
                        "data": { "allOf": [payload, {
                            "type": "object",
                            "required": ["schema_version"],
                            "properties": { "schema_version": {
                                "type": "integer", "const": SCHEMA_VERSION,
                                "description": "The payload's version: fields may be added within one version; a change that could break a receiver makes a new one."
                            } }
                        }] }
                    }
                } } }
            },
            "responses": {
                "2XX": { "description": "Received. Any other answer, or none within 10 seconds, is retried: after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; a 429 or 503 with `Retry-After` is not tried again sooner than it asks." }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_of_the_catalogue_is_described() {
        let described: Vec<&str> = EVENTS.iter().map(|(event, _, _)| *event).collect();
        assert_eq!(described, DomainEvent::TYPES);
        let document: Value =
            serde_json::from_str(&super::super::openapi::document_json()).unwrap_or_default();
        for (event, schema, _) in EVENTS {
            assert!(document["webhooks"][event]["post"].is_object(), "{event}");
            assert!(
                document["components"]["schemas"][schema].is_object(),
                "{schema} is not among the document's schemas"
            );
        }
        assert!(
            document["components"]["schemas"]["WebhookEndpointInput"]["properties"]["events"]
                ["oneOf"]
                .is_array()
        );
    }
}
