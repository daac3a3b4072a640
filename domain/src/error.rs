//! The stable error codes: the one list, shared by `/v1`, the server functions and the docs.
//!
//! Codes are dotted and lower-case; integrators match on them, so a code is never renamed or reused.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $doc:literal;)*) => {
        /// Every error Lectern reports carries exactly one of these codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode {
            $(#[doc = $doc] #[serde(rename = $code)] $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status that accompanies the code.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// What the code means, for the documentation.
            pub const fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => $doc,)* }
            }

            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code { $($code => Some(ErrorCode::$variant),)* _ => None }
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for ErrorCode {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code,)*]))
                    .description(Some("A stable error code; see docs/API.md for each one's meaning."))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for ErrorCode {}
    };
}

error_codes! {
    ValidationFailed = "request.validation_failed", 422, "The input is invalid; `details` names each field and what is wrong with it.";
    MalformedRequest = "request.malformed", 400, "The request could not be read (bad JSON, wrong content type, bad id).";
    CrossOriginRefused = "request.cross_origin", 403, "A state-changing browser request came from another site (CSRF protection).";
    Unauthenticated = "auth.unauthenticated", 401, "No valid session or credentials were given.";
    InvalidCredentials = "auth.invalid_credentials", 401, "The email or password is wrong.";
    Forbidden = "auth.forbidden", 403, "The caller's role may not do this.";
    InvalidToken = "auth.invalid_token", 401, "The API key is malformed or unknown.";
    TenantMismatch = "auth.tenant_mismatch", 403, "The API key belongs to another tenant than `X-Tenant-Id` names.";
    TokenRevoked = "auth.token_revoked", 401, "The API key was revoked, rotated out or has expired.";
    TooManyAttempts = "auth.too_many_attempts", 429, "Too many failed sign-ins; try again after the time given.";
    InvalidResetToken = "auth.invalid_reset_token", 400, "The password reset link is unknown, used or expired.";
    TenantNotFound = "tenant.not_found", 404, "No organisation has that identifier.";
    TenantSuspended = "tenant.suspended", 403, "The organisation is suspended.";
    NotFound = "resource.not_found", 404, "No such resource in this tenant.";
    RouteNotFound = "route.not_found", 404, "No such endpoint.";
    MethodNotAllowed = "route.method_not_allowed", 405, "The endpoint does not accept this method.";
    EmailTaken = "user.email_taken", 409, "A user with this email already exists in the tenant.";
    LastAdmin = "user.last_admin", 409, "The tenant's last active admin cannot be demoted or deactivated.";
    TenantLimitReached = "tenant.limit_reached", 409, "The tenant has reached one of its limits.";
    VersionConflict = "resource.version_conflict", 409, "Someone changed this since you read it; read it again and reapply your change.";
    CourseSlugTaken = "course.slug_taken", 409, "Another course of the tenant has this slug.";
    CourseHasNoLessons = "course.no_lessons", 409, "A course needs at least one lesson before it can be published.";
    CourseHasEnrollments = "course.has_enrollments", 409, "A course with enrolled learners can only be deleted once it is archived.";
    CourseArchived = "course.archived", 409, "The course is archived and takes no new learners; publish it again to reopen it.";
    QuizHasNoQuestions = "quiz.no_questions", 409, "A quiz needs at least one question before it can be published.";
    QuizClosed = "quiz.closed", 409, "The quiz is not open now: it opens later or has closed.";
    AttemptLimitReached = "quiz.attempt.limit_reached", 403, "The learner has used every attempt this quiz allows.";
    AttemptTimerExpired = "quiz.attempt.timer_expired", 409, "Server-enforced timer elapsed.";
    AttemptSubmitted = "quiz.attempt.submitted", 409, "The attempt is submitted; its answers can no longer change.";
    AttemptInProgress = "quiz.attempt.in_progress", 409, "The attempt is still in progress; it is graded once submitted.";
    AttemptPaused = "quiz.attempt.paused", 409, "A teacher paused the attempt: its clock stands still and nothing is saved until they resume it.";
    AttemptNotPaused = "quiz.attempt.not_paused", 409, "The attempt is not paused, so it cannot be resumed.";
    ProctoringRulesNotAccepted = "proctoring.rules_not_accepted", 409, "This quiz is proctored in strict mode: the learner must accept its rules (`accept_proctoring_rules`) to start.";
    ProctoringNotProctored = "proctoring.not_proctored", 409, "The attempt is not proctored, so it has no session to flag.";
    ProctoringSessionNotFound = "proctoring.session_not_found", 404, "No proctoring session of yours runs for this attempt (it is not proctored, not yours, or does not exist).";
    ProctoringSessionClosed = "proctoring.session_closed", 409, "The attempt is over: its proctoring session takes no more events.";
    ProctoringBatchTooLarge = "proctoring.batch_too_large", 413, "A batch holds at most 50 events; send the rest in another.";
    ProctoringBatchMalformed = "proctoring.batch_malformed", 422, "An event of the batch is malformed (unknown kind, negative sequence or offset, or data too large); `details` names it.";
    ProctoringRateLimited = "proctoring.rate_limited", 429, "Too many batches for one session in a minute; retry after the time given.";
    EnrollmentClosed = "enrollment.closed", 403, "Self-enrolment is off for this course; a teacher or admin enrols learners.";
    EnrollmentRequired = "enrollment.required", 403, "Lesson content is for the course's learners and teachers; enrol first (API keys act for no learner, so a student key reads outlines only).";
    RateLimitExceeded = "rate_limit.exceeded", 429, "Too many requests; retry after the time given.";
    ApiKeyInactive = "api_key.inactive", 409, "The API key is revoked or expired and cannot be rotated.";
    WebhookUrlRefused = "webhook.url_refused", 422, "Webhooks may not be sent to this address (not https, or a private, loopback, link-local or reserved one); the message says which.";
    WebhookDeliveryPending = "webhook.delivery_pending", 409, "The delivery is still being sent; it can be sent again once it has succeeded or failed.";
    IdempotencyKeyReused = "idempotency.key_reused", 422, "This `Idempotency-Key` was used with another request body.";
    IdempotencyInProgress = "idempotency.in_progress", 409, "A request with this `Idempotency-Key` is still running; retry shortly.";
    Unavailable = "service.unavailable", 503, "A dependency (such as the database) is unavailable.";
    Internal = "internal.error", 500, "An unexpected error; quote the request id when reporting it.";
}

/// One invalid field of a request, reported in an error's `details`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_dotted_and_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(text.contains('.'), "{text}");
            assert_eq!(text, text.to_lowercase());
            assert_eq!(ErrorCode::from_code(text), Some(*code));
            assert!((400..600).contains(&code.http_status()));
        }
    }
}
