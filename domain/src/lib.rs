//! Types shared by the browser and the server: public ids, validated values, DTOs and the error codes.
//!
//! Everything here compiles to wasm, so forms in the browser run the same checks as the service.

// `value` defines the `text_enum!` macro that `course` uses, so it comes first.
#[macro_use]
pub mod value;
pub mod attempt;
pub mod course;
pub mod course_input;
pub mod dto;
pub mod error;
pub mod event;
pub mod form;
pub mod id;
pub mod image_hosts;
pub mod outline;
pub mod pattern;
pub mod proctoring;
pub mod quiz;
pub mod quiz_input;
pub mod user_input;
pub mod webhook;

pub use course::{CourseStatus, CoverColor, EnrollmentStatus};
pub use error::{ErrorCode, FieldError};
pub use event::{AuditAction, DomainEvent};
pub use id::{
    ApiKeyId, AttemptId, AuditEventId, CourseId, EnrollmentId, EventId, IncidentId, LessonId,
    ModuleId, OptionId, ProctoringSessionId, QuestionId, QuizId, TenantId, UserId,
    WebhookDeliveryId, WebhookEndpointId,
};
pub use image_hosts::ImageHosts;
pub use value::{ApiKeyStatus, DisplayName, Email, Password, Role, Slug, TenantStatus, UserStatus};
