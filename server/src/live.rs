//! The live view's push: one PostgreSQL listener per process hears every tenant's
//! `proctoring_live` signals (sent as changes commit, see `service::proctoring::live`) and fans
//! them out; each watching page holds a server-sent event stream that passes on its own quiz's.
//!
//! A stream says only that something changed (and which incidents are new); the page then reads
//! the board through the service, under the one access rule. A stream ends after
//! [`STREAM_LIFETIME`] and the browser's `EventSource` reconnects, so a teacher taken off the
//! course stops hearing within minutes; it also ends when the server shuts down, which would
//! otherwise wait for it forever.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::{ErrorCode, IncidentId, QuizId, TenantId};
use futures_util::Stream;
use service::auth::RequestMeta;
use service::proctoring::live::{self, LiveSignal};
use service::Store;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use tower_sessions::Session;

use crate::state::AppState;

/// How long one stream lasts before the browser reconnects (and is authorized again).
pub const STREAM_LIFETIME: Duration = Duration::from_secs(300);
/// A crowd of starts or submissions within this time makes one reread, not one per learner.
const COALESCE: Duration = Duration::from_millis(200);
/// Signals kept for a slow stream before it is told to reread everything instead.
const BUFFER: usize = 4096;
/// How long a new watcher waits for the listener to be listening, the first time.
const READY_WAIT: Duration = Duration::from_secs(5);

/// What the listener heard.
#[derive(Debug, Clone, Copy)]
enum Heard {
    Signal(LiveSignal),
    /// The connection dropped: signals may have been lost, so every watcher rereads.
    Lost,
}

/// The process's fan-out of live signals.
#[derive(Clone)]
pub struct LiveHub {
    store: Store,
    heard: broadcast::Sender<Heard>,
    listening: watch::Sender<bool>,
    started: Arc<OnceLock<()>>,
    closing: watch::Receiver<bool>,
}

impl LiveHub {
    /// A hub whose streams end when `closing` turns true. It listens from the first watcher on,
    /// so an instance nobody watches holds no extra connection.
    pub fn new(store: Store, closing: watch::Receiver<bool>) -> LiveHub {
        LiveHub {
            store,
            heard: broadcast::channel(BUFFER).0,
            listening: watch::channel(false).0,
            started: Arc::new(OnceLock::new()),
            closing,
        }
    }

    async fn subscribe(&self) -> broadcast::Receiver<Heard> {
        let receiver = self.heard.subscribe();
        self.started.get_or_init(|| {
            tokio::spawn(listen(
                self.store.clone(),
                self.heard.clone(),
                self.listening.clone(),
            ));
        });
        // Until LISTEN has run, a change would go unheard; the page reads the board only after
        // the stream opens, so waiting here closes that gap.
        let mut listening = self.listening.subscribe();
        let _ = tokio::time::timeout(READY_WAIT, listening.wait_for(|on| *on)).await;
        receiver
    }
}

async fn listen(store: Store, heard: broadcast::Sender<Heard>, listening: watch::Sender<bool>) {
    loop {
        let mut listener = match connect(&store).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(?error, "the live view cannot listen; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        listening.send_replace(true);
        loop {
            // `try_recv` answers None when the connection dropped (the next call reconnects):
            // what was sent meanwhile is lost, so the watchers reread.
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    if let Some(signal) = LiveSignal::parse(notification.payload()) {
                        let _ = heard.send(Heard::Signal(signal));
                    }
                }
                Ok(None) => {
                    let _ = heard.send(Heard::Lost);
                }
                Err(error) => {
                    tracing::warn!(?error, "the live view's listener failed; reconnecting");
                    let _ = heard.send(Heard::Lost);
                    break;
                }
            }
        }
        listening.send_replace(false);
    }
}

async fn connect(store: &Store) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(&store.pool).await?;
    listener.listen(live::CHANNEL).await?;
    Ok(listener)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/live/quizzes/{id}/proctoring", get(watch_quiz))
}

/// `GET /live/quizzes/{id}/proctoring`: the stream of a quiz's live view, for its course's
/// editors signed in in this browser. Events: `ready` once it listens, `roster` when attempts
/// started, ended or changed, `incident` with the ids of new incidents.
async fn watch_quiz(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> Response {
    let meta = app::ssr::meta_of(&parts);
    let Some(session) = parts.extensions.get::<Session>().cloned() else {
        return refusal(&meta, service::ServiceError::Unauthenticated);
    };
    let user = match app::ssr::session_user_of(&session, &state.store).await {
        Ok(Some((user, _))) => user,
        Ok(None) => return refusal(&meta, service::ServiceError::Unauthenticated),
        Err(error) => return error_body(error.code, &error.message, &meta),
    };
    let caller = service::auth::caller_for(&user, &meta);
    let Ok(quiz) = id.parse::<QuizId>() else {
        return refusal(&meta, service::ServiceError::NotFound);
    };
    if let Err(error) = live::watch(&caller, &state.store, quiz).await {
        return refusal(&meta, error);
    }
    let signals = state.live.subscribe().await;
    let watch = Watch {
        signals,
        closing: state.live.closing.clone(),
        tenant: caller.tenant_id,
        quiz,
        ends: Instant::now() + STREAM_LIFETIME,
        greeted: false,
    };
    Sse::new(stream(watch))
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn refusal(meta: &RequestMeta, error: service::ServiceError) -> Response {
    error.log_if_internal(&meta.request_id, "live view");
    error_body(error.code(), &error.public_message(), meta)
}

/// The same body and status as a server function's error.
fn error_body(code: ErrorCode, message: &str, meta: &RequestMeta) -> Response {
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({
        "code": code,
        "message": message,
        "request_id": meta.request_id,
    });
    (status, Json(body)).into_response()
}

struct Watch {
    signals: broadcast::Receiver<Heard>,
    closing: watch::Receiver<bool>,
    tenant: TenantId,
    quiz: QuizId,
    ends: Instant,
    greeted: bool,
}

impl Watch {
    fn concerns(&self, signal: &LiveSignal) -> bool {
        signal.tenant == self.tenant && signal.quiz == self.quiz
    }

    /// The next event for this page, or None when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        if !self.greeted {
            self.greeted = true;
            // Reconnect quickly after the stream's planned end.
            return Some(
                Event::default()
                    .event("ready")
                    .retry(Duration::from_secs(1))
                    .data("{}"),
            );
        }
        loop {
            let heard = tokio::select! {
                heard = self.signals.recv() => heard,
                // Disabled, not ended, when nobody can close (the sender was dropped).
                Ok(_) = self.closing.wait_for(|closing| *closing) => return None,
                () = tokio::time::sleep_until(self.ends) => return None,
            };
            match heard {
                Ok(Heard::Signal(signal)) if self.concerns(&signal) => {
                    if let Some(incident) = signal.incident {
                        return Some(changed(&[incident]));
                    }
                    return Some(self.gather().await);
                }
                Ok(Heard::Signal(_)) => {}
                Ok(Heard::Lost) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some(changed(&[]));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The changes that follow within [`COALESCE`], as one event.
    async fn gather(&mut self) -> Event {
        let until = Instant::now() + COALESCE;
        let mut incidents = Vec::new();
        loop {
            match tokio::time::timeout_at(until, self.signals.recv()).await {
                Ok(Ok(Heard::Signal(signal))) if self.concerns(&signal) => {
                    incidents.extend(signal.incident);
                }
                Ok(Ok(_) | Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
            }
        }
        changed(&incidents)
    }
}

fn changed(incidents: &[IncidentId]) -> Event {
    let kind = if incidents.is_empty() {
        "roster"
    } else {
        "incident"
    };
    Event::default()
        .event(kind)
        .data(serde_json::json!({ "incidents": incidents }).to_string())
}

fn stream(watch: Watch) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(watch, |mut watch| async move {
        let event = watch.next().await?;
        Some((Ok(event), watch))
    })
}
