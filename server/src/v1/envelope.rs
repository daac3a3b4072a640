//! The envelope: `{"data", "meta", "error"}` on every JSON body, success or failure.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{ErrorCode, FieldError};
use serde::Serialize;
use serde_json::json;
use service::ServiceError;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::request_id::{new_request_id, RequestId};

/// The request's id and the time of the response, for `meta`.
#[derive(Debug, Clone)]
pub struct Meta {
    pub request_id: String,
}

impl Meta {
    pub fn from_extensions(extensions: &axum::http::Extensions) -> Meta {
        let request_id = extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(new_request_id);
        Meta { request_id }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Meta::from_extensions(&parts.extensions))
    }
}

fn timestamp() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A successful response: `{"data": …, "meta": {…}, "error": null}`.
pub struct ApiOk<T> {
    status: StatusCode,
    request_id: String,
    data: T,
    extra_meta: serde_json::Map<String, serde_json::Value>,
}

impl<T: Serialize> ApiOk<T> {
    pub fn new(meta: &Meta, data: T) -> Self {
        Self::with_status(meta, StatusCode::OK, data)
    }

    pub fn created(meta: &Meta, data: T) -> Self {
        Self::with_status(meta, StatusCode::CREATED, data)
    }

    pub fn with_status(meta: &Meta, status: StatusCode, data: T) -> Self {
        ApiOk {
            status,
            request_id: meta.request_id.clone(),
            data,
            extra_meta: serde_json::Map::new(),
        }
    }

    /// Adds a member to `meta` (pagination totals, a cursor).
    pub fn with_meta(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        self.extra_meta.insert(name.to_string(), value);
        self
    }

    pub fn envelope(&self) -> serde_json::Value {
        let mut meta = serde_json::Map::new();
        meta.insert("request_id".into(), json!(self.request_id));
        meta.insert("timestamp".into(), json!(timestamp()));
        meta.extend(self.extra_meta.clone());
        json!({ "data": self.data, "meta": meta, "error": null })
    }
}

impl<T: Serialize> ApiOk<Vec<T>> {
    /// A page of a list: the items as `data`, the totals in `meta`.
    pub fn page(meta: &Meta, page: domain::dto::Page<T>) -> Self {
        let total_pages = page.total_pages();
        ApiOk::new(meta, page.items)
            .with_meta("page", page.page)
            .with_meta("per_page", page.per_page)
            .with_meta("total", page.total)
            .with_meta("total_pages", total_pages)
            .with_meta("total_is_estimate", page.total_is_estimate)
    }

    /// A page read by cursor: the items as `data`, `next_cursor` in `meta` (null at the end).
    pub fn cursor_page(meta: &Meta, page: domain::dto::CursorPage<T>) -> Self {
        ApiOk::new(meta, page.items).with_meta("next_cursor", page.next_cursor)
    }
}

impl<T: Serialize> IntoResponse for ApiOk<T> {
    fn into_response(self) -> Response {
        (self.status, Json(self.envelope())).into_response()
    }
}

/// A failed response: `{"data": null, "meta": {…}, "error": {"code", "message", "details", "request_id", "timestamp"}}`.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    details: Vec<FieldError>,
    request_id: String,
    retry_after_seconds: Option<i64>,
}

impl ApiError {
    pub fn new(meta: &Meta, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: Vec::new(),
            request_id: meta.request_id.clone(),
            retry_after_seconds: None,
        }
    }

    pub fn from_request(request: &Request, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::new(&Meta::from_extensions(request.extensions()), code, message)
    }

    /// Maps a service error; internal causes are logged with the request id, never returned.
    pub fn from_service(meta: &Meta, error: ServiceError) -> Self {
        error.log_if_internal(&meta.request_id, "v1");
        let retry_after_seconds = error.retry_after_seconds();
        ApiError {
            code: error.code(),
            message: error.public_message(),
            details: error.details(),
            request_id: meta.request_id.clone(),
            retry_after_seconds,
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

/// Lets handlers use `?` on service calls: the error carries the id of the request being served.
impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let meta = Meta {
            request_id: crate::request_id::current_request_id(),
        };
        ApiError::from_service(&meta, error)
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ServiceError::from(error).into()
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ServiceError::from(errors).into()
    }
}

/// What every `/v1` handler answers.
pub type ApiResult<T> = Result<ApiOk<T>, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let now = timestamp();
        let body = json!({
            "data": null,
            "meta": { "request_id": self.request_id, "timestamp": now },
            "error": {
                "code": self.code.as_str(),
                "message": self.message,
                "details": self.details,
                "request_id": self.request_id,
                "timestamp": now,
            },
        });
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
        }
        response
    }
}

pub async fn route_not_found(meta: Meta) -> ApiError {
    ApiError::new(
        &meta,
        ErrorCode::RouteNotFound,
        "There is no such endpoint; see /v1 for what exists.",
    )
}

pub async fn method_not_allowed(meta: Meta) -> ApiError {
    ApiError::new(
        &meta,
        ErrorCode::MethodNotAllowed,
        "This endpoint does not accept this method.",
    )
}
