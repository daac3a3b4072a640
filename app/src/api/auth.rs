//! Sign-in, sign-out, the current user, and password reset.

use domain::dto::SessionUser;
use leptos::prelude::*;

use crate::error::AppError;

/// The signed-in user, or None.
#[server(endpoint = "auth/me")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::ssr::session_user().await?.map(|(user, _)| user))
}

#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    organisation: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{request_meta, server_context, service_error, session, AuthCookie, AUTH_KEY};
    use service::auth::SignInForm;

    let ctx = server_context()?;
    let form = SignInForm {
        organisation,
        email,
        password: domain::Password::offered(&password),
    };
    let signed_in = service::auth::sign_in(&ctx.store, &request_meta(), form)
        .await
        .map_err(service_error)?;
    let session = session().await?;
    // A new id at sign-in, so an id planted before sign-in (session fixation) is worthless.
    session.cycle_id().await.map_err(|_| {
        AppError::new(
            domain::ErrorCode::Internal,
            "The session could not be renewed.",
        )
    })?;
    let cookie = AuthCookie {
        tenant_id: signed_in.user.tenant_id,
        session_id: signed_in.session_id,
    };
    session.insert(AUTH_KEY, cookie).await.map_err(|_| {
        AppError::new(
            domain::ErrorCode::Internal,
            "The session could not be saved.",
        )
    })?;
    leptos_axum::redirect(&crate::safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::{request_meta, server_context, service_error, session, session_user};

    let ctx = server_context()?;
    if let Some((user, auth)) = session_user().await? {
        let caller = service::auth::caller_for(&user, &request_meta());
        service::auth::sign_out(&ctx.store, &caller, auth.session_id)
            .await
            .map_err(service_error)?;
    }
    let _ = session().await?.flush().await;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Always answers the same, whether or not the account exists: the request is only queued.
#[server(endpoint = "auth/forgot-password")]
pub async fn request_password_reset(organisation: String, email: String) -> Result<(), AppError> {
    use crate::ssr::{request_meta, server_context, service_error};

    let ctx = server_context()?;
    service::reset::request_reset(&ctx.store, &request_meta(), &organisation, &email)
        .await
        .map_err(service_error)
}

#[server(endpoint = "auth/reset-password")]
pub async fn reset_password(
    organisation: String,
    token: String,
    password: String,
) -> Result<(), AppError> {
    use crate::ssr::{request_meta, server_context, service_error};

    let ctx = server_context()?;
    service::reset::reset_password(
        &ctx.store,
        &request_meta(),
        &organisation,
        &token,
        &password,
    )
    .await
    .map_err(service_error)
}
