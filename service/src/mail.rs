//! Outgoing mail: rendered with askama, written to `mail_outbox` in the caller's transaction, and
//! sent by a worker through SMTP when `SMTP_URL` is set (otherwise the developer mailbox shows it).
//! Once a mail is delivered, the secrets in it (a link's token) are removed from the stored copy;
//! the sweeper deletes mails once every link in them has expired.

use anyhow::Context;
use askama::Template;
use domain::dto::MailView;
use domain::TenantId;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::db::new_id;
use crate::users::rfc3339;
use crate::{reset, ServiceError};

/// What replaces a secret in a delivered mail's stored body.
pub const REMOVED: &str = "[removed after delivery]";

/// How long the outbox keeps a mail: as long as the longest-lived link in one (an invitation's),
/// after which nothing in it works any more.
pub const KEPT_FOR: Duration = reset::INVITATION_VALIDITY;

pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Secrets in the bodies, replaced by [`REMOVED`] in the stored copy once it is delivered.
    pub mask: Vec<String>,
}

impl Mail {
    /// Renders a pair of templates (plain text and HTML) into one mail.
    pub fn render(
        to: &str,
        subject: &str,
        text: &impl Template,
        html: &impl Template,
    ) -> Result<Mail, ServiceError> {
        Ok(Mail {
            to: to.to_string(),
            subject: subject.to_string(),
            text: text.render().context("while rendering a mail")?,
            html: html.render().context("while rendering a mail")?,
            mask: Vec::new(),
        })
    }

    /// Marks a secret in the bodies (a link's token) to remove from the stored copy once the mail
    /// has been delivered.
    pub fn masking(mut self, secret: &str) -> Mail {
        self.mask.push(secret.to_string());
        self
    }
}

/// Writes a mail to the outbox in the caller's transaction; `now` (the service's clock) dates it
/// for the sweep.
pub async fn enqueue(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    mail: Mail,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into mail_outbox (id, tenant_id, to_address, subject, body_text, body_html, mask, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        new_id(),
        tenant.as_uuid(),
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
        &mail.mask,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest mails of every tenant, for the developer mailbox (only served when no SMTP is set
/// and Lectern runs on a loopback address).
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<MailView>, ServiceError> {
    let rows = sqlx::query!(
        "select to_address, subject, body_text, created_at, sent_at from mail_outbox order by created_at desc, id desc limit $1",
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MailView {
            to: r.to_address,
            subject: r.subject,
            body_text: r.body_text,
            created_at: rfc3339(r.created_at),
            sent: r.sent_at.is_some(),
        })
        .collect())
}

pub type Smtp = AsyncSmtpTransport<Tokio1Executor>;

pub fn smtp_transport(url: &str) -> Result<Smtp, ServiceError> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("SMTP_URL is not a valid SMTP URL")?
        .build())
}

/// Sends up to `batch` unsent mails; several workers may run, each claims its own rows. A sent
/// mail's stored bodies lose their secrets (`mask`) in the update that marks it sent; a refused one
/// keeps them for the next try. Returns how many were sent.
pub async fn deliver_pending(
    pool: &PgPool,
    smtp: &Smtp,
    from: &Mailbox,
    batch: i64,
) -> Result<usize, ServiceError> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query!(
        "select id, to_address, subject, body_text, body_html, mask from mail_outbox
         where sent_at is null and attempts < 10
         order by created_at limit $1 for update skip locked",
        batch
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for row in rows {
        let stored_text = masked(&row.body_text, &row.mask);
        let stored_html = masked(&row.body_html, &row.mask);
        let outcome = match build_message(
            from,
            &row.to_address,
            &row.subject,
            row.body_text,
            row.body_html,
        ) {
            Ok(message) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                sent += 1;
                sqlx::query!(
                    "update mail_outbox
                     set sent_at = now(), attempts = attempts + 1, body_text = $2, body_html = $3, mask = '{}'
                     where id = $1",
                    row.id,
                    stored_text,
                    stored_html
                )
                .execute(&mut *tx)
                .await?;
            }
            Err(error) => {
                tracing::warn!(mail_id = %row.id, %error, "sending a mail failed");
                sqlx::query!(
                    "update mail_outbox set attempts = attempts + 1, last_error = $2 where id = $1",
                    row.id,
                    error
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// A body with each secret replaced by [`REMOVED`].
fn masked(body: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(body.to_string(), |body, secret| {
            body.replace(secret.as_str(), REMOVED)
        })
}

/// Deletes the mails older than [`KEPT_FOR`], sent or not: every link in them is dead by now.
/// Platform work, across tenants, as the owning role.
pub async fn sweep(pool: &PgPool, now: OffsetDateTime) -> Result<u64, ServiceError> {
    let done = sqlx::query!(
        "delete from mail_outbox where created_at < $1",
        now - KEPT_FOR
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done)
}

fn build_message(
    from: &Mailbox,
    to: &str,
    subject: &str,
    text: String,
    html: String,
) -> Result<Message, String> {
    let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}
