//! Transaction portfolios: `CreatePortfolio`, `GetPortfolio`,
//! `ListPortfolios`, `ListPortfoliosForScope`, `DeletePortfolio`.

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{StatusCode, Uri};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{
    Errors, FieldFilter, Paging, check_code, href, json_body, push_error, reply, time_param, url,
};
use super::property_definitions::{check_defined, property_keys};
use super::query_hash;
use super::wire::{DeletedEntityResponse, Link, PropertyMap, ResourceId, VersionWire};
use super::{Ledger, provenance};
use crate::bitemporal::Seen;
use crate::model::uuid_like;
use crate::problem::{Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::{format_lusid, parse_lusid, to_ticks};

/// Error code of `PortfolioNotFound`.
const CODE_PORTFOLIO_NOT_FOUND: i64 = 109;
/// Error code of `PortfolioWithIdAlreadyExists`.
const CODE_PORTFOLIO_ALREADY_EXISTS: i64 = 112;

/// A stored transaction portfolio.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct PortfolioRecord {
    pub(crate) display_name: String,
    pub(crate) description: Option<String>,
    /// Effective date from which the portfolio exists.
    #[serde(with = "crate::time_fmt::serde_lusid")]
    pub(crate) created: OffsetDateTime,
    /// ISO 4217 code of the base currency.
    pub(crate) base_currency: String,
    pub(crate) accounting_method: String,
    pub(crate) sub_holding_keys: Vec<String>,
    pub(crate) instrument_scopes: Vec<String>,
    pub(crate) properties: PropertyMap,
}

/// `CreateTransactionPortfolioRequest` (the fields the emulator keeps).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    code: String,
    #[serde(default)]
    created: Option<String>,
    base_currency: String,
    #[serde(default)]
    accounting_method: Option<String>,
    #[serde(default)]
    sub_holding_keys: Option<Vec<String>>,
    #[serde(default)]
    properties: Option<PropertyMap>,
    #[serde(default)]
    instrument_scopes: Option<Vec<String>>,
}

/// `Portfolio`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PortfolioWire {
    href: String,
    id: ResourceId,
    #[serde(rename = "type")]
    type_: &'static str,
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    created: String,
    version: VersionWire,
    is_derived: bool,
    base_currency: String,
    properties: PropertyMap,
    relationships: Vec<()>,
    instrument_scopes: Vec<String>,
    accounting_method: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sub_holding_keys: Vec<String>,
    links: Vec<Link>,
}

/// `ResourceListOfPortfolio`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListWire {
    values: Vec<PortfolioWire>,
    href: String,
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page: Option<String>,
}

/// The served path of a portfolio.
fn path_of(id: &ResourceId) -> String {
    format!("/api/api/portfolios/{}/{}", id.scope, id.code)
}

fn render(state: &SharedState, id: &ResourceId, seen: &Seen<'_, PortfolioRecord>) -> PortfolioWire {
    let r = seen.value;
    PortfolioWire {
        href: url(state, &path_of(id)),
        id: id.clone(),
        type_: "Transaction",
        display_name: r.display_name.clone(),
        description: r.description.clone(),
        created: format_lusid(r.created),
        version: VersionWire::of_entity(
            r.created,
            seen,
            uuid_like(&["portfolio", &id.scope, &id.code]),
        ),
        is_derived: false,
        base_currency: r.base_currency.clone(),
        properties: r.properties.clone(),
        relationships: Vec::new(),
        instrument_scopes: r.instrument_scopes.clone(),
        accounting_method: r.accounting_method.clone(),
        sub_holding_keys: r.sub_holding_keys.clone(),
        links: vec![Link::get(
            "Holdings",
            url(
                state,
                &format!(
                    "/api/api/transactionportfolios/{}/{}/holdings",
                    id.scope, id.code
                ),
            ),
            "The holdings of the portfolio",
        )],
    }
}

/// The 404 `PortfolioNotFound`.
pub(crate) fn not_found(id: &ResourceId) -> Problem {
    let mut problem = Problem::new(
        StatusCode::NOT_FOUND,
        "PortfolioNotFound",
        CODE_PORTFOLIO_NOT_FOUND,
        "Could not find the portfolio",
        format!(
            "Portfolio with id {}/{} could not be found.",
            id.scope, id.code
        ),
    );
    problem.error_details.push(
        [
            ("scope".to_owned(), id.scope.clone()),
            ("code".to_owned(), id.code.clone()),
        ]
        .into(),
    );
    problem
}

/// The portfolio `id` at `as_at`, or `PortfolioNotFound`.
pub(crate) fn find<'a>(
    ledger: &'a Ledger,
    id: &ResourceId,
    as_at: OffsetDateTime,
) -> Result<Seen<'a, PortfolioRecord>, Box<Problem>> {
    ledger
        .portfolios
        .get(id, as_at)
        .ok_or_else(|| Box::new(not_found(id)))
}

/// Whether `raw` is an active ISO 4217 code (`GBP`; not `ABC`, nor `gbp`).
pub(crate) fn is_currency_code(raw: &str) -> bool {
    raw.len() == 3
        && raw.bytes().all(|b| b.is_ascii_uppercase())
        && crate::domains::instruments::seed::currencies::is_iso_4217(raw)
}

/// `POST /api/api/transactionportfolios/{scope}` (CreatePortfolio).
pub(crate) async fn create(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(scope): Path<String>,
    body: Bytes,
) -> Response {
    let request: CreateRequest = match json_body(&body) {
        Ok(r) => r,
        Err(problem) => return reply(&state, &ctx, problem),
    };
    let mut errors = Errors::new();
    for (field, value) in [("scope", &scope), ("code", &request.code)] {
        check_code(&mut errors, field, value);
    }
    if !is_currency_code(&request.base_currency) {
        push_error(
            &mut errors,
            "baseCurrency",
            format!(
                "'{}' is not an ISO 4217 currency code.",
                request.base_currency
            ),
        );
    }
    let now = state.clock.tick();
    let created = match request.created.as_deref() {
        None => now,
        Some(raw) => match parse_lusid(raw) {
            Some(at) => to_ticks(at),
            None => {
                push_error(
                    &mut errors,
                    "created",
                    format!("'{raw}' is not a valid date-time."),
                );
                now
            }
        },
    };
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let id = ResourceId {
        scope,
        code: request.code,
    };
    let properties = request.properties.unwrap_or_default();
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    if let Err(problem) = check_defined(&ledger, "Portfolio", property_keys(&properties), as_at) {
        return reply(&state, &ctx, problem);
    }
    if ledger.portfolios.get(&id, as_at).is_some() {
        let mut problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "PortfolioWithIdAlreadyExists",
            CODE_PORTFOLIO_ALREADY_EXISTS,
            "A portfolio with that id already exists",
            format!(
                "A portfolio with scope {} and code {} already exists.",
                id.scope, id.code
            ),
        );
        problem.error_details.push(
            [
                ("scope".to_owned(), id.scope.clone()),
                ("code".to_owned(), id.code.clone()),
            ]
            .into(),
        );
        return reply(&state, &ctx, problem);
    }
    let record = PortfolioRecord {
        display_name: request.display_name,
        description: request.description,
        created,
        base_currency: request.base_currency,
        accounting_method: request
            .accounting_method
            .unwrap_or_else(|| "Default".to_owned()),
        sub_holding_keys: request.sub_holding_keys.unwrap_or_default(),
        instrument_scopes: request.instrument_scopes.unwrap_or_default(),
        properties,
    };
    ledger
        .portfolios
        .put(id.clone(), record, as_at, provenance(&ctx));
    match ledger.portfolios.get(&id, as_at) {
        Some(seen) => json_response(StatusCode::CREATED, &render(&state, &id, &seen)),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `GET /api/api/portfolios/{scope}/{code}` (GetPortfolio).
pub(crate) async fn get_one(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((scope, code)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let as_at = time_param(&q, "asAt", &mut errors).unwrap_or_else(|| state.clock.tick());
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let id = ResourceId { scope, code };
    let ledger = state.read_ledger();
    match find(&ledger, &id, as_at) {
        Ok(seen) => json_response(StatusCode::OK, &render(&state, &id, &seen)),
        Err(problem) => reply(&state, &ctx, problem),
    }
}

/// `GET /api/api/portfolios` (ListPortfolios).
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
) -> Response {
    list_in(state, ctx, None, uri)
}

/// `GET /api/api/portfolios/{scope}` (ListPortfoliosForScope).
pub(crate) async fn list_for_scope(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(scope): Path<String>,
    uri: Uri,
) -> Response {
    list_in(state, ctx, Some(scope), uri)
}

/// Portfolios (of `scope`, or all), sorted by scope and code; `filter` on
/// `id.scope`, `id.code`, `displayName`, `baseCurrency`, `type`.
fn list_in(state: SharedState, ctx: RequestCtx, scope: Option<String>, uri: Uri) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let known = ["id.scope", "id.code", "displayname", "basecurrency", "type"];
    let filter = FieldFilter::from_query(q.get("filter"), &known, &mut errors);
    let identity = query_hash(&[
        "portfolios",
        scope.as_deref().unwrap_or("\u{0}"),
        q.get("filter").unwrap_or(""),
        q.get("asAt").unwrap_or(""),
    ]);
    let paging = match Paging::for_listing(&state, &ctx, &q, identity, errors) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let ledger = state.read_ledger();
    let all: Vec<PortfolioWire> = ledger
        .portfolios
        .iter_at(paging.as_at)
        .filter(|(id, _)| scope.as_ref().is_none_or(|s| &id.scope == s))
        .filter(|(id, seen)| {
            filter.matches(|field| match field {
                "id.scope" => Some(id.scope.clone()),
                "id.code" => Some(id.code.clone()),
                "displayname" => Some(seen.value.display_name.clone()),
                "basecurrency" => Some(seen.value.base_currency.clone()),
                "type" => Some("Transaction".to_owned()),
                _ => None,
            })
        })
        .map(|(id, seen)| render(&state, id, &seen))
        .collect();
    let (values, next_page) = paging.page(all);
    json_response(
        StatusCode::OK,
        &ListWire {
            values,
            href: href(&state, &uri),
            links: Vec::new(),
            next_page,
        },
    )
}

/// `DELETE /api/api/portfolios/{scope}/{code}` (DeletePortfolio): the
/// portfolio and its transactions are deleted at the same `asAt`.
pub(crate) async fn delete_one(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((scope, code)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let id = ResourceId { scope, code };
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    let who = provenance(&ctx);
    if !ledger.portfolios.delete(&id, as_at, who.clone()) {
        return reply(&state, &ctx, not_found(&id));
    }
    let keys: Vec<(ResourceId, String)> = ledger
        .transactions
        .range_at((id.clone(), String::new()).., as_at)
        .take_while(|((pid, _), _)| pid == &id)
        .map(|(key, _)| key.clone())
        .collect();
    for key in keys {
        ledger.transactions.delete(&key, as_at, who.clone());
    }
    json_response(
        StatusCode::OK,
        &DeletedEntityResponse {
            href: Some(href(&state, &uri)),
            effective_from: None,
            as_at: format_lusid(as_at),
            entity_type: Some("Portfolio".to_owned()),
            entity_unique_id: Some(uuid_like(&["portfolio", &id.scope, &id.code])),
            links: Vec::new(),
        },
    )
}
