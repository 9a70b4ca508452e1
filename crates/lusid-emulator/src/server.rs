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

use crate::faults::Fault;
use crate::problem::{Problem, json_response};
use crate::routes::instruments;
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
    /// A LUSID API path; the operation id or `Unknown`.
    Api(&'static str),
    /// Anything else.
    Other,
}

/// Classifies a request by method and path (for faults and metrics).
pub(crate) fn classify(method: &Method, path: &str) -> RouteKind {
    if path == TOKEN_PATH {
        return RouteKind::Token;
    }
    let Some(rest) = path.strip_prefix("/api/") else {
        return RouteKind::Other;
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let operation = match (method, segments.as_slice()) {
        (&Method::GET, ["api", "instruments"]) => "ListInstruments",
        (&Method::POST, ["api", "instruments"]) => "UpsertInstruments",
        (&Method::POST, ["api", "instruments", "$get"]) => "GetInstruments",
        (&Method::GET, ["api", "instruments", _, _]) => "GetInstrument",
        (&Method::DELETE, ["api", "instruments", _, _]) => "DeleteInstrument",
        _ => "Unknown",
    };
    RouteKind::Api(operation)
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
        .route(TOKEN_PATH, post(token::token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), middleware))
        .with_state(state)
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

/// The response a scripted fault produces.
fn fault_response(
    state: &SharedState,
    fault: Fault,
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
                        "error_description": "Scripted by the emulator's fault injection.",
                    })
                };
                json_response(status, &body)
            } else {
                Problem::fault(status).render(&state.base_url, request_id)
            };
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
        // Handled by the caller (delay, then serve normally).
        Fault::Delay(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
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

    let latency = state.faults.latency(kind == RouteKind::Token);
    if !latency.is_zero() && kind != RouteKind::Other {
        tokio::time::sleep(latency).await;
    }
    let fault = match kind {
        RouteKind::Token => state.faults.take_token(),
        RouteKind::Api(operation) => state.faults.take_api(operation),
        RouteKind::Other => None,
    };
    let mut faulted = false;
    let mut response = match fault {
        Some(Fault::Delay(delay)) => {
            state.metrics.fault();
            tokio::time::sleep(delay).await;
            None
        }
        Some(other) => {
            faulted = true;
            state.metrics.fault();
            Some(fault_response(&state, other, kind, &request_id))
        }
        None => None,
    };

    if response.is_none() {
        let principal = match kind {
            RouteKind::Api(_) => match state.tokens.validate(bearer(request.headers())) {
                Ok(principal) => Some(principal),
                Err(rejection) => {
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
                    response = Some(
                        Problem::unauthorized(challenge, detail)
                            .render(&state.base_url, &request_id),
                    );
                    None
                }
            },
            _ => None,
        };
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
            RouteKind::Api("Unknown")
        );
        assert_eq!(classify(&Method::GET, "/"), RouteKind::Other);
    }
}
