//! `/v1/users`: the tenant's users, as the admin pages manage them.

use axum::extract::State;
use domain::dto::{UserQuery, UserView};
use domain::{DisplayName, Role, UserId, UserStatus};
use serde::Deserialize;
use service::users::{self, NewUser, NewUserForm, UserPatch};
use service::ServiceError;
use utoipa::{IntoParams, ToSchema};

use super::envelope::{ApiError, ApiOk, ApiResult, Meta};
use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::openapi::{Envelope, PageEnvelope};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Part of a name or email.
    pub q: Option<String>,
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    #[param(value_type = Option<UserStatus>)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/v1/users", operation_id = "listUsers", tag = "users", params(ListParams),
    responses((status = 200, description = "A page of users; totals in `meta`.", body = PageEnvelope<UserView>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Vec<UserView>> {
    let query = UserQuery {
        q: params.q,
        role: params.role.map(|r| Role::parse("role", &r)).transpose()?,
        status: params
            .status
            .map(|s| UserStatus::parse("status", &s))
            .transpose()?,
        page: params.page,
        per_page: params.per_page,
    };
    let page = users::list(&caller, &state.store, query).await?;
    Ok(ApiOk::page(&meta, page))
}

/// Provisions a user; without a password, an invitation mail lets them choose one. Writes a
/// `user.provisioned` event.
#[utoipa::path(post, path = "/v1/users", operation_id = "createUser", tag = "users", request_body = NewUserForm,
    responses((status = 201, description = "The new user.", body = Envelope<UserView>)))]
pub async fn create(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(form): ApiJson<NewUserForm>,
) -> ApiResult<UserView> {
    let input = NewUser::parse(form)?;
    let user = users::create(&caller, &state.store, input, &state.config.public_url).await?;
    Ok(ApiOk::created(&meta, user))
}

#[utoipa::path(get, path = "/v1/users/{id}", operation_id = "getUser", tag = "users", params(("id" = UserId, Path)),
    responses((status = 200, description = "The user.", body = Envelope<UserView>)))]
pub async fn get(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<UserId>,
) -> ApiResult<UserView> {
    let user = users::get(&caller, &state.store, id).await?;
    Ok(ApiOk::new(&meta, user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[schema(min_length = 1, max_length = 100, example = "Ada King")]
    pub name: Option<String>,
    #[schema(value_type = Option<UserStatus>)]
    pub status: Option<String>,
}

/// Renames and/or deactivates or reactivates a user, in one change.
#[utoipa::path(patch, path = "/v1/users/{id}", operation_id = "updateUser", tag = "users", params(("id" = UserId, Path)), request_body = PatchBody,
    responses((status = 200, description = "The user after the change.", body = Envelope<UserView>)))]
pub async fn update(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<UserId>,
    ApiJson(body): ApiJson<PatchBody>,
) -> ApiResult<UserView> {
    let name = body.name.as_deref().map(|n| DisplayName::parse("name", n));
    let status = body
        .status
        .as_deref()
        .map(|s| UserStatus::parse("status", s));
    let errors: Vec<_> = [
        name.clone().and_then(Result::err),
        status.clone().and_then(Result::err),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !errors.is_empty() {
        return Err(ApiError::from(ServiceError::Validation(errors)));
    }
    let patch = UserPatch {
        name: name.and_then(Result::ok),
        status: status.and_then(Result::ok),
    };
    let user = users::update(&caller, &state.store, id, patch).await?;
    Ok(ApiOk::new(&meta, user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    #[schema(value_type = Role)]
    pub role: String,
}

/// Changes a user's role; the organisation always keeps one active admin (`user.last_admin`).
#[utoipa::path(patch, path = "/v1/users/{id}/role", operation_id = "changeUserRole", tag = "users", params(("id" = UserId, Path)), request_body = RoleBody,
    responses((status = 200, description = "The user after the change.", body = Envelope<UserView>)))]
pub async fn change_role(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<UserId>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<UserView> {
    let role = Role::parse("role", &body.role)?;
    let user = users::change_role(&caller, &state.store, id, role).await?;
    Ok(ApiOk::new(&meta, user))
}
