//! What the platform announces and what it records: the domain events that webhooks deliver (a
//! versioned catalogue, each type with its payload) and the audit log's actions. docs/API.md lists
//! every one, and a test keeps it so.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::proctoring::{IncidentKind, Severity};
use crate::{
    AttemptId, CourseId, EnrollmentId, FieldError, IncidentId, ProctoringSessionId, QuizId, Role,
    UserId,
};

text_enum!(
    /// What an audit row records. Dotted names group by what was acted on.
    AuditAction {
        ApiKeyCreated = "api_key.created",
        ApiKeyRevoked = "api_key.revoked",
        ApiKeyRotated = "api_key.rotated",
        AttemptExtended = "attempt.extended",
        AttemptFlagged = "attempt.flagged",
        AttemptGraded = "attempt.graded",
        AttemptPaused = "attempt.paused",
        AttemptResumed = "attempt.resumed",
        AttemptScoreOverridden = "attempt.score_overridden",
        AttemptTerminated = "attempt.terminated",
        AuthPasswordReset = "auth.password_reset",
        AuthPasswordResetRequested = "auth.password_reset_requested",
        AuthSignInFailed = "auth.sign_in_failed",
        AuthSignedIn = "auth.signed_in",
        AuthSignedOut = "auth.signed_out",
        CourseArchived = "course.archived",
        CourseCreated = "course.created",
        CourseDeleted = "course.deleted",
        CoursePublished = "course.published",
        CourseStaffAdded = "course.staff_added",
        CourseStaffRemoved = "course.staff_removed",
        CourseUnpublished = "course.unpublished",
        CourseUpdated = "course.updated",
        EnrollmentCompleted = "enrollment.completed",
        EnrollmentCreated = "enrollment.created",
        EnrollmentWithdrawn = "enrollment.withdrawn",
        LessonCreated = "lesson.created",
        LessonDeleted = "lesson.deleted",
        LessonReordered = "lesson.reordered",
        LessonUpdated = "lesson.updated",
        ModuleCreated = "module.created",
        ModuleDeleted = "module.deleted",
        ModuleRenamed = "module.renamed",
        ModuleReordered = "module.reordered",
        ProctoringIncidentReviewed = "proctoring.incident_reviewed",
        ProctoringSettingsChanged = "proctoring.settings_changed",
        QuestionCreated = "question.created",
        QuestionDeleted = "question.deleted",
        QuestionReordered = "question.reordered",
        QuestionUpdated = "question.updated",
        QuizCreated = "quiz.created",
        QuizDeleted = "quiz.deleted",
        QuizPublished = "quiz.published",
        QuizUnpublished = "quiz.unpublished",
        QuizUpdated = "quiz.updated",
        TenantImageHostsChanged = "tenant.image_hosts_changed",
        UserCreated = "user.created",
        UserDeactivated = "user.deactivated",
        UserReactivated = "user.reactivated",
        UserRenamed = "user.renamed",
        UserRoleChanged = "user.role_changed",
        WebhookCreated = "webhook.created",
        WebhookDeleted = "webhook.deleted",
        WebhookDisabled = "webhook.disabled",
        WebhookRedelivered = "webhook.redelivered",
        WebhookSecretRotated = "webhook.secret_rotated",
        WebhookTestSent = "webhook.test_sent",
        WebhookUpdated = "webhook.updated",
    }
);

/// The version of every event payload below. A change that could break a receiver (a field
/// removed, renamed or retyped) makes a new version; adding a field does not.
pub const EVENT_VERSION: u32 = 1;

/// An event of the outbox: its type names the variant, its payload is the variant's struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    /// A user was created (by an admin, an invitation or SCIM).
    #[serde(rename = "user.provisioned")]
    UserProvisioned(UserProvisioned),
    /// A course became visible in the catalog.
    #[serde(rename = "course.published")]
    CoursePublished(CoursePublished),
    /// A learner joined a course (or rejoined after a withdrawal).
    #[serde(rename = "enrollment.created")]
    EnrollmentCreated(EnrollmentCreated),
    /// A learner completed every lesson of a course.
    #[serde(rename = "enrollment.completed")]
    EnrollmentCompleted(EnrollmentCompleted),
    /// A quiz attempt was submitted: by the learner, at its deadline, or by the deadline sweeper.
    #[serde(rename = "quiz.attempt.submitted")]
    AttemptSubmitted(AttemptSubmitted),
    /// A quiz attempt has its final score: at submission, or once a teacher graded its essays.
    #[serde(rename = "quiz.attempt.graded")]
    AttemptGraded(AttemptGraded),
    /// A proctoring rule, or a teacher, flagged an incident in a proctored attempt.
    #[serde(rename = "proctoring.incident.flagged")]
    IncidentFlagged(IncidentFlagged),
}

impl DomainEvent {
    /// Every event type, in the catalogue's order.
    pub const TYPES: &'static [&'static str] = &[
        "user.provisioned",
        "course.published",
        "enrollment.created",
        "enrollment.completed",
        "quiz.attempt.submitted",
        "quiz.attempt.graded",
        "proctoring.incident.flagged",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            DomainEvent::UserProvisioned(_) => "user.provisioned",
            DomainEvent::CoursePublished(_) => "course.published",
            DomainEvent::EnrollmentCreated(_) => "enrollment.created",
            DomainEvent::EnrollmentCompleted(_) => "enrollment.completed",
            DomainEvent::AttemptSubmitted(_) => "quiz.attempt.submitted",
            DomainEvent::AttemptGraded(_) => "quiz.attempt.graded",
            DomainEvent::IncidentFlagged(_) => "proctoring.incident.flagged",
        }
    }

    /// The payload alone, as the outbox stores it beside the type.
    pub fn payload(&self) -> serde_json::Value {
        let payload = match self {
            DomainEvent::UserProvisioned(p) => serde_json::to_value(p),
            DomainEvent::CoursePublished(p) => serde_json::to_value(p),
            DomainEvent::EnrollmentCreated(p) => serde_json::to_value(p),
            DomainEvent::EnrollmentCompleted(p) => serde_json::to_value(p),
            DomainEvent::AttemptSubmitted(p) => serde_json::to_value(p),
            DomainEvent::AttemptGraded(p) => serde_json::to_value(p),
            DomainEvent::IncidentFlagged(p) => serde_json::to_value(p),
        };
        // Plain structs of strings and ids always serialise.
        payload.unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserProvisioned {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoursePublished {
    pub course_id: CourseId,
    pub slug: String,
    pub title: String,
    pub lesson_count: i64,
    /// RFC 3339.
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentCreated {
    pub enrollment_id: EnrollmentId,
    pub course_id: CourseId,
    pub user_id: UserId,
    /// RFC 3339.
    pub enrolled_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentCompleted {
    pub enrollment_id: EnrollmentId,
    pub course_id: CourseId,
    pub user_id: UserId,
    /// RFC 3339.
    pub completed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptSubmitted {
    pub attempt_id: AttemptId,
    pub quiz_id: QuizId,
    pub course_id: CourseId,
    pub user_id: UserId,
    /// RFC 3339.
    pub submitted_at: String,
    /// True when the deadline submitted it.
    pub auto_submitted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptGraded {
    pub attempt_id: AttemptId,
    pub quiz_id: QuizId,
    pub course_id: CourseId,
    pub user_id: UserId,
    /// Percent, two decimals.
    pub score: f64,
    pub passed: bool,
    pub points: f64,
    pub max_points: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentFlagged {
    pub incident_id: IncidentId,
    pub session_id: ProctoringSessionId,
    pub attempt_id: AttemptId,
    pub quiz_id: QuizId,
    pub course_id: CourseId,
    pub user_id: UserId,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub summary: String,
    /// RFC 3339.
    pub detected_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_is_in_the_catalogue_under_its_serde_name() {
        let id = UserId::from_uuid(uuid::Uuid::nil());
        let event = DomainEvent::UserProvisioned(UserProvisioned {
            id,
            email: "a@example.org".into(),
            name: "A".into(),
            role: Role::Student,
        });
        let tagged = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(tagged["type"], event.event_type());
        assert_eq!(tagged["data"], event.payload());
        assert!(DomainEvent::TYPES.contains(&event.event_type()));
    }

    #[test]
    fn audit_actions_serialise_as_their_dotted_names() {
        for action in AuditAction::ALL {
            assert_eq!(
                serde_json::to_value(action).unwrap_or_default(),
                action.as_str()
            );
            assert_eq!(AuditAction::parse("action", action.as_str()), Ok(*action));
        }
    }
}
