//! Proctoring as the browser, the teacher and `/v1` see it: a quiz's mode, the tenant's rules, the
//! events a taking page sends, sessions, incidents and their review, and the teacher's control of
//! a running attempt. Lectern records browser and server events only: no camera, microphone or
//! screen.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{AttemptId, CourseId, FieldError, IncidentId, ProctoringSessionId, QuizId, UserId};

text_enum!(
    /// How a quiz is proctored: not at all, events recorded, or recorded with full screen and
    /// rules the learner accepts before the timer starts.
    ProctoringMode { Off = "off", Record = "record", Strict = "strict" }
);

text_enum!(
    /// What the taking page reports.
    ClientEventKind {
        TabHidden = "tab_hidden",
        TabVisible = "tab_visible",
        WindowBlur = "window_blur",
        WindowFocus = "window_focus",
        FullscreenExit = "fullscreen_exit",
        FullscreenEnter = "fullscreen_enter",
        Copy = "copy",
        Cut = "cut",
        Paste = "paste",
        ContextMenu = "context_menu",
        Print = "print",
        SecondTab = "second_tab",
        Offline = "offline",
        Online = "online",
        WindowSmall = "window_small",
    }
);

text_enum!(
    /// What the server records on its own: signals the browser cannot fake or hide, and the
    /// teacher's actions on the attempt.
    ServerEventKind {
        Started = "started",
        RulesAccepted = "rules_accepted",
        HeartbeatMissed = "heartbeat_missed",
        IpChanged = "ip_changed",
        UserAgentChanged = "user_agent_changed",
        LateSave = "late_save",
        FastAnswers = "fast_answers",
        Paused = "paused",
        Resumed = "resumed",
        Extended = "extended",
        Terminated = "terminated",
        Flagged = "flagged",
        Submitted = "submitted",
    }
);

text_enum!(
    /// What a rule flagged.
    IncidentKind {
        TabSwitches = "tab_switches",
        FullscreenExit = "fullscreen_exit",
        Paste = "paste",
        SecondTab = "second_tab",
        IpChange = "ip_change",
        HeartbeatGap = "heartbeat_gap",
        FastAnswers = "fast_answers",
        TeacherFlag = "teacher_flag",
    }
);

text_enum!(Severity { Low = "low", Medium = "medium", High = "high" });

text_enum!(
    /// A reviewer's verdict; incidents start open.
    IncidentStatus { Open = "open", Dismissed = "dismissed", Confirmed = "confirmed" }
);

text_enum!(SessionStatus { Active = "active", Closed = "closed" });

text_enum!(
    /// The LTI Assessment Control service's actions on a running attempt.
    ControlAction {
        Pause = "pause",
        Resume = "resume",
        Extend = "extend",
        Terminate = "terminate",
        Flag = "flag",
    }
);

impl Severity {
    /// What an incident adds to its session's risk score while not dismissed.
    pub fn weight(self) -> i32 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 3,
            Severity::High => 10,
        }
    }
}

/// The most events one batch carries; the page sends every few seconds, so a full batch means a
/// page gone wrong.
pub const MAX_BATCH: usize = 50;
/// Below this width (CSS pixels) the page reports a small window.
pub const SMALL_WINDOW_PX: i32 = 500;
/// How often the taking page sends a batch, empty or not: the heartbeat and the clock's sync.
pub const HEARTBEAT_MS: u32 = 5_000;

/// The tenant's thresholds. Each rule raises one incident per session.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProctoringRules {
    /// More tab switches than this raise `tab_switches` (medium).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
    pub max_tab_switches: i32,
    /// Full screen left for longer than this, in a strict quiz, raises `fullscreen_exit` (medium).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3600))]
    pub max_fullscreen_exit_seconds: i32,
    /// Any paste in a strict quiz raises `paste` (high).
    pub flag_paste_in_strict: bool,
    /// The quiz open in a second tab or window raises `second_tab` (high).
    pub flag_second_tab: bool,
    /// The IP address changing during the attempt raises `ip_change` (medium).
    pub flag_ip_change: bool,
    /// No batch (the page's heartbeat) for longer than this is a `heartbeat_missed` event and
    /// raises `heartbeat_gap` (low).
    #[cfg_attr(feature = "openapi", schema(minimum = 15, maximum = 3600))]
    pub heartbeat_gap_seconds: i32,
    /// Submitting faster than this per answered question raises `fast_answers` (medium).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 600))]
    pub min_seconds_per_answer: i32,
}

impl Default for ProctoringRules {
    fn default() -> Self {
        ProctoringRules {
            max_tab_switches: 3,
            max_fullscreen_exit_seconds: 10,
            flag_paste_in_strict: true,
            flag_second_tab: true,
            flag_ip_change: true,
            heartbeat_gap_seconds: 30,
            min_seconds_per_answer: 2,
        }
    }
}

impl ProctoringRules {
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut within = |field: &str, value: i32, min: i32, max: i32| {
            if !(min..=max).contains(&value) {
                errors.push(FieldError::new(
                    format!("rules.{field}"),
                    format!("Give a number from {min} to {max}."),
                ));
            }
        };
        within("max_tab_switches", self.max_tab_switches, 0, 1000);
        within(
            "max_fullscreen_exit_seconds",
            self.max_fullscreen_exit_seconds,
            1,
            3600,
        );
        within(
            "heartbeat_gap_seconds",
            self.heartbeat_gap_seconds,
            15,
            3600,
        );
        within(
            "min_seconds_per_answer",
            self.min_seconds_per_answer,
            0,
            600,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The tenant's proctoring settings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProctoringSettings {
    #[serde(default)]
    pub rules: ProctoringRules,
    /// How long events are kept, in days (1 to 3650; 180 by default).
    #[serde(default = "default_retention")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub retention_days: i32,
    /// Whether a learner may read their own session's timeline once the attempt is over.
    #[serde(default)]
    pub learner_sees_timeline: bool,
}

fn default_retention() -> i32 {
    180
}

impl Default for ProctoringSettings {
    fn default() -> Self {
        ProctoringSettings {
            rules: ProctoringRules::default(),
            retention_days: default_retention(),
            learner_sees_timeline: false,
        }
    }
}

impl ProctoringSettings {
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = self.rules.check().err().unwrap_or_default();
        if !(1..=3650).contains(&self.retention_days) {
            errors.push(FieldError::new(
                "retention_days",
                "Give a number of days from 1 to 3650.",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// One event as the taking page sends it. `sequence` numbers the page's events from 0 and makes a
/// retried batch harmless; `offset_ms` is the browser's monotonic clock when it happened and
/// `age_ms` how long before sending — the server places the event at its own receive time less
/// the age, and never reads the device's time of day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientEvent {
    pub sequence: i64,
    /// One of the [`ClientEventKind`]s.
    pub kind: String,
    pub offset_ms: i64,
    #[serde(default)]
    pub age_ms: i64,
    /// A few details (the width of a small window, the seconds away); at most 1 KB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// What a batch's sending learns: how many events were new, and the attempt's clock (the page's
/// sync, every few seconds, carries a teacher's pause or extra time to the countdown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchAck {
    pub accepted: u32,
    pub duplicates: u32,
    pub status: crate::quiz::AttemptStatus,
    pub paused: bool,
    pub server_now: String,
    pub remaining_ms: Option<i64>,
    pub deadline_at: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: ProctoringSessionId,
    pub quiz_id: QuizId,
    pub course_id: CourseId,
    pub attempt_id: AttemptId,
    pub user_id: UserId,
    pub user_name: String,
    pub mode: ProctoringMode,
    pub status: SessionStatus,
    /// At the start of the attempt.
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub rules_accepted_at: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub last_seen_at: String,
    /// The weights of the incidents not dismissed: low 1, medium 3, high 10.
    pub risk_score: i32,
    pub open_incidents: i64,
    pub incidents: i64,
    /// The attempt's own state.
    pub attempt_status: crate::quiz::AttemptStatus,
    pub paused: bool,
    pub deadline_at: Option<String>,
    /// The attempt's time left when it was read, pauses included; none when untimed or over.
    pub remaining_ms: Option<i64>,
}

/// One event of a session's timeline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    /// `client` (the taking page) or `server`.
    pub source: String,
    pub sequence: i64,
    pub kind: String,
    /// The server's estimate of when it happened.
    pub occurred_at: String,
    pub received_at: String,
    /// The browser's monotonic clock when it happened (client events).
    pub offset_ms: Option<i64>,
    pub data: serde_json::Value,
}

/// An event an incident names.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub source: String,
    pub sequence: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    pub id: IncidentId,
    pub session_id: ProctoringSessionId,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub summary: String,
    /// The events that caused it.
    pub events: Vec<EventRef>,
    pub detected_at: String,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<String>,
    pub review_comment: Option<String>,
}

/// An incident as the live view lists it: with whose attempt it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveIncident {
    pub user_name: String,
    pub attempt_id: AttemptId,
    pub incident: IncidentView,
}

/// A quiz's proctored attempts as they run, for the teacher's live view: who is in and their
/// time left, and what was flagged last. The view is told of changes as they commit and reads
/// this again.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveBoard {
    pub quiz_id: QuizId,
    /// When it was read, by the server's clock: time left counts from here.
    pub server_now: String,
    /// Sessions whose attempt runs (paused ones included), highest risk first, at most
    /// [`LIVE_RUNNING`] of them.
    pub running: Vec<SessionView>,
    /// How many run in all.
    pub running_total: u64,
    /// The quiz's latest incidents, newest first.
    pub recent: Vec<LiveIncident>,
}

/// How many incidents the live view shows.
pub const LIVE_RECENT_INCIDENTS: i64 = 20;
/// How many running sessions it lists: the riskiest; the rest are counted.
pub const LIVE_RUNNING: u32 = 100;

/// A reviewer's verdict on an incident.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentReview {
    /// `dismissed` or `confirmed` (or `open` to take a verdict back).
    pub status: IncidentStatus,
    /// Up to 2,000 characters.
    pub comment: Option<String>,
}

/// A teacher's action on a running attempt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttemptControl {
    pub action: ControlAction,
    /// For `extend` (which needs it): minutes to add, 1 to 600. Other actions ignore it.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 600))]
    pub minutes: Option<i32>,
    /// Why, for the audit log and the timeline: 1 to 500 characters.
    pub reason: String,
}

impl AttemptControl {
    /// The reason, trimmed, and the minutes `extend` needs.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            errors.push(FieldError::new(
                "reason",
                "Give a reason of 1 to 500 characters; it goes to the audit log and the timeline.",
            ));
        }
        match (self.action, self.minutes) {
            (ControlAction::Extend, Some(m)) if (1..=600).contains(&m) => {}
            (ControlAction::Extend, _) => errors.push(FieldError::new(
                "minutes",
                "Give the minutes to add, from 1 to 600.",
            )),
            _ => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_pass_their_own_check() {
        assert!(ProctoringSettings::default().check().is_ok());
        let mut rules = ProctoringRules {
            heartbeat_gap_seconds: 1,
            ..ProctoringRules::default()
        };
        assert_eq!(
            rules.check().unwrap_err()[0].field,
            "rules.heartbeat_gap_seconds"
        );
        rules.heartbeat_gap_seconds = 30;
        assert!(rules.check().is_ok());
    }

    #[test]
    fn extend_needs_minutes_and_every_action_a_reason() {
        let control = AttemptControl {
            action: ControlAction::Extend,
            minutes: None,
            reason: " ".into(),
        };
        let fields: Vec<String> = control
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["reason", "minutes"]);
        let pause = AttemptControl {
            action: ControlAction::Pause,
            minutes: Some(3),
            reason: "fire drill".into(),
        };
        assert!(pause.check().is_ok());
    }
}
