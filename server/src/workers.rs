//! Background work: handling queued password reset requests, delivering the mail outbox when SMTP
//! is configured, submitting quiz attempts past their deadline, and sweeping expired sessions,
//! sign-in failures, idle rate-limit buckets, old idempotency records, old mails and old webhook
//! deliveries.

use std::time::Duration;

use lettre::message::Mailbox;
use service::{mail, reset, Store};
use sqlx::postgres::PgListener;

use crate::config::Config;

/// How often the reset worker looks at its queue when no notification wakes it.
const RESET_POLL: Duration = Duration::from_secs(3);
const RESET_BATCH: i64 = 20;

pub fn spawn(config: &Config, store: &Store) {
    spawn_sweeper(store);
    spawn_deadline_sweeper(store);
    // Reset requests are handled with or without SMTP: without it, the mails wait in the outbox
    // (and the developer mailbox shows them).
    spawn_reset_requests(store, &config.public_url);
    let Some(url) = config.smtp_url.clone() else {
        return;
    };
    let (Ok(smtp), Ok(from)) = (
        mail::smtp_transport(&url),
        config.mail_from.parse::<Mailbox>(),
    ) else {
        tracing::error!("SMTP_URL or LECTERN_MAIL_FROM cannot be used; mails stay in the outbox");
        return;
    };
    let pool = store.pool.clone();
    tokio::spawn(async move {
        loop {
            match mail::deliver_pending(&pool, &smtp, &from, 20).await {
                Ok(sent) if sent > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(?error, "mail delivery failed; retrying"),
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}

/// Queued password reset requests: `request_reset` notifies `reset::REQUEST_CHANNEL` as it
/// commits, which wakes this worker at once; it also looks every few seconds, for requests whose
/// notification it missed (while reconnecting, or queued before it started listening).
fn spawn_reset_requests(store: &Store, base_url: &str) {
    let store = store.clone();
    let base_url = base_url.to_string();
    tokio::spawn(async move {
        let mut listener = None;
        loop {
            // Listen before looking, so a request queued in between still wakes the next wait.
            if listener.is_none() {
                listener = listen(&store, reset::REQUEST_CHANNEL).await;
            }
            handle_reset_requests(&store, &base_url).await;
            let Some(waiting) = listener.as_mut() else {
                tokio::time::sleep(RESET_POLL).await;
                continue;
            };
            // `recv` is cancel-safe: a timeout loses no notification.
            match tokio::time::timeout(RESET_POLL, waiting.recv()).await {
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(error)) => {
                    tracing::warn!(
                        ?error,
                        "listening for reset requests failed; polling until reconnected"
                    );
                    listener = None;
                    tokio::time::sleep(RESET_POLL).await;
                }
            }
        }
    });
}

/// A listener on `channel`, or None (the caller polls) when the database will not give one.
pub(crate) async fn listen(store: &Store, channel: &str) -> Option<PgListener> {
    let listening = async {
        let mut listener = PgListener::connect_with(&store.pool).await?;
        listener.listen(channel).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    listening
        .await
        .inspect_err(|error| tracing::warn!(?error, channel, "cannot listen; polling"))
        .ok()
}

/// Empties the queue, a batch at a time.
async fn handle_reset_requests(store: &Store, base_url: &str) {
    loop {
        match reset::process_pending(store, base_url, RESET_BATCH).await {
            Ok(taken) if taken as i64 == RESET_BATCH => continue,
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(?error, "handling password reset requests failed; retrying");
                return;
            }
        }
    }
}

/// How often abandoned quiz attempts are looked for: an attempt is submitted within about this
/// long after its deadline and grace.
const DEADLINE_POLL: Duration = Duration::from_secs(2);
const DEADLINE_BATCH: i64 = 500;

/// Submits quiz attempts left open past their deadline. Every server process runs one; they share
/// the work through `FOR UPDATE SKIP LOCKED`.
fn spawn_deadline_sweeper(store: &Store) {
    let store = store.clone();
    tokio::spawn(async move {
        loop {
            match service::quizzes::attempts::sweep(&store, DEADLINE_BATCH).await {
                Ok(submitted) if i64::try_from(submitted).unwrap_or(i64::MAX) >= DEADLINE_BATCH => {
                    continue
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(?error, "submitting overdue quiz attempts failed; retrying")
                }
            }
            tokio::time::sleep(DEADLINE_POLL).await;
        }
    });
}

fn spawn_sweeper(store: &Store) {
    let store = store.clone();
    tokio::spawn(async move {
        loop {
            let now = store.clock.now();
            let sweeps = [
                service::auth::sweep(&store.pool, now).await,
                service::rate_limit::sweep(&store.pool, now).await,
                service::idempotency::sweep(&store.pool, now).await,
                service::mail::sweep(&store.pool, now).await,
                service::webhooks::deliveries::sweep(&store.pool, now).await,
                service::proctoring::sweep(&store.pool, now).await,
            ];
            for error in sweeps.into_iter().filter_map(Result::err) {
                tracing::warn!(?error, "sweeping expired rows failed; retrying later");
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    });
}
