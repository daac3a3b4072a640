//! `/v1/admin/audit-log`: the tenant's audit log by cursor, and its NDJSON export, streamed in
//! batches so memory stays constant however long the log is.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use domain::dto::{AuditEventView, AuditQuery, CursorPage};
use domain::AuditEventId;
use service::audit_log::{self, AuditFilter};
use service::{Caller, Store};

use super::envelope::{ApiError, ApiOk, Meta};
use super::extract::{ApiCaller, ApiQuery};
use super::ndjson;
use super::openapi::CursorEnvelope;
use crate::state::AppState;

/// Rows read per database round trip while exporting.
const EXPORT_BATCH: u32 = 500;

/// The audit log, newest first; pass `meta.next_cursor` back as `cursor` for older entries.
#[utoipa::path(get, path = "/v1/admin/audit-log", operation_id = "listAuditLog", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "A page of entries.", body = CursorEnvelope<AuditEventView>)))]
pub async fn list(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<ApiOk<Vec<AuditEventView>>, ApiError> {
    let filter = AuditFilter::parse(&query)?;
    let page = audit_log::list(&caller, &state.store, &filter).await?;
    Ok(ApiOk::cursor_page(&meta, page))
}

/// Every matching entry as NDJSON (one JSON object a line), streamed; `limit` and `cursor` are ignored
/// but for where to start.
#[utoipa::path(get, path = "/v1/admin/audit-log/export", operation_id = "exportAuditLog", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "One entry a line.", content_type = "application/x-ndjson", body = AuditEventView)))]
pub async fn export(
    State(state): State<AppState>,
    meta: Meta,
    ApiCaller(caller): ApiCaller,
    ApiQuery(mut query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    // Refused as the list refuses it (a `limit` out of range included), though it reads in batches.
    AuditFilter::parse(&query)?;
    query.limit = Some(EXPORT_BATCH);
    let filter = AuditFilter::parse(&query)?;
    // The first batch is read before answering, so a refusal is still a proper error response.
    let first = audit_log::list(&caller, &state.store, &filter).await?;
    let exporter = Exporter {
        caller,
        store: state.store.clone(),
        filter,
        pending: Some(first),
        request_id: meta.request_id.clone(),
    };
    let mut response =
        ndjson::response(futures_util::stream::unfold(exporter, Exporter::next_chunk));
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-log.ndjson\""),
    );
    Ok(response)
}

struct Exporter {
    caller: Caller,
    store: Store,
    filter: AuditFilter,
    pending: Option<CursorPage<AuditEventView>>,
    request_id: String,
}

impl Exporter {
    /// One batch as NDJSON lines, then the next batch's read; ends after the last.
    async fn next_chunk(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        let page = match self.pending.take() {
            Some(page) => page,
            None => return None,
        };
        let chunk = ndjson::lines(&page.items);
        if let Some(cursor) = page
            .next_cursor
            .and_then(|c| c.parse::<AuditEventId>().ok())
        {
            let next = self.filter.continuing_after(cursor, EXPORT_BATCH);
            match audit_log::list(&self.caller, &self.store, &next).await {
                Ok(next_page) => self.pending = Some(next_page),
                Err(error) => {
                    // The status is sent already: breaking the body tells the client it is incomplete.
                    tracing::error!(request_id = %self.request_id, ?error, "audit export failed");
                    return Some((Err(std::io::Error::other("the export failed")), self));
                }
            }
        }
        Some((Ok(chunk), self))
    }
}
