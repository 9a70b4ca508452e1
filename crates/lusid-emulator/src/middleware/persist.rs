//! Writes the state file after every successful change to the ledger
//! (property definitions, portfolios, transactions, quotes), in one place
//! rather than in each handler. Instrument writes persist in their own
//! handlers.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::Method;

use crate::domains::instruments::persist;
use crate::state::{RequestCtx, SharedState};

/// Whether a request to `path` with `method` may change the ledger: any
/// API write that is not an instrument operation nor a batch read
/// (`…/$get`).
fn changes_ledger(method: &Method, path: &str) -> bool {
    *method != Method::GET
        && *method != Method::HEAD
        && path.starts_with("/api/api/")
        && !path.starts_with("/api/api/instruments")
        && !path.ends_with("/$get")
}

/// After a successful ledger write, writes the state file (if one is
/// configured); a failed write turns the response into the 500 problem
/// (the change is in memory but not durable).
pub(crate) async fn persist_ledger_writes(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let writes =
        state.config.state_path.is_some() && changes_ledger(request.method(), request.uri().path());
    let ctx = request.extensions().get::<RequestCtx>().cloned();
    let response = next.run(request).await;
    if !writes || !response.status().is_success() {
        return response;
    }
    let Some(ctx) = ctx else {
        return response;
    };
    match persist(&state, &ctx).await {
        Ok(()) => response,
        Err(failure) => failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ledger_writes_persist_here() {
        assert!(changes_ledger(
            &Method::POST,
            "/api/api/propertydefinitions"
        ));
        assert!(changes_ledger(&Method::DELETE, "/api/api/portfolios/s/c"));
        assert!(changes_ledger(&Method::POST, "/api/api/quotes/s"));
        assert!(!changes_ledger(&Method::POST, "/api/api/quotes/s/$get"));
        assert!(!changes_ledger(&Method::GET, "/api/api/portfolios"));
        assert!(!changes_ledger(&Method::POST, "/api/api/instruments"));
        assert!(!changes_ledger(&Method::POST, "/oauth2/default/v1/token"));
    }
}
