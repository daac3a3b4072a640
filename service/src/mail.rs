//! Outgoing mail: rendered with askama, written to `mail_outbox` in the caller's transaction, and
//! sent by a worker through SMTP when `SMTP_URL` is set (otherwise the developer mailbox shows it).

use anyhow::Context;
use askama::Template;
use domain::dto::MailView;
use domain::TenantId;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;

use crate::db::{new_id, Tx};
use crate::users::rfc3339;
use crate::ServiceError;

pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
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
        })
    }
}

pub async fn enqueue(tx: &mut Tx, tenant: TenantId, mail: Mail) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into mail_outbox (id, tenant_id, to_address, subject, body_text, body_html) values ($1, $2, $3, $4, $5, $6)",
        new_id(),
        tenant.as_uuid(),
        mail.to,
        mail.subject,
        mail.text,
        mail.html
    )
    .execute(&mut **tx)
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

/// Sends up to `batch` unsent mails; several workers may run, each claims its own rows.
/// Returns how many were sent.
pub async fn deliver_pending(
    pool: &PgPool,
    smtp: &Smtp,
    from: &Mailbox,
    batch: i64,
) -> Result<usize, ServiceError> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query!(
        "select id, to_address, subject, body_text, body_html from mail_outbox
         where sent_at is null and attempts < 10
         order by created_at limit $1 for update skip locked",
        batch
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for row in rows {
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
                    "update mail_outbox set sent_at = now(), attempts = attempts + 1 where id = $1",
                    row.id
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
