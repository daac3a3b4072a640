//! Validated values: each can only be built by parsing, so the service never sees an invalid one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldError;

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_value!(
    /// An email address, trimmed and lower-cased; one per user within a tenant.
    Email
);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, FieldError> {
        let email = raw.trim().to_lowercase();
        let Some((local, domain)) = email.split_once('@') else {
            return Err(FieldError::new(
                field,
                "Enter an email address such as name@example.org.",
            ));
        };
        let valid = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && email.len() <= 254
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            && !domain.contains('@');
        if valid {
            Ok(Email(email))
        } else {
            Err(FieldError::new(
                field,
                "Enter an email address such as name@example.org.",
            ))
        }
    }
}

text_value!(
    /// A person's name as shown in the interface: 1 to 100 characters after trimming.
    DisplayName
);

impl DisplayName {
    pub fn parse(field: &str, raw: &str) -> Result<DisplayName, FieldError> {
        let name = raw.trim();
        match name.chars().count() {
            0 => Err(FieldError::new(field, "Enter a name.")),
            1..=100 if !name.chars().any(char::is_control) => Ok(DisplayName(name.to_string())),
            1..=100 => Err(FieldError::new(
                field,
                "The name cannot contain control characters.",
            )),
            _ => Err(FieldError::new(
                field,
                "The name can be at most 100 characters long.",
            )),
        }
    }
}

text_value!(
    /// A tenant's short identifier: 3 to 40 lower-case letters, digits and inner hyphens.
    Slug
);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Slug, FieldError> {
        let slug = raw.trim().to_lowercase();
        let chars_ok = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let ends_ok = !slug.starts_with('-') && !slug.ends_with('-');
        if (3..=40).contains(&slug.len()) && chars_ok && ends_ok {
            Ok(Slug(slug))
        } else {
            Err(FieldError::new(
                field,
                "Use 3 to 40 lower-case letters, digits and hyphens, not starting or ending with a hyphen.",
            ))
        }
    }
}

/// A password as typed: kept out of Debug output so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    /// A new password must be long enough to resist guessing; no composition rules (NIST SP 800-63B).
    pub fn parse_new(field: &str, raw: &str) -> Result<Password, FieldError> {
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            Err(FieldError::new(
                field,
                format!("Use at least {} characters.", Self::MIN_CHARS),
            ))
        } else if count > Self::MAX_CHARS {
            Err(FieldError::new(
                field,
                format!("Use at most {} characters.", Self::MAX_CHARS),
            ))
        } else {
            Ok(Password(raw.to_string()))
        }
    }

    /// A password offered at sign-in is checked against the hash only, whatever its length.
    pub fn offered(raw: &str) -> Password {
        Password(raw.chars().take(Self::MAX_CHARS * 4).collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // serde reads each variant's text; utoipa skips a rename whose text comes from a macro
        // argument and falls back to `rename_all`, which agrees with every text but the dotted
        // audit actions (not in the OpenAPI document).
        #[serde(rename_all = "snake_case")]
        pub enum $name { $(#[serde(rename = $text)] $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(field: &str, raw: &str) -> Result<$name, FieldError> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)*
                    _ => Err(FieldError::new(
                        field,
                        format!("Choose one of: {}.", [$($text),*].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What a user may do within their tenant.
    Role { Student = "student", Teacher = "teacher", Admin = "admin" }
);

impl Role {
    /// Roles are ordered: an admin may do what a teacher may, a teacher what a student may.
    pub const fn at_least(self, min: Role) -> bool {
        self.rank() >= min.rank()
    }

    const fn rank(self) -> u8 {
        match self {
            Role::Student => 0,
            Role::Teacher => 1,
            Role::Admin => 2,
        }
    }

    /// Teachers and admins author and manage; admins also manage the tenant.
    pub const fn can_teach(self) -> bool {
        self.at_least(Role::Teacher)
    }

    pub const fn label(self) -> &'static str {
        match self {
            Role::Student => "Student",
            Role::Teacher => "Teacher",
            Role::Admin => "Admin",
        }
    }
}

text_enum!(
    /// Whether a user may sign in.
    UserStatus { Active = "active", Deactivated = "deactivated" }
);

text_enum!(
    /// Whether an API key still authenticates.
    ApiKeyStatus { Active = "active", Revoked = "revoked", Expired = "expired" }
);

text_enum!(
    /// Whether a tenant's users and keys may act.
    TenantStatus { Active = "active", Suspended = "suspended" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", "  Ada@Example.ORG ").map(|e| e.into_inner()),
            Ok("ada@example.org".into())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@.org",
            "a b@example.org",
            "a@b@c.org",
        ] {
            let err = Email::parse("email", bad);
            assert!(err.is_err(), "{bad:?} was accepted");
            assert_eq!(err.err().map(|e| e.field), Some("email".to_string()));
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_stay_out_of_debug_output() {
        assert!(Password::parse_new("password", "short").is_err());
        assert!(Password::parse_new("password", &"x".repeat(129)).is_err());
        let password = Password::parse_new("password", "correct horse battery");
        assert!(password.is_ok());
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[test]
    fn slugs_and_names_are_bounded() {
        assert!(Slug::parse("slug", "demo").is_ok());
        assert!(Slug::parse("slug", "-demo").is_err());
        assert!(Slug::parse("slug", "de").is_err());
        assert!(Slug::parse("slug", "dé-mo").is_err());
        assert!(DisplayName::parse("name", "   ").is_err());
        assert!(DisplayName::parse("name", &"n".repeat(101)).is_err());
        assert_eq!(
            DisplayName::parse("name", " Ada ").map(|n| n.into_inner()),
            Ok("Ada".into())
        );
    }

    #[test]
    fn roles_are_ordered_student_teacher_admin() {
        assert!(Role::Admin.at_least(Role::Teacher) && Role::Admin.at_least(Role::Student));
        assert!(Role::Teacher.at_least(Role::Teacher) && !Role::Teacher.at_least(Role::Admin));
        assert!(!Role::Student.at_least(Role::Teacher) && Role::Student.at_least(Role::Student));
    }

    #[test]
    fn roles_parse_from_their_wire_names_only() {
        assert_eq!(Role::parse("role", "teacher"), Ok(Role::Teacher));
        assert!(Role::parse("role", "Teacher").is_err());
        assert!(Role::parse("role", "root").is_err());
    }
}
