//! NDJSON answers (`application/x-ndjson`): one JSON object a line, streamed a batch at a time, so
//! memory stays constant however long the export is. The audit log's export and a proctoring
//! session's events share them.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/x-ndjson";

/// One batch as lines, each object followed by a newline.
pub fn lines<T: Serialize>(items: &[T]) -> Bytes {
    let mut chunk = Vec::with_capacity(items.len() * 256);
    for item in items {
        if serde_json::to_writer(&mut chunk, item).is_ok() {
            chunk.push(b'\n');
        }
    }
    Bytes::from(chunk)
}

/// A streamed NDJSON answer. A chunk that fails breaks the body, which tells the client the
/// export is incomplete (the status was sent already).
pub fn response<S>(chunks: S) -> Response
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    // Fused: a layer around the body (compression) may poll once more after the end, which a bare
    // `unfold` answers with a panic.
    let mut response = Body::from_stream(chunks.fuse()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}
