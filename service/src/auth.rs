//! Password sign-in, brute-force throttling, and the server side of sessions.
//!
//! A browser session (tower-sessions) holds only an `auth_session` id; that row ties it to a user,
//! carries the absolute expiry, and is revoked when the user signs out, is deactivated or resets the
//! password. Each request re-reads user, role and tenant status, so changes apply at once.

use std::net::IpAddr;

use domain::dto::SessionUser;
use domain::{AuditAction, Email, Password, Role, Slug, TenantId, UserId, UserStatus};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::db::{new_id, tenant_tx, TenantTx, Tx};
use crate::{password, tenants, Caller, ServiceError, Store};

/// How long a session lasts after sign-in, however active it is.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// Failed sign-ins counted within this window…
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// …lock one email of one tenant after this many…
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// …and one IP address within one tenant after this many.
pub const MAX_FAILURES_PER_IP: i64 = 30;

/// The id the server's middleware gives each request, kept in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The client's address as the server determined it (the socket's peer, or the address a trusted
/// proxy reported), kept in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

#[derive(Debug)]
pub struct SignInForm {
    pub organisation: String,
    pub email: String,
    pub password: Password,
}

#[derive(Debug)]
pub struct SignedIn {
    pub session_id: Uuid,
    pub user: SessionUser,
}

/// Signs a user in and opens a server-side session. Every failure looks the same to the caller.
#[tracing::instrument(skip_all, fields(request_id = %meta.request_id))]
pub async fn sign_in(
    store: &Store,
    meta: &RequestMeta,
    form: SignInForm,
) -> Result<SignedIn, ServiceError> {
    let slug = Slug::parse("organisation", &form.organisation)
        .map_err(|_| ServiceError::InvalidCredentials);
    let email = Email::parse("email", &form.email).map_err(|_| ServiceError::InvalidCredentials);
    let (Ok(slug), Ok(email)) = (slug, email) else {
        password::verify(&form.password, None).await?;
        return Err(ServiceError::InvalidCredentials);
    };
    let Some(tenant) = tenants::find_by_slug(&store.pool, &slug).await? else {
        password::verify(&form.password, None).await?;
        return Err(ServiceError::InvalidCredentials);
    };
    let now = store.clock.now();
    let ip = meta.ip.map(throttle_key);

    // Attempts on one account run this part one at a time (the lock ends with the transaction), and
    // each records itself as a failure before the password is checked: parallel guesses all count.
    // A success deletes its row again.
    let mut tx = tenant_tx(&store.pool, tenant.id).await?;
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))",
        format!("sign-in:{}:{}", tenant.id.as_uuid(), email.as_str())
    )
    .execute(&mut *tx)
    .await?;
    let counts = sqlx::query!(
        r#"select
             count(*) filter (where email = $1) as "by_email!",
             min(attempted_at) filter (where email = $1) as by_email_oldest,
             count(*) filter (where ip = cast($2::text as inet)) as "by_ip!",
             min(attempted_at) filter (where ip = cast($2::text as inet)) as by_ip_oldest
           from sign_in_failure
           where tenant_id = $3 and attempted_at > $4"#,
        email.as_str(),
        ip,
        tenant.id.as_uuid(),
        now - THROTTLE_WINDOW,
    )
    .fetch_one(&mut *tx)
    .await?;
    let locked_since = if counts.by_email >= MAX_FAILURES_PER_ACCOUNT {
        counts.by_email_oldest
    } else if counts.by_ip >= MAX_FAILURES_PER_IP {
        counts.by_ip_oldest
    } else {
        None
    };
    if let Some(oldest) = locked_since {
        let retry_after_seconds = ((oldest + THROTTLE_WINDOW) - now).whole_seconds().max(1);
        return Err(ServiceError::TooManyAttempts {
            retry_after_seconds,
        });
    }
    sqlx::query!(
        "insert into sign_in_failure (id, tenant_id, email, ip, attempted_at) values ($1, $2, $3, cast($4::text as inet), $5)",
        new_id(),
        tenant.id.as_uuid(),
        email.as_str(),
        ip,
        now,
    )
    .execute(&mut *tx)
    .await?;
    let user = sqlx::query!(
        "select id, name, role, status, password_hash from app_user where tenant_id = $1 and email = $2",
        tenant.id.as_uuid(),
        email.as_str(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;

    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify(&form.password, hash).await?;
    let mut tx = tenant_tx(&store.pool, tenant.id).await?;
    let user = match user {
        Some(user)
            if password_ok && UserStatus::parse("status", &user.status)? == UserStatus::Active =>
        {
            user
        }
        other => {
            let entry = AuditEntry {
                action: AuditAction::AuthSignInFailed,
                target_type: other.as_ref().map(|_| "user"),
                target_id: other.as_ref().map(|u| u.id),
                data: json!({ "email": email.as_str() }),
            };
            audit::record_anonymous(&mut tx, tenant.id, None, meta, entry).await?;
            tx.commit().await?;
            return Err(ServiceError::InvalidCredentials);
        }
    };
    if !tenant.is_active {
        // Said only to someone who knows a password, so strangers cannot probe which tenants are suspended.
        tx.commit().await?;
        return Err(ServiceError::TenantSuspended);
    }
    let user_id = UserId::from_uuid(user.id);
    sqlx::query!(
        "delete from sign_in_failure where tenant_id = $1 and email = $2",
        tenant.id.as_uuid(),
        email.as_str()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update app_user set last_sign_in_at = $1 where tenant_id = $2 and id = $3",
        now,
        tenant.id.as_uuid(),
        user.id
    )
    .execute(&mut *tx)
    .await?;
    let session_id = open_session_in(&mut tx, tenant.id, user_id, now, meta).await?;
    let entry = AuditEntry {
        action: AuditAction::AuthSignedIn,
        target_type: Some("user"),
        target_id: Some(user.id),
        data: json!({}),
    };
    audit::record_anonymous(&mut tx, tenant.id, Some(user_id), meta, entry).await?;
    tx.commit().await?;
    Ok(SignedIn {
        session_id,
        user: SessionUser {
            user_id,
            name: user.name,
            email: email.into_inner(),
            role: Role::parse("role", &user.role)?,
            tenant_id: tenant.id,
            tenant_slug: tenant.slug,
            tenant_name: tenant.name,
        },
    })
}

/// Opens the server-side session of a user whose credentials were checked: the `auth_session` row
/// a browser session points at, lasting [`SESSION_LIFETIME`]. Sign-in's last step; the benchmark's
/// session maker (`server bench-sessions`) takes the same step without a password.
pub async fn open_session_in(
    tx: &mut Tx,
    tenant: TenantId,
    user: UserId,
    now: OffsetDateTime,
    meta: &RequestMeta,
) -> Result<Uuid, ServiceError> {
    // Random rather than time-ordered: a session id should reveal nothing.
    let session_id = Uuid::new_v4();
    sqlx::query!(
        "insert into auth_session (id, tenant_id, user_id, created_at, expires_at, ip, user_agent)
         values ($1, $2, $3, $4, $5, cast($6::text as inet), $7)",
        session_id,
        tenant.as_uuid(),
        user.as_uuid(),
        now,
        now + SESSION_LIFETIME,
        meta.ip.map(throttle_key),
        meta.user_agent
            .as_deref()
            .map(|ua| ua.chars().take(300).collect::<String>()),
    )
    .execute(&mut **tx)
    .await?;
    Ok(session_id)
}

/// The address a sign-in counts against: IPv4 as it is, IPv6 by its /64, which one client
/// usually holds whole (counting single IPv6 addresses would let it rotate through them).
pub fn throttle_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

/// Resolves a session to its user, or None when it is unknown, revoked, expired, or its user or
/// tenant may no longer act.
pub async fn resolve_session(
    store: &Store,
    tenant: TenantId,
    session_id: Uuid,
) -> Result<Option<SessionUser>, ServiceError> {
    // One statement as the platform, past row-level security (as the deadline sweeper reads), with
    // the tenant in the where clause: every signed-in request resolves its session first, and a
    // tenant-scoped transaction around this one read tripled its round trips.
    let row = sqlx::query!(
        "select u.id, u.name, u.email, u.role, t.slug, t.name as tenant_name
         from auth_session s
         join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
         join tenant t on t.id = s.tenant_id
         where s.tenant_id = $1 and s.id = $2 and s.revoked_at is null and s.expires_at > $3
           and u.status = 'active' and t.status = 'active'",
        tenant.as_uuid(),
        session_id,
        store.clock.now(),
    )
    .fetch_optional(&store.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SessionUser {
        user_id: UserId::from_uuid(row.id),
        name: row.name,
        email: row.email,
        role: Role::parse("role", &row.role)?,
        tenant_id: tenant,
        tenant_slug: row.slug,
        tenant_name: row.tenant_name,
    }))
}

/// Ends one session.
pub async fn sign_out(
    store: &Store,
    caller: &Caller,
    session_id: Uuid,
) -> Result<(), ServiceError> {
    let mut tx = TenantTx::begin(store, caller).await?;
    sqlx::query!(
        "update auth_session set revoked_at = $1 where tenant_id = $2 and id = $3 and revoked_at is null",
        tx.now(),
        caller.tenant_id.as_uuid(),
        session_id
    )
    .execute(&mut *tx)
    .await?;
    let entry = AuditEntry {
        action: AuditAction::AuthSignedOut,
        target_type: None,
        target_id: None,
        data: json!({}),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes every open session of a user (deactivation, password reset).
pub async fn revoke_sessions(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    user: Uuid,
    now: time::OffsetDateTime,
) -> Result<u64, ServiceError> {
    let done = sqlx::query!(
        "update auth_session set revoked_at = $1 where tenant_id = $2 and user_id = $3 and revoked_at is null",
        now,
        tenant.as_uuid(),
        user
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The caller a resolved session acts as.
pub fn caller_for(user: &SessionUser, meta: &RequestMeta) -> Caller {
    Caller {
        tenant_id: user.tenant_id,
        user_id: Some(user.user_id),
        api_key_id: None,
        role: user.role,
        request_id: meta.request_id.clone(),
        ip: meta.ip,
        user_agent: meta.user_agent.clone(),
        on_behalf_of: None,
    }
}

/// Deletes what no longer counts: failures older than the throttling window and sessions that
/// ended a day ago (kept that long for the audit trail). Platform work, across tenants.
pub async fn sweep(pool: &sqlx::PgPool, now: time::OffsetDateTime) -> Result<u64, ServiceError> {
    let failures = sqlx::query!(
        "delete from sign_in_failure where attempted_at < $1",
        now - THROTTLE_WINDOW
    )
    .execute(pool)
    .await?
    .rows_affected();
    let sessions = sqlx::query!(
        "delete from auth_session where coalesce(revoked_at, expires_at) < $1",
        now - Duration::days(1)
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(failures + sessions)
}

#[cfg(test)]
mod tests {
    use super::throttle_key;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_bit_prefix() {
        let a = throttle_key(
            "2001:db8:1:2::1"
                .parse()
                .unwrap_or(std::net::Ipv6Addr::LOCALHOST.into()),
        );
        let b = throttle_key(
            "2001:db8:1:2:ffff::9"
                .parse()
                .unwrap_or(std::net::Ipv6Addr::LOCALHOST.into()),
        );
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_eq!(
            throttle_key(
                "203.0.113.9"
                    .parse()
                    .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())
            ),
            "203.0.113.9"
        );
        assert_eq!(
            throttle_key(
                "::ffff:203.0.113.9"
                    .parse()
                    .unwrap_or(std::net::Ipv6Addr::LOCALHOST.into())
            ),
            "203.0.113.9"
        );
    }
}
