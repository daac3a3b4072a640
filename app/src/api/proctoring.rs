//! Proctoring from the browser: the taking page's batches of events (with the learner's session,
//! under the CSRF rule of every server function; `/v1` takes keys only), and the teacher's reads
//! of sessions, timelines and incidents, their review, and the control of a running attempt.

use domain::attempt::AttemptView;
use domain::dto::Page;
use domain::proctoring::{
    BatchAck, ClientEvent, ControlAction, EventView, IncidentStatus, IncidentView, SessionView,
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
