//! The HTTP router and the middleware every request passes through:
//! request id, latency and fault injection, bearer-token check for `/api/`,
//! LUSID meta headers and metrics.

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::json;

use crate::conn::{ConnAction, ConnControl};
use crate::domains::{holdings, portfolios, property_definitions, quotes, transactions};
use crate::faults::{Fault, FaultOrigin};
use crate::journal::ReceivedRequest;
use crate::problem::{Problem, json_response};
use crate::routes::instruments;
use crate::spec_routes::{self, SpecMatch};
use crate::state::{RequestCtx, SharedState};
use crate::token::{self, TOKEN_PATH};
use crate::tokens::TokenRejection;

/// Header carrying the request id on every response.
pub(crate) const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("lusid-meta-requestid");
/// Header saying whether LUSID considered the request successful.
const SUCCESS_HEADER: HeaderName = HeaderName::from_static("lusid-meta-success");
/// Header with the request duration in milliseconds.
const DURATION_HEADER: HeaderName = HeaderName::from_static("lusid-meta-duration");

/// Largest request body accepted.
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Which endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteKind {
    /// The token endpoint.
    Token,
    /// A LUSID API path; the spec operation id or `Unknown`.
    Api(&'static str),
    /// Anything else (including `/emulator/...`).
    Other,
}

/// The emulator's own metrics route.
pub(crate) const METRICS_PATH: &str = "/emulator/metrics";

/// Classifies a request by method and path (for faults, metrics and 501s),
/// using the operation table extracted from `spec/lusid.json`.
pub(crate) fn classify(method: &Method, path: &str) -> RouteKind {
    if path == TOKEN_PATH {
        return RouteKind::Token;
    }
    if !path.starts_with("/api/") {
        return RouteKind::Other;
    }
    match spec_routes::lookup(method, path) {
        SpecMatch::Operation(operation) => RouteKind::Api(operation),
        SpecMatch::MethodNotAllowed | SpecMatch::NotFound => RouteKind::Api("Unknown"),
    }
}

/// The application router.
pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route(
            "/api/api/instruments",
            get(instruments::list).post(instruments::upsert),
        )
        .route("/api/api/instruments/$get", post(instruments::get_many))
        .route(
            "/api/api/instruments/{identifierType}/{identifier}",
            get(instruments::get_one).delete(instruments::delete_one),
        )
        .route(
            "/api/api/propertydefinitions",
            post(property_definitions::create),
        )
        .route(
            "/api/api/propertydefinitions/$list",
            get(property_definitions::list),
        )
        .route(
            "/api/api/propertydefinitions/{domain}/{scope}/{code}",
            get(property_definitions::get_one).delete(property_definitions::delete_one),
        )
        .route("/api/api/portfolios", get(portfolios::list))
        .route(
            "/api/api/portfolios/{scope}",
            get(portfolios::list_for_scope),
        )
        .route(
            "/api/api/portfolios/{scope}/{code}",
            get(portfolios::get_one).delete(portfolios::delete_one),
        )
        .route(
            "/api/api/transactionportfolios/{scope}",
            post(portfolios::create),
        )
        .route(
            "/api/api/transactionportfolios/{scope}/{code}/transactions",
            get(transactions::list)
                .post(transactions::upsert)
                .delete(transactions::cancel),
        )
        .route(
            "/api/api/transactionportfolios/{scope}/{code}/holdings",
            get(holdings::get),
        )
        .route(
            "/api/api/quotes/{scope}",
            get(quotes::list).post(quotes::upsert),
        )
        .route("/api/api/quotes/{scope}/$get", post(quotes::get_many))
        .route(TOKEN_PATH, post(token::token))
        .route(METRICS_PATH, get(metrics_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), middleware))
        .with_state(state)
}

/// `GET /emulator/metrics`: the counters as JSON.
async fn metrics_json(State(state): State<SharedState>) -> Response {
    json_response(StatusCode::OK, &state.metrics.snapshot())
}

async fn not_found(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    method: Method,
    uri: http::Uri,
) -> Response {
    Problem::route_not_found(method.as_str(), uri.path()).render(&state.base_url, &ctx.request_id)
}

async fn method_not_allowed(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    method: Method,
    uri: http::Uri,
) -> Response {
    Problem::method_not_allowed(method.as_str(), uri.path())
        .render(&state.base_url, &ctx.request_id)
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
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

/// The 401 problem for a refused bearer token.
fn unauthorized(state: &SharedState, rejection: TokenRejection, request_id: &str) -> Response {
    let (challenge, detail) = match rejection {
        TokenRejection::Missing => (
            "Bearer".to_owned(),
            "No bearer token was supplied in the Authorization header.",
        ),
        TokenRejection::Unknown => (
            "Bearer error=\"invalid_token\", error_description=\"The access token is invalid or has been revoked\"".to_owned(),
            "The access token is invalid or has been revoked.",
        ),
        TokenRejection::Expired => (
            "Bearer error=\"invalid_token\", error_description=\"The access token expired\"".to_owned(),
            "The access token expired.",
        ),
    };
    Problem::unauthorized(challenge, detail).render(&state.base_url, request_id)
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

/// Reads the body of `request`, records the request in the journal and
/// gives the request back with the same body; a body over the limit is
/// answered 413.
async fn record(state: &SharedState, request: Request) -> Result<Request, Response> {
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

/// Per-request middleware (see the module docs).
async fn middleware(
    State(state): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = state.next_request_id();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let kind = classify(&method, &path);
    let version = request.version();
    state.metrics.http_version(version);
    if kind != RouteKind::Other {
        request = match record(&state, request).await {
            Ok(request) => request,
            Err(response) => return response,
        };
    }

    let latency = state.faults.latency(kind == RouteKind::Token);
    if !latency.is_zero() && kind != RouteKind::Other {
        tokio::time::sleep(latency).await;
    }
    let fault = match kind {
        RouteKind::Token => state.faults.next(true, ""),
        RouteKind::Api(operation) => state.faults.next(false, operation),
        RouteKind::Other => None,
    };
    let route = match kind {
        RouteKind::Token => "Token",
        RouteKind::Api(operation) => operation,
        RouteKind::Other => "Other",
    };
    let mut faulted = false;
    let (fault, origin) = match fault {
        Some((fault, origin)) => (Some(fault), Some(origin)),
        None => (None, None),
    };
    let origin = origin.unwrap_or(FaultOrigin::Scripted {
        token: kind == RouteKind::Token,
    });
    let mut response = match fault {
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
            return act_on_connection(
                request.extensions().get::<ConnControl>().cloned(),
                ConnAction::Drop,
            )
            .await;
        }
        Some(Fault::Raw {
            status,
            headers,
            body,
        }) => {
            state.metrics.fault();
            state.metrics.route(route, status);
            if let RouteKind::Api(operation) = kind {
                state.metrics.api(operation, status);
            }
            if version == http::Version::HTTP_2 {
                // HTTP/2 has no raw bytes to write (and its header names
                // are lower case): answer the same response through hyper.
                return raw_as_response(&state, status, headers, body, &origin, &request_id);
            }
            let bytes = raw_response(&state, status, &headers, &body, &origin, &request_id);
            return act_on_connection(
                request.extensions().get::<ConnControl>().cloned(),
                ConnAction::Raw(bytes),
            )
            .await;
        }
        Some(other) => {
            faulted = true;
            state.metrics.fault();
            Some(fault_response(&state, other, &origin, kind, &request_id))
        }
    };

    if response.is_none() {
        let mut principal = None;
        if let RouteKind::Api(operation) = kind {
            match state.tokens.validate(bearer(request.headers())) {
                Ok(p) => principal = Some(p),
                Err(rejection) => response = Some(unauthorized(&state, rejection, &request_id)),
            }
            if response.is_none()
                && operation != "Unknown"
                && !spec_routes::is_implemented(operation)
            {
                response = Some(
                    Problem::not_implemented(operation, method.as_str(), &path)
                        .render(&state.base_url, &request_id),
                );
            }
        }
        if response.is_none() {
            request.extensions_mut().insert(RequestCtx {
                request_id: request_id.clone(),
                principal,
            });
            response = Some(next.run(request).await);
        }
    }
    let mut response =
        response.unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response());

    let status = response.status();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
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
        RouteKind::Api(operation) => state.metrics.api(operation, status.as_u16()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_routes() {
        assert_eq!(classify(&Method::POST, TOKEN_PATH), RouteKind::Token);
        assert_eq!(
            classify(&Method::GET, "/api/api/instruments"),
            RouteKind::Api("ListInstruments")
        );
        assert_eq!(
            classify(&Method::POST, "/api/api/instruments/$get"),
            RouteKind::Api("GetInstruments")
        );
        assert_eq!(
            classify(&Method::DELETE, "/api/api/instruments/Figi/X"),
            RouteKind::Api("DeleteInstrument")
        );
        assert_eq!(
            classify(&Method::GET, "/api/api/portfolios"),
            RouteKind::Api("ListPortfolios")
        );
        assert_eq!(
            classify(&Method::GET, "/api/api/nothing/here"),
            RouteKind::Api("Unknown")
        );
        assert_eq!(classify(&Method::GET, "/"), RouteKind::Other);
    }
}
