//! SCIM 2.0 `/scim/v2/Users` (RFC 7643/7644) for identity providers that provision users: create,
//! read, list with `filter=userName eq "…"`, replace, and patch `active` / names. A bearer key of the
//! tenant with the admin role authenticates; `X-Tenant-Id` is optional, since identity providers
//! rarely send custom headers, and must match when sent. Users are the same users `/v1` and the admin
//! pages manage, through the same service functions.

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::dto::{UserQuery, UserView};
use domain::{DisplayName, Email, Role, TenantId, UserId, UserStatus};
use serde::Deserialize;
use serde_json::{json, Value};
use service::auth::ClientIp;
use service::users::{self, NewUser, NewUserForm, UserPatch};
use service::{Caller, ServiceError};

use crate::state::AppState;
use crate::v1::auth::{bearer_token, check_key, rate_limit_headers, TENANT_HEADER};
use crate::v1::envelope::Meta;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const MAX_COUNT: u32 = 100;

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/scim/v2/Users", get(list).post(create))
        .route("/scim/v2/Users/{id}", get(read).put(replace).patch(patch))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
}

/// A SCIM error: `{"schemas": [Error], "status": "404", "scimType": …, "detail": …}`.
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
    retry_after_seconds: Option<i64>,
}

impl ScimError {
    fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
            retry_after_seconds: None,
        }
    }

    fn from_service(meta: &Meta, error: ServiceError) -> Self {
        error.log_if_internal(&meta.request_id, "scim");
        let status = StatusCode::from_u16(error.code().http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let scim_type = match error.code() {
            domain::ErrorCode::EmailTaken => Some("uniqueness"),
            domain::ErrorCode::ValidationFailed => Some("invalidValue"),
            _ => None,
        };
        let mut detail = error.public_message();
        for field in error.details() {
            detail.push_str(&format!("; {}: {}", field.field, field.message));
        }
        ScimError {
            retry_after_seconds: error.retry_after_seconds(),
            ..ScimError::new(status, scim_type, detail)
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_str(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type);
        }
        let mut response = scim_json(self.status, &body);
        if let Some(seconds) = self.retry_after_seconds {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
        }
        response
    }
}

fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    response
}

#[derive(Clone)]
struct ScimCaller(Caller);

async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let meta = Meta::from_extensions(request.extensions());
    let Some(token) = bearer_token(request.headers()) else {
        return ScimError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "Send an admin API key as Authorization: Bearer ck_live_….",
        )
        .into_response();
    };
    let tenant = match request.headers().get(TENANT_HEADER) {
        None => None,
        Some(value) => match value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<TenantId>().ok())
        {
            Some(tenant) => Some(tenant),
            None => {
                return ScimError::new(
                    StatusCode::BAD_REQUEST,
                    None,
                    "X-Tenant-Id is not a tenant id.",
                )
                .into_response()
            }
        },
    };
    let ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let (caller, decision) = match check_key(&state, &token, tenant, &meta, ip).await {
        Ok(checked) => checked,
        Err((error, decision)) => {
            let mut response = ScimError::from_service(&meta, error).into_response();
            if let Some(decision) = decision {
                rate_limit_headers(response.headers_mut(), &decision);
            }
            return response;
        }
    };
    let mut response = match caller.require_admin() {
        Ok(()) => {
            request.extensions_mut().insert(ScimCaller(caller));
            next.run(request).await
        }
        Err(error) => ScimError::from_service(&meta, error).into_response(),
    };
    rate_limit_headers(response.headers_mut(), &decision);
    response
}

fn resource(user: &UserView) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "id": user.id,
        "userName": user.email,
        "name": { "formatted": user.name },
        "displayName": user.name,
        "emails": [{ "value": user.email, "primary": true }],
        "active": user.status == UserStatus::Active,
        "roles": [{ "value": user.role.as_str() }],
        "meta": {
            "resourceType": "User",
            "created": user.created_at,
            "location": format!("/scim/v2/Users/{}", user.id),
        },
    })
}

#[derive(Debug, Deserialize)]
struct ListParams {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<u32>,
    count: Option<u32>,
}

/// `userName eq "ada@example.org"`, the filter identity providers send before creating a user.
fn parse_filter(filter: &str) -> Result<Email, ScimError> {
    let invalid = || {
        ScimError::new(
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
            "Only `userName eq \"…\"` filters are supported.",
        )
    };
    let mut parts = filter.trim().splitn(3, char::is_whitespace);
    let (Some(attribute), Some(operator), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if !attribute.eq_ignore_ascii_case("userName") || !operator.eq_ignore_ascii_case("eq") {
        return Err(invalid());
    }
    let value = value
        .trim()
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(invalid)?;
    Email::parse("userName", value).map_err(|_| invalid())
}

async fn list(
    State(state): State<AppState>,
    meta: Meta,
    axum::Extension(ScimCaller(caller)): axum::Extension<ScimCaller>,
    Query(params): Query<ListParams>,
) -> Result<Response, ScimError> {
    let fail = |e| ScimError::from_service(&meta, e);
    let (users, total, start) = if let Some(filter) = params.filter.as_deref() {
        let email = parse_filter(filter)?;
        let found = users::find_by_email(&caller, &state.store, &email)
            .await
            .map_err(fail)?;
        let total = u64::from(found.is_some());
        (found.into_iter().collect::<Vec<_>>(), total, 1)
    } else {
        // SCIM pages by a 1-based start index; it is mapped onto whole pages of `count`.
        let count = params.count.unwrap_or(MAX_COUNT).clamp(1, MAX_COUNT);
        let start = params.start_index.unwrap_or(1).max(1);
        let page = (start - 1) / count + 1;
        let query = UserQuery {
            page: Some(page),
            per_page: Some(count),
            ..UserQuery::default()
        };
        let found = users::list(&caller, &state.store, query)
            .await
            .map_err(fail)?;
        (found.items, found.total, (page - 1) * count + 1)
    };
    let body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": users.len(),
        "Resources": users.iter().map(resource).collect::<Vec<_>>(),
    });
    Ok(scim_json(StatusCode::OK, &body))
}

fn parse_id(raw: &str) -> Result<UserId, ScimError> {
    raw.parse()
        .map_err(|_| ScimError::new(StatusCode::NOT_FOUND, None, "No such user."))
}

async fn read(
    State(state): State<AppState>,
    meta: Meta,
    axum::Extension(ScimCaller(caller)): axum::Extension<ScimCaller>,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let user = users::get(&caller, &state.store, parse_id(&id)?)
        .await
        .map_err(|e| ScimError::from_service(&meta, e))?;
    Ok(scim_json(StatusCode::OK, &resource(&user)))
}

fn body_json(body: &[u8]) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        ScimError::new(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            format!("The body is not JSON: {e}"),
        )
    })
}

/// The display name a SCIM user carries: `displayName`, `name.formatted`, or given and family names.
fn display_name(user: &Value) -> Option<String> {
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    text(&user["displayName"])
        .or_else(|| text(&user["name"]["formatted"]))
        .or_else(|| {
            let parts: Vec<String> = [&user["name"]["givenName"], &user["name"]["familyName"]]
                .into_iter()
                .filter_map(text)
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
}

/// `active` as identity providers send it: a boolean, or (Entra ID) the text "True"/"False".
fn active_value(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn status_of(active: bool) -> UserStatus {
    if active {
        UserStatus::Active
    } else {
        UserStatus::Deactivated
    }
}

async fn create(
    State(state): State<AppState>,
    meta: Meta,
    axum::Extension(ScimCaller(caller)): axum::Extension<ScimCaller>,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    let fail = |e| ScimError::from_service(&meta, e);
    let user = body_json(&body)?;
    let email = user["userName"].as_str().unwrap_or_default();
    let name = display_name(&user)
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    let role = user["roles"][0]["value"]
        .as_str()
        .unwrap_or(Role::Student.as_str());
    let form = NewUserForm {
        email: email.to_string(),
        name,
        role: role.to_string(),
        password: None,
    };
    let mut input = NewUser::parse(form).map_err(|e| fail(e.into()))?;
    if let Some(active) = user.get("active").and_then(active_value) {
        input.status = status_of(active);
    }
    let created = users::create(&caller, &state.store, input, &state.config.public_url)
        .await
        .map_err(fail)?;
    Ok(scim_json(StatusCode::CREATED, &resource(&created)))
}

async fn replace(
    State(state): State<AppState>,
    meta: Meta,
    axum::Extension(ScimCaller(caller)): axum::Extension<ScimCaller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    let fail = |e| ScimError::from_service(&meta, e);
    let id = parse_id(&id)?;
    let user = body_json(&body)?;
    let current = users::get(&caller, &state.store, id).await.map_err(fail)?;
    if let Some(user_name) = user["userName"].as_str() {
        if !user_name.trim().eq_ignore_ascii_case(&current.email) {
            return Err(ScimError::new(
                StatusCode::BAD_REQUEST,
                Some("mutability"),
                "userName (the email) cannot be changed here.",
            ));
        }
    }
    let name = display_name(&user)
        .map(|n| DisplayName::parse("displayName", &n))
        .transpose()
        .map_err(|e| fail(e.into()))?;
    let status = user.get("active").and_then(active_value).map(status_of);
    let updated = users::update(&caller, &state.store, id, UserPatch { name, status })
        .await
        .map_err(fail)?;
    Ok(scim_json(StatusCode::OK, &resource(&updated)))
}

async fn patch(
    State(state): State<AppState>,
    meta: Meta,
    axum::Extension(ScimCaller(caller)): axum::Extension<ScimCaller>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    let fail = |e| ScimError::from_service(&meta, e);
    let id = parse_id(&id)?;
    let request = body_json(&body)?;
    if !request["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|v| v == PATCH_SCHEMA))
    {
        return Err(ScimError::new(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "Send a PatchOp message.",
        ));
    }
    let mut patch = UserPatch::default();
    let operations = request["Operations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for operation in &operations {
        let op = operation["op"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if op != "replace" && op != "add" {
            return Err(ScimError::new(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                format!("The operation {op:?} is not supported on users."),
            ));
        }
        // Either `{"path": "active", "value": false}` or `{"value": {"active": false}}`.
        let changes = match operation["path"].as_str() {
            Some(path) => {
                let mut single = serde_json::Map::new();
                single.insert(path.to_string(), operation["value"].clone());
                Value::Object(single)
            }
            None => operation["value"].clone(),
        };
        let Some(changes) = changes.as_object() else {
            return Err(ScimError::new(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                "An operation needs a value.",
            ));
        };
        for (attribute, value) in changes {
            match attribute.as_str() {
                "active" => {
                    let active = active_value(value).ok_or_else(|| {
                        ScimError::new(
                            StatusCode::BAD_REQUEST,
                            Some("invalidValue"),
                            "active must be true or false.",
                        )
                    })?;
                    patch.status = Some(status_of(active));
                }
                "displayName" | "name.formatted" => {
                    let name = value.as_str().unwrap_or_default();
                    patch.name =
                        Some(DisplayName::parse("displayName", name).map_err(|e| fail(e.into()))?);
                }
                other => {
                    return Err(ScimError::new(
                        StatusCode::BAD_REQUEST,
                        Some("invalidPath"),
                        format!("{other} cannot be changed here."),
                    ));
                }
            }
        }
    }
    let updated = users::update(&caller, &state.store, id, patch)
        .await
        .map_err(fail)?;
    Ok(scim_json(StatusCode::OK, &resource(&updated)))
}
