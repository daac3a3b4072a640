//! The taking page's proctoring, in the browser: it listens only while the attempt runs, numbers
//! each event, keeps unsent ones in localStorage (so a reload loses none), and sends them every
//! few seconds — an empty batch too, which is the heartbeat. An event carries the monotonic clock
//! at which it happened and, when sent, its age; the server places it on its own clock. The
//! device's time of day is read only to age events queued by an earlier load of the page.

use domain::proctoring::{BatchAck, ClientEvent, ClientEventKind, MAX_BATCH, SMALL_WINDOW_PX};
use domain::{AttemptId, ErrorCode, QuizId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::quiz_autosave::monotonic_ms;
use crate::api::proctoring::send_proctoring_events;

/// An event waiting to be sent: when it happened, on this page's monotonic clock and as an
/// absolute time (the page's time origin plus it), for a later page to age it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Queued {
    sequence: i64,
    kind: ClientEventKind,
    offset_ms: i64,
    at_ms: f64,
    data: Option<serde_json::Value>,
}

#[derive(Default, Serialize, Deserialize)]
struct Kept {
    next: i64,
    queue: Vec<Queued>,
}

#[derive(Clone, Copy)]
pub struct Proctor {
    quiz: QuizId,
    attempt: AttemptId,
    next: StoredValue<i64>,
    queue: StoredValue<Vec<Queued>>,
    in_flight: StoredValue<bool>,
    /// The attempt is over: the session takes nothing more.
    closed: StoredValue<bool>,
    small: StoredValue<bool>,
}

fn absolute_ms() -> f64 {
    window()
        .performance()
        .map_or(0.0, |p| p.time_origin() + p.now())
}

impl Proctor {
    /// Made on the server too, so it reads nothing of the browser until [`Proctor::listen`].
    pub fn new(quiz: QuizId, attempt: AttemptId) -> Self {
        Proctor {
            quiz,
            attempt,
            next: StoredValue::new(0),
            queue: StoredValue::new(Vec::new()),
            in_flight: StoredValue::new(false),
            closed: StoredValue::new(false),
            small: StoredValue::new(false),
        }
    }

    fn storage_key(&self) -> String {
        format!("lectern.proctor.{}", self.attempt)
    }

    fn stored(&self) -> Kept {
        let Ok(Some(storage)) = window().local_storage() else {
            return Kept::default();
        };
        storage
            .get_item(&self.storage_key())
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }

    fn persist(&self) {
        let Ok(Some(storage)) = window().local_storage() else {
            return;
        };
        let kept = Kept {
            next: self.next.get_value(),
            queue: self.queue.get_value(),
        };
        if let Ok(json) = serde_json::to_string(&kept) {
            let _ = storage.set_item(&self.storage_key(), &json);
        }
    }

    pub fn record(&self, kind: ClientEventKind, data: Option<serde_json::Value>) {
        if self.closed.get_value() {
            return;
        }
        let sequence = self.next.get_value();
        self.next.set_value(sequence + 1);
        let offset = monotonic_ms();
        self.queue.update_value(|q| {
            q.push(Queued {
                sequence,
                kind,
                offset_ms: offset as i64,
                at_ms: absolute_ms(),
                data,
            })
        });
        self.persist();
    }

    /// Sends what is queued (the oldest `MAX_BATCH`), or an empty heartbeat; answers the server's
    /// clock, or None when nothing could be learnt this time.
    pub async fn send(&self) -> Option<Result<BatchAck, ErrorCode>> {
        if self.closed.get_value() || self.in_flight.get_value() {
            return None;
        }
        self.in_flight.set_value(true);
        let now = absolute_ms();
        let batch: Vec<ClientEvent> = self.queue.with_value(|q| {
            q.iter()
                .take(MAX_BATCH)
                .map(|e| ClientEvent {
                    sequence: e.sequence,
                    kind: e.kind.as_str().to_string(),
                    offset_ms: e.offset_ms.max(0),
                    age_ms: (now - e.at_ms).max(0.0) as i64,
                    data: e.data.clone(),
                })
                .collect()
        });
        let sent: Vec<i64> = batch.iter().map(|e| e.sequence).collect();
        let result = send_proctoring_events(self.quiz, self.attempt, batch).await;
        self.in_flight.set_value(false);
        match result {
            Ok(ack) => {
                self.acknowledge(&sent);
                Some(Ok(ack))
            }
            Err(error) => {
                if matches!(
                    error.code,
                    ErrorCode::ProctoringSessionClosed | ErrorCode::ProctoringSessionNotFound
                ) {
                    self.close();
                }
                // A malformed batch would fail again: its events are dropped, not retried forever.
                if error.code == ErrorCode::ProctoringBatchMalformed {
                    self.acknowledge(&sent);
                }
                Some(Err(error.code))
            }
        }
    }

    fn acknowledge(&self, sent: &[i64]) {
        self.queue
            .update_value(|q| q.retain(|e| !sent.contains(&e.sequence)));
        self.persist();
    }

    /// The attempt is over: nothing more is recorded or kept.
    pub fn close(&self) {
        self.closed.set_value(true);
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.remove_item(&self.storage_key());
        }
    }

    /// Takes back what an earlier load of the page kept, and starts listening; answers what stops
    /// it.
    pub fn listen(&self) -> impl FnOnce() {
        let kept = self.stored();
        self.next.set_value(kept.next);
        self.queue.set_value(kept.queue);
        let this = *self;
        let on = |name: &'static str, kind: ClientEventKind| {
            window_event_listener_untyped(name, move |_| this.record(kind, None))
        };
        let mut handles = vec![
            window_event_listener_untyped("visibilitychange", move |_| {
                let hidden = document().hidden();
                let kind = if hidden {
                    ClientEventKind::TabHidden
                } else {
                    ClientEventKind::TabVisible
                };
                this.record(kind, None);
            }),
            window_event_listener_untyped("fullscreenchange", move |_| {
                let kind = if document().fullscreen_element().is_some() {
                    ClientEventKind::FullscreenEnter
                } else {
                    ClientEventKind::FullscreenExit
                };
                this.record(kind, None);
            }),
            window_event_listener_untyped("resize", move |_| this.check_size()),
        ];
        for (name, kind) in [
            ("blur", ClientEventKind::WindowBlur),
            ("focus", ClientEventKind::WindowFocus),
            ("copy", ClientEventKind::Copy),
            ("cut", ClientEventKind::Cut),
            ("paste", ClientEventKind::Paste),
            ("contextmenu", ClientEventKind::ContextMenu),
            ("beforeprint", ClientEventKind::Print),
            ("offline", ClientEventKind::Offline),
            ("online", ClientEventKind::Online),
        ] {
            handles.push(on(name, kind));
        }
        self.check_size();
        let channel = self.watch_other_tabs();
        move || {
            for handle in handles {
                handle.remove();
            }
            if let Some(channel) = channel {
                channel.close();
            }
        }
    }

    fn check_size(&self) {
        let width = window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .unwrap_or(f64::MAX);
        let small = width < f64::from(SMALL_WINDOW_PX);
        if small && !self.small.get_value() {
            let data = serde_json::json!({ "width": width as i64 });
            self.record(ClientEventKind::WindowSmall, Some(data));
        }
        self.small.set_value(small);
    }

    /// Every tab of this attempt says hello on a channel of its own; a tab that hears another
    /// reports it, and answers, so both sides do.
    fn watch_other_tabs(&self) -> Option<web_sys::BroadcastChannel> {
        let channel =
            web_sys::BroadcastChannel::new(&format!("lectern-attempt-{}", self.attempt)).ok()?;
        let this = *self;
        let replier = channel.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                this.record(ClientEventKind::SecondTab, None);
                if event.data().as_string().as_deref() == Some("hello") {
                    let _ = replier.post_message(&"here".into());
                }
            },
        );
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The channel lives as long as the page's attempt; its handler with it.
        on_message.forget();
        let _ = channel.post_message(&"hello".into());
        Some(channel)
    }
}
