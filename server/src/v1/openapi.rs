//! The OpenAPI 3.1 document of `/v1`, generated from the handlers' annotations and served at
//! `/v1/openapi.json`. Every operation gets the error answers every route can give, described once.

use domain::dto::{ApiKeyView, AuditEventView, UserView};
use domain::{ErrorCode, FieldError};
use serde_json::json;
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::Required;
use utoipa::openapi::{RefOr, ResponseBuilder, Responses};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::{
    api_keys, attempts, audit, courses, enrollments, outline, proctoring, quizzes, settings, users,
    webhooks, whoami,
};

/// `null`: what `error` is on success and `data` on failure.
pub struct Null;

impl PartialSchema for Null {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Null)
            .into()
    }
}

impl ToSchema for Null {}

#[derive(ToSchema)]
pub struct Meta {
    /// The request's id, as in the `X-Request-Id` header.
    #[schema(example = "req_01kbt2n3r5x8yq0c4e6g8j9m2p")]
    pub request_id: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
}

#[derive(ToSchema)]
pub struct PageMeta {
    pub request_id: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
    pub total_pages: u64,
}

#[derive(ToSchema)]
pub struct CursorMeta {
    pub request_id: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// Pass it back as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A successful answer.
#[derive(ToSchema)]
pub struct Envelope<T: ToSchema> {
    pub data: T,
    pub meta: Meta,
    pub error: Null,
}

/// A page of a list, with totals.
#[derive(ToSchema)]
pub struct PageEnvelope<T: ToSchema> {
    pub data: Vec<T>,
    pub meta: PageMeta,
    pub error: Null,
}

/// A page read by cursor.
#[derive(ToSchema)]
pub struct CursorEnvelope<T: ToSchema> {
    pub data: Vec<T>,
    pub meta: CursorMeta,
    pub error: Null,
}

#[derive(ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Each invalid field, for `request.validation_failed`.
    pub details: Vec<FieldError>,
    pub request_id: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
}

/// A refused or failed request.
#[derive(ToSchema)]
pub struct ErrorEnvelope {
    pub data: Null,
    pub meta: Meta,
    pub error: ErrorBody,
}

/// A key with its secret, answered once; a replay answers `already_provisioned` instead.
#[derive(serde::Serialize, ToSchema)]
pub struct IssuedKeyDoc {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// `ck_live_…` (or `ck_test_…`): shown only in this answer.
    pub secret: Option<String>,
    /// True in a replay of the same `Idempotency-Key`, which never repeats the secret.
    pub already_provisioned: Option<bool>,
}

/// An endpoint with its signing secret, answered once; a replay answers `already_provisioned`.
#[derive(serde::Serialize, ToSchema)]
pub struct IssuedWebhookSecretDoc {
    #[serde(flatten)]
    pub endpoint: domain::webhook::WebhookEndpointView,
    /// `whsec_…`: shown only in this answer.
    pub secret: Option<String>,
    /// True in a replay of the same `Idempotency-Key`, which never repeats the secret.
    pub already_provisioned: Option<bool>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lectern API",
        description = "The REST API of Lectern. Authenticate with `Authorization: Bearer ck_live_…` or `X-API-Key: ck_live_…` (optionally with `X-Tenant-Id: ten_…`, which must then be the key's tenant). Every JSON body is an envelope `{data, meta, error}`; errors carry a stable `code`. Mutating routes accept `Idempotency-Key`. Every answer carries `X-Request-Id` and `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`; a 429 carries `Retry-After`.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/", description = "This server")),
    paths(
        users::list, users::create, users::get, users::update, users::change_role,
        api_keys::list, api_keys::create, api_keys::get, api_keys::rotate, api_keys::revoke,
        api_keys::delete, api_keys::rotate_own, api_keys::revoke_own,
        audit::list, audit::export, whoami::whoami,
        courses::list, courses::create, courses::get, courses::update, courses::delete,
        courses::publish, courses::unpublish, courses::archive,
        outline::list_modules, outline::create_module, outline::reorder_modules, outline::get_module,
        outline::update_module, outline::delete_module, outline::list_lessons, outline::create_lesson,
        outline::reorder_lessons, outline::get_lesson, outline::update_lesson, outline::delete_lesson,
        enrollments::list, enrollments::create, enrollments::delete, enrollments::delete_user,
        enrollments::import, enrollments::list_staff, enrollments::add_staff, enrollments::remove_staff,
        settings::get, settings::update,
        quizzes::list, quizzes::create, quizzes::get, quizzes::update, quizzes::delete,
        quizzes::publish, quizzes::unpublish, quizzes::create_question, quizzes::reorder_questions,
        quizzes::update_question, quizzes::delete_question,
        attempts::list, attempts::start, attempts::preview, attempts::get, attempts::update,
        attempts::score, attempts::grade, attempts::override_score, attempts::submit,
        attempts::submission, attempts::control,
        proctoring::get_settings, proctoring::put_settings, proctoring::list_sessions,
        proctoring::get_session, proctoring::list_events, proctoring::list_incidents,
        proctoring::review_incident, proctoring::live_board,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::test, webhooks::list_deliveries, webhooks::redeliver,
        webhooks::register, webhooks::list_via_admin, webhooks::delete_via_admin,
    ),
    components(schemas(ErrorEnvelope, UserView, ApiKeyView, AuditEventView, domain::course::CourseView, domain::course::Block,
        domain::event::UserProvisioned, domain::event::CoursePublished, domain::event::EnrollmentCreated,
        domain::event::EnrollmentCompleted, domain::event::AttemptSubmitted, domain::event::AttemptGraded,
        domain::event::IncidentFlagged)),
    modifiers(&Security, &ErrorResponses, &IdempotencyKey, &Links, &AssessmentNames),
    tags(
        (name = "users", description = "The organisation's users and their roles."),
        (name = "api-keys", description = "Keys for programs: made, rotated and revoked by admins, or by a key itself."),
        (name = "audit", description = "The append-only audit log."),
        (name = "courses", description = "Courses: authoring, publishing, the catalog, and their staff."),
        (name = "modules", description = "A course's modules, in order."),
        (name = "lessons", description = "A module's lessons and their content blocks, in order."),
        (name = "enrollments", description = "Who is enrolled in a course, and their progress."),
        (name = "settings", description = "The organisation's own settings and limits."),
        (name = "attempts", description = "Learners' attempts, timed by the server: start, save answers under revisions, submit, scores."),
        (name = "quizzes", description = "Quizzes (assessments) of a course: settings, questions with their answer keys, publishing."),
        (name = "proctoring", description = "Proctored attempts: sessions by risk, their timelines of browser and server events, incidents and their review, and the organisation's rules and retention. Lectern records browser and server events only: no camera, microphone or screen."),
        (name = "webhooks", description = "Endpoints that receive the organisation's events, signed as Standard Webhooks say; their delivery logs. The events and their bodies are in `webhooks`."),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ck_live_ followed by 26 characters")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "X-API-Key",
                    "The same key as the bearer scheme takes (ck_live_…), for clients that send it in this header.",
                ),
            )),
        );
        // Either scheme authenticates: two requirements, one of which a request meets.
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("api_key", Vec::<String>::new()),
        ]);
        // A key names its tenant; the header is a guard a client may add.
        for (operation, _) in operations(openapi) {
            let parameter = ParameterBuilder::new()
                .name("X-Tenant-Id")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The key's tenant (ten_…). Optional; when sent, another tenant or a malformed id is 403 `auth.tenant_mismatch`.",
                ))
                .schema(Some(pattern_string(TENANT_ID_PATTERN, 30, 30)))
                .build();
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(parameter);
        }
    }
}

const TENANT_ID_PATTERN: &str = "^ten_[0-7][0-9abcdefghjkmnpqrstvwxyz]{25}$";
/// 1 to 255 printable ASCII characters, no space.
const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

fn pattern_string(pattern: &str, min: usize, max: usize) -> utoipa::openapi::schema::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .min_length(Some(min))
        .max_length(Some(max))
        .build()
}

/// The refusals every authenticated route can answer, with an example of each.
struct ErrorResponses;

const ERRORS: &[(&str, &str, ErrorCode)] = &[
    ("400", "The request could not be read: bad JSON, a bad id, a bad `Idempotency-Key`.", ErrorCode::MalformedRequest),
    ("401", "No key, or a key that is unknown (`auth.invalid_token`), revoked or expired (`auth.token_revoked`).", ErrorCode::InvalidToken),
    ("403", "The key's role may not do this (`auth.forbidden`), it belongs to another tenant (`auth.tenant_mismatch`), or the tenant is suspended.", ErrorCode::Forbidden),
    ("404", "No such resource in this tenant (ids of other tenants are not found either).", ErrorCode::NotFound),
    ("409", "A conflict: the last admin, a taken email or slug, a stale `version` (`resource.version_conflict`), a course with no lesson to publish, a request with this `Idempotency-Key` still running.", ErrorCode::IdempotencyInProgress),
    ("422", "The input is invalid (`details` names each field), or an `Idempotency-Key` was reused with another body.", ErrorCode::ValidationFailed),
    ("429", "The tenant's rate limit is used up; retry after `Retry-After` seconds.", ErrorCode::RateLimitExceeded),
    ("500", "An unexpected error; quote the request id.", ErrorCode::Internal),
    ("503", "A dependency, such as the database, is unavailable.", ErrorCode::Unavailable),
];

/// Every operation of the document, with whether it writes (all but GET).
fn operations(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = (&mut Operation, bool)> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        let read = item.get.as_mut().map(|o| (o, false));
        let writes = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .filter_map(|o| o.as_mut().map(|o| (o, true)));
        read.into_iter().chain(writes)
    })
}

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (operation, _) in operations(openapi) {
            add_errors(operation);
        }
    }
}

/// Every write takes an `Idempotency-Key` (the idempotency layer wraps them all), so the document
/// says so once here rather than on each handler.
pub struct IdempotencyKey;

impl Modify for IdempotencyKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (operation, _) in operations(openapi).filter(|(_, writes)| *writes) {
            let parameter = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the first answer is replayed for 24 hours. 1 to 255 printable ASCII characters, such as a UUID.",
                ))
                .schema(Some(pattern_string(IDEMPOTENCY_KEY_PATTERN, 1, 255)))
                .build();
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(parameter);
        }
    }
}

/// Links from each operation that makes something to the operations on what it made, so a client
/// (and schemathesis's stateful phase) can follow an id from a create into reads and writes.
pub struct Links;

/// The creating operation, the path of the operations on what it made (and of those under it), and
/// where each of their path parameters comes from.
const LINKS: &[(&str, &str, LinkParameters)] = &[
    ("createCourse", "/v1/courses/{id}", &[("id", CREATED_ID)]),
    ("createModule", "/v1/modules/{id}", &[("id", CREATED_ID)]),
    ("createLesson", "/v1/lessons/{id}", &[("id", CREATED_ID)]),
    ("createQuiz", "/v1/quizzes/{id}", &[("id", CREATED_ID)]),
    (
        "createQuestion",
        "/v1/questions/{id}",
        &[("id", CREATED_ID)],
    ),
    ("createUser", "/v1/users/{id}", &[("id", CREATED_ID)]),
    ("createApiKey", "/v1/api-keys/{id}", &[("id", CREATED_ID)]),
    ("createWebhook", "/v1/webhooks/{id}", &[("id", CREATED_ID)]),
    (
        "startAttempt",
        "/v1/quizzes/{id}/attempts/{attempt_id}",
        &[("id", "$request.path.id"), ("attempt_id", CREATED_ID)],
    ),
];
const CREATED_ID: &str = "$response.body#/data/id";
/// Each path parameter of a linked operation, with the runtime expression that gives it.
type LinkParameters = &'static [(&'static str, &'static str)];

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut targets = Vec::new();
        for (path, item) in &openapi.paths.paths {
            for operation in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                if let Some(id) = &operation.operation_id {
                    targets.push((path.clone(), id.clone()));
                }
            }
        }
        for (creator, prefix, parameters) in LINKS {
            let under = format!("{prefix}/");
            let links: Vec<(String, Link)> = targets
                .iter()
                .filter(|(path, _)| path == prefix || path.starts_with(&under))
                .map(|(_, id)| {
                    let link = parameters
                        .iter()
                        .fold(LinkBuilder::new().operation_id(id), |link, (name, from)| {
                            link.parameter(*name, *from)
                        });
                    (id.clone(), link.build())
                })
                .collect();
            let creating = operations(openapi)
                .map(|(operation, _)| operation)
                .find(|operation| operation.operation_id.as_deref() == Some(creator));
            let Some(operation) = creating else {
                continue;
            };
            let created = operation
                .responses
                .responses
                .iter_mut()
                .find(|(status, _)| status.starts_with('2'));
            if let Some((_, RefOr::T(response))) = created {
                response
                    .links
                    .extend(links.into_iter().map(|(name, link)| (name, RefOr::T(link))));
            }
        }
    }
}

/// The quiz routes under the Assessments API's names too, as the router serves them: the same
/// operations, each with an operation id of its own.
pub struct AssessmentNames;

impl Modify for AssessmentNames {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let [canonical, aliases @ ..] = super::ASSESSMENT_BASES;
        let quiz_paths: Vec<(String, utoipa::openapi::PathItem)> = openapi
            .paths
            .paths
            .iter()
            .filter(|(path, _)| path.starts_with(canonical))
            .map(|(path, item)| (path.clone(), item.clone()))
            .collect();
        for alias in aliases {
            let suffix = if alias.starts_with("/api/") {
                "ViaApiAssessments"
            } else {
                "ViaAssessments"
            };
            for (path, item) in &quiz_paths {
                let mut item = item.clone();
                for operation in [
                    &mut item.get,
                    &mut item.post,
                    &mut item.put,
                    &mut item.patch,
                    &mut item.delete,
                ]
                .into_iter()
                .flatten()
                {
                    operation.operation_id = operation.operation_id.take().map(|id| id + suffix);
                }
                let aliased = path.replacen(canonical, alias, 1);
                openapi.paths.paths.insert(aliased, item);
            }
        }
    }
}

fn add_errors(operation: &mut Operation) {
    let responses: &mut Responses = &mut operation.responses;
    for (status, description, code) in ERRORS {
        let example = json!({
            "data": null,
            "meta": { "request_id": "req_01kbt2n3r5x8yq0c4e6g8j9m2p", "timestamp": "2026-11-23T12:00:00Z" },
            "error": {
                "code": code.as_str(),
                "message": code.description(),
                "details": [],
                "request_id": "req_01kbt2n3r5x8yq0c4e6g8j9m2p",
                "timestamp": "2026-11-23T12:00:00Z"
            }
        });
        let content = utoipa::openapi::ContentBuilder::new()
            .schema(Some(utoipa::openapi::Ref::from_schema_name(
                "ErrorEnvelope",
            )))
            .example(Some(example))
            .build();
        let response = ResponseBuilder::new()
            .description(*description)
            .content("application/json", content)
            .build();
        responses
            .responses
            .entry((*status).to_string())
            .or_insert(RefOr::T(response));
    }
}

/// The document, as built.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as served. utoipa 5 writes a link's `operationId` as `operation_id` (its `Link`
/// lacks the camelCase rename), which no client understands; the JSON is put right here.
pub fn document_json() -> String {
    let Ok(mut value) = serde_json::to_value(document()) else {
        return "{}".to_string();
    };
    rename_link_fields(&mut value);
    super::openapi_rules::apply(&mut value);
    super::openapi_webhooks::apply(&mut value);
    value.to_string()
}

fn rename_link_fields(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(links)) = map.get_mut("links") {
                for link in links.values_mut() {
                    if let serde_json::Value::Object(link) = link {
                        for (from, to) in [
                            ("operation_id", "operationId"),
                            ("operation_ref", "operationRef"),
                        ] {
                            if let Some(field) = link.remove(from) {
                                link.insert(to.to_string(), field);
                            }
                        }
                    }
                }
            }
            map.values_mut().for_each(rename_link_fields);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(rename_link_fields),
        _ => {}
    }
}
