//! LUSID's meta headers on every response (`lusid-meta-requestId`,
//! `lusid-meta-success`, `lusid-meta-duration`), the response metrics and
//! the request's trace line.

use std::time::Instant;

use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Method, StatusCode};

use super::RouteKind;
use crate::state::SharedState;

/// Header carrying the request id on every response.
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("lusid-meta-requestid");
/// Header saying whether LUSID considered the request successful.
pub(super) const SUCCESS_HEADER: HeaderName = HeaderName::from_static("lusid-meta-success");
/// Header with the request duration in milliseconds.
const DURATION_HEADER: HeaderName = HeaderName::from_static("lusid-meta-duration");

/// What [`finish`] needs to know of the request.
pub(super) struct Served<'a> {
    pub(super) started: Instant,
    pub(super) request_id: &'a str,
    pub(super) method: &'a Method,
    pub(super) path: &'a str,
    pub(super) kind: RouteKind,
    pub(super) route: &'static str,
    pub(super) faulted: bool,
}

/// Adds the meta headers, counts the response and traces it.
pub(super) fn finish(
    state: &SharedState,
    response: Option<Response>,
    served: Served<'_>,
) -> Response {
    let Served {
        started,
        request_id,
        method,
        path,
        kind,
        route,
        faulted,
    } = served;
    let mut response =
        response.unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response());

    let status = response.status();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    headers.insert(
        SUCCESS_HEADER,
        HeaderValue::from_static(if status.is_success() { "true" } else { "false" }),
    );
    headers.insert(
        DURATION_HEADER,
        HeaderValue::from(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
    );
    state.metrics.route(route, status.as_u16());
    match kind {
        RouteKind::Api(operation) | RouteKind::Service(_, operation) => {
            state.metrics.api(operation, status.as_u16());
        }
        RouteKind::Token if faulted => state.metrics.token_failure("fault"),
        _ => {}
    }
    tracing::debug!(
        request_id = %request_id,
        method = %method,
        path = %path,
        status = status.as_u16(),
        faulted,
        "lusid-emulator request"
    );
    response
}
