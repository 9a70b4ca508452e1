//! Transactions of a transaction portfolio: `UpsertTransactions` (keyed by
//! `transactionId`; an upsert of an existing id replaces it at a new
//! `asAt`), `GetTransactions` (paged, transaction-date window, `asAt`),
//! `CancelTransactions`. Instruments are resolved by their identifiers
//! (`Instrument/default/Figi`, `.../LusidInstrumentId`,
//! `.../ClientInternal`, `.../Currency` ...); an identifier that resolves
//! to nothing gives LUSID's unknown instrument `LUID_ZZZZZZZZ`.

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, Uri};
use lusid_models::Number;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::datetime;

use super::common::{Errors, FieldFilter, Paging, href, json_body, push_error, reply, time_param};
use super::portfolios::{find, is_currency_code};
use super::property_definitions::{check_defined, property_keys};
use super::provenance;
use super::query_hash;
use super::wire::{
    CurrencyAndAmount, DeletedEntityResponse, Link, PropertyMap, ResourceId, VersionWire, decimal,
};
use crate::domains::instruments::Store;
use crate::model::{DEFAULT_SCOPE, canonical_identifier_type};
use crate::problem::{Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::{format_lusid, parse_lusid, to_ticks};

/// LUSID's LUID for an instrument that could not be resolved.
pub(crate) const UNKNOWN_LUID: &str = "LUID_ZZZZZZZZ";

/// LUSID's default transaction types the emulator knows.
pub(crate) const TRANSACTION_TYPES: &[&str] =
    &["Buy", "Sell", "StockIn", "StockOut", "FundsIn", "FundsOut"];

/// Error code of `TransactionTypeNotFound`.
const CODE_TRANSACTION_TYPE_NOT_FOUND: i64 = 230;

/// A later time than any instrument version: instruments are resolved as
/// they are now.
const LATEST: OffsetDateTime = datetime!(9999-12-31 00:00:00 UTC);

/// `TransactionPrice`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TransactionPrice {
    /// `price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) price: Option<Number>,
    /// `type`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub(crate) type_: Option<String>,
}

/// `TransactionRequest` (the fields the emulator keeps).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionRequest {
    transaction_id: String,
    #[serde(rename = "type")]
    type_: String,
    instrument_identifiers: BTreeMap<String, String>,
    transaction_date: String,
    settlement_date: String,
    units: Number,
    #[serde(default)]
    transaction_price: Option<TransactionPrice>,
    total_consideration: CurrencyAndAmount,
    #[serde(default)]
    exchange_rate: Option<Number>,
    #[serde(default)]
    transaction_currency: Option<String>,
    #[serde(default)]
    properties: Option<PropertyMap>,
    #[serde(default)]
    counterparty_id: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// A stored transaction, with its instrument resolved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TransactionRecord {
    pub(crate) transaction_id: String,
    pub(crate) type_: String,
    pub(crate) instrument_identifiers: BTreeMap<String, String>,
    pub(crate) instrument_scope: String,
    /// The resolved LUID (`LUID_ZZZZZZZZ` when unresolved).
    pub(crate) instrument_uid: String,
    #[serde(with = "crate::time_fmt::serde_lusid")]
    pub(crate) transaction_date: OffsetDateTime,
    #[serde(with = "crate::time_fmt::serde_lusid")]
    pub(crate) settlement_date: OffsetDateTime,
    #[serde(with = "crate::persist::serde_decimal")]
    pub(crate) units: Decimal,
    units_wire: Number,
    transaction_price: Option<TransactionPrice>,
    /// Settlement amount (exact) and currency.
    #[serde(with = "crate::persist::serde_decimal")]
    pub(crate) total_consideration: Decimal,
    pub(crate) settlement_currency: String,
    total_consideration_wire: CurrencyAndAmount,
    exchange_rate: Option<Number>,
    transaction_currency: Option<String>,
    properties: PropertyMap,
    counterparty_id: Option<String>,
    source: Option<String>,
}

#[cfg(test)]
impl TransactionRecord {
    /// A transaction for rule tests: `units` and `amount` as literals,
    /// dates as `YYYY-MM-DD`, settled in GBP.
    pub(crate) fn example(
        kind: &str,
        luid: &str,
        date: &str,
        settle: &str,
        units: &str,
        amount: &str,
    ) -> Self {
        let number = |s: &str| s.parse::<Number>().expect("number");
        let at = |s: &str| parse_lusid(s).expect("date");
        let mut consideration = CurrencyAndAmount::new(Decimal::ZERO, "GBP");
        consideration.amount = Some(number(amount));
        Self {
            transaction_id: format!("{kind}-{date}"),
            type_: kind.to_owned(),
            instrument_identifiers: BTreeMap::new(),
            instrument_scope: DEFAULT_SCOPE.to_owned(),
            instrument_uid: luid.to_owned(),
            transaction_date: at(date),
            settlement_date: at(settle),
            units: decimal(&number(units)).expect("units"),
            units_wire: number(units),
            transaction_price: None,
            total_consideration: decimal(&number(amount)).expect("amount"),
            settlement_currency: "GBP".to_owned(),
            total_consideration_wire: consideration,
            exchange_rate: None,
            transaction_currency: None,
            properties: PropertyMap::new(),
            counterparty_id: None,
            source: None,
        }
    }
}

/// `Transaction`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TransactionWire<'a> {
    transaction_id: &'a str,
    #[serde(rename = "type")]
    type_: &'a str,
    instrument_identifiers: &'a BTreeMap<String, String>,
    instrument_scope: &'a str,
    instrument_uid: &'a str,
    transaction_date: String,
    settlement_date: String,
    units: &'a Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_price: Option<&'a TransactionPrice>,
    total_consideration: &'a CurrencyAndAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange_rate: Option<&'a Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_currency: Option<&'a str>,
    properties: &'a PropertyMap,
    #[serde(skip_serializing_if = "Option::is_none")]
    counterparty_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    entry_date_time: String,
    transaction_status: &'static str,
}

/// `VersionedResourceListOfTransaction`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListWire<'a> {
    version: VersionWire,
    values: Vec<TransactionWire<'a>>,
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page: Option<String>,
    links: Vec<Link>,
}

/// `UpsertPortfolioTransactionsResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UpsertResponse {
    version: VersionWire,
    href: String,
    links: Vec<Link>,
}

/// Resolves instrument identifiers (`Instrument/<scope>/<Type>` keys) to a
/// LUID in `scope`: the first that resolves, else `LUID_ZZZZZZZZ`.
pub(crate) fn resolve_instrument(
    store: &Store,
    scope: &str,
    identifiers: &BTreeMap<String, String>,
) -> String {
    identifiers
        .iter()
        .find_map(|(key, value)| {
            let kind = key.rsplit('/').next().and_then(canonical_identifier_type)?;
            if kind == "Currency" {
                if let Some((history, _)) = store.resolve(scope, kind, value, LATEST) {
                    return Some(history.luid.as_str().to_owned());
                }
                return is_currency_code(value).then(|| format!("CCY_{value}"));
            }
            store
                .resolve(scope, kind, value, LATEST)
                .map(|(history, _)| history.luid.as_str().to_owned())
        })
        .unwrap_or_else(|| UNKNOWN_LUID.to_owned())
}

/// Validates one request (errors under `[index].field`).
fn validate(
    index: usize,
    t: &TransactionRequest,
    errors: &mut Errors,
) -> Option<(OffsetDateTime, OffsetDateTime, Decimal, Decimal)> {
    let field = |name: &str| format!("[{index}].{name}");
    let trade = parse_lusid(&t.transaction_date).map(to_ticks);
    if trade.is_none() {
        push_error(
            errors,
            &field("transactionDate"),
            format!("'{}' is not a valid date-time.", t.transaction_date),
        );
    }
    let settle = parse_lusid(&t.settlement_date).map(to_ticks);
    if settle.is_none() {
        push_error(
            errors,
            &field("settlementDate"),
            format!("'{}' is not a valid date-time.", t.settlement_date),
        );
    }
    let units = decimal(&t.units);
    if units.is_none() {
        push_error(
            errors,
            &field("units"),
            format!(
                "{} is not a decimal the emulator can hold exactly.",
                t.units
            ),
        );
    }
    let amount = match &t.total_consideration.amount {
        Some(n) => decimal(n),
        None => Some(Decimal::ZERO),
    };
    if amount.is_none() {
        push_error(
            errors,
            &field("totalConsideration.amount"),
            "The amount is not a decimal the emulator can hold exactly.",
        );
    }
    if !is_currency_code(&t.total_consideration.currency) {
        push_error(
            errors,
            &field("totalConsideration.currency"),
            format!(
                "'{}' is not an ISO 4217 currency code.",
                t.total_consideration.currency
            ),
        );
    }
    if t.transaction_id.is_empty() {
        push_error(
            errors,
            &field("transactionId"),
            "The transaction id must not be empty.",
        );
    }
    if t.instrument_identifiers.is_empty() {
        push_error(
            errors,
            &field("instrumentIdentifiers"),
            "At least one instrument identifier is required.",
        );
    }
    Some((trade?, settle?, units?, amount?))
}

/// `POST /api/api/transactionportfolios/{scope}/{code}/transactions` (UpsertTransactions).
pub(crate) async fn upsert(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((scope, code)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let requests: Vec<TransactionRequest> = match json_body(&body) {
        Ok(r) => r,
        Err(problem) => return reply(&state, &ctx, problem),
    };
    let mut errors = Errors::new();
    let checked: Vec<_> = requests
        .iter()
        .enumerate()
        .map(|(i, t)| validate(i, t, &mut errors))
        .collect();
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    if let Some(t) = requests
        .iter()
        .find(|t| !TRANSACTION_TYPES.contains(&t.type_.as_str()))
    {
        let mut problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "TransactionTypeNotFound",
            CODE_TRANSACTION_TYPE_NOT_FOUND,
            "Transaction type not found",
            format!(
                "The transaction type '{}' of transaction {} is not configured; the emulator knows LUSID's default types {}.",
                t.type_,
                t.transaction_id,
                TRANSACTION_TYPES.join(", ")
            ),
        );
        problem
            .error_details
            .push([("type".to_owned(), t.type_.clone())].into());
        return reply(&state, &ctx, problem);
    }
    let id = ResourceId { scope, code };
    let store = state.read_store();
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    let instrument_scope = match find(&ledger, &id, as_at) {
        Ok(seen) => seen
            .value
            .instrument_scopes
            .first()
            .cloned()
            .unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
        Err(problem) => return reply(&state, &ctx, problem),
    };
    let keys = requests
        .iter()
        .flat_map(|t| t.properties.iter().flat_map(property_keys));
    if let Err(problem) = check_defined(&ledger, "Transaction", keys, as_at) {
        return reply(&state, &ctx, problem);
    }
    let who = provenance(&ctx);
    for (t, checked) in requests.into_iter().zip(checked) {
        let Some((transaction_date, settlement_date, units, amount)) = checked else {
            continue;
        };
        let record = TransactionRecord {
            instrument_uid: resolve_instrument(
                &store,
                &instrument_scope,
                &t.instrument_identifiers,
            ),
            instrument_scope: instrument_scope.clone(),
            transaction_id: t.transaction_id,
            type_: t.type_,
            instrument_identifiers: t.instrument_identifiers,
            transaction_date,
            settlement_date,
            units,
            units_wire: t.units,
            transaction_price: t.transaction_price,
            total_consideration: amount,
            settlement_currency: t.total_consideration.currency.clone(),
            total_consideration_wire: t.total_consideration,
            exchange_rate: t.exchange_rate,
            transaction_currency: t.transaction_currency,
            properties: t.properties.unwrap_or_default(),
            counterparty_id: t.counterparty_id,
            source: t.source,
        };
        ledger.transactions.put(
            (id.clone(), record.transaction_id.clone()),
            record,
            as_at,
            who.clone(),
        );
    }
    json_response(
        StatusCode::OK,
        &UpsertResponse {
            version: VersionWire::of_read(as_at, as_at),
            href: href(&state, &uri),
            links: Vec::new(),
        },
    )
}

/// The transactions of portfolio `id` visible at `as_at`, by transaction
/// date then id, with the `asAt` each was entered at.
pub(crate) fn visible<'a>(
    ledger: &'a super::Ledger,
    id: &ResourceId,
    as_at: OffsetDateTime,
) -> Vec<(&'a TransactionRecord, OffsetDateTime)> {
    let mut out: Vec<(&TransactionRecord, OffsetDateTime)> = ledger
        .transactions
        .range_at((id.clone(), String::new()).., as_at)
        .take_while(|((pid, _), _)| pid == id)
        .map(|(_, seen)| (seen.value, seen.modified.as_at))
        .collect();
    out.sort_by(|a, b| {
        (a.0.transaction_date, &a.0.transaction_id)
            .cmp(&(b.0.transaction_date, &b.0.transaction_id))
    });
    out
}

fn render(t: &TransactionRecord, entered: OffsetDateTime) -> TransactionWire<'_> {
    TransactionWire {
        transaction_id: &t.transaction_id,
        type_: &t.type_,
        instrument_identifiers: &t.instrument_identifiers,
        instrument_scope: &t.instrument_scope,
        instrument_uid: &t.instrument_uid,
        transaction_date: format_lusid(t.transaction_date),
        settlement_date: format_lusid(t.settlement_date),
        units: &t.units_wire,
        transaction_price: t.transaction_price.as_ref(),
        total_consideration: &t.total_consideration_wire,
        exchange_rate: t.exchange_rate.as_ref(),
        transaction_currency: t.transaction_currency.as_deref(),
        properties: &t.properties,
        counterparty_id: t.counterparty_id.as_deref(),
        source: t.source.as_deref(),
        entry_date_time: format_lusid(entered),
        transaction_status: "Active",
    }
}

/// `GET /api/api/transactionportfolios/{scope}/{code}/transactions` (GetTransactions).
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((scope, code)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let from = time_param(&q, "fromTransactionDate", &mut errors);
    let to = time_param(&q, "toTransactionDate", &mut errors);
    let known = ["transactionid", "type", "instrumentuid", "source"];
    let filter = FieldFilter::from_query(q.get("filter"), &known, &mut errors);
    let identity = query_hash(&[
        "transactions",
        &scope,
        &code,
        q.get("fromTransactionDate").unwrap_or(""),
        q.get("toTransactionDate").unwrap_or(""),
        q.get("filter").unwrap_or(""),
        q.get("asAt").unwrap_or(""),
    ]);
    let paging = match Paging::for_listing(&state, &ctx, &q, identity, errors) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let id = ResourceId { scope, code };
    let ledger = state.read_ledger();
    if let Err(problem) = find(&ledger, &id, paging.as_at) {
        return reply(&state, &ctx, problem);
    }
    let all: Vec<TransactionWire<'_>> = visible(&ledger, &id, paging.as_at)
        .into_iter()
        .filter(|(t, _)| from.is_none_or(|f| t.transaction_date >= f))
        .filter(|(t, _)| to.is_none_or(|u| t.transaction_date <= u))
        .filter(|(t, _)| {
            filter.matches(|field| match field {
                "transactionid" => Some(t.transaction_id.clone()),
                "type" => Some(t.type_.clone()),
                "instrumentuid" => Some(t.instrument_uid.clone()),
                "source" => t.source.clone(),
                _ => None,
            })
        })
        .map(|(t, entered)| render(t, entered))
        .collect();
    let (values, next_page) = paging.page(all);
    json_response(
        StatusCode::OK,
        &ListWire {
            version: VersionWire::of_read(to.unwrap_or(paging.as_at), paging.as_at),
            values,
            href: href(&state, &uri),
            next_page,
            links: Vec::new(),
        },
    )
}

/// `DELETE /api/api/transactionportfolios/{scope}/{code}/transactions?transactionIds=..`
/// (CancelTransactions): every id must exist, else nothing is cancelled.
pub(crate) async fn cancel(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((scope, code)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let ids = q.all("transactionIds");
    if ids.is_empty() {
        return reply(
            &state,
            &ctx,
            Problem::invalid_field("transactionIds", "At least one transaction id is required."),
        );
    }
    let id = ResourceId { scope, code };
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    if let Err(problem) = find(&ledger, &id, as_at) {
        return reply(&state, &ctx, problem);
    }
    let missing: Vec<&String> = ids
        .iter()
        .filter(|t| {
            ledger
                .transactions
                .get(&(id.clone(), (*t).clone()), as_at)
                .is_none()
        })
        .collect();
    if !missing.is_empty() {
        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        let mut problem = Problem::new(
            StatusCode::NOT_FOUND,
            "TransactionNotFound",
            crate::problem::CODE_UNKNOWN,
            "Transaction not found",
            format!(
                "The transactions {} do not exist in portfolio {}/{}.",
                list.join(", "),
                id.scope,
                id.code
            ),
        );
        for t in missing {
            problem
                .error_details
                .push([("transactionId".to_owned(), t.clone())].into());
        }
        return reply(&state, &ctx, problem);
    }
    let who = provenance(&ctx);
    for t in ids {
        ledger
            .transactions
            .delete(&(id.clone(), t), as_at, who.clone());
    }
    json_response(
        StatusCode::OK,
        &DeletedEntityResponse {
            href: Some(href(&state, &uri)),
            effective_from: None,
            as_at: format_lusid(as_at),
            entity_type: Some("Transaction".to_owned()),
            entity_unique_id: None,
            links: Vec::new(),
        },
    )
}
