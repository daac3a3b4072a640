//! `GET /v1/whoami`: what the presented key authenticates as. Integrators use it to check a key
//! and its tenant; it does no work beyond authentication, so the overhead benchmark uses it too.

use domain::{ApiKeyId, Role, TenantId};
use serde::Serialize;
use utoipa::ToSchema;

use super::envelope::{ApiOk, Meta};
use super::extract::ApiCaller;
use super::openapi::Envelope;

#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    pub tenant_id: TenantId,
    /// The role the key acts with.
    pub role: Role,
    pub api_key_id: Option<ApiKeyId>,
}

#[utoipa::path(get, path = "/v1/whoami", operation_id = "whoami", tag = "api-keys",
    responses((status = 200, description = "The calling key, its tenant and role.", body = Envelope<WhoAmI>)))]
pub async fn whoami(meta: Meta, ApiCaller(caller): ApiCaller) -> ApiOk<WhoAmI> {
    ApiOk::new(
        &meta,
        WhoAmI {
            tenant_id: caller.tenant_id,
            role: caller.role,
            api_key_id: caller.api_key_id,
        },
    )
}
