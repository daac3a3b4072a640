//! Mail delivery through SMTP (lettre) to a minimal SMTP server on a local port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use crate::common::*;
use domain::Role;
use service::{mail, reset, Store};
use sqlx::PgPool;
use time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Speaks just enough SMTP to accept mail; refuses recipients whose address contains `refuse`.
/// Returns its URL and the transcript of what clients sent.
async fn smtp_sink() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let transcript = Arc::new(Mutex::new(Vec::new()));
    let seen = transcript.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    seen.lock().unwrap().push(line.clone());
                    let reply: &[u8] = if in_data {
                        if line == "." {
                            in_data = false;
                            b"250 queued\r\n"
                        } else {
                            continue;
                        }
                    } else {
                        let verb = line.to_ascii_uppercase();
                        if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                            b"250 sink\r\n"
                        } else if verb.starts_with("RCPT") && line.contains("refuse") {
                            b"550 no such mailbox\r\n"
                        } else if verb.starts_with("DATA") {
                            in_data = true;
                            b"354 go on\r\n"
                        } else if verb.starts_with("QUIT") {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        } else {
                            b"250 ok\r\n"
                        }
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, transcript)
}

const BASE: &str = "http://lectern.test";

/// Asks for a reset link for each email and lets the worker mail them.
async fn reset_mails(store: &Store, emails: &[&str]) {
    for email in emails {
        reset::request_reset(store, &meta(), "acme", email)
            .await
            .unwrap();
    }
    reset::process_pending(store, BASE, 10).await.unwrap();
}

/// The token in the stored plain-text body of the mail to `to`, if it still holds one.
async fn stored_token(pool: &PgPool, to: &str) -> Option<String> {
    let body: String =
        sqlx::query_scalar("select body_text from mail_outbox where to_address = $1")
            .bind(to)
            .fetch_one(pool)
            .await
            .unwrap();
    let start = body.find("token=")? + "token=".len();
    let token: String = body[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!token.is_empty()).then_some(token)
}

/// What went over SMTP with quoted-printable undone: soft line breaks joined, `=3D` back to `=`.
fn decoded(transcript: &Mutex<Vec<String>>) -> String {
    transcript
        .lock()
        .unwrap()
        .join("\n")
        .replace("=\n", "")
        .replace("=3D", "=")
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn outbox_mail_is_sent_over_smtp_once_and_refusals_are_recorded(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    user(&store, t, Role::Student, "refuse@acme.test").await;
    reset_mails(&store, &["stu@acme.test", "refuse@acme.test"]).await;
    let (url, transcript) = smtp_sink().await;
    let smtp = mail::smtp_transport(&url).unwrap();
    let from = "Lectern <no-reply@lectern.test>".parse().unwrap();

    assert_eq!(
        mail::deliver_pending(&store.pool, &smtp, &from, 10)
            .await
            .unwrap(),
        1
    );

    let lines = transcript.lock().unwrap().join("\n");
    assert!(lines.contains("RCPT TO:<stu@acme.test>"), "{lines}");
    assert!(
        lines.contains("Subject: Reset your Lectern password"),
        "{lines}"
    );
    // The body travels quoted-printable, where `=` is written `=3D`.
    assert!(
        lines.contains("reset-password?org=3Dacme&token=3D"),
        "{lines}"
    );
    let (sent, refused): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where sent_at is not null), count(*) filter (where sent_at is null and last_error like '%550%')
         from mail_outbox",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!((sent, refused), (1, 1));

    // A second pass sends nothing twice; the refused mail is tried again, and refused again.
    assert_eq!(
        mail::deliver_pending(&store.pool, &smtp, &from, 10)
            .await
            .unwrap(),
        0
    );
    let attempts: i32 = sqlx::query_scalar(
        "select attempts from mail_outbox where to_address = 'refuse@acme.test'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(attempts, 2);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn a_delivered_mail_keeps_no_token_in_the_outbox_but_an_undelivered_one_does(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "stu@acme.test").await;
    user(&store, t, Role::Student, "refuse@acme.test").await;
    reset_mails(&store, &["stu@acme.test", "refuse@acme.test"]).await;
    let token = stored_token(&store.pool, "stu@acme.test").await.unwrap();
    let refused_token = stored_token(&store.pool, "refuse@acme.test").await.unwrap();
    let mask: Vec<String> =
        sqlx::query_scalar("select mask from mail_outbox where to_address = 'stu@acme.test'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(
        mask,
        std::slice::from_ref(&token),
        "the token is marked to be masked"
    );

    let (url, transcript) = smtp_sink().await;
    let smtp = mail::smtp_transport(&url).unwrap();
    let from = "Lectern <no-reply@lectern.test>".parse().unwrap();
    assert_eq!(
        mail::deliver_pending(&store.pool, &smtp, &from, 10)
            .await
            .unwrap(),
        1
    );

    let sent = decoded(&transcript);
    assert!(
        sent.contains(&format!("reset-password?org=acme&token={token}")),
        "the mail that went out holds the link: {sent}"
    );
    let (text, html, mask): (String, String, Vec<String>) = sqlx::query_as(
        "select body_text, body_html, mask from mail_outbox where to_address = 'stu@acme.test'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert!(
        !text.contains(&token) && !html.contains(&token),
        "{text}\n{html}"
    );
    assert!(
        text.contains(mail::REMOVED) && html.contains(mail::REMOVED),
        "{text}\n{html}"
    );
    assert!(mask.is_empty());

    // The refused mail is still to be delivered, so it keeps its link.
    assert_eq!(
        stored_token(&store.pool, "refuse@acme.test").await,
        Some(refused_token.clone())
    );
    let (html, mask): (String, Vec<String>) = sqlx::query_as(
        "select body_html, mask from mail_outbox where to_address = 'refuse@acme.test'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert!(html.contains(&refused_token));
    assert_eq!(mask, [refused_token]);
}

#[sqlx::test(migrator = "service::MIGRATOR")]
async fn the_sweep_deletes_mails_older_than_an_invitation_lives(pool: PgPool) {
    let store = store(pool);
    let t = tenant(&store, "acme").await;
    user(&store, t, Role::Student, "old@acme.test").await;
    user(&store, t, Role::Student, "new@acme.test").await;
    reset_mails(&store, &["old@acme.test"]).await;
    store.clock.advance(Duration::days(5));
    reset_mails(&store, &["new@acme.test"]).await;
    store.clock.advance(Duration::days(2));

    // Seven days old exactly: kept.
    assert_eq!(
        mail::sweep(&store.pool, store.clock.now()).await.unwrap(),
        0
    );
    store.clock.advance(Duration::days(1));
    assert_eq!(
        mail::sweep(&store.pool, store.clock.now()).await.unwrap(),
        1
    );
    let left: Vec<String> = sqlx::query_scalar("select to_address from mail_outbox")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(left, ["new@acme.test"]);
}
