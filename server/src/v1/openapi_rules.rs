//! What the derived schemas cannot say by themselves: the rules `domain`'s parsers apply to text
//! (trimmed lengths, control characters, https addresses, host names), written into the document
//! as patterns built by [`domain::pattern`], whose tests hold them to the parsers. A rule naming a
//! schema or property the document lacks fails `every_rule_finds_its_property`, so a rename cannot
//! silently drop one.

use domain::pattern::{self, Inner};
use serde_json::{json, Map, Value};

#[derive(Clone, Copy)]
enum Rule {
    /// Trimmed to `min..=max` characters.
    Text(usize, usize, Inner),
    /// Each item trimmed to `min..=max` characters.
    Items(usize, usize, Inner),
    Url,
    ImageHosts,
}

const TITLE: Rule = Rule::Text(1, 200, Inner::Lines);
const COURSE_TITLE: Rule = Rule::Text(3, 200, Inner::Lines);
const SUMMARY: Rule = Rule::Text(0, 2000, Inner::Lines);
const PERSON_NAME: Rule = Rule::Text(1, 100, Inner::OneLine);

const RULES: &[(&str, &str, Rule)] = &[
    ("CreateCourseBody", "title", COURSE_TITLE),
    ("CreateCourseBody", "summary", SUMMARY),
    ("CreateCourseBody", "cover_image_url", Rule::Url),
    ("UpdateCourseBody", "title", COURSE_TITLE),
    ("UpdateCourseBody", "summary", SUMMARY),
    ("UpdateCourseBody", "cover_image_url", Rule::Url),
    ("ModuleBody", "title", TITLE),
    ("ModulePatch", "title", TITLE),
    ("LessonBody", "title", TITLE),
    ("UpdateLessonBody", "title", TITLE),
    ("QuizBody", "title", COURSE_TITLE),
    (
        "QuizBody",
        "instructions",
        Rule::Text(0, 20_000, Inner::Lines),
    ),
    ("QuestionBody", "prompt", Rule::Text(1, 5000, Inner::Lines)),
    (
        "QuestionBody",
        "accepted_answers",
        Rule::Items(1, 500, Inner::Lines),
    ),
    ("OptionForm", "text", Rule::Text(1, 1000, Inner::Lines)),
    ("CreateUserBody", "name", PERSON_NAME),
    ("PatchBody", "name", PERSON_NAME),
    ("CreateBody", "name", Rule::Text(1, 100, Inner::Any)),
    ("OverrideBody", "reason", Rule::Text(1, 1000, Inner::Any)),
    ("AttemptControl", "reason", Rule::Text(1, 500, Inner::Any)),
    ("IncidentReview", "comment", Rule::Text(0, 2000, Inner::Any)),
    ("SettingsPatch", "image_hosts", Rule::ImageHosts),
    ("WebhookEndpointInput", "url", Rule::Url),
    ("WebhookEndpointPatch", "url", Rule::Url),
    ("WebhookEndpointInput", "description", WEBHOOK_DESCRIPTION),
    ("WebhookEndpointPatch", "description", WEBHOOK_DESCRIPTION),
];
const WEBHOOK_DESCRIPTION: Rule = Rule::Text(0, 500, Inner::OneLine);

/// The blocks of a lesson, by `kind`: their text fields and that they take no other field.
const BLOCK_RULES: &[(&str, &str, Rule)] = &[
    ("video", "url", Rule::Url),
    ("video", "title", TITLE),
    ("file", "url", Rule::Url),
    ("file", "label", TITLE),
];

const ROSTER_BODY: &str =
    "/paths/~1v1~1courses~1{id}~1enrollments~1import/post/requestBody/content/text~1csv/schema";

pub fn apply(document: &mut Value) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (schema, property, rule) in RULES {
        if let Some(field) = property_mut(schemas, schema, property) {
            apply_rule(field, *rule);
        }
    }
    if let Some(Value::Array(variants)) = schemas.get_mut("Block").and_then(|b| b.get_mut("oneOf"))
    {
        for variant in variants {
            shape_block(variant);
        }
    }
    learner_is_one_of_two(schemas);
    // A roster with no line but blank ones is refused (`csv`); what is on the lines is reported
    // row by row in a 200.
    if let Some(Value::Object(roster)) = document.pointer_mut(ROSTER_BODY) {
        roster.insert("pattern".into(), pattern::not_blank().into());
    }
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for (path, operations) in paths.iter_mut() {
            let audit = path.starts_with("/v1/admin/audit-log");
            for operation in operations
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                optional_headers_are_never_null(operation);
                if audit {
                    audit_filters(operation);
                }
            }
        }
    }
}

fn property_mut<'a>(
    schemas: &'a mut Map<String, Value>,
    schema: &str,
    property: &str,
) -> Option<&'a mut Value> {
    schemas
        .get_mut(schema)?
        .get_mut("properties")?
        .get_mut(property)
}

fn apply_rule(field: &mut Value, rule: Rule) {
    let Some(field) = field.as_object_mut() else {
        return;
    };
    match rule {
        Rule::Text(min, max, inner) => {
            field.remove("minLength");
            field.remove("maxLength");
            field.insert("pattern".into(), pattern::trimmed(min, max, inner).into());
        }
        Rule::Items(min, max, inner) => {
            field.insert(
                "items".into(),
                json!({"type": "string", "pattern": pattern::trimmed(min, max, inner)}),
            );
        }
        Rule::Url => {
            field.insert("maxLength".into(), 2000.into());
            field.insert("pattern".into(), pattern::https_url().into());
        }
        Rule::ImageHosts => {
            field.insert(
                "items".into(),
                json!({"type": "string", "pattern": pattern::image_host()}),
            );
        }
    }
}

fn shape_block(variant: &mut Value) {
    let kind = variant
        .pointer("/properties/kind/enum/0")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(object) = variant.as_object_mut() else {
        return;
    };
    // The blocks refuse unknown fields (`deny_unknown_fields`), which the derived variants omit.
    object.insert("additionalProperties".into(), false.into());
    for (block, property, rule) in BLOCK_RULES {
        if *block == kind {
            if let Some(field) = object
                .get_mut("properties")
                .and_then(|p| p.get_mut(*property))
            {
                apply_rule(field, *rule);
            }
        }
    }
    if kind == "markdown" {
        if let Some(Value::Object(text)) =
            object.get_mut("properties").and_then(|p| p.get_mut("text"))
        {
            text.insert("maxLength".into(), domain::course::MAX_MARKDOWN.into());
        }
    }
}

/// A learner is named by `user_id` or by `email`, exactly one of them (a `null` counts as left out).
fn learner_is_one_of_two(schemas: &mut Map<String, Value>) {
    let Some(learner) = schemas.get_mut("LearnerRef").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(Value::Object(properties)) = learner.remove("properties") else {
        return;
    };
    let (Some(user_id), Some(email)) = (properties.get("user_id"), properties.get("email")) else {
        return;
    };
    let user_id = user_id
        .pointer("/oneOf/1")
        .cloned()
        .unwrap_or_else(|| user_id.clone());
    let mut email = email.clone();
    if let Some(object) = email.as_object_mut() {
        object.insert("type".into(), "string".into());
    }
    learner.remove("additionalProperties");
    learner.insert(
        "oneOf".into(),
        json!([
            {"type": "object", "additionalProperties": false, "required": ["user_id"],
             "properties": {"user_id": user_id, "email": {"type": "null"}}},
            {"type": "object", "additionalProperties": false, "required": ["email"],
             "properties": {"email": email, "user_id": {"type": "null"}}},
        ]),
    );
}

/// The audit log's filters are ids and instants, each trimmed, a blank one left out
/// (`AuditFilter::parse`).
fn audit_filters(operation: &mut Value) {
    let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
        return;
    };
    for parameter in parameters {
        let schema = match parameter.get("name").and_then(Value::as_str) {
            Some("actor") => {
                json!({"type": "string", "pattern": pattern::public_id_or_blank(&["usr", "key"])})
            }
            Some("target") => {
                json!({"type": "string", "pattern": pattern::public_id_or_blank(&["usr", "key", "crs"])})
            }
            Some("cursor") => {
                json!({"type": "string", "pattern": pattern::public_id_or_blank(&["aud"])})
            }
            Some("since" | "until") => json!({"type": "string", "anyOf": [
                {"format": "date", "pattern": pattern::AUDIT_YEAR},
                {"format": "date-time", "pattern": pattern::AUDIT_YEAR},
                {"pattern": pattern::blank()},
            ]}),
            _ => continue,
        };
        parameter["schema"] = schema;
    }
}

/// An optional header is sent or left out; it is never JSON's `null`.
fn optional_headers_are_never_null(operation: &mut Value) {
    let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
        return;
    };
    for parameter in parameters {
        if parameter.get("in").and_then(Value::as_str) != Some("header") {
            continue;
        }
        let Some(schema) = parameter.get_mut("schema") else {
            continue;
        };
        let not_null = schema
            .get("oneOf")
            .and_then(Value::as_array)
            .and_then(|choices| {
                let mut rest = choices
                    .iter()
                    .filter(|c| c.get("type").and_then(Value::as_str) != Some("null"));
                match (rest.next(), rest.next()) {
                    (Some(only), None) => Some(only.clone()),
                    _ => None,
                }
            });
        if let Some(not_null) = not_null {
            *schema = not_null;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_finds_its_property() {
        let document: Value =
            serde_json::from_str(&super::super::openapi::document_json()).unwrap();
        for (schema, property, _) in RULES {
            let field = document
                .pointer(&format!(
                    "/components/schemas/{schema}/properties/{property}"
                ))
                .unwrap_or_else(|| panic!("{schema}.{property} is not in the document"));
            assert!(
                field.get("pattern").is_some() || field.pointer("/items/pattern").is_some(),
                "{schema}.{property}"
            );
        }
        let blocks = document
            .pointer("/components/schemas/Block/oneOf")
            .and_then(Value::as_array)
            .unwrap();
        assert!(blocks
            .iter()
            .all(|b| b.get("additionalProperties") == Some(&Value::Bool(false))));
        for (kind, property, _) in BLOCK_RULES {
            assert!(
                blocks.iter().any(|b| {
                    b.pointer("/properties/kind/enum/0").and_then(Value::as_str) == Some(kind)
                        && b.pointer(&format!("/properties/{property}/pattern"))
                            .is_some()
                }),
                "{kind}.{property}"
            );
        }
        assert!(document
            .pointer("/components/schemas/LearnerRef/oneOf/1")
            .is_some());
        assert!(document
            .pointer(&format!("{ROSTER_BODY}/pattern"))
            .is_some());
    }

    #[test]
    fn optional_headers_name_their_type_only() {
        let document = super::super::openapi::document_json();
        let document: Value = serde_json::from_str(&document).unwrap();
        let headers: Vec<&Value> = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|ops| ops.as_object().unwrap().values())
            .filter_map(|op| op.get("parameters").and_then(Value::as_array))
            .flatten()
            .filter(|p| p["in"] == "header")
            .collect();
        assert!(!headers.is_empty());
        for header in headers {
            assert!(
                !header["schema"].to_string().contains("\"null\""),
                "{header}"
            );
        }
    }
}
