//! The taking page's two clocks of truth, both the server's: the countdown, re-synced from
//! `remaining_ms` on every answer from the server and run on the browser's monotonic clock (a
//! device clock set an hour ahead changes nothing), and the autosave, which keeps every unsent
//! answer in the browser (localStorage) until the server has acknowledged it, so a reload or a
//! dropped connection loses nothing.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use domain::attempt::{AnswerSave, AnswerView, AttemptView};
use domain::quiz::{AttemptStatus, Response};
use domain::{AttemptId, ErrorCode, QuestionId, QuizId};
use leptos::prelude::*;

use crate::api::quizzes::{get_attempt, save_answers};

/// How long typing may pause before the answer is sent.
const DEBOUNCE: Duration = Duration::from_millis(700);
/// How often an offline page tries again (it also tries the moment the browser is back online).
const RETRY: Duration = Duration::from_secs(5);

/// Milliseconds on the browser's monotonic clock, which the device's time of day does not move.
pub fn monotonic_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

#[derive(Clone, Copy)]
pub struct Countdown {
    /// When time runs out, on the monotonic clock; None for an untimed attempt.
    ends_at: StoredValue<Option<f64>>,
    pub remaining_ms: RwSignal<Option<i64>>,
}

impl Countdown {
    pub fn new(remaining_ms: Option<i64>) -> Self {
        Countdown {
            ends_at: StoredValue::new(None),
            remaining_ms: RwSignal::new(remaining_ms),
        }
    }

    /// Takes the server's `remaining_ms`, measured somewhere between sending and receiving: the
    /// midpoint halves the error a slow network adds.
    pub fn sync(&self, remaining_ms: Option<i64>, sent_at: f64) {
        let received = monotonic_ms();
        let ends = remaining_ms.map(|ms| (sent_at + received) / 2.0 + ms as f64);
        self.ends_at.set_value(ends);
        self.tick();
    }

    /// A paused attempt: the time left stands still until the next sync says otherwise.
    pub fn freeze(&self, remaining_ms: Option<i64>) {
        self.ends_at.set_value(None);
        self.remaining_ms.set(remaining_ms);
    }

    pub fn tick(&self) {
        if let Some(ends) = self.ends_at.get_value() {
            let left = (ends - monotonic_ms()).max(0.0);
            self.remaining_ms.set(Some(left as i64));
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing changed yet on this page.
    Idle,
    Saving,
    Saved,
    Offline,
    /// The server refused the save; the message says why.
    Refused,
    /// A teacher paused the attempt: answers wait on this device.
    Paused,
}

impl SaveState {
    pub fn label(self) -> &'static str {
        match self {
            SaveState::Idle => "Answers save as you go.",
            SaveState::Saving => "Saving…",
            SaveState::Saved => "Saved",
            SaveState::Offline => "Offline — answers kept and sent when back",
            SaveState::Refused => "Not saved",
            SaveState::Paused => "Paused — answers kept and sent when the attempt resumes",
        }
    }
}

/// The answers of one attempt as the page holds them, and their way to the server.
#[derive(Clone, Copy)]
pub struct Autosave {
    quiz: QuizId,
    attempt: AttemptId,
    values: StoredValue<HashMap<QuestionId, RwSignal<Option<Response>>>>,
    revisions: StoredValue<HashMap<QuestionId, i32>>,
    /// Changed answers the server has not acknowledged yet, in the order of the questions' ids.
    pending: StoredValue<BTreeMap<QuestionId, Response>>,
    in_flight: StoredValue<bool>,
    /// A change that came while a save was on its way: sent right after it.
    queued: StoredValue<bool>,
    /// The learner submitted, or time ran out: every save from now on submits.
    submitting: StoredValue<bool>,
    timer: StoredValue<Option<TimeoutHandle>>,
    pub state: RwSignal<SaveState>,
    pub error: RwSignal<Option<String>>,
    pub clock: Countdown,
    /// The attempt once submitted (by the learner, at zero, or by the server's deadline).
    pub finished: RwSignal<Option<AttemptView>>,
    /// A teacher paused the attempt, as the server last said.
    pub paused: RwSignal<bool>,
}

impl Autosave {
    pub fn new(attempt: &AttemptView) -> Self {
        let values = attempt
            .questions
            .iter()
            .map(|q| {
                let saved = attempt
                    .answers
                    .iter()
                    .find(|a| a.question_id == q.id)
                    .and_then(AnswerView::response);
                (q.id, RwSignal::new(saved))
            })
            .collect();
        let revisions = attempt
            .answers
            .iter()
            .map(|a| (a.question_id, a.revision))
            .collect();
        Autosave {
            quiz: attempt.quiz_id,
            attempt: attempt.id,
            values: StoredValue::new(values),
            revisions: StoredValue::new(revisions),
            pending: StoredValue::new(BTreeMap::new()),
            in_flight: StoredValue::new(false),
            queued: StoredValue::new(false),
            submitting: StoredValue::new(false),
            timer: StoredValue::new(None),
            state: RwSignal::new(SaveState::Idle),
            error: RwSignal::new(None),
            clock: Countdown::new(attempt.remaining_ms),
            finished: RwSignal::new(None),
            paused: RwSignal::new(attempt.paused),
        }
    }

    /// The answer shown for a question.
    pub fn value(&self, question: QuestionId) -> Signal<Option<Response>> {
        let signal = self.values.with_value(|v| v.get(&question).copied());
        Signal::derive(move || signal.and_then(|s| s.get()))
    }

    /// The learner changed an answer: show it, keep it in the browser, send it shortly.
    pub fn set(&self, question: QuestionId, response: Response) {
        if let Some(signal) = self.values.with_value(|v| v.get(&question).copied()) {
            signal.set(Some(response.clone()));
        }
        self.pending.update_value(|p| {
            p.insert(question, response);
        });
        self.persist();
        // "Saved" would be a lie while the change waits for its turn; offline stays offline.
        if self.state.get_untracked() != SaveState::Offline {
            self.state.set(SaveState::Saving);
        }
        self.schedule(DEBOUNCE);
    }

    /// After hydration: answers kept in the browser by an earlier visit go back on screen and to
    /// the server; the answer also re-syncs the countdown.
    pub fn resume(&self) {
        for (question, response) in self.stored() {
            if let Some(signal) = self.values.with_value(|v| v.get(&question).copied()) {
                signal.set(Some(response.clone()));
                self.pending.update_value(|p| {
                    p.insert(question, response);
                });
            }
        }
        self.flush();
    }

    pub fn is_submitting(&self) -> bool {
        self.submitting.get_value()
    }

    pub fn has_pending(&self) -> bool {
        self.pending.with_value(|p| !p.is_empty())
    }

    fn schedule(&self, delay: Duration) {
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        let this = *self;
        let handle = set_timeout_with_handle(move || this.flush(), delay).ok();
        self.timer.set_value(handle);
    }

    /// Submits once everything pending is sent (the learner's button, or zero on the clock).
    pub fn submit(&self) {
        self.submitting.set_value(true);
        self.flush();
    }

    /// Sends what is pending (and submits once asked to); one save at a time.
    pub fn flush(&self) {
        if self.finished.with_untracked(Option::is_some) {
            return;
        }
        if self.in_flight.get_value() {
            self.queued.set_value(true);
            return;
        }
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        self.in_flight.set_value(true);
        self.state.set(SaveState::Saving);
        let this = *self;
        leptos::task::spawn_local(async move { this.send(this.submitting.get_value()).await });
    }

    async fn send(self, submit: bool) {
        let batch: Vec<(QuestionId, Response)> =
            self.pending.with_value(|p| p.clone().into_iter().collect());
        let saves = self.revisions.with_value(|revisions| {
            batch
                .iter()
                .map(|(q, r)| AnswerSave::new(*q, r.clone(), revisions.get(q).copied()))
                .collect()
        });
        let sent_at = monotonic_ms();
        let result = save_answers(self.quiz, self.attempt, saves, submit).await;
        self.in_flight.set_value(false);
        match result {
            Ok(receipt) => {
                self.acknowledge(&batch, &receipt.answers);
                self.clock.sync(receipt.remaining_ms, sent_at);
                if receipt.status != AttemptStatus::InProgress {
                    if let Ok(attempt) = get_attempt(self.quiz, self.attempt).await {
                        self.finish(attempt);
                    }
                    return;
                }
                self.error.set(None);
                self.state.set(SaveState::Saved);
                if self
                    .queued
                    .try_update_value(std::mem::take)
                    .unwrap_or(false)
                {
                    self.flush();
                } else if self.has_pending() {
                    self.schedule(DEBOUNCE);
                }
            }
            Err(error) if error.code == ErrorCode::AttemptPaused => {
                // Kept, and sent once the sync sees the attempt resumed.
                self.queued.set_value(false);
                self.paused.set(true);
                self.state.set(SaveState::Paused);
            }
            Err(error) if error.code == ErrorCode::Unavailable => {
                self.queued.set_value(false);
                self.state.set(SaveState::Offline);
                self.schedule(RETRY);
            }
            Err(error)
                if matches!(
                    error.code,
                    ErrorCode::AttemptTimerExpired | ErrorCode::AttemptSubmitted
                ) =>
            {
                // The server has submitted the attempt with what it had in time.
                if let Ok(attempt) = get_attempt(self.quiz, self.attempt).await {
                    self.finish(attempt);
                }
            }
            Err(error) => {
                self.queued.set_value(false);
                self.submitting.set_value(false);
                self.state.set(SaveState::Refused);
                self.error.set(Some(error.message));
            }
        }
    }

    /// The server has answered for `batch`: what it stored is now the answer's revision; an answer
    /// it kept instead of ours (a newer one from another tab) goes on screen.
    fn acknowledge(&self, batch: &[(QuestionId, Response)], stored: &[AnswerView]) {
        self.revisions.update_value(|revisions| {
            for answer in stored {
                revisions.insert(answer.question_id, answer.revision);
            }
        });
        for (question, sent) in batch {
            let unchanged = self.pending.with_value(|p| p.get(question) == Some(sent));
            if !unchanged {
                continue;
            }
            self.pending.update_value(|p| {
                p.remove(question);
            });
            let kept = stored
                .iter()
                .find(|a| a.question_id == *question)
                .and_then(AnswerView::response);
            if kept.as_ref() != Some(sent) {
                if let Some(signal) = self.values.with_value(|v| v.get(question).copied()) {
                    signal.set(kept);
                }
            }
        }
        self.persist();
    }

    /// The server says the attempt is over (a teacher ended it, or its time): show the result.
    pub async fn end(self) {
        if self.finished.with_untracked(Option::is_some) {
            return;
        }
        if let Ok(attempt) = get_attempt(self.quiz, self.attempt).await {
            self.finish(attempt);
        }
    }

    /// The server's pause, as a sync learnt it: a resumed attempt sends what waited.
    pub fn set_paused(&self, paused: bool) {
        let was = self.paused.get_untracked();
        if was == paused {
            return;
        }
        self.paused.set(paused);
        if paused {
            self.state.set(SaveState::Paused);
        } else if self.has_pending() || self.is_submitting() {
            self.flush();
        } else {
            self.state.set(SaveState::Saved);
        }
    }

    fn finish(&self, attempt: AttemptView) {
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        self.pending.update_value(BTreeMap::clear);
        self.persist();
        self.finished.set(Some(attempt));
    }

    fn storage_key(&self) -> String {
        format!("lectern.attempt.{}", self.attempt)
    }

    fn persist(&self) {
        let Ok(Some(storage)) = window().local_storage() else {
            return;
        };
        let key = self.storage_key();
        let pending: Vec<(QuestionId, Response)> =
            self.pending.with_value(|p| p.clone().into_iter().collect());
        if pending.is_empty() {
            let _ = storage.remove_item(&key);
        } else if let Ok(json) = serde_json::to_string(&pending) {
            let _ = storage.set_item(&key, &json);
        }
    }

    fn stored(&self) -> Vec<(QuestionId, Response)> {
        let Ok(Some(storage)) = window().local_storage() else {
            return Vec::new();
        };
        storage
            .get_item(&self.storage_key())
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
}
