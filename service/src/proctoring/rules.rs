//! The tenant's rules, run on each batch: server signals first (a missed heartbeat, a changed
//! address or browser), then the browser's events. Each rule raises its incident once per session.

use domain::proctoring::{
    ClientEventKind, EventRef, IncidentKind, ProctoringMode, ProctoringRules, ServerEventKind,
    Severity,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::incidents::{raise_in, Raise};
use super::ingest::{Locked, Stored};
use super::signals::record_in;
use crate::db::TenantTx;
use crate::ServiceError;

/// What a batch brought: the session as it was before it, the events it stored, and where it
/// came from (as `signals::origin` stores it).
pub(super) struct Batch<'a> {
    pub(super) session: &'a Locked,
    pub(super) new: &'a [Stored],
    pub(super) ip: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) now: OffsetDateTime,
}

impl Batch<'_> {
    fn refs(&self, kind: ClientEventKind) -> Vec<EventRef> {
        self.new
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| EventRef {
                source: "client".into(),
                sequence: e.sequence,
            })
            .collect()
    }
}

fn server_ref(sequence: i64) -> Vec<EventRef> {
    vec![EventRef {
        source: "server".into(),
        sequence,
    }]
}

pub(super) async fn apply(tx: &mut TenantTx, batch: Batch<'_>) -> Result<(), ServiceError> {
    let session = batch.session.id;
    let raised = &batch.session.raised;
    let open = |kind: IncidentKind| !raised.iter().any(|k| k == kind.as_str());
    let rules = super::settings::rules_of(batch.session.policy_rules.clone());
    let strict = ProctoringMode::parse("mode", &batch.session.mode)? == ProctoringMode::Strict;
    let mut raises = server_signals(tx, &batch, &rules).await?;
    raises.retain(|r| open(r.kind));

    let hidden = batch.refs(ClientEventKind::TabHidden);
    if !hidden.is_empty() && open(IncidentKind::TabSwitches) {
        let switches = count(tx, session, ClientEventKind::TabHidden).await?;
        if switches > i64::from(rules.max_tab_switches) {
            raises.push(Raise {
                session,
                kind: IncidentKind::TabSwitches,
                severity: Severity::Medium,
                summary: format!(
                    "Left the quiz's tab {switches} times (the rule allows {}).",
                    rules.max_tab_switches
                ),
                events: hidden,
            });
        }
    }
    let pastes = batch.refs(ClientEventKind::Paste);
    if strict && rules.flag_paste_in_strict && !pastes.is_empty() && open(IncidentKind::Paste) {
        raises.push(Raise {
            session,
            kind: IncidentKind::Paste,
            severity: Severity::High,
            summary: "Pasted text during a strict quiz.".into(),
            events: pastes,
        });
    }
    let second = batch.refs(ClientEventKind::SecondTab);
    if rules.flag_second_tab && !second.is_empty() && open(IncidentKind::SecondTab) {
        raises.push(Raise {
            session,
            kind: IncidentKind::SecondTab,
            severity: Severity::High,
            summary: "Opened the quiz in a second tab or window.".into(),
            events: second,
        });
    }
    // Only a batch with a full-screen event, or one while the learner is out, can break the rule.
    let fullscreen_moved = !batch.refs(ClientEventKind::FullscreenExit).is_empty()
        || !batch.refs(ClientEventKind::FullscreenEnter).is_empty();
    let out = batch.session.last_fullscreen.as_deref() == Some("fullscreen_exit");
    if strict && open(IncidentKind::FullscreenExit) && (fullscreen_moved || out) {
        if let Some(raise) = fullscreen(tx, &batch, &rules).await? {
            raises.push(raise);
        }
    }
    for raise in raises {
        raise_in(tx, raise).await?;
    }
    Ok(())
}

/// Records what only the server sees, and answers the incidents they raise.
async fn server_signals(
    tx: &mut TenantTx,
    batch: &Batch<'_>,
    rules: &ProctoringRules,
) -> Result<Vec<Raise>, ServiceError> {
    let session = batch.session;
    let now = batch.now;
    let mut raises = Vec::new();
    let gap = now - session.last_seen_at;
    if gap > Duration::seconds(i64::from(rules.heartbeat_gap_seconds)) {
        let data = json!({ "seconds": gap.whole_seconds() });
        let at = session.last_seen_at;
        let sequence =
            record_in(tx, session.id, ServerEventKind::HeartbeatMissed, at, data).await?;
        raises.push(Raise {
            session: session.id,
            kind: IncidentKind::HeartbeatGap,
            severity: Severity::Low,
            summary: format!("The page went silent for {} s.", gap.whole_seconds()),
            events: server_ref(sequence),
        });
    }
    if let (Some(before), Some(now_ip)) = (&session.last_ip, &batch.ip) {
        if before != now_ip {
            let data = json!({ "from": before, "to": now_ip });
            let sequence = record_in(tx, session.id, ServerEventKind::IpChanged, now, data).await?;
            if rules.flag_ip_change {
                raises.push(Raise {
                    session: session.id,
                    kind: IncidentKind::IpChange,
                    severity: Severity::Medium,
                    summary: format!("The IP address changed from {before} to {now_ip}."),
                    events: server_ref(sequence),
                });
            }
        }
    }
    if let (Some(before), Some(agent)) = (&session.last_user_agent, &batch.user_agent) {
        if before != agent {
            let data = json!({ "from": before, "to": agent });
            record_in(tx, session.id, ServerEventKind::UserAgentChanged, now, data).await?;
        }
    }
    Ok(raises)
}

async fn count(
    tx: &mut TenantTx,
    session: uuid::Uuid,
    kind: ClientEventKind,
) -> Result<i64, ServiceError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from proctoring_event
           where tenant_id = $1 and session_id = $2 and source = 'client' and kind = $3"#,
        tx.tenant().as_uuid(),
        session,
        kind.as_str()
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Full screen left for longer than the rule allows: until it was entered again, or until now
/// for a learner still out of it.
async fn fullscreen(
    tx: &mut TenantTx,
    batch: &Batch<'_>,
    rules: &ProctoringRules,
) -> Result<Option<Raise>, ServiceError> {
    let exits = sqlx::query!(
        r#"select x.sequence, x.occurred_at,
                  (select min(e.occurred_at) from proctoring_event e
                    where e.tenant_id = x.tenant_id and e.session_id = x.session_id and e.source = 'client'
                      and e.kind = 'fullscreen_enter' and e.sequence > x.sequence) as back_at
           from proctoring_event x
           where x.tenant_id = $1 and x.session_id = $2 and x.source = 'client' and x.kind = 'fullscreen_exit'
           order by x.sequence"#,
        tx.tenant().as_uuid(),
        batch.session.id
    )
    .fetch_all(&mut **tx)
    .await?;
    let limit = Duration::seconds(i64::from(rules.max_fullscreen_exit_seconds));
    let long = exits
        .into_iter()
        .map(|x| (x.sequence, x.back_at.unwrap_or(batch.now) - x.occurred_at))
        .find(|(_, away)| *away > limit);
    Ok(long.map(|(sequence, away)| Raise {
        session: batch.session.id,
        kind: IncidentKind::FullscreenExit,
        severity: Severity::Medium,
        summary: format!(
            "Left full screen for {} s (the rule allows {}).",
            away.whole_seconds(),
            rules.max_fullscreen_exit_seconds
        ),
        events: vec![EventRef {
            source: "client".into(),
            sequence,
        }],
    }))
}
