//! Proctoring from the browser: the taking page's batches of events (with the learner's session,
//! under the CSRF rule of every server function; `/v1` takes keys only), and the teacher's reads
//! of sessions, timelines and incidents, their review, and the control of a running attempt.

use domain::attempt::AttemptView;
use domain::dto::Page;
use domain::proctoring::{
    BatchAck, ClientEvent, ControlAction, EventView, IncidentStatus, IncidentView, LiveBoard,
    ProctoringSettings, SessionView,
};
use domain::{AttemptId, IncidentId, ProctoringSessionId, QuizId};
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::{caller, service_error};

/// Stores a batch of the learner's own proctoring events; the answer is also the page's sync of
/// the attempt's clock (a pause, extra time, or the end).
#[server(endpoint = "proctoring/events", input = Json)]
pub async fn send_proctoring_events(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    events: Vec<ClientEvent>,
) -> Result<BatchAck, AppError> {
    let (caller, ctx) = caller().await?;
    service::proctoring::ingest(&caller, &ctx.store, quiz_id, attempt_id, events)
        .await
        .map_err(service_error)
}

/// A quiz's proctored attempts, highest risk first.
#[server(endpoint = "proctoring/sessions")]
pub async fn list_sessions(quiz_id: QuizId, page: u32) -> Result<Page<SessionView>, AppError> {
    let (caller, ctx) = caller().await?;
    let filter = service::proctoring::sessions::SessionFilter {
        quiz: Some(quiz_id),
        page: Some(page),
        ..Default::default()
    };
    service::proctoring::sessions::list(&caller, &ctx.store, filter)
        .await
        .map_err(service_error)
}

/// A quiz's running attempts and latest incidents, for the live view.
#[server(endpoint = "proctoring/live")]
pub async fn read_live_board(quiz_id: QuizId) -> Result<LiveBoard, AppError> {
    let (caller, ctx) = caller().await?;
    service::proctoring::live::board(&caller, &ctx.store, quiz_id)
        .await
        .map_err(service_error)
}

/// One session with its incidents and the first page of its timeline.
#[server(endpoint = "proctoring/session")]
pub async fn get_session(
    id: ProctoringSessionId,
    page: u32,
) -> Result<(SessionView, Vec<IncidentView>, Page<EventView>), AppError> {
    let (caller, ctx) = caller().await?;
    let store = &ctx.store;
    let session = service::proctoring::sessions::get(&caller, store, id)
        .await
        .map_err(service_error)?;
    let incidents = service::proctoring::incidents::list(&caller, store, id)
        .await
        .map_err(service_error)?;
    let events = service::proctoring::sessions::events(&caller, store, id, Some(page), None)
        .await
        .map_err(service_error)?;
    Ok((session, incidents, events))
}

/// The caller's own proctoring record of an attempt that is over, when the organisation shows
/// learners theirs: the session, its incidents and a page of its timeline.
#[server(endpoint = "proctoring/mine")]
pub async fn my_timeline(
    attempt_id: AttemptId,
    page: u32,
) -> Result<(SessionView, Vec<IncidentView>, Page<EventView>), AppError> {
    let (caller, ctx) = caller().await?;
    service::proctoring::sessions::of_attempt(&caller, &ctx.store, attempt_id, Some(page))
        .await
        .map_err(service_error)
}

#[server(endpoint = "proctoring/review")]
pub async fn review_incident(
    id: IncidentId,
    status: IncidentStatus,
    comment: Option<String>,
) -> Result<IncidentView, AppError> {
    let (caller, ctx) = caller().await?;
    let review = domain::proctoring::IncidentReview { status, comment };
    service::proctoring::incidents::review(&caller, &ctx.store, id, review)
        .await
        .map_err(service_error)
}

/// Pause, resume, extend, terminate or flag a running attempt: the control form's fields as typed
/// (minutes as text, blank for every action but `extend`).
#[server(endpoint = "proctoring/control")]
pub async fn control_attempt(
    quiz_id: QuizId,
    attempt_id: AttemptId,
    action: ControlAction,
    minutes: String,
    reason: String,
) -> Result<AttemptView, AppError> {
    let (caller, ctx) = caller().await?;
    let minutes = match minutes.trim() {
        "" => None,
        typed => Some(typed.parse::<i32>().map_err(|_| {
            service_error(
                domain::FieldError::new("minutes", "Give the minutes as a whole number.").into(),
            )
        })?),
    };
    let control = domain::proctoring::AttemptControl {
        action,
        minutes,
        reason,
    };
    service::quizzes::control::control(&caller, &ctx.store, quiz_id, attempt_id, control)
        .await
        .map_err(service_error)
}

#[server(endpoint = "proctoring/settings")]
pub async fn get_proctoring_settings() -> Result<ProctoringSettings, AppError> {
    let (caller, ctx) = caller().await?;
    service::proctoring::settings(&caller, &ctx.store)
        .await
        .map_err(service_error)
}

/// The settings form's fields as typed: numbers as text, checkboxes present when ticked.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ProctoringForm {
    pub max_tab_switches: String,
    pub max_fullscreen_exit_seconds: String,
    pub heartbeat_gap_seconds: String,
    pub min_seconds_per_answer: String,
    pub retention_days: String,
    pub flag_paste_in_strict: Option<String>,
    pub flag_second_tab: Option<String>,
    pub flag_ip_change: Option<String>,
    pub learner_sees_timeline: Option<String>,
}

/// Saves the organisation's proctoring settings (admins).
#[server(endpoint = "proctoring/settings/save")]
pub async fn save_proctoring_settings(
    #[server(flatten)] form: ProctoringForm,
) -> Result<ProctoringSettings, AppError> {
    let (caller, ctx) = caller().await?;
    let mut errors = Vec::new();
    let mut number = |field: &str, raw: &str| match raw.trim().parse::<i32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push(domain::FieldError::new(field, "Give a whole number."));
            0
        }
    };
    let rules = domain::proctoring::ProctoringRules {
        max_tab_switches: number("max_tab_switches", &form.max_tab_switches),
        max_fullscreen_exit_seconds: number(
            "max_fullscreen_exit_seconds",
            &form.max_fullscreen_exit_seconds,
        ),
        heartbeat_gap_seconds: number("heartbeat_gap_seconds", &form.heartbeat_gap_seconds),
        min_seconds_per_answer: number("min_seconds_per_answer", &form.min_seconds_per_answer),
        flag_paste_in_strict: form.flag_paste_in_strict.is_some(),
        flag_second_tab: form.flag_second_tab.is_some(),
        flag_ip_change: form.flag_ip_change.is_some(),
    };
    let retention_days = number("retention_days", &form.retention_days);
    if !errors.is_empty() {
        return Err(service_error(errors.into()));
    }
    let settings = ProctoringSettings {
        rules,
        retention_days,
        learner_sees_timeline: form.learner_sees_timeline.is_some(),
    };
    // The form's fields are named without the document's `rules.` prefix.
    service::proctoring::update_settings(&caller, &ctx.store, settings)
        .await
        .map_err(|error| match error {
            service::ServiceError::Validation(fields) => {
                service_error(service::ServiceError::Validation(
                    fields
                        .into_iter()
                        .map(|f| {
                            domain::FieldError::new(
                                f.field.trim_start_matches("rules."),
                                &f.message,
                            )
                        })
                        .collect(),
                ))
            }
            other => service_error(other),
        })
}
