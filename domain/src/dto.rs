//! Shapes that cross between the server and the browser (and `/v1`).

use serde::{Deserialize, Serialize};

use crate::{Role, TenantId, TenantStatus, UserId, UserStatus};

/// Who is signed in, as the layout shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub tenant_id: TenantId,
    pub tenant_slug: String,
    pub tenant_name: String,
}

/// A user as listed to teachers and admins.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    /// RFC 3339, or None when the user has never signed in.
    pub last_sign_in_at: Option<String>,
    pub created_at: String,
}

/// One page of a list, with the totals a pager needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
    /// True when `total` is an estimate: past a list's counting threshold, counting exactly would
    /// cost more than finding the page.
    #[serde(default)]
    pub total_is_estimate: bool,
}

impl<T> Page<T> {
    pub fn total_pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1)))
    }
}

/// Filters and paging for the user list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// A tenant's settings as its admins see them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub max_users: i32,
    pub requests_per_minute: i32,
    pub requests_per_hour: i32,
    pub user_count: i64,
    /// The hosts lesson images may load from; empty: any https host.
    pub image_hosts: crate::ImageHosts,
}

/// A mail as the developer mailbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: String,
    pub sent: bool,
}

/// An API key as its tenant's admins see it. Its secret is shown once, in [`IssuedApiKey`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: crate::ApiKeyId,
    pub name: String,
    /// The role the key acts with.
    pub role: Role,
    /// The start of the secret (`ck_live_abcd`), to recognise the key by.
    pub prefix: String,
    pub status: crate::ApiKeyStatus,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// A key together with its secret: answered once, when the key is made or rotated. Its `Debug`
/// leaves the secret out, so no log line can carry it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// `ck_live_…` or `ck_test_…`; never shown again.
    pub secret: String,
}

/// One row of the audit log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: crate::AuditEventId,
    pub action: String,
    /// `user`, `api_key`, or `none` for events without an authenticated actor (a failed sign-in).
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// What changed: before and after values where they help.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: String,
}

/// Filters and cursor for the audit log; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// An exact action (`user.role_changed`) or a family ending in a dot (`api_key.`).
    pub action: Option<String>,
    /// A `usr_…` or `key_…` id.
    pub actor: Option<String>,
    /// A target's public id (`usr_…`, `key_…`).
    pub target: Option<String>,
    /// RFC 3339 or a date (`2026-11-23`); inclusive.
    pub since: Option<String>,
    /// RFC 3339 or a date; exclusive (a date means the start of that day, UTC).
    pub until: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows a page, 1–500 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<u32>,
}

/// A page of a list read by cursor: pass `next_cursor` back for the next page; None at the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl std::fmt::Debug for IssuedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedApiKey")
            .field("key", &self.key)
            .field("secret", &"…")
            .finish()
    }
}
