//! What an admin (or an integration) enters to add a user: the raw form and the checked user built
//! from it, with every field's problem reported at once.

use serde::{Deserialize, Serialize};

use crate::form::FieldErrors;
use crate::{DisplayName, Email, FieldError, Password, Role, UserStatus};

/// A new user as entered; [`NewUser::parse`] checks it. It is the body of `POST /v1/users`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = CreateUserBody))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserForm {
    #[cfg_attr(feature = "openapi", schema(format = Email, example = "ada@example.org"))]
    pub email: String,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, example = "Ada Lovelace")
    )]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Role))]
    pub role: String,
    /// Without one, the user is invited by mail to choose a password.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 128))]
    pub password: Option<String>,
}

/// A new user, checked. Without a password an active user is invited by mail to set one.
/// Identity providers may provision a user deactivated, who is then not invited.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
    pub password: Option<Password>,
    pub status: UserStatus,
}

impl NewUser {
    pub fn parse(form: NewUserForm) -> Result<NewUser, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let email = errors.check(Email::parse("email", &form.email));
        let name = errors.check(DisplayName::parse("name", &form.name));
        let role = errors.check(Role::parse("role", &form.role));
        let password = form.password.filter(|p| !p.is_empty());
        let password = errors.optional(password, |p| Password::parse_new("password", &p));
        errors.finish(|| {
            Some(NewUser {
                email: email?,
                name: name?,
                role: role?,
                password: password?,
                status: UserStatus::Active,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let form = NewUserForm {
            email: "not-an-email".into(),
            name: " ".into(),
            role: "root".into(),
            password: Some("short".into()),
        };
        let fields: Vec<String> = NewUser::parse(form)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["email", "name", "role", "password"]);
    }

    #[test]
    fn an_empty_password_means_an_invitation() {
        let form = NewUserForm {
            email: "Ada@Example.org".into(),
            name: "Ada".into(),
            role: "teacher".into(),
            password: Some(String::new()),
        };
        let user = NewUser::parse(form).ok();
        assert!(user.as_ref().is_some_and(|u| u.password.is_none()));
        assert_eq!(
            user.map(|u| u.email.as_str().to_string()).as_deref(),
            Some("ada@example.org")
        );
    }
}
