//! The middleware every request passes through, one concern per module:
//! the request journal ([`journal`]), fault injection ([`faults`]), the
//! bearer-token check ([`auth`]), the 501 of unimplemented operations, and
//! the meta headers, metrics and trace of the response ([`meta`]).

mod auth;
mod faults;
mod journal;
pub(crate) mod meta;
mod persist;

pub(crate) use persist::persist_ledger_writes;

use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;

use crate::auth::token_endpoint::TOKEN_PATH;
use crate::problem::Problem;
use crate::spec_routes::{self, SpecMatch};
use crate::state::{RequestCtx, SharedState};
use faults::FaultStep;

/// Largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Which endpoint a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteKind {
    /// The token endpoint.
    Token,
    /// A LUSID API path; the spec operation id or `Unknown`.
    Api(&'static str),
    /// A path of another FINBOURNE service (`/drive/api/...`): the service
    /// (`Drive`) and its operation id or `Unknown`.
    Service(&'static str, &'static str),
    /// Anything else (including `/emulator/...`).
    Other,
}

/// Classifies a request by method and path (for faults, metrics and 501s),
/// using the operation tables generated from `spec/*.json`.
pub(crate) fn classify(method: &Method, path: &str) -> RouteKind {
    if path == TOKEN_PATH {
        return RouteKind::Token;
    }
    if path.starts_with("/api/") {
        return match spec_routes::lookup(method, path) {
            SpecMatch::Operation(operation) => RouteKind::Api(operation),
            SpecMatch::MethodNotAllowed | SpecMatch::NotFound => RouteKind::Api("Unknown"),
        };
    }
    match spec_routes::lookup_any(method, path) {
        Some((service, SpecMatch::Operation(operation))) => RouteKind::Service(service, operation),
        Some((service, _)) => RouteKind::Service(service, "Unknown"),
        None => RouteKind::Other,
    }
}

impl RouteKind {
    /// The operation id of an API or service request.
    pub(crate) fn operation(self) -> Option<&'static str> {
        match self {
            Self::Api(operation) | Self::Service(_, operation) => Some(operation),
            Self::Token | Self::Other => None,
        }
    }
}

/// Per-request middleware: journal, faults, authentication, 501, handler,
/// meta headers (see the module docs).
pub(crate) async fn middleware(
    State(state): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = state.next_request_id();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let kind = classify(&method, &path);
    state.metrics.http_version(request.version());
    if let RouteKind::Service(_, operation) = kind
        && journal::is_streamed_upload(operation)
    {
        journal::record_headers(&state, &request);
    } else if kind != RouteKind::Other {
        request = match journal::record(&state, request).await {
            Ok(request) => request,
            Err(response) => return response,
        };
    }
    let route = match kind {
        RouteKind::Token => "Token",
        RouteKind::Api(operation) | RouteKind::Service(_, operation) => operation,
        RouteKind::Other => "Other",
    };

    let (mut response, faulted) = match faults::inject(&state, &request, kind, &request_id).await {
        FaultStep::Final(response) => return response,
        FaultStep::Answer(response) => (Some(response), true),
        FaultStep::Serve => (None, false),
    };
    if response.is_none() {
        let mut principal = None;
        if let Some(operation) = kind.operation() {
            match auth::authenticate(&state, request.headers(), &request_id) {
                Ok(p) => principal = Some(p),
                Err(refused) => response = Some(*refused),
            }
            let implemented = match kind {
                RouteKind::Service(service, _) => {
                    spec_routes::is_service_operation_implemented(service, operation)
                }
                _ => spec_routes::is_implemented(operation),
            };
            if response.is_none() && operation != "Unknown" && !implemented {
                let service = match kind {
                    RouteKind::Service(service, _) => service,
                    _ => spec_routes::LUSID,
                };
                response = Some(
                    Problem::not_implemented(service, operation, method.as_str(), &path)
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
    meta::finish(
        &state,
        response,
        meta::Served {
            started,
            request_id: &request_id,
            method: &method,
            path: &path,
            kind,
            route,
            faulted,
        },
    )
}
