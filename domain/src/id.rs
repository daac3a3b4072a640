//! Public ids: a type prefix and the 128 bits of a UUID in Crockford base32 (`usr_01j…`, 30 chars).
//!
//! UUIDv7 values sort by creation time, and so does this encoding, so ids double as cursors.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Encodes 128 bits as 26 Crockford base32 characters (the first carries only 3 bits).
pub fn encode_128(value: u128) -> String {
    (0..26)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Decodes what `encode_128` writes; accepts upper case and Crockford's look-alikes (I, L → 1; O → 0).
pub fn decode_128(text: &str) -> Option<u128> {
    if text.len() != 26 {
        return None;
    }
    let mut value: u128 = 0;
    for (i, c) in text.chars().enumerate() {
        let c = match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        };
        let digit = ALPHABET.iter().position(|&a| a as char == c)? as u128;
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(value)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {expected} id")]
pub struct IdParseError {
    pub expected: &'static str,
}

/// What every public id type offers, for code that works over any of them (the `/v1` path
/// extractor, ordered children).
pub trait PublicId: Copy + Eq + fmt::Display + FromStr<Err = IdParseError> {
    const PREFIX: &'static str;
    fn from_uuid(uuid: Uuid) -> Self;
    fn as_uuid(&self) -> Uuid;
}

macro_rules! public_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl PublicId for $name {
            const PREFIX: &'static str = $prefix;

            fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, encode_128(self.0.as_u128()))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.strip_prefix(concat!($prefix, "_"))
                    .and_then(decode_128)
                    .map(|v| Self(Uuid::from_u128(v)))
                    .ok_or(IdParseError { expected: $prefix })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^", $prefix, "_[0-7][0-9a-hjkmnp-tv-z]{25}$")))
                    .examples([concat!($prefix, "_01kbt2n3r5x8yq0c4e6g8j9m2p")])
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

public_id!(
    /// A tenant: an institution or company with its own users and courses.
    TenantId, "ten"
);
public_id!(
    /// A user within one tenant.
    UserId, "usr"
);
public_id!(
    /// A course within one tenant.
    CourseId, "crs"
);
public_id!(
    /// A quiz (an assessment) within one course; `asmnt_` is the Assessments API's prefix.
    QuizId, "asmnt"
);
public_id!(
    /// A question of a quiz.
    QuestionId, "q"
);
public_id!(
    /// An option of a choice question.
    OptionId, "opt"
);
public_id!(
    /// A learner's attempt at a quiz (a submission, in the Assessments API).
    AttemptId, "att"
);
public_id!(
    /// A module of a course: an ordered group of lessons.
    ModuleId, "mod"
);
public_id!(
    /// A lesson within a module.
    LessonId, "les"
);
public_id!(
    /// A learner's enrolment in a course.
    EnrollmentId, "enr"
);
public_id!(
    /// An API key of one tenant.
    ApiKeyId, "key"
);
public_id!(
    /// A row of a tenant's audit log.
    AuditEventId, "aud"
);
public_id!(
    /// A webhook endpoint of one tenant: where its events are delivered.
    WebhookEndpointId, "whk"
);
public_id!(
    /// One event of the outbox, as a webhook announces it (`webhook-id`): the same on every retry.
    EventId, "evt"
);
public_id!(
    /// The sending of one event to one webhook endpoint, with its attempts.
    WebhookDeliveryId, "dlv"
);
public_id!(
    /// The proctoring of one attempt: its events, incidents and risk.
    ProctoringSessionId, "psn"
);
public_id!(
    /// Something a proctoring rule (or a teacher) flagged in one session, for review.
    IncidentId, "inc"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_form() {
        for value in [
            0u128,
            1,
            u128::MAX,
            0x0190_0000_0000_7000_8000_0000_0000_0001,
        ] {
            let id = UserId::from_uuid(Uuid::from_u128(value));
            let text = id.to_string();
            assert_eq!(text.len(), 30, "{text}");
            assert!(text.starts_with("usr_"));
            assert_eq!(text.parse::<UserId>(), Ok(id));
        }
    }

    #[test]
    fn text_order_follows_numeric_order() {
        let a = encode_128(5);
        let b = encode_128(1 << 100);
        let c = encode_128(u128::MAX);
        assert!(a < b && b < c);
    }

    #[test]
    fn an_id_with_another_prefix_is_refused() {
        let user = UserId::from_uuid(Uuid::from_u128(42)).to_string();
        let as_tenant = user.replacen("usr_", "ten_", 1);
        assert!(user.parse::<TenantId>().is_err());
        assert!(as_tenant.parse::<TenantId>().is_ok());
        assert!("usr_".parse::<UserId>().is_err());
        assert!(
            "usr_zzzzzzzzzzzzzzzzzzzzzzzzzz".parse::<UserId>().is_err(),
            "overflows 128 bits"
        );
        assert!(
            format!("usr_{}", "0".repeat(27)).parse::<UserId>().is_err(),
            "27 characters"
        );
    }

    #[test]
    fn ids_serialize_as_their_text() {
        let id = CourseId::from_uuid(Uuid::from_u128(7));
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<CourseId>(&json).ok(), Some(id));
    }
}
