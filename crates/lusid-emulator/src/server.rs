//! The HTTP router: every route the emulator serves, behind the
//! middleware of [`crate::middleware`].

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use http::{Method, StatusCode};

use crate::auth::token_endpoint::{self, TOKEN_PATH};
use crate::domains::drive::routes as drive;
use crate::domains::{
    holdings, instruments, portfolios, property_definitions, quotes, transactions,
};
use crate::middleware::{BODY_LIMIT, middleware, persist_ledger_writes};
use crate::problem::{Problem, json_response};
use crate::state::{RequestCtx, SharedState};

/// The emulator's own metrics route.
pub(crate) const METRICS_PATH: &str = "/emulator/metrics";

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
        .merge(drive_routes())
        .route(TOKEN_PATH, post(token_endpoint::token))
        .route(METRICS_PATH, get(metrics_json))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), persist_ledger_writes))
        .layer(from_fn_with_state(state.clone(), middleware))
        .with_state(state)
}

/// Drive's routes (`/drive/api/...`). Uploads and downloads stream, so
/// file contents are not held to the body limit of the JSON routes.
fn drive_routes() -> Router<SharedState> {
    Router::new()
        .route("/drive/api/files", post(drive::create_file))
        .route(
            "/drive/api/files/{id}",
            get(drive::get_file)
                .put(drive::update_file_metadata)
                .delete(drive::delete_file),
        )
        .route(
            "/drive/api/files/{id}/contents",
            get(drive::download_file).put(drive::update_file_contents),
        )
        .route(
            "/drive/api/folders",
            get(drive::root_contents).post(drive::create_folder),
        )
        .route(
            "/drive/api/folders/{id}",
            get(drive::get_folder)
                .put(drive::update_folder)
                .delete(drive::delete_folder),
        )
        .route(
            "/drive/api/folders/{id}/contents",
            get(drive::folder_contents),
        )
        .route("/drive/api/search", post(drive::search))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::{RouteKind, classify};

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
