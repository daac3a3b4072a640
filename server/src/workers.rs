//! Background work: delivering the mail outbox when SMTP is configured, and sweeping expired
//! sessions, sign-in failures, idle rate-limit buckets and old idempotency records.

use std::time::Duration;

use lettre::message::Mailbox;
use service::{mail, Store};

use crate::config::Config;

pub fn spawn(config: &Config, store: &Store) {
    spawn_sweeper(store);
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

fn spawn_sweeper(store: &Store) {
    let store = store.clone();
    tokio::spawn(async move {
        loop {
            let now = store.clock.now();
            let sweeps = [
                service::auth::sweep(&store.pool, now).await,
                service::rate_limit::sweep(&store.pool, now).await,
                service::idempotency::sweep(&store.pool, now).await,
            ];
            for error in sweeps.into_iter().filter_map(Result::err) {
                tracing::warn!(?error, "sweeping expired rows failed; retrying later");
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    });
}
