//! Sessions: opened with a proctored attempt, closed with its submission; listed by risk for the
//! teacher, read with their timeline of events.

use domain::dto::Page;
use domain::proctoring::{
    EventRef, EventView, IncidentKind, IncidentView, ProctoringMode, ServerEventKind,
    SessionStatus, SessionView, Severity,
};
use domain::quiz::AttemptStatus;
use domain::{AttemptId, CourseId, ProctoringSessionId, QuizId, UserId};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::access::{session_in, SessionRow};
use super::incidents::{raise_in, Raise};
use super::signals::record_in;
use crate::db::{in_tx, new_id, TenantTx};
use crate::paging::Window;
use crate::users::rfc3339;
use crate::{Caller, ServiceError, Store};

pub const DEFAULT_PER_PAGE: u32 = 20;
/// A timeline page: a long attempt has a few hundred events.
pub const EVENTS_PER_PAGE: u32 = 100;

/// A proctored attempt as it starts.
pub struct Opening {
    pub course: Uuid,
    pub quiz: Uuid,
    pub attempt: Uuid,
    pub user: Uuid,
    pub mode: ProctoringMode,
}

/// Opens the session of an attempt that has just started, with the address and browser it started
/// from; a strict quiz's learner has accepted its rules to get here.
pub async fn open_in(tx: &mut TenantTx, opening: Opening) -> Result<(), ServiceError> {
    let id = new_id();
    let now = tx.now();
    let (ip, agent) = super::signals::origin(tx.caller());
    let accepted = (opening.mode == ProctoringMode::Strict).then_some(now);
    sqlx::query!(
        "insert into proctoring_session (id, tenant_id, course_id, quiz_id, attempt_id, user_id, mode,
                                         ip_address, user_agent, last_ip, last_user_agent,
                                         rules_accepted_at, started_at, last_seen_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9, $10, $11, $11)",
        id,
        tx.tenant().as_uuid(),
        opening.course,
        opening.quiz,
        opening.attempt,
        opening.user,
        opening.mode.as_str(),
        ip,
        agent,
        accepted,
        now,
    )
    .execute(&mut **tx)
    .await?;
    let data = json!({ "ip_address": ip, "user_agent": agent });
    record_in(tx, id, ServerEventKind::Started, now, data).await?;
    super::live::notify_in(tx, opening.quiz, None).await?;
    if accepted.is_some() {
        let data = serde_json::Value::Null;
        record_in(tx, id, ServerEventKind::RulesAccepted, now, data).await?;
    }
    Ok(())
}

/// Closes an attempt's session as the attempt is submitted with `answered` answers, and raises
/// `fast_answers` when they came faster than the tenant's rule allows.
pub async fn close_in(
    tx: &mut TenantTx,
    attempt: Uuid,
    started_at: OffsetDateTime,
    answered: usize,
) -> Result<(), ServiceError> {
    let now = tx.now();
    let closed = sqlx::query!(
        "update proctoring_session set status = 'closed', ended_at = $3
         where tenant_id = $1 and attempt_id = $2 and status = 'active'
         returning id, quiz_id",
        tx.tenant().as_uuid(),
        attempt,
        now
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(closed) = closed else {
        return Ok(());
    };
    let session = closed.id;
    super::live::notify_in(tx, closed.quiz_id, None).await?;
    let taken = now - started_at;
    let rules = super::settings::settings_in(tx).await?.rules;
    let answered = i64::try_from(answered).unwrap_or(i64::MAX);
    let least = Duration::seconds(i64::from(rules.min_seconds_per_answer))
        .saturating_mul(i32::try_from(answered).unwrap_or(i32::MAX));
    if answered > 0 && taken < least {
        let data = json!({ "answered": answered, "seconds": taken.whole_seconds() });
        let sequence = record_in(tx, session, ServerEventKind::FastAnswers, now, data).await?;
        let raise = Raise {
            session,
            kind: IncidentKind::FastAnswers,
            severity: Severity::Medium,
            summary: format!(
                "{answered} answers submitted {} s after the start.",
                taken.whole_seconds()
            ),
            events: vec![EventRef {
                source: "server".into(),
                sequence,
            }],
        };
        raise_in(tx, raise).await?;
    }
    record_in(
        tx,
        session,
        ServerEventKind::Submitted,
        now,
        serde_json::Value::Null,
    )
    .await?;
    Ok(())
}

/// A session with its learner's name, counts and the attempt's clock, as the lists select it.
struct ListedRow {
    id: Uuid,
    course_id: Uuid,
    quiz_id: Uuid,
    attempt_id: Uuid,
    user_id: Uuid,
    user_name: String,
    mode: String,
    status: String,
    ip_address: Option<String>,
    user_agent: Option<String>,
    rules_accepted_at: Option<OffsetDateTime>,
    started_at: OffsetDateTime,
    ended_at: Option<OffsetDateTime>,
    last_seen_at: OffsetDateTime,
    risk_score: i32,
    open_incidents: i64,
    incidents: i64,
    attempt_status: String,
    paused_at: Option<OffsetDateTime>,
    deadline_at: Option<OffsetDateTime>,
    /// Rows the scope holds, whatever the page.
    total: i64,
}

impl ListedRow {
    fn view(self, now: OffsetDateTime) -> Result<SessionView, ServiceError> {
        let attempt_status = AttemptStatus::parse("status", &self.attempt_status)?;
        let remaining_ms = crate::quizzes::attempts::remaining_ms(
            attempt_status,
            self.deadline_at,
            self.paused_at,
            now,
        );
        Ok(SessionView {
            id: ProctoringSessionId::from_uuid(self.id),
            quiz_id: QuizId::from_uuid(self.quiz_id),
            course_id: CourseId::from_uuid(self.course_id),
            attempt_id: AttemptId::from_uuid(self.attempt_id),
            user_id: UserId::from_uuid(self.user_id),
            user_name: self.user_name,
            mode: ProctoringMode::parse("mode", &self.mode)?,
            status: SessionStatus::parse("status", &self.status)?,
            ip_address: self.ip_address,
            user_agent: self.user_agent,
            rules_accepted_at: self.rules_accepted_at.map(rfc3339),
            started_at: rfc3339(self.started_at),
            ended_at: self.ended_at.map(rfc3339),
            last_seen_at: rfc3339(self.last_seen_at),
            risk_score: self.risk_score,
            open_incidents: self.open_incidents,
            incidents: self.incidents,
            attempt_status,
            paused: self.paused_at.is_some(),
            deadline_at: self.deadline_at.map(rfc3339),
            remaining_ms,
        })
    }
}

/// Which sessions a list shows.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub quiz: Option<QuizId>,
    pub status: Option<SessionStatus>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Sessions by risk, highest first: of one quiz (its course's editors), or of every course the
/// caller edits (admins: the whole tenant).
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn list(
    caller: &Caller,
    store: &Store,
    filter: SessionFilter,
) -> Result<Page<SessionView>, ServiceError> {
    caller.require_teacher()?;
    in_tx!(store, caller, |tx| list_in(tx, filter))
}

pub async fn list_in(
    tx: &mut TenantTx,
    filter: SessionFilter,
) -> Result<Page<SessionView>, ServiceError> {
    tx.caller().require_teacher()?;
    let window = Window::parse(filter.page, filter.per_page, DEFAULT_PER_PAGE)?;
    if let Some(quiz) = filter.quiz {
        let access = crate::quizzes::access_in(tx, quiz, false).await?;
        if !access.course.can_edit {
            return Err(ServiceError::NotFound);
        }
    }
    let caller = tx.caller();
    // As `courses::access` decides editing: an admin, or a teacher key, edits every course.
    let edits_all = caller.role == domain::Role::Admin || caller.user_id.is_none();
    let user = caller.user_id.map(|u| u.as_uuid());
    let scope = Scope {
        quiz: filter.quiz.map(|q| q.as_uuid()),
        status: filter.status.map(SessionStatus::as_str),
        session: None,
        edits_all,
        user,
    };
    let rows = select(tx, &scope, window.limit(), window.offset()).await?;
    let total = rows
        .first()
        .map_or(0, |r| u64::try_from(r.total).unwrap_or(0));
    let now = tx.now();
    let items = rows
        .into_iter()
        .map(|row| row.view(now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(window.page(items, total))
}

/// One session, through [`session_in`].
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn get(
    caller: &Caller,
    store: &Store,
    id: ProctoringSessionId,
) -> Result<SessionView, ServiceError> {
    in_tx!(store, caller, |tx| get_in(tx, id))
}

pub async fn get_in(
    tx: &mut TenantTx,
    id: ProctoringSessionId,
) -> Result<SessionView, ServiceError> {
    let access = session_in(tx, id).await?;
    listed(tx, &access.session).await
}

/// One session the caller was let read by [`session_in`], as the list shows it.
async fn listed(tx: &mut TenantTx, session: &SessionRow) -> Result<SessionView, ServiceError> {
    let scope = Scope {
        quiz: None,
        status: None,
        session: Some(session.id),
        edits_all: true,
        user: None,
    };
    select(tx, &scope, 1, 0)
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?
        .view(tx.now())
}

/// Which sessions [`select`] reads: `edits_all`, or else the courses `user` owns or staffs.
struct Scope<'a> {
    quiz: Option<Uuid>,
    status: Option<&'a str>,
    session: Option<Uuid>,
    edits_all: bool,
    user: Option<Uuid>,
}

/// Sessions with their learner's name, incident counts and the attempt's clock, highest risk
/// first: the one statement behind the list and the single session.
async fn select(
    tx: &mut TenantTx,
    scope: &Scope<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListedRow>, ServiceError> {
    Ok(sqlx::query_as!(
        ListedRow,
        r#"select s.id, s.course_id, s.quiz_id, s.attempt_id, s.user_id, u.name as user_name, s.mode,
                  s.status, s.ip_address, s.user_agent, s.rules_accepted_at, s.started_at, s.ended_at,
                  s.last_seen_at, s.risk_score,
                  (select count(*) from proctoring_incident i where i.tenant_id = s.tenant_id and i.session_id = s.id and i.status = 'open') as "open_incidents!",
                  (select count(*) from proctoring_incident i where i.tenant_id = s.tenant_id and i.session_id = s.id) as "incidents!",
                  a.status as attempt_status, a.paused_at, a.deadline_at,
                  count(*) over () as "total!"
           from proctoring_session s
           join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
           join quiz_attempt a on a.tenant_id = s.tenant_id and a.id = s.attempt_id
           where s.tenant_id = $1
             and ($2::uuid is null or s.quiz_id = $2)
             and ($3::text is null or s.status = $3)
             and ($8::uuid is null or s.id = $8)
             and ($4 or exists(select 1 from course c where c.tenant_id = s.tenant_id and c.id = s.course_id and c.owner_id = $5)
                     or exists(select 1 from course_staff t where t.tenant_id = s.tenant_id and t.course_id = s.course_id and t.user_id = $5))
           order by s.risk_score desc, s.started_at desc, s.id
           limit $6 offset $7"#,
        tx.tenant().as_uuid(),
        scope.quiz,
        scope.status,
        scope.edits_all,
        scope.user,
        limit,
        offset,
        scope.session,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// A session's events in time order (the server's estimate), a page at a time, through
/// [`session_in`].
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn events(
    caller: &Caller,
    store: &Store,
    id: ProctoringSessionId,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<EventView>, ServiceError> {
    in_tx!(store, caller, |tx| events_in(tx, id, page, per_page))
}

pub async fn events_in(
    tx: &mut TenantTx,
    id: ProctoringSessionId,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<Page<EventView>, ServiceError> {
    let window = Window::parse(page, per_page, EVENTS_PER_PAGE)?;
    let access = session_in(tx, id).await?;
    let rows = sqlx::query!(
        r#"select source, sequence, kind, occurred_at, received_at, client_offset_ms, data,
                  count(*) over () as "total!"
           from proctoring_event where tenant_id = $1 and session_id = $2
           order by occurred_at, source, sequence
           limit $3 offset $4"#,
        tx.tenant().as_uuid(),
        access.session.id,
        window.limit(),
        window.offset(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let total = rows
        .first()
        .map_or(0, |r| u64::try_from(r.total).unwrap_or(0));
    let items = rows
        .into_iter()
        .map(|r| EventView {
            source: r.source,
            sequence: r.sequence,
            kind: r.kind,
            occurred_at: rfc3339(r.occurred_at),
            received_at: rfc3339(r.received_at),
            offset_ms: r.client_offset_ms,
            data: r.data,
        })
        .collect();
    Ok(window.page(items, total))
}

/// A session found by its attempt, with its incidents and a page of its timeline, through
/// [`session_in`]: the attempt's learner sees theirs once it is over, when the tenant allows it.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn of_attempt(
    caller: &Caller,
    store: &Store,
    attempt: AttemptId,
    page: Option<u32>,
) -> Result<(SessionView, Vec<IncidentView>, Page<EventView>), ServiceError> {
    in_tx!(store, caller, |tx| of_attempt_in(tx, attempt, page))
}

async fn of_attempt_in(
    tx: &mut TenantTx,
    attempt: AttemptId,
    page: Option<u32>,
) -> Result<(SessionView, Vec<IncidentView>, Page<EventView>), ServiceError> {
    let id = sqlx::query_scalar!(
        "select id from proctoring_session where tenant_id = $1 and attempt_id = $2",
        tx.tenant().as_uuid(),
        attempt.as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(ProctoringSessionId::from_uuid)
    .ok_or(ServiceError::NotFound)?;
    let session = get_in(tx, id).await?;
    let incidents = super::incidents::list_in(tx, id).await?;
    let events = events_in(tx, id, page, None).await?;
    Ok((session, incidents, events))
}
