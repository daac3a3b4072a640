//! Password reset and invitation links: a random one-time token, stored only as its SHA-256, that
//! expires. Asking for a reset never reveals whether the email exists: the request is queued in
//! `password_reset_request` and answered at once, and a worker ([`process_pending`]) sends the link.

use askama::Template;
use domain::{AuditAction, DisplayName, Email, Password, Slug, TenantId, UserId};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use tracing::Instrument;

use crate::audit::{self, AuditEntry};
use crate::auth::RequestMeta;
use crate::db::{new_id, tenant_tx, TenantTx, Tx};
use crate::mail::{self, Mail};
use crate::{auth, password, tenants, ServiceError, Store};

pub const RESET_VALIDITY: Duration = Duration::minutes(60);
pub const INVITATION_VALIDITY: Duration = Duration::days(7);
/// More requests than this per user and hour are silently dropped, so nobody can flood a mailbox.
const MAX_RESETS_PER_HOUR: i64 = 3;
/// The channel `request_reset` notifies when it queues a request; the worker listens on it.
pub const REQUEST_CHANNEL: &str = "password_reset_request";
/// A queued request whose handling fails this many times is dropped with a warning.
pub const MAX_ATTEMPTS: i32 = 5;

#[derive(Template)]
#[template(path = "password_reset.txt")]
struct ResetText<'a> {
    name: &'a str,
    organisation: &'a str,
    link: &'a str,
    valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetHtml<'a> {
    name: &'a str,
    organisation: &'a str,
    link: &'a str,
    valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "invitation.txt")]
struct InvitationText<'a> {
    name: &'a str,
    organisation: &'a str,
    link: &'a str,
    valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationHtml<'a> {
    name: &'a str,
    organisation: &'a str,
    link: &'a str,
    valid_minutes: i64,
}

fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    (token, hash)
}

fn link(base_url: &str, slug: &str, token: &str) -> String {
    format!(
        "{}/reset-password?org={slug}&token={token}",
        base_url.trim_end_matches('/')
    )
}

async fn store_token(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    hash: Vec<u8>,
    validity: Duration,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "insert into password_reset_token (id, tenant_id, user_id, token_hash, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)",
        new_id(),
        tenant.as_uuid(),
        user.as_uuid(),
        hash,
        now,
        now + validity
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues a request for a reset link and answers at once. Whether the organisation and an active
/// user with this email exist is decided later by [`process_pending`], so the request path does the
/// same work, and takes the same time, for every account: the caller cannot tell the difference.
/// A malformed email is still refused; a malformed organisation identifier (which names no
/// organisation, as anyone can see) queues nothing.
#[tracing::instrument(skip_all, fields(request_id = %meta.request_id))]
pub async fn request_reset(
    store: &Store,
    meta: &RequestMeta,
    organisation: &str,
    email: &str,
) -> Result<(), ServiceError> {
    let email = Email::parse("email", email)?;
    let Ok(slug) = Slug::parse("organisation", organisation) else {
        return Ok(());
    };
    // Platform data, written as the owning role: no tenant is known yet (see `tenants::find_by_slug`).
    let mut tx = store.pool.begin().await?;
    sqlx::query!(
        "insert into password_reset_request (id, organisation, email, ip, request_id, created_at)
         values ($1, $2, $3, cast($4::text as inet), $5, $6)",
        new_id(),
        slug.as_str(),
        email.as_str(),
        meta.ip.map(|ip| ip.to_string()),
        meta.request_id,
        store.clock.now()
    )
    .execute(&mut *tx)
    .await?;
    // Delivered at commit, so the worker wakes to a row it can see.
    sqlx::query!("select pg_notify($1, '')", REQUEST_CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Handles up to `batch` queued reset requests, oldest first: for each whose organisation and
/// active user exist (and who has had fewer than three links this hour), a token, the mail with
/// the link and an audit row carrying the original request's address and id. Several workers may
/// run; each claims its own rows. A request that fails is tried again on a later pass, and dropped
/// with a warning after [`MAX_ATTEMPTS`]. Returns how many requests it took from the queue.
///
/// The queue row is deleted after its tenant transaction commits, so a crash between the two
/// handles that request again: at worst one more mail, still within the hourly limit.
#[tracing::instrument(skip_all)]
pub async fn process_pending(
    store: &Store,
    base_url: &str,
    batch: i64,
) -> Result<usize, ServiceError> {
    let mut queue = store.pool.begin().await?;
    let rows = sqlx::query!(
        "select id, organisation, email, host(ip) as ip, request_id, attempts
         from password_reset_request
         order by created_at, id limit $1 for update skip locked",
        batch
    )
    .fetch_all(&mut *queue)
    .await?;
    let taken = rows.len();
    for row in rows {
        let meta = RequestMeta {
            request_id: row.request_id.unwrap_or_default(),
            ip: row.ip.and_then(|ip| ip.parse().ok()),
            user_agent: None,
        };
        let span = tracing::info_span!("password_reset_request", request_id = %meta.request_id);
        let outcome = send_link(store, &meta, &row.organisation, &row.email, base_url)
            .instrument(span)
            .await;
        match outcome {
            Err(error) if row.attempts + 1 < MAX_ATTEMPTS => {
                tracing::warn!(request_id = %meta.request_id, ?error, "handling a password reset request failed; retrying later");
                sqlx::query!(
                    "update password_reset_request set attempts = attempts + 1 where id = $1",
                    row.id
                )
                .execute(&mut *queue)
                .await?;
            }
            outcome => {
                if let Err(error) = outcome {
                    tracing::warn!(request_id = %meta.request_id, ?error, attempts = row.attempts + 1, "dropping a password reset request that kept failing");
                }
                sqlx::query!("delete from password_reset_request where id = $1", row.id)
                    .execute(&mut *queue)
                    .await?;
            }
        }
    }
    queue.commit().await?;
    Ok(taken)
}

/// One queued request: what `request_reset` did in the request before it was queued.
async fn send_link(
    store: &Store,
    meta: &RequestMeta,
    organisation: &str,
    email: &str,
    base_url: &str,
) -> Result<(), ServiceError> {
    let Ok(slug) = Slug::parse("organisation", organisation) else {
        return Ok(());
    };
    let Some(tenant) = tenants::find_by_slug(&store.pool, &slug).await? else {
        return Ok(());
    };
    if !tenant.is_active {
        return Ok(());
    }
    let now = store.clock.now();
    let mut tx = tenant_tx(&store.pool, tenant.id).await?;
    // Two workers handling two requests of one user at once must not both pass the limit.
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))",
        format!("reset:{}:{email}", tenant.id.as_uuid())
    )
    .execute(&mut *tx)
    .await?;
    let user = sqlx::query!(
        r#"select u.id, u.name,
                  (select count(*) from password_reset_token r
                   where r.tenant_id = u.tenant_id and r.user_id = u.id and r.created_at > $3) as "recent!"
           from app_user u where u.tenant_id = $1 and u.email = $2 and u.status = 'active'"#,
        tenant.id.as_uuid(),
        email,
        now - Duration::hours(1)
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user.filter(|u| u.recent < MAX_RESETS_PER_HOUR) else {
        return Ok(());
    };
    let user_id = UserId::from_uuid(user.id);
    let (token, hash) = new_token();
    store_token(&mut tx, tenant.id, user_id, hash, RESET_VALIDITY, now).await?;
    let link = link(base_url, &tenant.slug, &token);
    let minutes = RESET_VALIDITY.whole_minutes();
    let text = ResetText {
        name: &user.name,
        organisation: &tenant.name,
        link: &link,
        valid_minutes: minutes,
    };
    let html = ResetHtml {
        name: &user.name,
        organisation: &tenant.name,
        link: &link,
        valid_minutes: minutes,
    };
    let mail = Mail::render(email, "Reset your Lectern password", &text, &html)?.masking(&token);
    mail::enqueue(&mut tx, tenant.id, mail, now).await?;
    let entry = AuditEntry {
        action: AuditAction::AuthPasswordResetRequested,
        target_type: Some("user"),
        target_id: Some(user.id),
        data: json!({}),
    };
    audit::record_anonymous(&mut tx, tenant.id, None, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Mails a new user the link to choose a first password.
pub(crate) async fn issue_invitation(
    tx: &mut TenantTx,
    user: UserId,
    email: &Email,
    name: &DisplayName,
    slug: &str,
    base_url: &str,
) -> Result<(), ServiceError> {
    let (token, hash) = new_token();
    let (tenant, now) = (tx.tenant(), tx.now());
    store_token(tx, tenant, user, hash, INVITATION_VALIDITY, now).await?;
    let organisation =
        sqlx::query_scalar!("select name from tenant where id = $1", tenant.as_uuid())
            .fetch_one(&mut **tx)
            .await?;
    let link = link(base_url, slug, &token);
    let minutes = INVITATION_VALIDITY.whole_minutes();
    let text = InvitationText {
        name: name.as_str(),
        organisation: &organisation,
        link: &link,
        valid_minutes: minutes,
    };
    let html = InvitationHtml {
        name: name.as_str(),
        organisation: &organisation,
        link: &link,
        valid_minutes: minutes,
    };
    let subject = format!("You are invited to {organisation} on Lectern");
    let mail = Mail::render(email.as_str(), &subject, &text, &html)?.masking(&token);
    mail::enqueue(tx, tenant, mail, now).await
}

/// Sets a new password with a reset or invitation token, once, and ends the user's sessions.
/// Every other outstanding link of the user dies with it.
#[tracing::instrument(skip_all, fields(request_id = %meta.request_id))]
pub async fn reset_password(
    store: &Store,
    meta: &RequestMeta,
    organisation: &str,
    token: &str,
    new_password: &str,
) -> Result<(), ServiceError> {
    let new_password = Password::parse_new("password", new_password)?;
    let slug =
        Slug::parse("organisation", organisation).map_err(|_| ServiceError::InvalidResetToken)?;
    let tenant = tenants::find_by_slug(&store.pool, &slug)
        .await?
        .ok_or(ServiceError::InvalidResetToken)?;
    if !tenant.is_active {
        return Err(ServiceError::InvalidResetToken);
    }
    let hash = Sha256::digest(token.trim().as_bytes()).to_vec();
    // A cheap look-up first: hashing the new password costs real CPU, so unknown tokens must not.
    let now = store.clock.now();
    let mut tx = tenant_tx(&store.pool, tenant.id).await?;
    let user = usable_token_user(&mut tx, tenant.id, &hash, now).await?;
    tx.commit().await?;
    user.ok_or(ServiceError::InvalidResetToken)?;

    let password_hash = password::hash(&new_password).await?;
    let mut tx = tenant_tx(&store.pool, tenant.id).await?;
    let row = sqlx::query!(
        "update password_reset_token r set used_at = $1
         from app_user u
         where r.tenant_id = $2 and r.token_hash = $3 and r.used_at is null and r.expires_at > $1
           and u.tenant_id = r.tenant_id and u.id = r.user_id and u.status = 'active'
         returning r.user_id, u.email",
        now,
        tenant.id.as_uuid(),
        hash
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::InvalidResetToken)?;
    sqlx::query!(
        "update app_user set password_hash = $1 where tenant_id = $2 and id = $3",
        password_hash,
        tenant.id.as_uuid(),
        row.user_id
    )
    .execute(&mut *tx)
    .await?;
    void_tokens(&mut tx, tenant.id, row.user_id, now).await?;
    auth::revoke_sessions(&mut tx, tenant.id, row.user_id, now).await?;
    sqlx::query!(
        "delete from sign_in_failure where tenant_id = $1 and email = $2",
        tenant.id.as_uuid(),
        row.email
    )
    .execute(&mut *tx)
    .await?;
    let actor = Some(UserId::from_uuid(row.user_id));
    let entry = AuditEntry {
        action: AuditAction::AuthPasswordReset,
        target_type: Some("user"),
        target_id: Some(row.user_id),
        data: json!({}),
    };
    audit::record_anonymous(&mut tx, tenant.id, actor, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

async fn usable_token_user(
    tx: &mut Tx,
    tenant: TenantId,
    hash: &[u8],
    now: time::OffsetDateTime,
) -> Result<Option<uuid::Uuid>, ServiceError> {
    let user = sqlx::query_scalar!(
        "select r.user_id from password_reset_token r
         join app_user u on u.tenant_id = r.tenant_id and u.id = r.user_id
         where r.tenant_id = $1 and r.token_hash = $2 and r.used_at is null and r.expires_at > $3 and u.status = 'active'",
        tenant.as_uuid(),
        hash,
        now
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(user)
}

/// Marks every outstanding link of a user as used (after a reset, on deactivation).
pub(crate) async fn void_tokens(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: uuid::Uuid,
    now: time::OffsetDateTime,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "update password_reset_token set used_at = $1 where tenant_id = $2 and user_id = $3 and used_at is null",
        now,
        tenant.as_uuid(),
        user
    )
    .execute(conn)
    .await?;
    Ok(())
}
