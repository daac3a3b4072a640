//! Time is a parameter, so tests can move it (session expiry, throttling windows, reset links,
//! quiz deadlines). In production a service transaction (`TenantTx`) takes the database's time, the
//! one clock every server process and worker shares, so a quiz's deadline means the same to all of
//! them. Steps outside one (sessions, reset links, rate limits) still read the process's clock,
//! where a skew of a second between processes changes nothing that matters.

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

    /// A manual clock's time; None for the system clock, whose transactions take the database's
    /// time instead (see `TenantTx::begin`).
    pub fn fixed(&self) -> Option<OffsetDateTime> {
        self.0.lock().map(|guard| *guard).unwrap_or(None)
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
