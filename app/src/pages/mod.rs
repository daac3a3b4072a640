//! One module per page.

mod home;
mod mailbox;
mod not_found;
mod password;
mod settings;
mod sign_in;
mod users;

pub use home::HomePage;
pub use mailbox::MailboxPage;
pub use not_found::NotFoundPage;
pub use password::{ForgotPasswordPage, ResetPasswordPage};
pub use settings::SettingsPage;
pub use sign_in::SignInPage;
pub use users::UsersPage;
