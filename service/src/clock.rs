//! Time is a parameter, so tests can move it (session expiry, throttling windows, reset links).

use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

#[derive(Clone)]
pub struct Clock(Arc<Mutex<Option<OffsetDateTime>>>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Mutex::new(None)))
    }

    /// A clock that stands still at `at` until advanced.
    pub fn manual(at: OffsetDateTime) -> Self {
        Clock(Arc::new(Mutex::new(Some(at))))
    }

    pub fn now(&self) -> OffsetDateTime {
        let fixed = self.0.lock().map(|guard| *guard).unwrap_or(None);
        fixed.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Moves a manual clock forward; a system clock ignores it.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut guard) = self.0.lock() {
            if let Some(at) = guard.as_mut() {
                *at += by;
            }
        }
    }
}
