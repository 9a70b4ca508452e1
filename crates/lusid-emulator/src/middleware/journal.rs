//! Recording every API and token request in the request journal
//! ([`crate::RunningEmulator::requests`]).

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::BODY_LIMIT;
use crate::journal::ReceivedRequest;
use crate::state::SharedState;

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
    state.journal.record(ReceivedRequest {
        method: parts.method.as_str().to_owned(),
        uri: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
    });
    Ok(Request::from_parts(parts, axum::body::Body::from(body)))
}
