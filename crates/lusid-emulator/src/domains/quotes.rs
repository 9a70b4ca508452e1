//! Quotes: `UpsertQuotes` (keyed by the request's keys; each quote by its
//! series — provider, price source, instrument id type, instrument id,
//! quote type, field — and `effectiveAt`; at most 2000 per request),
//! `GetQuotes` (the latest quote of each series at or before
//! `effectiveAt`), `ListQuotesForScope` (paged).

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, Uri};
use lusid_models::ErrorDetail;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::invalid_code;
use super::common::{Errors, FieldFilter, Paging, href, json_body, reply, time_param};
use super::provenance;
use super::query_hash;
use super::wire::{Link, MetricValue, decimal};
use crate::bitemporal::Seen;
use crate::problem::{Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::{MIN_EFFECTIVE, format_lusid, parse_lusid, to_ticks};

/// Most quotes one `UpsertQuotes` call may carry (LUSID's limit).
pub(crate) const MAX_UPSERT: usize = 2000;

/// `instrumentIdType` values LUSID accepts.
const INSTRUMENT_ID_TYPES: &[&str] = &[
    "LusidInstrumentId",
    "Figi",
    "RIC",
    "QuotePermId",
    "Isin",
    "CurrencyPair",
    "ClientInternal",
    "Sedol",
    "Cusip",
];

/// `quoteType` values LUSID accepts.
const QUOTE_TYPES: &[&str] = &[
    "Price",
    "Spread",
    "Rate",
    "LogNormalVol",
    "NormalVol",
    "ParSpread",
    "IsdaSpread",
    "Upfront",
    "Index",
    "Ratio",
    "Delta",
    "PoolFactor",
    "InflationAssumption",
    "DirtyPrice",
    "PrincipalWriteOff",
    "InterestDeferred",
    "InterestShortfall",
    "ConstituentWeightFactor",
    "ForwardPrice",
    "DiscountFactor",
    "PrincipalDistributed",
];

/// `QuoteSeriesId`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QuoteSeriesId {
    provider: String,
    #[serde(default)]
    price_source: Option<String>,
    instrument_id: String,
    instrument_id_type: String,
    quote_type: String,
    field: String,
}

/// The store key of a quote: scope, series, effective date.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct QuoteKey {
    scope: String,
    series: QuoteSeriesId,
    #[serde(with = "crate::time_fmt::serde_lusid")]
    effective_at: OffsetDateTime,
}

/// A stored quote.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct QuoteRecord {
    metric_value: MetricValue,
    lineage: Option<String>,
    scale_factor: Option<lusid_models::Number>,
}

/// `QuoteId` on the wire.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct QuoteIdWire {
    quote_series_id: QuoteSeriesId,
    effective_at: String,
}

/// `UpsertQuoteRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpsertQuoteRequest {
    quote_id: QuoteIdWire,
    #[serde(default)]
    metric_value: Option<MetricValue>,
    #[serde(default)]
    lineage: Option<String>,
    #[serde(default)]
    scale_factor: Option<lusid_models::Number>,
}

/// `Quote`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct QuoteWire {
    quote_id: QuoteIdWire,
    metric_value: MetricValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    lineage: Option<String>,
    uploaded_by: String,
    as_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale_factor: Option<lusid_models::Number>,
}

/// `UpsertQuotesResponse`.
#[derive(Debug, Serialize)]
struct UpsertResponse {
    href: String,
    values: BTreeMap<String, QuoteWire>,
    failed: BTreeMap<String, ErrorDetail>,
    links: Vec<Link>,
}

/// `GetQuotesResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GetResponse {
    href: String,
    values: BTreeMap<String, QuoteWire>,
    not_found: BTreeMap<String, ErrorDetail>,
    failed: BTreeMap<String, ErrorDetail>,
    links: Vec<Link>,
}

/// `ResourceListOfQuote`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListWire {
    values: Vec<QuoteWire>,
    href: String,
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page: Option<String>,
}

fn error_detail(id: &str, kind: &str, detail: String) -> ErrorDetail {
    let mut out = ErrorDetail::default();
    out.id = Some(id.to_owned());
    out.type_ = Some(kind.to_owned());
    out.detail = Some(detail);
    out.error_details = Some(Vec::new());
    out
}

fn render(key: &QuoteKey, seen: &Seen<'_, QuoteRecord>) -> QuoteWire {
    let r = seen.value;
    let mut series = key.series.clone();
    series.price_source = Some(series.price_source.unwrap_or_default());
    QuoteWire {
        quote_id: QuoteIdWire {
            quote_series_id: series,
            effective_at: format_lusid(key.effective_at),
        },
        metric_value: r.metric_value.clone(),
        lineage: r.lineage.clone(),
        uploaded_by: seen.modified.provenance.user_id.clone(),
        as_at: format_lusid(seen.modified.as_at),
        scale_factor: r.scale_factor.clone(),
    }
}

/// Why a series is not valid, if it is not.
fn series_problem(series: &QuoteSeriesId) -> Option<String> {
    if !INSTRUMENT_ID_TYPES.contains(&series.instrument_id_type.as_str()) {
        return Some(format!(
            "'{}' is not a quote instrument id type ({}).",
            series.instrument_id_type,
            INSTRUMENT_ID_TYPES.join(", ")
        ));
    }
    if !QUOTE_TYPES.contains(&series.quote_type.as_str()) {
        return Some(format!("'{}' is not a quote type.", series.quote_type));
    }
    if series.provider.is_empty() || series.instrument_id.is_empty() || series.field.is_empty() {
        return Some("provider, instrumentId and field must not be empty.".to_owned());
    }
    None
}

/// A series with the price source normalised (absent is `""`).
fn normalised(mut series: QuoteSeriesId) -> QuoteSeriesId {
    series.price_source = Some(series.price_source.unwrap_or_default());
    series
}

/// `POST /api/api/quotes/{scope}` (UpsertQuotes).
pub(crate) async fn upsert(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(scope): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    // Each quote is parsed from its own text, so numbers stay exact.
    let raw: BTreeMap<String, Box<serde_json::value::RawValue>> = match json_body(&body) {
        Ok(r) => r,
        Err(problem) => return reply(&state, &ctx, problem),
    };
    if let Some(problem) = invalid_code("scope", &scope) {
        return reply(&state, &ctx, problem);
    }
    if raw.len() > MAX_UPSERT {
        return reply(
            &state,
            &ctx,
            Problem::invalid_field(
                "requestBody",
                format!(
                    "At most {MAX_UPSERT} quotes can be upserted in one request; {} were sent.",
                    raw.len()
                ),
            ),
        );
    }
    let mut failed = BTreeMap::new();
    let mut accepted = Vec::new();
    for (key, text) in raw {
        let request: UpsertQuoteRequest = match serde_json::from_str(text.get()) {
            Ok(r) => r,
            Err(error) => {
                failed.insert(
                    key.clone(),
                    error_detail(
                        &key,
                        "ValidationError",
                        format!("The quote is not valid: {error}."),
                    ),
                );
                continue;
            }
        };
        let series = request.quote_id.quote_series_id;
        if let Some(message) = series_problem(&series) {
            failed.insert(key.clone(), error_detail(&key, "ValidationError", message));
            continue;
        }
        let Some(effective_at) = parse_lusid(&request.quote_id.effective_at).map(to_ticks) else {
            let message = format!(
                "'{}' is not a valid effectiveAt.",
                request.quote_id.effective_at
            );
            failed.insert(key.clone(), error_detail(&key, "ValidationError", message));
            continue;
        };
        let metric = request
            .metric_value
            .filter(|m| m.value.as_ref().is_some_and(|v| decimal(v).is_some()));
        let Some(metric_value) = metric else {
            let message = "metricValue.value must be a decimal number.".to_owned();
            failed.insert(key.clone(), error_detail(&key, "ValidationError", message));
            continue;
        };
        let store_key = QuoteKey {
            scope: scope.clone(),
            series: normalised(series),
            effective_at,
        };
        let record = QuoteRecord {
            metric_value,
            lineage: request.lineage,
            scale_factor: request.scale_factor,
        };
        accepted.push((key, store_key, record));
    }
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    let who = provenance(&ctx);
    let mut values = BTreeMap::new();
    for (key, store_key, record) in accepted {
        ledger
            .quotes
            .put(store_key.clone(), record, as_at, who.clone());
        if let Some(seen) = ledger.quotes.get(&store_key, as_at) {
            values.insert(key, render(&store_key, &seen));
        }
    }
    json_response(
        StatusCode::OK,
        &UpsertResponse {
            href: href(&state, &uri),
            values,
            failed,
            links: Vec::new(),
        },
    )
}

/// `POST /api/api/quotes/{scope}/$get` (GetQuotes): `effectiveAt` and
/// `asAt` default to now; `maxAge` is not applied.
pub(crate) async fn get_many(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(scope): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let now = state.clock.tick();
    let as_at = time_param(&q, "asAt", &mut errors).unwrap_or(now);
    let effective_at = time_param(&q, "effectiveAt", &mut errors).unwrap_or(now);
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let requests: BTreeMap<String, QuoteSeriesId> = match json_body(&body) {
        Ok(r) => r,
        Err(problem) => return reply(&state, &ctx, problem),
    };
    let ledger = state.read_ledger();
    let mut values = BTreeMap::new();
    let mut not_found = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for (key, series) in requests {
        if let Some(message) = series_problem(&series) {
            failed.insert(key.clone(), error_detail(&key, "ValidationError", message));
            continue;
        }
        let series = normalised(series);
        let from = QuoteKey {
            scope: scope.clone(),
            series: series.clone(),
            effective_at: MIN_EFFECTIVE,
        };
        let to = QuoteKey {
            scope: scope.clone(),
            series,
            effective_at,
        };
        match ledger.quotes.range_at(from..=to, as_at).next_back() {
            Some((store_key, seen)) => {
                values.insert(key, render(store_key, &seen));
            }
            None => {
                let message = format!(
                    "No quote of this series at or before {}.",
                    format_lusid(effective_at)
                );
                not_found.insert(key.clone(), error_detail(&key, "QuoteNotFound", message));
            }
        }
    }
    json_response(
        StatusCode::OK,
        &GetResponse {
            href: href(&state, &uri),
            values,
            not_found,
            failed,
            links: Vec::new(),
        },
    )
}

/// `GET /api/api/quotes/{scope}` (ListQuotesForScope): by series then
/// effective date; `filter` on `quoteId.quoteSeriesId.<field>` fields.
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(scope): Path<String>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let known = [
        "quoteid.quoteseriesid.provider",
        "quoteid.quoteseriesid.pricesource",
        "quoteid.quoteseriesid.instrumentid",
        "quoteid.quoteseriesid.instrumentidtype",
        "quoteid.quoteseriesid.quotetype",
        "quoteid.quoteseriesid.field",
    ];
    let filter = FieldFilter::from_query(q.get("filter"), &known, &mut errors);
    let identity = query_hash(&[
        "quotes",
        &scope,
        q.get("filter").unwrap_or(""),
        q.get("asAt").unwrap_or(""),
    ]);
    let paging = match Paging::for_listing(&state, &ctx, &q, identity, errors) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let ledger = state.read_ledger();
    let all: Vec<QuoteWire> = ledger
        .quotes
        .iter_at(paging.as_at)
        .filter(|(key, _)| key.scope == scope)
        .filter(|(key, _)| {
            let s = &key.series;
            filter.matches(|field| {
                Some(match field.rsplit('.').next().unwrap_or("") {
                    "provider" => s.provider.clone(),
                    "pricesource" => s.price_source.clone().unwrap_or_default(),
                    "instrumentid" => s.instrument_id.clone(),
                    "instrumentidtype" => s.instrument_id_type.clone(),
                    "quotetype" => s.quote_type.clone(),
                    "field" => s.field.clone(),
                    _ => return None,
                })
            })
        })
        .map(|(key, seen)| render(key, &seen))
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
