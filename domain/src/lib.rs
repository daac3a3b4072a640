//! Types shared by the browser and the server: public ids, validated values, DTOs and the error codes.
//!
//! Everything here compiles to wasm, so forms in the browser run the same checks as the service.

pub mod dto;
pub mod error;
pub mod id;
pub mod value;

pub use error::{ErrorCode, FieldError};
pub use id::{ApiKeyId, AuditEventId, CourseId, QuizId, TenantId, UserId};
pub use value::{ApiKeyStatus, DisplayName, Email, Password, Role, Slug, TenantStatus, UserStatus};
