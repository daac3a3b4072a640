//! The developer mailbox: mails Lectern would have sent, when no SMTP server is configured.

use domain::dto::MailView;
use leptos::prelude::*;

use crate::error::AppError;

/// None when the mailbox is off (SMTP configured, or Lectern reachable beyond this machine).
#[server(endpoint = "dev/mailbox")]
pub async fn mailbox() -> Result<Option<Vec<MailView>>, AppError> {
    let ctx = crate::ssr::server_context()?;
    if !ctx.dev_mailbox {
        return Ok(None);
    }
    service::mail::recent(&ctx.store.pool, 50)
        .await
        .map(Some)
        .map_err(crate::ssr::service_error)
}
