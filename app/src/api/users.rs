//! The tenant's users: list, read, invite, change role, deactivate.

use domain::dto::{Page, UserView};
use domain::{Role, UserId, UserStatus};
use leptos::prelude::*;

use crate::error::AppError;

/// Filters are separate optional arguments, so an unfiltered call is an empty form.
#[server(endpoint = "users/list")]
pub async fn list_users(
    q: Option<String>,
    role: Option<Role>,
    status: Option<UserStatus>,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<UserView>, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    let query = domain::dto::UserQuery {
        q,
        role,
        status,
        page,
        per_page,
    };
    service::users::list(&caller, &ctx.store, query)
        .await
        .map_err(crate::ssr::service_error)
}

#[server(endpoint = "users/get")]
pub async fn get_user(id: UserId) -> Result<UserView, AppError> {
    let (caller, ctx) = crate::ssr::caller().await?;
    service::users::get(&caller, &ctx.store, id)
        .await
        .map_err(crate::ssr::service_error)
}

/// Creates a user; without a password the user gets an invitation mail to choose one.
#[server(endpoint = "users/create")]
pub async fn create_user(
    email: String,
    name: String,
    role: String,
    password: Option<String>,
) -> Result<UserView, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let form = service::users::NewUserForm {
        email,
        name,
        role,
        password,
    };
    let input = service::users::NewUser::parse(form).map_err(|e| service_error(e.into()))?;
    service::users::create(&caller, &ctx.store, input, &ctx.public_url)
        .await
        .map_err(service_error)
}

#[server(endpoint = "users/change-role")]
pub async fn change_role(id: UserId, role: String) -> Result<UserView, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let role = domain::Role::parse("role", &role).map_err(|e| service_error(e.into()))?;
    service::users::change_role(&caller, &ctx.store, id, role)
        .await
        .map_err(service_error)
}

#[server(endpoint = "users/set-status")]
pub async fn set_user_status(id: UserId, status: String) -> Result<UserView, AppError> {
    use crate::ssr::service_error;

    let (caller, ctx) = crate::ssr::caller().await?;
    let status =
        domain::UserStatus::parse("status", &status).map_err(|e| service_error(e.into()))?;
    service::users::set_status(&caller, &ctx.store, id, status)
        .await
        .map_err(service_error)
}
