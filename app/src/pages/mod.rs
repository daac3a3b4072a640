//! One module per page.

mod api_access;
mod audit;
mod home;
mod mailbox;
mod not_found;
mod password;
mod settings;
mod sign_in;
mod users;

pub use api_access::ApiAccessPage;
pub use audit::AuditPage;
pub use home::HomePage;
pub use mailbox::MailboxPage;
pub use not_found::NotFoundPage;
pub use password::{ForgotPasswordPage, ResetPasswordPage};
pub use settings::SettingsPage;
pub use sign_in::SignInPage;
pub use users::UsersPage;
