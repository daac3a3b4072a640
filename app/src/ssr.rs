//! Server-side glue for the server functions: the services, the caller, and error mapping.

use domain::dto::SessionUser;
use domain::{ErrorCode, TenantId};
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use serde::{Deserialize, Serialize};
use service::auth::{ClientIp, RequestId, RequestMeta};
use service::{Caller, ServiceError, Store};
use tower_sessions::Session;

use crate::error::AppError;

/// What the server gives the pages: the services and two settings.
#[derive(Clone)]
pub struct ServerContext {
    pub store: Store,
    pub public_url: String,
    pub dev_mailbox: bool,
}

/// What the browser session holds: a pointer to the server-side `auth_session` row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthCookie {
    pub tenant_id: TenantId,
    pub session_id: uuid::Uuid,
}

pub const AUTH_KEY: &str = "auth";

pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "The server context is missing."))
}

/// The request's id (set by the server's middleware), IP address and user agent.
pub fn request_meta() -> RequestMeta {
    use_context::<Parts>().map_or_else(RequestMeta::default, |parts| meta_of(&parts))
}

/// A request's id, IP address and user agent, read from its parts: for server functions, and for
/// the server's own routes that take the session cookie.
pub fn meta_of(parts: &Parts) -> RequestMeta {
    RequestMeta {
        request_id: parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
        ip: parts.extensions.get::<ClientIp>().map(|c| c.0),
        user_agent: parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|_| AppError::new(ErrorCode::Internal, "The session is unavailable."))
}

/// The request's signed-in user, resolved once: a page asks for it in the shell (who is signed in)
/// and again in each server function it renders with (the caller), and each asking was a query.
#[derive(Clone, Default)]
pub struct SessionMemo(std::sync::Arc<tokio::sync::OnceCell<Option<(SessionUser, AuthCookie)>>>);

/// The signed-in user, or None.
pub async fn session_user() -> Result<Option<(SessionUser, AuthCookie)>, AppError> {
    match use_context::<SessionMemo>() {
        Some(memo) => memo.0.get_or_try_init(resolve_session_user).await.cloned(),
        None => resolve_session_user().await,
    }
}

async fn resolve_session_user() -> Result<Option<(SessionUser, AuthCookie)>, AppError> {
    let session = session().await?;
    session_user_of(&session, &server_context()?.store).await
}

/// The user a browser session is signed in as: for server functions, and for the server's own
/// routes that take the session cookie (the live view's event stream).
pub async fn session_user_of(
    session: &Session,
    store: &Store,
) -> Result<Option<(SessionUser, AuthCookie)>, AppError> {
    let auth = match session.get::<AuthCookie>(AUTH_KEY).await {
        Ok(auth) => auth,
        // A session store that cannot be read (the database is saturated or down) is not a signed-
        // out user: answering `auth.unauthenticated` would send a learner mid-quiz to the sign-in
        // page. The quiz rush benchmark showed it under overload.
        Err(tower_sessions::session::Error::Store(_)) => {
            return Err(AppError::new(
                ErrorCode::Unavailable,
                "Lectern is busy or unreachable; try again in a moment.",
            )
            .in_request())
        }
        Err(tower_sessions::session::Error::SerdeJson(_)) => None,
    };
    let Some(auth) = auth else {
        return Ok(None);
    };
    match service::auth::resolve_session(store, auth.tenant_id, auth.session_id)
        .await
        .map_err(service_error)?
    {
        Some(user) => Ok(Some((user, auth))),
        None => {
            // A revoked or expired session leaves nothing behind in the browser.
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

/// The caller for a service call; refuses with `auth.unauthenticated` when nobody is signed in.
pub async fn caller() -> Result<(Caller, ServerContext), AppError> {
    let ctx = server_context()?;
    let (user, _) = session_user()
        .await?
        .ok_or_else(|| service_error(ServiceError::Unauthenticated))?;
    Ok((service::auth::caller_for(&user, &request_meta()), ctx))
}

/// Maps a service error to the server function's error, and sets the HTTP status to match.
pub fn service_error(error: ServiceError) -> AppError {
    let meta = request_meta();
    error.log_if_internal(&meta.request_id, "server function");
    let code = error.code();
    if let Some(response) = use_context::<ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(code.http_status()) {
            response.set_status(status);
        }
        if let Some(retry_after_seconds) = error.retry_after_seconds() {
            if let Ok(value) = http::HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.insert_header(http::header::RETRY_AFTER, value);
            }
        }
    }
    AppError {
        code,
        message: error.public_message(),
        details: error.details(),
        request_id: Some(meta.request_id),
    }
}
