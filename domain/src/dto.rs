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
}

/// A published course as the catalog lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseCard {
    pub id: crate::CourseId,
    pub title: String,
    pub summary: String,
    pub quiz_count: i64,
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
