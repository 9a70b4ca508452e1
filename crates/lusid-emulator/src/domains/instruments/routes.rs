//! The instrument operations' handlers: `ListInstruments`,
//! `GetInstrument`, `GetInstruments`, `UpsertInstruments`,
//! `DeleteInstrument`.

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, Uri};
use lusid_models::{
    DeleteInstrumentResponse, ErrorDetail, GetInstrumentsResponse, PagedResourceListOfInstrument,
    Property, UpsertInstrumentsResponse,
};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::rules::{DeleteFailure, UpsertFailure, UpsertItem};
use crate::canonical_json::{MAX_DEPTH, nesting_depth};
use crate::domains::common::{
    Errors, PageToken, href, invalid_code, limit_param, push_error, reply, time_param,
};
use crate::domains::instruments::fields::{DEFAULT_FILTER, parse_filter};
use crate::domains::instruments::paging::{PageQuery, QueryIdentity, collect_page};
use crate::domains::instruments::render::{PropertySelection, instrument, raw};
use crate::domains::instruments::sort::{SortKey, SortSpec};
use crate::domains::property_definitions::{
    CODE_PROPERTY_NOT_DEFINED, PROPERTY_NOT_DEFINED, not_defined_detail, undefined_keys,
};
use crate::filter::Filter;
use crate::model::{
    DEFAULT_SCOPE, Provenance, canonical_identifier_type, is_instrument_property_key,
};
use crate::problem::{CODE_CURRENCY_CANNOT_BE_DELETED, Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::parse_lusid;

/// Most definitions one `UpsertInstruments` call may carry (LUSID's limit).
const MAX_UPSERT: usize = 2000;

/// The validation problem for an unsupported identifier type.
fn bad_identifier_type(state: &SharedState, ctx: &RequestCtx, raw: &str) -> Response {
    reply(
        state,
        ctx,
        Problem::invalid_field(
            "identifierType",
            format!("'{raw}' is not a supported instrument identifier type."),
        ),
    )
}

/// `GET /api/api/instruments` (ListInstruments).
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let limit = limit_param(&q, &mut errors);
    let as_at_given = time_param(&q, "asAt", &mut errors);
    let effective_at_given = time_param(&q, "effectiveAt", &mut errors);
    let scope = q.get("scope").unwrap_or(DEFAULT_SCOPE);
    let filter_raw = q.get("filter").unwrap_or(DEFAULT_FILTER);
    let filter = match parse_filter(filter_raw) {
        Ok(filter) => Some(filter),
        Err(error) => {
            push_error(
                &mut errors,
                "filter",
                format!("The filter is not valid: {error}"),
            );
            None
        }
    };
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let filter = filter.unwrap_or(Filter::True);
    let sort = match SortSpec::parse(&q.all("sortBy")) {
        Ok(sort) => sort,
        Err(detail) => return reply(&state, &ctx, Problem::sort_field(detail)),
    };
    let identity = QueryIdentity {
        scope,
        filter: filter_raw,
        sort: &sort,
        as_at: q.get("asAt"),
        effective_at: q.get("effectiveAt"),
    };
    let query_hash = identity.hash();
    let token = match q.get("page") {
        None => None,
        Some(raw) => match PageToken::<SortKey>::decode(raw) {
            Some(token) if token.query == query_hash => Some(token),
            Some(_) => {
                return reply(
                    &state,
                    &ctx,
                    Problem::invalid_page_token(
                        "The page token was issued for a different query (scope, filter, sortBy, asAt or effectiveAt changed).",
                    ),
                );
            }
            None => {
                return reply(
                    &state,
                    &ctx,
                    Problem::invalid_page_token("The page token could not be decoded."),
                );
            }
        },
    };
    let now = OffsetDateTime::now_utc();
    let as_at = token
        .as_ref()
        .map_or(as_at_given.unwrap_or(now), |t| t.as_at);
    let effective_at = token
        .as_ref()
        .map_or(effective_at_given.unwrap_or(now), |t| t.effective_at);
    let property_keys = q.all("instrumentPropertyKeys");
    let lusid_url = state.lusid_url();

    let body = {
        let store = state.read_store();
        let page = collect_page(
            &store,
            &PageQuery {
                scope,
                filter: &filter,
                sort: &sort,
                as_at,
                effective_at,
                limit,
                after: token.as_ref().map(|t| &t.after),
            },
        );
        let values: Vec<Box<RawValue>> = page
            .items
            .iter()
            .map(|item| {
                instrument(
                    &lusid_url,
                    &item.history,
                    item.version_index,
                    PropertySelection::Keys(&property_keys),
                )
            })
            .collect();
        let next_page = page
            .next
            .map(|after| PageToken::new(query_hash.clone(), as_at, effective_at, after).encode());
        let mut body = PagedResourceListOfInstrument::new(Vec::new());
        body.next_page = next_page;
        body.href = Some(href(&state, &uri));
        body.links = Some(Vec::new());
        with_field(&body, "values", &values)
    };
    json_response(StatusCode::OK, &body)
}

/// `GET /api/api/instruments/{identifierType}/{identifier}` (GetInstrument).
pub(crate) async fn get_one(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((raw_kind, value)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let Some(kind) = canonical_identifier_type(&raw_kind) else {
        return bad_identifier_type(&state, &ctx, &raw_kind);
    };
    let mut errors = Errors::new();
    let as_at = time_param(&q, "asAt", &mut errors);
    let effective_at = time_param(&q, "effectiveAt", &mut errors);
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let now = OffsetDateTime::now_utc();
    let scope = q.get("scope").unwrap_or(DEFAULT_SCOPE);
    let keys = q.all("propertyKeys");
    let rendered = {
        let store = state.read_store();
        store
            .resolve(scope, kind, &value, as_at.unwrap_or(now))
            .filter(|(h, i)| {
                h.value(*i)
                    .is_some_and(|v| v.effective_from <= effective_at.unwrap_or(now))
            })
            .map(|(history, index)| {
                instrument(
                    &state.lusid_url(),
                    &history,
                    index,
                    PropertySelection::Keys(&keys),
                )
            })
    };
    match rendered {
        Some(body) => json_response(StatusCode::OK, &body),
        None => reply(&state, &ctx, Problem::instrument_not_found(kind, &value)),
    }
}

/// `POST /api/api/instruments/$get` (GetInstruments).
pub(crate) async fn get_many(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let Some(raw_kind) = q.get("identifierType") else {
        return reply(
            &state,
            &ctx,
            Problem::invalid_field("identifierType", "The identifierType field is required."),
        );
    };
    let Some(kind) = canonical_identifier_type(raw_kind) else {
        return bad_identifier_type(&state, &ctx, raw_kind);
    };
    let mut errors = Errors::new();
    let as_at = time_param(&q, "asAt", &mut errors);
    let effective_at = time_param(&q, "effectiveAt", &mut errors);
    let identifiers: Vec<String> = match serde_json::from_slice(&body) {
        Ok(list) => list,
        Err(error) => {
            push_error(
                &mut errors,
                "requestBody",
                format!("The body must be a JSON array of identifier values: {error}"),
            );
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let now = OffsetDateTime::now_utc();
    let scope = q.get("scope").unwrap_or(DEFAULT_SCOPE);
    let keys = q.all("propertyKeys");
    let lusid_url = state.lusid_url();
    let mut values = BTreeMap::new();
    let mut failed = BTreeMap::new();
    {
        let store = state.read_store();
        for value in identifiers {
            let found = store
                .resolve(scope, kind, &value, as_at.unwrap_or(now))
                .filter(|(h, i)| {
                    h.value(*i)
                        .is_some_and(|v| v.effective_from <= effective_at.unwrap_or(now))
                });
            match found {
                Some((history, index)) => {
                    let rendered =
                        instrument(&lusid_url, &history, index, PropertySelection::Keys(&keys));
                    values.insert(value, rendered);
                }
                None => {
                    let detail = error_detail(
                        &value,
                        "InstrumentNotFound",
                        format!("Could not find an instrument with identifier {kind} '{value}'."),
                    );
                    failed.insert(value, detail);
                }
            }
        }
    }
    let mut body = GetInstrumentsResponse::default();
    body.href = Some(href(&state, &uri));
    body.values = Some(BTreeMap::new());
    body.failed = Some(failed);
    body.links = Some(Vec::new());
    json_response(StatusCode::OK, &with_field(&body, "values", &values))
}

/// One received `InstrumentDefinition`, read loosely so that any economic
/// definition (`instrumentType`) is kept as JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefinitionIn {
    #[serde(default)]
    name: String,
    #[serde(default)]
    identifiers: BTreeMap<String, IdentifierIn>,
    #[serde(default)]
    properties: Option<Vec<Property>>,
    /// Kept as the JSON text received, so every digit survives.
    #[serde(default)]
    definition: Option<Box<RawValue>>,
}

/// One received `InstrumentIdValue`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdentifierIn {
    value: String,
    #[serde(default)]
    effective_at: Option<String>,
}

/// Turns one received definition into a store item. It is read from its
/// JSON text (never through `serde_json::Value`), so metric property values
/// and numbers in the economic definition keep every digit.
fn upsert_item(value: &RawValue) -> Result<UpsertItem, UpsertFailure> {
    let invalid = |detail: String| UpsertFailure {
        kind: "ValidationError",
        detail,
    };
    let definition: DefinitionIn = serde_json::from_str(value.get())
        .map_err(|e| invalid(format!("The instrument definition is not valid: {e}")))?;
    if definition.name.trim().is_empty() {
        return Err(invalid("The name field is required.".to_owned()));
    }
    if definition.identifiers.is_empty() {
        return Err(invalid("At least one identifier is required.".to_owned()));
    }
    let mut identifiers = BTreeMap::new();
    let mut effective_from: Option<OffsetDateTime> = None;
    for (raw_kind, id) in definition.identifiers {
        let kind = canonical_identifier_type(&raw_kind)
            .ok_or_else(|| invalid(format!("'{raw_kind}' is not a supported identifier type.")))?;
        if id.value.trim().is_empty() {
            return Err(invalid(format!("The {kind} identifier has no value.")));
        }
        if let Some(raw) = id.effective_at.as_deref() {
            let at = parse_lusid(raw).ok_or_else(|| {
                invalid(format!(
                    "The {kind} identifier's effectiveAt '{raw}' is not a date-time."
                ))
            })?;
            effective_from = Some(effective_from.map_or(at, |prev| prev.min(at)));
        }
        if identifiers.contains_key(kind) {
            // `ClientInternal` and `clientinternal`: one would silently win.
            return Err(invalid(format!(
                "The identifier type {kind} is given more than once ('{raw_kind}')."
            )));
        }
        identifiers.insert(kind.to_owned(), id.value);
    }
    if let Some(economic) = &definition.definition {
        let depth = nesting_depth(economic.get());
        if depth > MAX_DEPTH {
            return Err(invalid(format!(
                "The definition nests arrays and objects {depth} deep; at most {MAX_DEPTH} are accepted."
            )));
        }
    }
    let properties = definition.properties.unwrap_or_default();
    if let Some(bad) = properties
        .iter()
        .find(|p| !is_instrument_property_key(&p.key))
    {
        return Err(UpsertFailure {
            kind: "InvalidPropertyKey",
            detail: format!(
                "The property key '{}' is not an instrument property key: it must be Instrument/<scope>/<code>.",
                bad.key
            ),
        });
    }
    Ok(UpsertItem {
        name: definition.name,
        identifiers,
        effective_from,
        properties,
        definition: definition
            .definition
            .map(|d| d.get().to_owned())
            .filter(|d| d.trim() != "null"),
    })
}

/// Serialises `body` with `field` set to `value`, as JSON text: instruments
/// are rendered as text (see `render`), so that their numbers never pass
/// through `serde_json::Value`'s `f64`. The other fields keep their
/// (sorted) order after `field`.
fn with_field<T: serde::Serialize, V: serde::Serialize>(
    body: &T,
    field: &str,
    value: &V,
) -> Box<RawValue> {
    let mut rest = match serde_json::to_value(body) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    rest.remove(field);
    let (Ok(name), Ok(value), Ok(rest)) = (
        serde_json::to_string(field),
        serde_json::to_string(value),
        serde_json::to_string(&rest),
    ) else {
        return raw("null".to_owned());
    };
    let rest = rest.strip_prefix('{').unwrap_or("}");
    let separator = if rest == "}" { "" } else { "," };
    raw(format!("{{{name}:{value}{separator}{rest}"))
}

/// Writes the state file after a change (if one is configured); a failure
/// is a 500 problem, as the change is not durable.
pub(crate) async fn persist(state: &SharedState, ctx: &RequestCtx) -> Result<(), Response> {
    if state.config.state_path.is_none() {
        return Ok(());
    }
    let writer = std::sync::Arc::clone(state);
    let outcome = tokio::task::spawn_blocking(move || writer.persist()).await;
    let message = match outcome {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(error)) => error.to_string(),
        Err(error) => error.to_string(),
    };
    tracing::error!(%message, "cannot write the emulator state file");
    Err(reply(
        state,
        ctx,
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            crate::problem::CODE_UNKNOWN,
            "The change could not be persisted",
            message,
        ),
    ))
}

/// An `ErrorDetail` for one failed item.
fn error_detail(id: &str, kind: &str, detail: String) -> ErrorDetail {
    let mut out = ErrorDetail::default();
    out.id = Some(id.to_owned());
    out.type_ = Some(kind.to_owned());
    out.detail = Some(detail);
    out.error_details = Some(Vec::new());
    out
}

/// The failed item of an instrument whose property keys have no
/// definition: LUSID's `PropertyNotDefined`, each key in `errorDetails`
/// (`{"key": …, "code": "121"}`).
fn not_defined(id: &str, missing: &[&str]) -> ErrorDetail {
    let mut out = error_detail(
        id,
        PROPERTY_NOT_DEFINED,
        not_defined_detail("Instrument", missing),
    );
    out.error_details = Some(
        missing
            .iter()
            .map(|key| {
                BTreeMap::from([
                    ("key".to_owned(), (*key).to_owned()),
                    ("code".to_owned(), CODE_PROPERTY_NOT_DEFINED.to_string()),
                ])
            })
            .collect(),
    );
    out
}

/// `POST /api/api/instruments` (UpsertInstruments): an item whose property
/// keys have no `Instrument` definition at the request's asAt fails alone
/// with `PropertyNotDefined`; the others are upserted.
pub(crate) async fn upsert(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let definitions: BTreeMap<String, Box<RawValue>> = match serde_json::from_slice(&body) {
        Ok(map) => map,
        Err(error) => {
            return reply(
                &state,
                &ctx,
                Problem::invalid_field(
                    "requestBody",
                    format!(
                        "The body must be a JSON object of correlation id to instrument definition: {error}"
                    ),
                ),
            );
        }
    };
    if definitions.len() > MAX_UPSERT {
        return reply(
            &state,
            &ctx,
            Problem::invalid_field(
                "requestBody",
                format!(
                    "At most {MAX_UPSERT} instruments can be upserted in one request; {} were sent.",
                    definitions.len()
                ),
            ),
        );
    }
    let scope = q.get("scope").unwrap_or(DEFAULT_SCOPE).to_owned();
    // `*` (every scope, for reads) or `a b` would make an instrument no
    // lookup can tell apart.
    if let Some(problem) = invalid_code("scope", &scope) {
        return reply(&state, &ctx, problem);
    }
    let provenance = Provenance {
        user_id: ctx.user_id(),
        request_id: ctx.request_id.clone(),
    };
    let now = OffsetDateTime::now_utc();
    let lusid_url = state.lusid_url();
    let mut values = BTreeMap::new();
    let mut failed = BTreeMap::new();
    {
        let mut rng = state
            .luid_rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Lock order as everywhere: the store, then the ledger.
        let mut store = state.write_store();
        let ledger = state.read_ledger();
        let defined_at = state.clock.tick();
        for (correlation_id, value) in definitions {
            let item = match upsert_item(&value) {
                Ok(item) => item,
                Err(failure) => {
                    let detail = error_detail(&correlation_id, failure.kind, failure.detail);
                    failed.insert(correlation_id, detail);
                    continue;
                }
            };
            let missing = undefined_keys(
                &ledger,
                "Instrument",
                item.properties.iter().map(|p| p.key.as_str()),
                defined_at,
            );
            if !missing.is_empty() {
                let detail = not_defined(&correlation_id, &missing);
                failed.insert(correlation_id, detail);
                continue;
            }
            let outcome = store.upsert(&scope, item, &provenance, now, &mut rng);
            match outcome {
                Ok(luid) => {
                    if let Some(history) = store.get(&luid) {
                        let index = history.versions.len().saturating_sub(1);
                        values.insert(
                            correlation_id,
                            instrument(&lusid_url, &history, index, PropertySelection::All),
                        );
                    }
                }
                Err(failure) => {
                    let detail = error_detail(&correlation_id, failure.kind, failure.detail);
                    failed.insert(correlation_id, detail);
                }
            }
        }
    }
    if let Err(response) = persist(&state, &ctx).await {
        return response;
    }
    let mut body = UpsertInstrumentsResponse::default();
    body.href = Some(href(&state, &uri));
    body.values = Some(BTreeMap::new());
    body.staged = Some(BTreeMap::new());
    body.failed = Some(failed);
    body.metadata = Some(BTreeMap::new());
    body.links = Some(Vec::new());
    json_response(StatusCode::CREATED, &with_field(&body, "values", &values))
}

/// `DELETE /api/api/instruments/{identifierType}/{identifier}` (DeleteInstrument).
pub(crate) async fn delete_one(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((raw_kind, value)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let Some(kind) = canonical_identifier_type(&raw_kind) else {
        return bad_identifier_type(&state, &ctx, &raw_kind);
    };
    let scope = q.get("scope").unwrap_or(DEFAULT_SCOPE);
    let provenance = Provenance {
        user_id: ctx.user_id(),
        request_id: ctx.request_id.clone(),
    };
    let outcome =
        state
            .write_store()
            .delete(scope, kind, &value, &provenance, OffsetDateTime::now_utc());
    if outcome.is_ok() {
        if let Err(response) = persist(&state, &ctx).await {
            return response;
        }
    }
    match outcome {
        Ok(as_at) => {
            let mut body = DeleteInstrumentResponse::new(as_at);
            body.href = Some(href(&state, &uri));
            body.links = Some(Vec::new());
            json_response(StatusCode::OK, &body)
        }
        Err(DeleteFailure::NotFound) => {
            reply(&state, &ctx, Problem::instrument_not_found(kind, &value))
        }
        Err(DeleteFailure::Currency) => reply(
            &state,
            &ctx,
            Problem::new(
                StatusCode::BAD_REQUEST,
                "CurrencyInstrumentCannotBeDeleted",
                CODE_CURRENCY_CANNOT_BE_DELETED,
                "Currency instruments cannot be deleted",
                format!("The currency instrument {kind} '{value}' cannot be deleted."),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use fastrand::Rng;

    use super::*;
    use crate::domains::instruments::Store;

    #[test]
    fn metric_values_and_definition_numbers_keep_every_digit() {
        let body = r#"{"name": "Exact", "identifiers": {"ClientInternal": {"value": "EXACT-1"}},
            "properties": [{"key": "Instrument/test/Price",
                "value": {"metricValue": {"value": 1234.5678901234567890, "unit": "GBP"}}}],
            "definition": {"instrumentType": "Equity", "domCcy": "GBP", "lotSize": 0.10000000000000000001}}"#;
        let raw: Box<RawValue> = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}"));
        let item = upsert_item(&raw).unwrap_or_else(|e| panic!("{e:?}"));
        let mut store = Store::new(Vec::new());
        let provenance = Provenance {
            user_id: "00utest".to_owned(),
            request_id: "req".to_owned(),
        };
        let luid = store
            .upsert(
                "default",
                item,
                &provenance,
                OffsetDateTime::now_utc(),
                &mut Rng::with_seed(1),
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
        let history = store.get(&luid).unwrap_or_else(|| panic!("stored"));
        let keys = ["Instrument/test/Price".to_owned()];
        let rendered = instrument("http://x/api", &history, 0, PropertySelection::Keys(&keys));
        let text = rendered.get();
        assert!(text.contains(r#""value":1234.5678901234567890"#), "{text}");
        assert!(
            text.contains(r#""lotSize": 0.10000000000000000001"#),
            "{text}"
        );
        assert!(text.contains(r#""assetClass":"Equities""#), "{text}");
        let page = with_field(
            &PagedResourceListOfInstrument::new(Vec::new()),
            "values",
            &[rendered],
        );
        assert!(page.get().starts_with(r#"{"values":[{"#), "{}", page.get());
        assert!(page.get().contains("1234.5678901234567890"));
        let parsed: serde_json::Value =
            serde_json::from_str(page.get()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed["values"][0]["name"], "Exact");
    }
}
