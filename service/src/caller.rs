//! The caller of a service function: which tenant, which user, which role, and where from.

use std::net::IpAddr;

use domain::{ApiKeyId, Role, TenantId, UserId};

use crate::ServiceError;

#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant_id: TenantId,
    /// The signed-in user; None for an API key, which acts on its own.
    pub user_id: Option<UserId>,
    /// The API key the request authenticated with; None for a browser session.
    pub api_key_id: Option<ApiKeyId>,
    pub role: Role,
    pub request_id: String,
    pub ip: Option<IpAddr>,
    /// The browser's `User-Agent`, for a proctoring session's record.
    pub user_agent: Option<String>,
    /// The learner an admin or teacher key acts for on the attempt routes (`X-On-Behalf-Of`).
    pub on_behalf_of: Option<UserId>,
}

impl Caller {
    /// The platform acting in a tenant on its own (the quiz deadline sweeper): no user, no key.
    pub fn system(tenant: TenantId, worker: &str) -> Caller {
        Caller {
            tenant_id: tenant,
            user_id: None,
            api_key_id: None,
            role: Role::Admin,
            request_id: worker.to_string(),
            ip: None,
            user_agent: None,
            on_behalf_of: None,
        }
    }

    /// Refuses callers whose role is below `min`.
    pub fn require(&self, min: Role) -> Result<(), ServiceError> {
        if self.role.at_least(min) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Refuses callers who are not teachers or admins.
    pub fn require_teacher(&self) -> Result<(), ServiceError> {
        self.require(Role::Teacher)
    }

    pub fn require_admin(&self) -> Result<(), ServiceError> {
        self.require(Role::Admin)
    }

    pub fn is_user(&self, user: UserId) -> bool {
        self.user_id == Some(user)
    }
}
