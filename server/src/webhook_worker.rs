//! The webhook delivery worker. Every server process runs one; they share the work through the
//! claims of `service::webhooks::dispatch`. A commit to the outbox wakes it (the outbox trigger's
//! notification); retries come due by time, so it also looks every second.

use std::sync::Arc;
use std::time::Duration;

use service::webhooks::dispatch::{self, DispatchSettings, Dispatcher};
use service::Store;
use tokio::sync::{Notify, Semaphore};

use crate::config::Config;
use crate::workers::listen;

/// Deliveries in flight at once in one process. Each holds a place for up to the 10 s timeout;
/// one endpoint takes at most `DispatchSettings::per_endpoint` of them, one tenant `per_tenant`.
const IN_FLIGHT: usize = 128;
const QUARTER: u32 = IN_FLIGHT as u32 / 4;
const POLL: Duration = Duration::from_secs(1);
const FAN_OUT_BATCH: i64 = 500;

pub fn spawn(config: &Config, store: &Store) {
    let settings = DispatchSettings {
        base_url: config.public_url.clone(),
        ..DispatchSettings::default()
    };
    tokio::spawn(run(Dispatcher::new(store.clone(), settings)));
}

pub async fn run(dispatcher: Dispatcher) {
    let places = Arc::new(Semaphore::new(IN_FLIGHT));
    // A delivery of this process has finished: its endpoint has room again, and a backlog held
    // back by the endpoint's limit can go on at once rather than at the next look.
    let finished = Arc::new(Notify::new());
    let mut listener = None;
    loop {
        // Listen before looking, so an event committed in between still wakes the next wait.
        if listener.is_none() {
            listener = listen(&dispatcher.store, dispatch::OUTBOX_CHANNEL).await;
        }
        if pass(&dispatcher, &places, &finished).await {
            // Every place was filled: more may be due. Go on once a quarter of them is free, so
            // that each claim takes a batch rather than one delivery.
            if let Ok(freed) = places.acquire_many(QUARTER).await {
                drop(freed);
            }
            continue;
        }
        let Some(waiting) = listener.as_mut() else {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = finished.notified() => {}
            }
            continue;
        };
        // `recv` is cancel-safe: a wake-up by a finished delivery loses no notification.
        let heard = tokio::select! {
            heard = tokio::time::timeout(POLL, waiting.recv()) => heard,
            _ = finished.notified() => continue,
        };
        match heard {
            Ok(Ok(_)) => {
                // One pass serves every notification already here.
                while waiting.next_buffered().is_some() {}
            }
            Err(_) => {}
            Ok(Err(error)) => {
                tracing::warn!(
                    ?error,
                    "listening for outbox events failed; polling until reconnected"
                );
                listener = None;
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

/// Fans out what the outbox holds, then claims as many due deliveries as there are free places
/// and starts each. True when it filled every place.
async fn pass(dispatcher: &Dispatcher, places: &Arc<Semaphore>, finished: &Arc<Notify>) -> bool {
    loop {
        match dispatch::fan_out(&dispatcher.store, dispatcher.now(), FAN_OUT_BATCH).await {
            Ok(count) if count as i64 >= FAN_OUT_BATCH => continue,
            Ok(_) => break,
            Err(error) => {
                tracing::warn!(?error, "fanning out outbox events failed; retrying");
                break;
            }
        }
    }
    let free = places.available_permits();
    if free == 0 {
        return true;
    }
    let claimed = match dispatcher.claim(free as i64).await {
        Ok(claimed) => claimed,
        Err(error) => {
            tracing::warn!(?error, "claiming webhook deliveries failed; retrying");
            return false;
        }
    };
    let filled = claimed.len() >= free;
    for delivery in claimed {
        let Ok(place) = places.clone().try_acquire_owned() else {
            // Claimed beyond the places: its lease runs out and it is claimed again.
            break;
        };
        let (dispatcher, finished) = (dispatcher.clone(), finished.clone());
        tokio::spawn(async move {
            if let Err(error) = dispatcher.deliver(delivery).await {
                tracing::warn!(
                    ?error,
                    "a webhook delivery could not be recorded; it is retried when its claim ends"
                );
            }
            drop(place);
            finished.notify_one();
        });
    }
    filled
}
