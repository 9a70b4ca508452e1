//! Recording every API and token request in the request journal
//! ([`crate::RunningEmulator::requests`]). Drive's uploads are recorded
//! without their bodies: a file is streamed to its store, never held in
//! memory.

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;

use super::BODY_LIMIT;
use crate::journal::ReceivedRequest;
use crate::state::SharedState;

/// Drive's operations whose request body is a file's contents.
const STREAMED_UPLOADS: &[&str] = &["CreateFile", "UpdateFileContents"];

/// Whether a service operation's body is a streamed upload (recorded by
/// [`record_headers`], not read by [`record`]).
pub(super) fn is_streamed_upload(operation: &str) -> bool {
    STREAMED_UPLOADS.contains(&operation)
}

/// Records `request` with its headers and an empty body, leaving the body
/// to stream to its handler.
pub(super) fn record_headers(state: &SharedState, request: &Request) {
    state.journal.record(received(
        request.method(),
        request.uri(),
        request.headers(),
        Bytes::new(),
    ));
}

fn received(
    method: &http::Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
    body: Bytes,
) -> ReceivedRequest {
    ReceivedRequest {
        method: method.as_str().to_owned(),
        uri: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    }
}

/// Reads the body of `request`, records the request in the journal and
/// gives the request back with the same body; a body over the limit is
/// answered 413.
pub(super) async fn record(state: &SharedState, request: Request) -> Result<Request, Response> {
    use http_body_util::BodyExt;

    let (parts, body) = request.into_parts();
    let body = match http_body_util::Limited::new(body, BODY_LIMIT)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request body exceeds {BODY_LIMIT} bytes."),
            )
                .into_response());
        }
    };
    state.journal.record(received(
        &parts.method,
        &parts.uri,
        &parts.headers,
        body.clone(),
    ));
    Ok(Request::from_parts(parts, axum::body::Body::from(body)))
}
