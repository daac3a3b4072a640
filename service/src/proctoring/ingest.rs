//! The taking page's batches of events: idempotent by (session, sequence), bounded in size and
//! rate, placed on the server's clock, then run through the tenant's rules. A batch is also the
//! page's heartbeat and its clock's sync: the answer carries the attempt's time left, so a
//! teacher's pause or extra time reaches the countdown within one batch.

use domain::proctoring::{BatchAck, ClientEvent, ClientEventKind, SessionStatus, MAX_BATCH};
use domain::quiz::AttemptStatus;
use domain::{AttemptId, ErrorCode, FieldError, QuizId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::rules::{self, Batch};
use super::signals::origin;
use crate::db::TenantTx;
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

/// Batches one session may send in a minute: the page sends one every 5 s, and at once after an
/// event that matters, so twelve a minute is the norm.
pub const BATCHES_PER_MINUTE: i32 = 60;
/// A client event's `data`, serialised, at most.
const MAX_DATA_BYTES: usize = 1024;

/// Stores a batch of the learner's own session and answers the attempt's clock. Refused: a batch
/// too large (`proctoring.batch_too_large`), a malformed event (`proctoring.batch_malformed`),
/// no session of this learner for the attempt (`proctoring.session_not_found`), a finished one
/// (`proctoring.session_closed`), too many batches (`proctoring.rate_limited`).
#[tracing::instrument(skip(store, events), fields(tenant_id = %caller.tenant_id, n = events.len()))]
pub async fn ingest(
    caller: &Caller,
    store: &Store,
    quiz: QuizId,
    attempt: AttemptId,
    events: Vec<ClientEvent>,
) -> Result<BatchAck, ServiceError> {
    // Batches come from a learner's own taking page; a key acts for nobody's browser.
    let Some(learner) = caller.user_id else {
        return Err(ServiceError::Forbidden);
    };
    let checked = check(events)?;
    let mut tx = TenantTx::begin(store, caller).await?;
    let ack = ingest_in(&mut tx, quiz, attempt, learner.as_uuid(), checked).await?;
    tx.commit().await?;
    Ok(ack)
}

/// An event that passed the checks.
pub(super) struct Checked {
    pub(super) sequence: i64,
    pub(super) kind: ClientEventKind,
    pub(super) offset_ms: i64,
    pub(super) age_ms: i64,
    pub(super) data: serde_json::Value,
}

fn check(events: Vec<ClientEvent>) -> Result<Vec<Checked>, ServiceError> {
    if events.len() > MAX_BATCH {
        return Err(ServiceError::Refused {
            code: ErrorCode::ProctoringBatchTooLarge,
            message: format!(
                "A batch holds at most {MAX_BATCH} events; this one has {}.",
                events.len()
            ),
            details: Vec::new(),
            retry_after_seconds: None,
        });
    }
    let mut errors = Vec::new();
    let mut checked = Vec::with_capacity(events.len());
    for (i, event) in events.into_iter().enumerate() {
        let field = |name: &str| format!("events[{i}].{name}");
        let kind = ClientEventKind::parse(&field("kind"), &event.kind);
        if event.sequence < 0
            || checked
                .iter()
                .any(|c: &Checked| c.sequence == event.sequence)
        {
            errors.push(FieldError::new(
                field("sequence"),
                "Sequences are whole numbers from 0, each once in a batch.",
            ));
        }
        if event.offset_ms < 0 || event.age_ms < 0 {
            errors.push(FieldError::new(
                field("offset_ms"),
                "Offsets and ages are milliseconds, never negative.",
            ));
        }
        let data = event.data.unwrap_or(serde_json::Value::Null);
        let data = match data {
            serde_json::Value::Null => serde_json::json!({}),
            object @ serde_json::Value::Object(_) if object.to_string().len() <= MAX_DATA_BYTES => {
                object
            }
            _ => {
                errors.push(FieldError::new(
                    field("data"),
                    "Details are a JSON object of at most 1 KB.",
                ));
                serde_json::Value::Null
            }
        };
        match kind {
            Ok(kind) => checked.push(Checked {
                sequence: event.sequence,
                kind,
                offset_ms: event.offset_ms,
                age_ms: event.age_ms,
                data,
            }),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(ServiceError::Refused {
            code: ErrorCode::ProctoringBatchMalformed,
            message: "An event of the batch is malformed; see the details.".into(),
            details: errors,
            retry_after_seconds: None,
        })
    }
}

/// The session with its attempt's clock, locked for the batch.
pub(super) struct Locked {
    pub(super) id: Uuid,
    pub(super) user_id: Uuid,
    pub(super) mode: String,
    pub(super) status: String,
    pub(super) started_at: OffsetDateTime,
    pub(super) last_seen_at: OffsetDateTime,
    pub(super) last_ip: Option<String>,
    pub(super) last_user_agent: Option<String>,
    pub(super) rate_window: OffsetDateTime,
    pub(super) rate_count: i32,
    pub(super) attempt_status: String,
    pub(super) deadline_at: Option<OffsetDateTime>,
    pub(super) paused_at: Option<OffsetDateTime>,
    /// The tenant's stored rules, if it set any.
    pub(super) policy_rules: Option<serde_json::Value>,
    /// The incident kinds the session has raised.
    pub(super) raised: Vec<String>,
    /// Its latest full-screen event's kind, if any.
    pub(super) last_fullscreen: Option<String>,
}

/// One statement reads all a batch needs besides its own events (the session, its attempt's
/// clock, the tenant's rules, the incidents raised, full-screen state): at 10,000 learners a batch
/// arrives every 0.5 ms, and each round trip counts.
async fn ingest_in(
    tx: &mut TenantTx,
    quiz: QuizId,
    attempt: AttemptId,
    learner: Uuid,
    events: Vec<Checked>,
) -> Result<BatchAck, ServiceError> {
    let session = sqlx::query_as!(
        Locked,
        r#"select s.id, s.user_id, s.mode, s.status, s.started_at, s.last_seen_at, s.last_ip,
                s.last_user_agent, s.rate_window, s.rate_count,
                a.status as attempt_status, a.deadline_at, a.paused_at,
                (select p.rules from proctoring_policy p where p.tenant_id = s.tenant_id) as policy_rules,
                array(select distinct i.kind from proctoring_incident i
                       where i.tenant_id = s.tenant_id and i.session_id = s.id) as "raised!",
                (select e.kind from proctoring_event e
                  where e.tenant_id = s.tenant_id and e.session_id = s.id and e.source = 'client'
                    and e.kind in ('fullscreen_exit', 'fullscreen_enter')
                  order by e.sequence desc limit 1) as last_fullscreen
         from proctoring_session s
         join quiz_attempt a on a.tenant_id = s.tenant_id and a.id = s.attempt_id
         where s.tenant_id = $1 and s.attempt_id = $2 and a.quiz_id = $3
         for update of s"#,
        tx.tenant().as_uuid(),
        attempt.as_uuid(),
        quiz.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    // Another learner's session is as unknown as one that does not exist.
    .filter(|s| s.user_id == learner)
    .ok_or_else(|| ServiceError::Refused {
        code: ErrorCode::ProctoringSessionNotFound,
        message: "No proctoring session of yours runs for this attempt.".into(),
        details: Vec::new(),
        retry_after_seconds: None,
    })?;
    if SessionStatus::parse("status", &session.status)? == SessionStatus::Closed {
        return Err(ServiceError::conflict(
            ErrorCode::ProctoringSessionClosed,
            "This attempt is over: its proctoring takes no more events.",
        ));
    }
    let now = tx.now();
    let (window, count) = if now - session.rate_window < Duration::minutes(1) {
        (session.rate_window, session.rate_count + 1)
    } else {
        (now, 1)
    };
    if count > BATCHES_PER_MINUTE {
        let wait = (session.rate_window + Duration::minutes(1) - now)
            .whole_seconds()
            .max(1);
        return Err(ServiceError::Refused {
            code: ErrorCode::ProctoringRateLimited,
            message: format!("Too many batches for this session; retry in {wait} seconds."),
            details: Vec::new(),
            retry_after_seconds: Some(wait),
        });
    }
    let stored = store_events(tx, &session, &events, now).await?;
    let (ip, user_agent) = origin(tx.caller());
    sqlx::query!(
        "update proctoring_session
            set last_seen_at = $3, rate_window = $4, rate_count = $5,
                last_ip = coalesce($6, last_ip), last_user_agent = coalesce($7, last_user_agent)
          where tenant_id = $1 and id = $2",
        tx.tenant().as_uuid(),
        session.id,
        now,
        window,
        count,
        ip.as_deref(),
        user_agent.as_deref(),
    )
    .execute(&mut **tx)
    .await?;
    let batch = Batch {
        session: &session,
        new: &stored,
        ip,
        user_agent,
        now,
    };
    rules::apply(tx, batch).await?;
    let status = AttemptStatus::parse("status", &session.attempt_status)?;
    let remaining_ms =
        crate::quizzes::attempts::remaining_ms(status, session.deadline_at, session.paused_at, now);
    let accepted = u32::try_from(stored.len()).unwrap_or(u32::MAX);
    Ok(BatchAck {
        accepted,
        duplicates: u32::try_from(events.len())
            .unwrap_or(u32::MAX)
            .saturating_sub(accepted),
        status,
        paused: session.paused_at.is_some(),
        server_now: rfc3339(now),
        remaining_ms,
        deadline_at: session.deadline_at.map(rfc3339),
    })
}

/// An event this batch stored (not a retry's duplicate).
pub(super) struct Stored {
    pub(super) sequence: i64,
    pub(super) kind: ClientEventKind,
}

/// Inserts the events not stored before, each placed at the receive time less its age, never
/// before the session began; answers those that were new.
async fn store_events(
    tx: &mut TenantTx,
    session: &Locked,
    events: &[Checked],
    now: OffsetDateTime,
) -> Result<Vec<Stored>, ServiceError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let longest = now - session.started_at;
    let mut sequences = Vec::with_capacity(events.len());
    let mut kinds = Vec::with_capacity(events.len());
    let mut occurred = Vec::with_capacity(events.len());
    let mut offsets = Vec::with_capacity(events.len());
    let mut data = Vec::with_capacity(events.len());
    for event in events {
        let age =
            Duration::milliseconds(event.age_ms).clamp(Duration::ZERO, longest.max(Duration::ZERO));
        sequences.push(event.sequence);
        kinds.push(event.kind.as_str().to_string());
        occurred.push(now - age);
        offsets.push(event.offset_ms);
        data.push(event.data.clone());
    }
    let rows = sqlx::query!(
        "insert into proctoring_event (tenant_id, session_id, source, sequence, kind, occurred_at,
                                       received_at, client_offset_ms, data)
         select $1, $2, 'client', e.sequence, e.kind, e.occurred_at, $3, e.offset_ms, e.data
           from unnest($4::bigint[], $5::text[], $6::timestamptz[], $7::bigint[], $8::jsonb[])
                as e(sequence, kind, occurred_at, offset_ms, data)
         on conflict (tenant_id, session_id, source, sequence) do nothing
         returning sequence, kind",
        tx.tenant().as_uuid(),
        session.id,
        now,
        &sequences,
        &kinds,
        &occurred,
        &offsets,
        &data,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Stored {
                sequence: r.sequence,
                kind: ClientEventKind::parse("kind", &r.kind)?,
            })
        })
        .collect()
}
