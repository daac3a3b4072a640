//! What `/v1` handlers take from a request: the authenticated caller, a JSON body, query filters and
//! path ids, each refused in the envelope with a stable code when it cannot be read.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use domain::id::PublicId;
use domain::ErrorCode;
use serde::de::DeserializeOwned;
use service::Caller;

use super::envelope::{ApiError, Meta};

/// The caller the bearer key authenticated as (set by the `auth` middleware).
#[derive(Debug, Clone)]
pub struct ApiCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<ApiCaller>().cloned().ok_or_else(|| {
            ApiError::new(
                &Meta::from_extensions(&parts.extensions),
                ErrorCode::Unauthenticated,
                "Send Authorization: Bearer ck_live_… and X-Tenant-Id.",
            )
        })
    }
}

/// The caller with the learner an admin or teacher key acts for (`X-On-Behalf-Of: usr_…`), for the
/// routes that start, save, submit or read one learner's attempt. A header that is no user id is
/// `400 request.malformed`; whether the key may act for that learner is the service's to decide.
pub struct ActingCaller(pub Caller);

pub const ON_BEHALF_OF: &str = "x-on-behalf-of";

impl<S: Send + Sync> FromRequestParts<S> for ActingCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiCaller(mut caller) = ApiCaller::from_request_parts(parts, state).await?;
        if let Some(value) = parts.headers.get(ON_BEHALF_OF) {
            let meta = Meta::from_extensions(&parts.extensions);
            let raw = value.to_str().unwrap_or_default().trim();
            // An empty header is how some clients leave an optional one out.
            if !raw.is_empty() {
                caller.on_behalf_of = Some(parse_id(&meta, raw)?);
            }
        }
        Ok(ActingCaller(caller))
    }
}

/// A JSON body; unreadable JSON is `400 request.malformed` in the envelope.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let meta = Meta::from_extensions(request.extensions());
        if !is_json(request.headers()) {
            return Err(malformed(
                &meta,
                "Send the body as JSON with Content-Type: application/json.",
            ));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| malformed(&meta, &rejection.body_text()))?;
        read_json(&body).map(ApiJson).map_err(|problem| {
            malformed(
                &meta,
                &format!("The JSON body could not be read: {problem}"),
            )
        })
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads `body` as a `T`, naming the field at fault when it cannot. JSON does not tell `72` from
/// `72.0`, and neither does the document's `integer` (JSON Schema counts any number without a
/// fraction as one), so a body refused only for such a number is read again with it as an integer.
/// The second reading costs nothing to the clients that send plain integers.
pub fn read_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    // serde reads a struct from an array of its fields in order too; every body here is an object.
    if body.trim_ascii_start().first() == Some(&b'[') {
        return Err("the body must be a JSON object, not an array".into());
    }
    let first = match read_exactly(body) {
        Ok(value) => return Ok(value),
        Err(problem) => problem,
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Err(first);
    };
    if !integral_numbers_as_integers(&mut value) {
        return Err(first);
    }
    serde_json::from_value(value).map_err(|_| first)
}

fn read_exactly<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| e.to_string())?;
    deserializer.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// Rewrites `3.0` as `3` throughout; true when it changed anything.
fn integral_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(number) => {
            let Some(float) = number.as_f64().filter(|_| number.is_f64()) else {
                return false;
            };
            // Within ±2^53 every integral f64 is exactly an integer of that value.
            if float.fract() != 0.0 || float.abs() > 9_007_199_254_740_992.0 {
                return false;
            }
            *number = serde_json::Number::from(float as i64);
            true
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |changed, item| {
            integral_numbers_as_integers(item) | changed
        }),
        serde_json::Value::Object(fields) => fields.values_mut().fold(false, |changed, item| {
            integral_numbers_as_integers(item) | changed
        }),
        _ => false,
    }
}

/// Query-string filters; unreadable ones are `400 request.malformed`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let meta = Meta::from_extensions(&parts.extensions);
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|rejection: QueryRejection| {
                malformed(
                    &meta,
                    &format!(
                        "The query string could not be read: {}",
                        rejection.body_text()
                    ),
                )
            })
    }
}

/// A typed public id from the path (`/v1/courses/{id}`); another shape is `400 request.malformed`.
pub struct PathId<T>(pub T);

impl<S: Send + Sync, T: PublicId + Send> FromRequestParts<S> for PathId<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let meta = Meta::from_extensions(&parts.extensions);
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| malformed(&meta, &rejection.body_text()))?;
        parse_id(&meta, &raw).map(PathId)
    }
}

/// Two typed public ids from the path (`/v1/courses/{id}/enrollments/{user_id}`).
pub struct PathIds<A, B>(pub A, pub B);

impl<S: Send + Sync, A: PublicId + Send, B: PublicId + Send> FromRequestParts<S> for PathIds<A, B> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let meta = Meta::from_extensions(&parts.extensions);
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| malformed(&meta, &rejection.body_text()))?;
        Ok(PathIds(parse_id(&meta, &a)?, parse_id(&meta, &b)?))
    }
}

/// Parses a public id (`usr_…`); another shape is `400 request.malformed`.
pub fn parse_id<T: FromStr>(meta: &Meta, raw: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    raw.parse::<T>()
        .map_err(|e| malformed(meta, &format!("{raw:?} is {e}.")))
}

pub fn malformed(meta: &Meta, message: &str) -> ApiError {
    ApiError::new(meta, ErrorCode::MalformedRequest, message)
}

/// A body that may be left out: empty means the defaults.
pub fn optional_json<T: DeserializeOwned + Default>(
    meta: &Meta,
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    // The document calls these bodies optional, and JSON's `null` is how some clients send none.
    read_json::<Option<T>>(body)
        .map(Option::unwrap_or_default)
        .map_err(|e| malformed(meta, &format!("The JSON body could not be read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::read_json;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Body {
        a: i32,
        b: Option<i32>,
    }

    #[test]
    fn integral_numbers_are_integers_and_nothing_else_changes() {
        assert_eq!(
            read_json::<Body>(br#"{"a": 3.0}"#),
            Ok(Body { a: 3, b: None })
        );
        assert!(read_json::<Body>(br#"{"a": 3.5}"#).is_err_and(|e| e.contains('a')));
        assert!(read_json::<Body>(br#"{"a": 1} x"#).is_err());
        // An array reads as a struct in serde, plainly or through the second reading.
        assert!(read_json::<Body>(b"[1, 2]").is_err());
        assert!(read_json::<Body>(b" [1.0, 2.0]").is_err());
    }
}
