//! Fault injection in the request path: latency, then the scripted or
//! random fault of the request (a status, a response, a delay, a dropped
//! connection, raw bytes), before the bearer-token check as a gateway's
//! would be.

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde_json::json;

use super::RouteKind;
use super::meta::{REQUEST_ID_HEADER, SUCCESS_HEADER};
use crate::conn::{ConnAction, ConnControl};
use crate::faults::{Fault, FaultOrigin};
use crate::problem::{Problem, json_response};
use crate::state::SharedState;

/// What fault injection decided for a request.
pub(super) enum FaultStep {
    /// Serve the request normally.
    Serve,
    /// Answer with this (an injected fault's response).
    Answer(Response),
    /// The response is final (a dropped connection or raw bytes): no meta
    /// headers, no further metrics.
    Final(Response),
}

/// Sleeps the configured latency, then applies the request's fault, if any.
pub(super) fn inject<'a>(
    state: &'a SharedState,
    request: &Request,
    kind: RouteKind,
    request_id: &'a str,
) -> impl std::future::Future<Output = FaultStep> + Send + 'a {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let version = request.version();
    let control = request.extensions().get::<ConnControl>().cloned();
    inject_parts(state, control, method, path, version, kind, request_id)
}

/// [`inject`] on the parts of the request it needs (a `Request` is not
/// `Sync`, so it is not held across the awaits).
async fn inject_parts(
    state: &SharedState,
    control: Option<ConnControl>,
    method: http::Method,
    path: String,
    version: http::Version,
    kind: RouteKind,
    request_id: &str,
) -> FaultStep {
    let latency = state.faults.latency(kind == RouteKind::Token);
    if !latency.is_zero() && kind != RouteKind::Other {
        tokio::time::sleep(latency).await;
    }
    let fault = match kind {
        RouteKind::Token => state.faults.next(true, ""),
        RouteKind::Api(operation) | RouteKind::Service(_, operation) => {
            state.faults.next(false, operation)
        }
        RouteKind::Other => None,
    };
    let route = match kind {
        RouteKind::Token => "Token",
        RouteKind::Api(operation) | RouteKind::Service(_, operation) => operation,
        RouteKind::Other => "Other",
    };
    let (fault, origin) = match fault {
        Some((fault, origin)) => (Some(fault), Some(origin)),
        None => (None, None),
    };
    let origin = origin.unwrap_or(FaultOrigin::Scripted {
        token: kind == RouteKind::Token,
    });
    let response = match fault {
        None | Some(Fault::Pass) => None,
        Some(Fault::Delay(delay)) => {
            state.metrics.fault();
            tokio::time::sleep(delay).await;
            None
        }
        Some(Fault::Drop) => {
            state.metrics.fault();
            state.metrics.dropped(route);
            tracing::debug!(request_id = %request_id, %method, %path, "fault: dropping the connection");
            return FaultStep::Final(act_on_connection(control.clone(), ConnAction::Drop).await);
        }
        Some(Fault::Raw {
            status,
            headers,
            body,
        }) => {
            state.metrics.fault();
            state.metrics.route(route, status);
            if let Some(operation) = kind.operation() {
                state.metrics.api(operation, status);
            }
            if version == http::Version::HTTP_2 {
                // HTTP/2 has no raw bytes to write (and its header names
                // are lower case): answer the same response through hyper.
                return FaultStep::Final(raw_as_response(
                    state, status, headers, body, &origin, request_id,
                ));
            }
            let bytes = raw_response(state, status, &headers, &body, &origin, request_id);
            return FaultStep::Final(
                act_on_connection(control.clone(), ConnAction::Raw(bytes)).await,
            );
        }
        Some(other) => {
            state.metrics.fault();
            Some(fault_response(state, other, &origin, kind, request_id))
        }
    };

    match response {
        Some(response) => FaultStep::Answer(response),
        None => FaultStep::Serve,
    }
}

/// The response an injected fault produces.
fn fault_response(
    state: &SharedState,
    fault: Fault,
    origin: &FaultOrigin,
    kind: RouteKind,
    request_id: &str,
) -> Response {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = if kind == RouteKind::Token {
                let body = if status == StatusCode::TOO_MANY_REQUESTS {
                    json!({
                        "errorCode": "E0000047",
                        "errorSummary": "API call exceeded rate limit due to too many requests.",
                        "errorLink": "E0000047",
                        "errorId": request_id,
                        "errorCauses": [],
                    })
                } else {
                    json!({
                        "error": if status == StatusCode::SERVICE_UNAVAILABLE { "temporarily_unavailable" } else { "server_error" },
                        "error_description": origin.describe(),
                    })
                };
                json_response(status, &body)
            } else {
                Problem::fault(status, origin).render(&state.base_url, request_id)
            };
            if kind == RouteKind::Token && status == StatusCode::TOO_MANY_REQUESTS {
                okta_rate_limit_headers(response.headers_mut(), retry_after.as_deref());
            }
            if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Fault::Response {
            status,
            headers,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        // Handled by the caller.
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Okta's rate-limit headers on a throttled token request: a limit, none
/// remaining, and the reset time in epoch seconds (`retry_after` seconds
/// from now when numeric, else one second).
fn okta_rate_limit_headers(headers: &mut HeaderMap, retry_after: Option<&str>) {
    let wait = retry_after
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|w| w.is_finite() && *w >= 0.0)
        .unwrap_or(1.0);
    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + wait.ceil() as i64;
    headers.insert(
        HeaderName::from_static("x-rate-limit-limit"),
        HeaderValue::from_static("600"),
    );
    headers.insert(
        HeaderName::from_static("x-rate-limit-remaining"),
        HeaderValue::from_static("0"),
    );
    headers.insert(
        HeaderName::from_static("x-rate-limit-reset"),
        HeaderValue::from(reset),
    );
}

/// The bytes of a [`Fault::Raw`] response: header names exactly as given,
/// plus the request id, a length and `Connection: close`. An empty body on
/// an error status gets the fault's problem JSON.
fn raw_response(
    state: &SharedState,
    status: u16,
    headers: &[(String, String)],
    body: &str,
    origin: &FaultOrigin,
    request_id: &str,
) -> Vec<u8> {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if body.is_empty() && code.as_u16() >= 400 {
        problem_json(state, code, origin, request_id)
    } else {
        body.to_owned()
    };
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        code.as_u16(),
        code.canonical_reason().unwrap_or("Unknown")
    );
    let has_content_type = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    for (name, value) in headers {
        if !name.contains(['\r', '\n', ':']) && !value.contains(['\r', '\n']) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    if !has_content_type && !body.is_empty() {
        out.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    out.push_str(&format!(
        "lusid-meta-requestId: {request_id}\r\nlusid-meta-success: false\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.push_str(&body);
    out.into_bytes()
}

/// A [`Fault::Raw`] as an ordinary response, for HTTP/2 requests: the same
/// status, headers (lower-cased, as HTTP/2 requires) and body, the request
/// id and `lusid-meta-success: false`.
fn raw_as_response(
    state: &SharedState,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    origin: &FaultOrigin,
    request_id: &str,
) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if body.is_empty() && code.as_u16() >= 400 {
        problem_json(state, code, origin, request_id)
    } else {
        body
    };
    let mut response = fault_response(
        state,
        Fault::Response {
            status,
            headers,
            body,
        },
        origin,
        RouteKind::Other,
        request_id,
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
        .headers_mut()
        .insert(SUCCESS_HEADER, HeaderValue::from_static("false"));
    response
}

/// The problem JSON of an injected fault.
fn problem_json(
    state: &SharedState,
    status: StatusCode,
    origin: &FaultOrigin,
    request_id: &str,
) -> String {
    serde_json::to_string(&Problem::fault(status, origin).body(&state.base_url, request_id))
        .unwrap_or_default()
}

/// Hands the connection a drop or raw-write action and never answers; the
/// connection task drops this request. Without a connection control (not
/// served by our accept loop) it answers a plain 502 instead.
async fn act_on_connection(control: Option<ConnControl>, action: ConnAction) -> Response {
    match control {
        Some(control) if control.act(action) => std::future::pending().await,
        _ => StatusCode::BAD_GATEWAY.into_response(),
    }
}
