//! `/v1/proctoring`: the organisation's proctoring rules, sessions by risk, their timelines (JSON
//! pages, or NDJSON with `Accept: application/x-ndjson`), incidents and their review. Batches of
//! browser events are not here: the taking page sends them with the learner's session.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use domain::dto::Page;
use domain::proctoring::{
    EventView, IncidentReview, IncidentView, LiveBoard, ProctoringSettings, SessionStatus,
    SessionView,
};
use domain::{IncidentId, ProctoringSessionId, QuizId};
use serde::Deserialize;
use service::proctoring::{self, incidents, sessions};
use service::{Caller, Store};
use utoipa::IntoParams;

use super::envelope::{ApiError, ApiOk, ApiResult, Meta};
use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::ndjson;
use super::openapi::{Envelope, PageEnvelope};
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/proctoring/settings", operation_id = "getProctoringSettings", tag = "proctoring",
    responses((status = 200, description = "The rules, retention and learner access in force (the defaults until an admin sets them).", body = Envelope<ProctoringSettings>)))]
pub async fn get_settings(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<ProctoringSettings> {
    Ok(ApiOk::new(
        &meta,
        proctoring::settings(&caller, &state.store).await?,
    ))
}

/// Replaces the settings (admins); a rule left out takes its default. Audited.
#[utoipa::path(put, path = "/v1/proctoring/settings", operation_id = "putProctoringSettings", tag = "proctoring",
    request_body = ProctoringSettings,
    responses((status = 200, description = "The settings now in force.", body = Envelope<ProctoringSettings>)))]
pub async fn put_settings(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<ProctoringSettings>,
) -> ApiResult<ProctoringSettings> {
    let settings = proctoring::update_settings(&caller, &state.store, body).await?;
    Ok(ApiOk::new(&meta, settings))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SessionParams {
    /// One quiz's sessions; without it, those of every course the caller edits.
    #[param(value_type = Option<QuizId>)]
    pub quiz_id: Option<QuizId>,
    #[param(value_type = Option<SessionStatus>)]
    pub status: Option<SessionStatus>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// 20 unless given; at most 100.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Proctored attempts, highest risk first.
#[utoipa::path(get, path = "/v1/proctoring/sessions", operation_id = "listProctoringSessions", tag = "proctoring",
    params(SessionParams),
    responses((status = 200, description = "A page of sessions; totals in `meta`.", body = PageEnvelope<SessionView>)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<SessionParams>,
) -> ApiResult<Vec<SessionView>> {
    let filter = sessions::SessionFilter {
        quiz: params.quiz_id,
        status: params.status,
        page: params.page,
        per_page: params.per_page,
    };
    Ok(ApiOk::page(
        &meta,
        sessions::list(&caller, &state.store, filter).await?,
    ))
}

#[utoipa::path(get, path = "/v1/proctoring/sessions/{id}", operation_id = "getProctoringSession", tag = "proctoring",
    params(("id" = ProctoringSessionId, Path)),
    responses((status = 200, description = "The session, with its risk and its attempt's clock.", body = Envelope<SessionView>)))]
pub async fn get_session(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ProctoringSessionId>,
) -> ApiResult<SessionView> {
    Ok(ApiOk::new(
        &meta,
        sessions::get(&caller, &state.store, id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LiveParams {
    #[param(value_type = QuizId)]
    pub quiz_id: QuizId,
}

/// A quiz's proctored attempts as they run: who is in and their time left (pauses included),
/// riskiest first, and its latest incidents. The live page in the browser is pushed changes and
/// reads this again; a client reads it when it needs to.
#[utoipa::path(get, path = "/v1/proctoring/live", operation_id = "getProctoringLiveBoard", tag = "proctoring",
    params(LiveParams),
    responses((status = 200, description = "The quiz's running attempts (at most 100, the rest counted) and latest incidents.", body = Envelope<LiveBoard>)))]
pub async fn live_board(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<LiveParams>,
) -> ApiResult<LiveBoard> {
    Ok(ApiOk::new(
        &meta,
        proctoring::live::board(&caller, &state.store, params.quiz_id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventParams {
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// 100 unless given; at most 100. NDJSON ignores both and sends every event.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Rows read per round trip while streaming NDJSON.
const NDJSON_BATCH: u32 = 100;

/// The session's events in time order (the server's estimate of when each happened).
#[utoipa::path(get, path = "/v1/proctoring/sessions/{id}/events", operation_id = "listProctoringEvents", tag = "proctoring",
    params(("id" = ProctoringSessionId, Path), EventParams),
    responses((status = 200, description = "A page of events; with `Accept: application/x-ndjson`, every event, one a line.",
        content((PageEnvelope<EventView> = "application/json"), (EventView = "application/x-ndjson")))))]
pub async fn list_events(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ProctoringSessionId>,
    ApiQuery(params): ApiQuery<EventParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let wants_ndjson = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(ndjson::CONTENT_TYPE));
    if !wants_ndjson {
        let page =
            sessions::events(&caller, &state.store, id, params.page, params.per_page).await?;
        return Ok(ApiOk::page(&meta, page).into_response());
    }
    // The first batch is read before answering, so a refusal is still a proper error response.
    let first = sessions::events(&caller, &state.store, id, Some(1), Some(NDJSON_BATCH)).await?;
    let lines = EventLines {
        caller,
        store: state.store.clone(),
        session: id,
        pending: Some(first),
        request_id: meta.request_id.clone(),
    };
    Ok(ndjson::response(futures_util::stream::unfold(
        lines,
        EventLines::next_chunk,
    )))
}

struct EventLines {
    caller: Caller,
    store: Store,
    session: ProctoringSessionId,
    pending: Option<Page<EventView>>,
    request_id: String,
}

impl EventLines {
    async fn next_chunk(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        let page = self.pending.take()?;
        let chunk = ndjson::lines(&page.items);
        if u64::from(page.page) < page.total_pages() {
            let next = Some(page.page + 1);
            match sessions::events(
                &self.caller,
                &self.store,
                self.session,
                next,
                Some(NDJSON_BATCH),
            )
            .await
            {
                Ok(next_page) => self.pending = Some(next_page),
                Err(error) => {
                    // The status is sent already: breaking the body tells the client it is incomplete.
                    tracing::error!(request_id = %self.request_id, ?error, "event export failed");
                    return Some((Err(std::io::Error::other("the export failed")), self));
                }
            }
        }
        Some((Ok(chunk), self))
    }
}

#[utoipa::path(get, path = "/v1/proctoring/sessions/{id}/incidents", operation_id = "listProctoringIncidents", tag = "proctoring",
    params(("id" = ProctoringSessionId, Path)),
    responses((status = 200, description = "The session's incidents, oldest first.", body = Envelope<Vec<IncidentView>>)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<ProctoringSessionId>,
) -> ApiResult<Vec<IncidentView>> {
    Ok(ApiOk::new(
        &meta,
        incidents::list(&caller, &state.store, id).await?,
    ))
}

/// A reviewer's verdict: `dismissed` (no longer counts in the risk score) or `confirmed`, with a
/// comment. The course's editors; audited.
#[utoipa::path(patch, path = "/v1/proctoring/incidents/{id}", operation_id = "reviewProctoringIncident", tag = "proctoring",
    params(("id" = IncidentId, Path)),
    request_body = IncidentReview,
    responses((status = 200, description = "The incident with its review.", body = Envelope<IncidentView>)))]
pub async fn review_incident(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    PathId(id): PathId<IncidentId>,
    ApiJson(body): ApiJson<IncidentReview>,
) -> ApiResult<IncidentView> {
    Ok(ApiOk::new(
        &meta,
        incidents::review(&caller, &state.store, id, body).await?,
    ))
}
