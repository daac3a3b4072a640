//! The tenant's proctoring rules, retention and learner access: read by teachers, who review what
//! the rules raise, and changed by admins.

use domain::proctoring::{ProctoringRules, ProctoringSettings};
use domain::AuditAction;

use crate::db::{in_tx, TenantTx};
use crate::{audit, Caller, ServiceError, Store};

#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn settings(caller: &Caller, store: &Store) -> Result<ProctoringSettings, ServiceError> {
    caller.require_teacher()?;
    in_tx!(store, caller, |tx| settings_in(tx))
}

/// The settings in force, the defaults where the tenant set none. No role check: the rules apply
/// to every learner's batch.
pub async fn settings_in(tx: &mut TenantTx) -> Result<ProctoringSettings, ServiceError> {
    let row = sqlx::query!(
        "select rules, retention_days, learner_sees_timeline from proctoring_policy where tenant_id = $1",
        tx.tenant().as_uuid()
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(ProctoringSettings::default());
    };
    Ok(ProctoringSettings {
        rules: rules_of(Some(row.rules)),
        retention_days: row.retention_days,
        learner_sees_timeline: row.learner_sees_timeline,
    })
}

/// The rules as stored by `update_settings` (checked then), or the defaults when the tenant has
/// none; a rule added later takes its default.
pub(super) fn rules_of(stored: Option<serde_json::Value>) -> ProctoringRules {
    stored
        .and_then(|rules| serde_json::from_value(rules).ok())
        .unwrap_or_default()
}

/// Replaces the tenant's settings; audited with the old and new values.
#[tracing::instrument(skip(store), fields(tenant_id = %caller.tenant_id))]
pub async fn update_settings(
    caller: &Caller,
    store: &Store,
    settings: ProctoringSettings,
) -> Result<ProctoringSettings, ServiceError> {
    caller.require_admin()?;
    settings.check().map_err(ServiceError::Validation)?;
    in_tx!(store, caller, |tx| update_in(tx, &settings))
}

async fn update_in(
    tx: &mut TenantTx,
    settings: &ProctoringSettings,
) -> Result<ProctoringSettings, ServiceError> {
    let before = settings_in(tx).await?;
    let rules =
        serde_json::to_value(&settings.rules).map_err(|e| ServiceError::Internal(e.into()))?;
    sqlx::query!(
        "insert into proctoring_policy (tenant_id, rules, retention_days, learner_sees_timeline, updated_at)
         values ($1, $2, $3, $4, $5)
         on conflict (tenant_id) do update
             set rules = excluded.rules, retention_days = excluded.retention_days,
                 learner_sees_timeline = excluded.learner_sees_timeline, updated_at = excluded.updated_at",
        tx.tenant().as_uuid(),
        rules,
        settings.retention_days,
        settings.learner_sees_timeline,
        tx.now(),
    )
    .execute(&mut **tx)
    .await?;
    let data = serde_json::json!({ "before": before, "after": settings });
    let tenant = tx.tenant().as_uuid();
    audit::record_on(
        tx,
        AuditAction::ProctoringSettingsChanged,
        "tenant",
        tenant,
        data,
    )
    .await?;
    settings_in(tx).await
}
