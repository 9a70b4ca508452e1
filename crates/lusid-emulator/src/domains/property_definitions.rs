//! Property definitions: `CreatePropertyDefinition`,
//! `GetPropertyDefinition`, `ListPropertyDefinitions`,
//! `DeletePropertyDefinition`, for the domains `Instrument`, `Transaction`
//! and `Portfolio`; and the rule every domain applies to property values:
//! a key without a definition is LUSID's `PropertyNotDefined`.

use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{StatusCode, Uri};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{
    Errors, FieldFilter, Paging, href, json_body, push_error, reply, time_param, url,
};
use super::common::{check_code, is_lusid_code};
use super::query_hash;
use super::wire::{DeletedEntityResponse, Link, PropertyMap, ResourceId, VersionWire};
use super::{Ledger, provenance};
use crate::bitemporal::Seen;
use crate::model::uuid_like;
use crate::problem::{Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::MIN_EFFECTIVE;

/// The domains whose property definitions the emulator keeps.
pub(crate) const DOMAINS: &[&str] = &["Instrument", "Transaction", "Portfolio"];

/// Error code of `PropertyNotFound`.
const CODE_PROPERTY_NOT_FOUND: i64 = 105;
/// Error code of `PropertyNotDefined`.
pub(crate) const CODE_PROPERTY_NOT_DEFINED: i64 = 121;
/// LUSID's problem name for a property value without a definition.
pub(crate) const PROPERTY_NOT_DEFINED: &str = "PropertyNotDefined";
/// Error code of `PropertyAlreadyExists`.
const CODE_PROPERTY_ALREADY_EXISTS: i64 = 124;

/// A stored property definition (also as kept in the state file).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PropertyDefinitionRecord {
    domain: String,
    scope: String,
    code: String,
    display_name: String,
    data_type_id: ResourceId,
    value_required: bool,
    life_time: String,
    constraint_style: String,
    description: Option<String>,
    collection_type: Option<String>,
}

/// `CreatePropertyDefinitionRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    domain: String,
    scope: String,
    code: String,
    #[serde(default)]
    value_required: Option<bool>,
    display_name: String,
    data_type_id: ResourceId,
    #[serde(default)]
    life_time: Option<String>,
    #[serde(default)]
    constraint_style: Option<String>,
    #[serde(default)]
    property_description: Option<String>,
    #[serde(default)]
    collection_type: Option<String>,
}

/// `PropertyDefinition`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PropertyDefinitionWire {
    href: String,
    key: String,
    value_type: &'static str,
    display_name: String,
    data_type_id: ResourceId,
    #[serde(rename = "type")]
    type_: &'static str,
    unit_schema: &'static str,
    domain: String,
    scope: String,
    code: String,
    value_required: bool,
    life_time: String,
    constraint_style: String,
    property_definition_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    property_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collection_type: Option<String>,
    properties: PropertyMap,
    version: VersionWire,
    is_filterable: bool,
    links: Vec<Link>,
}

/// `PagedResourceListOfPropertyDefinition`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page: Option<String>,
    values: Vec<PropertyDefinitionWire>,
    href: String,
    links: Vec<Link>,
}

/// The value type, property type and unit schema of a system data type.
fn data_type(id: &ResourceId) -> Option<(&'static str, &'static str, &'static str)> {
    if id.scope != "system" {
        return None;
    }
    Some(match id.code.as_str() {
        "string" => ("String", "Label", "NoUnits"),
        "number" => ("Decimal", "Metric", "Basic"),
        "currency" | "iso4217CurrencyCode" => ("Code", "Label", "Iso4217Currency"),
        "currencyAndAmount" => ("CurrencyAndAmount", "Metric", "Iso4217Currency"),
        "dateTime" | "date" => ("DateTime", "Label", "NoUnits"),
        "boolean" => ("Boolean", "Label", "NoUnits"),
        "percentage" => ("Percentage", "Metric", "NoUnits"),
        "id" | "code" => ("Code", "Label", "NoUnits"),
        _ => return None,
    })
}

/// The canonical spelling of a supported domain (case-insensitive).
fn canonical_domain(raw: &str) -> Option<&'static str> {
    DOMAINS
        .iter()
        .copied()
        .find(|d| d.eq_ignore_ascii_case(raw))
}

fn render(
    state: &SharedState,
    seen: &Seen<'_, PropertyDefinitionRecord>,
) -> PropertyDefinitionWire {
    let r = seen.value;
    let key = format!("{}/{}/{}", r.domain, r.scope, r.code);
    let (value_type, type_, unit_schema) =
        data_type(&r.data_type_id).unwrap_or(("String", "Label", "NoUnits"));
    let path = format!(
        "/api/api/propertydefinitions/{}/{}/{}",
        r.domain, r.scope, r.code
    );
    PropertyDefinitionWire {
        href: url(state, &path),
        version: VersionWire::of_entity(MIN_EFFECTIVE, seen, uuid_like(&["propdef", &key])),
        key,
        value_type,
        display_name: r.display_name.clone(),
        data_type_id: r.data_type_id.clone(),
        type_,
        unit_schema,
        domain: r.domain.clone(),
        scope: r.scope.clone(),
        code: r.code.clone(),
        value_required: r.value_required,
        life_time: r.life_time.clone(),
        constraint_style: r.constraint_style.clone(),
        property_definition_type: "ValueProperty",
        property_description: r.description.clone(),
        collection_type: r.collection_type.clone(),
        properties: PropertyMap::new(),
        is_filterable: true,
        links: Vec::new(),
    }
}

/// `POST /api/api/propertydefinitions` (CreatePropertyDefinition).
pub(crate) async fn create(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    body: Bytes,
) -> Response {
    let request: CreateRequest = match json_body(&body) {
        Ok(r) => r,
        Err(problem) => return reply(&state, &ctx, problem),
    };
    let mut errors = Errors::new();
    let domain = canonical_domain(&request.domain);
    if domain.is_none() {
        push_error(
            &mut errors,
            "domain",
            format!(
                "The emulator keeps property definitions for the domains {} only; '{}' was given.",
                DOMAINS.join(", "),
                request.domain
            ),
        );
    }
    if data_type(&request.data_type_id).is_none() {
        push_error(
            &mut errors,
            "dataTypeId",
            format!(
                "The data type {}/{} is not one of the system data types the emulator knows (string, number, currency, currencyAndAmount, dateTime, date, boolean, percentage, id, code).",
                request.data_type_id.scope, request.data_type_id.code
            ),
        );
    }
    for (field, value) in [("scope", &request.scope), ("code", &request.code)] {
        check_code(&mut errors, field, value);
    }
    let life_time = request.life_time.unwrap_or_else(|| "Perpetual".to_owned());
    if !matches!(life_time.as_str(), "Perpetual" | "TimeVariant") {
        push_error(
            &mut errors,
            "lifeTime",
            format!("'{life_time}' is not Perpetual or TimeVariant."),
        );
    }
    let Some(domain) = domain.filter(|_| errors.is_empty()) else {
        return reply(&state, &ctx, Problem::validation(errors));
    };
    let key = format!("{domain}/{}/{}", request.scope, request.code);
    let record = PropertyDefinitionRecord {
        domain: domain.to_owned(),
        scope: request.scope,
        code: request.code,
        display_name: request.display_name,
        data_type_id: request.data_type_id,
        value_required: request.value_required.unwrap_or(false),
        life_time,
        constraint_style: request
            .constraint_style
            .unwrap_or_else(|| "Property".to_owned()),
        description: request.property_description,
        collection_type: request.collection_type,
    };
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    if ledger.property_definitions.get(&key, as_at).is_some() {
        let mut problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "PropertyAlreadyExists",
            CODE_PROPERTY_ALREADY_EXISTS,
            "Property already exists",
            format!("The property definition {key} already exists."),
        );
        problem.error_details.push([("key".to_owned(), key)].into());
        return reply(&state, &ctx, problem);
    }
    ledger
        .property_definitions
        .put(key.clone(), record, as_at, provenance(&ctx));
    let Some(seen) = ledger.property_definitions.get(&key, as_at) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    json_response(StatusCode::CREATED, &render(&state, &seen))
}

/// The 404 `PropertyNotFound` for a definition key.
fn not_found(key: &str) -> Problem {
    let mut problem = Problem::new(
        StatusCode::NOT_FOUND,
        "PropertyNotFound",
        CODE_PROPERTY_NOT_FOUND,
        "Property not found",
        format!("The property definition {key} could not be found."),
    );
    problem
        .error_details
        .push([("key".to_owned(), key.to_owned())].into());
    problem
}

/// `GET /api/api/propertydefinitions/{domain}/{scope}/{code}` (GetPropertyDefinition).
pub(crate) async fn get_one(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((domain, scope, code)): Path<(String, String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let as_at = time_param(&q, "asAt", &mut errors).unwrap_or_else(|| state.clock.tick());
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let key = format!(
        "{}/{scope}/{code}",
        canonical_domain(&domain).unwrap_or(&domain)
    );
    let ledger = state.read_ledger();
    match ledger.property_definitions.get(&key, as_at) {
        Some(seen) => json_response(StatusCode::OK, &render(&state, &seen)),
        None => reply(&state, &ctx, not_found(&key)),
    }
}

/// `GET /api/api/propertydefinitions/$list` (ListPropertyDefinitions):
/// sorted by key; `filter` on `domain`, `scope`, `code`, `key`,
/// `displayName`.
pub(crate) async fn list(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let known = ["domain", "scope", "code", "key", "displayname"];
    let filter = FieldFilter::from_query(q.get("filter"), &known, &mut errors);
    let identity = query_hash(&[
        "propdefs",
        q.get("filter").unwrap_or(""),
        q.get("asAt").unwrap_or(""),
    ]);
    let paging = match Paging::for_listing(&state, &ctx, &q, identity, errors) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let ledger = state.read_ledger();
    let all: Vec<PropertyDefinitionWire> = ledger
        .property_definitions
        .iter_at(paging.as_at)
        .map(|(_, seen)| render(&state, &seen))
        .filter(|d| {
            filter.matches(|field| match field {
                "domain" => Some(d.domain.clone()),
                "scope" => Some(d.scope.clone()),
                "code" => Some(d.code.clone()),
                "key" => Some(d.key.clone()),
                "displayname" => Some(d.display_name.clone()),
                _ => None,
            })
        })
        .collect();
    let (values, next_page) = paging.page(all);
    json_response(
        StatusCode::OK,
        &ListWire {
            next_page,
            values,
            href: href(&state, &uri),
            links: Vec::new(),
        },
    )
}

/// `DELETE /api/api/propertydefinitions/{domain}/{scope}/{code}` (DeletePropertyDefinition).
pub(crate) async fn delete_one(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((domain, scope, code)): Path<(String, String, String)>,
    uri: Uri,
) -> Response {
    let key = format!(
        "{}/{scope}/{code}",
        canonical_domain(&domain).unwrap_or(&domain)
    );
    let mut ledger = state.write_ledger();
    let as_at = state.clock.tick();
    if !ledger
        .property_definitions
        .delete(&key, as_at, provenance(&ctx))
    {
        return reply(&state, &ctx, not_found(&key));
    }
    json_response(
        StatusCode::OK,
        &DeletedEntityResponse {
            href: Some(href(&state, &uri)),
            effective_from: None,
            as_at: crate::time_fmt::format_lusid(as_at),
            entity_type: Some("PropertyDefinition".to_owned()),
            entity_unique_id: Some(uuid_like(&["propdef", &key])),
            links: Vec::new(),
        },
    )
}

/// Every key a property map names: each map key and each property's own
/// `key` (what is stored and shown), so that neither escapes the
/// definition check when the two differ.
pub(crate) fn property_keys(properties: &PropertyMap) -> impl Iterator<Item = &str> {
    properties
        .iter()
        .flat_map(|(key, property)| [key.as_str(), property.key.as_str()])
}

/// Checks that every key of `keys` is a property of `domain` with a
/// definition at `as_at`: otherwise LUSID's 404 `PropertyNotDefined`
/// naming the keys (also for a key of another domain).
pub(crate) fn check_defined<'a>(
    ledger: &Ledger,
    domain: &str,
    keys: impl IntoIterator<Item = &'a str>,
    as_at: OffsetDateTime,
) -> Result<(), Box<Problem>> {
    let missing = undefined_keys(ledger, domain, keys, as_at);
    if missing.is_empty() {
        return Ok(());
    }
    let mut problem = Problem::new(
        StatusCode::NOT_FOUND,
        PROPERTY_NOT_DEFINED,
        CODE_PROPERTY_NOT_DEFINED,
        "Property not defined",
        not_defined_detail(domain, &missing),
    );
    for key in missing {
        problem
            .error_details
            .push([("key".to_owned(), key.to_owned())].into());
    }
    Err(Box::new(problem))
}

/// The keys of `keys` that are not properties of `domain` with a
/// definition at `as_at` (a key of another domain is never defined), in
/// the order given.
pub(crate) fn undefined_keys<'a>(
    ledger: &Ledger,
    domain: &str,
    keys: impl IntoIterator<Item = &'a str>,
    as_at: OffsetDateTime,
) -> Vec<&'a str> {
    keys.into_iter()
        .filter(|key| {
            let in_domain = key.split_once('/').is_some_and(|(d, _)| d == domain);
            !in_domain
                || ledger
                    .property_definitions
                    .get(&(*key).to_owned(), as_at)
                    .is_none()
        })
        .collect()
}

/// The `detail` of a `PropertyNotDefined` problem (or failed item).
pub(crate) fn not_defined_detail(domain: &str, missing: &[&str]) -> String {
    format!(
        "The properties {} are not defined in the {domain} domain: create their property definitions first.",
        missing.join(", ")
    )
}

impl PropertyDefinitionRecord {
    /// A definition seeded at start for `key` (`Domain/scope/code`, the
    /// domain one of [`DOMAINS`], case-insensitive): data type
    /// `system/string`, perpetual, display name the code. Returns the
    /// canonical key and the record, or why the key is refused.
    pub(crate) fn seeded(key: &str) -> Result<(String, Self), String> {
        let mut parts = key.split('/');
        let (Some(domain), Some(scope), Some(code), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!(
                "'{key}' is not a property key Domain/scope/code (three parts)."
            ));
        };
        let Some(domain) = canonical_domain(domain) else {
            return Err(format!(
                "'{key}': the emulator keeps property definitions for the domains {} only.",
                DOMAINS.join(", ")
            ));
        };
        if !is_lusid_code(scope) || !is_lusid_code(code) {
            return Err(format!(
                "'{key}': the scope and code must be 1 to 64 letters, digits, '-' or '_', as CreatePropertyDefinition requires."
            ));
        }
        let record = Self {
            domain: domain.to_owned(),
            scope: scope.to_owned(),
            code: code.to_owned(),
            display_name: code.to_owned(),
            data_type_id: ResourceId {
                scope: "system".to_owned(),
                code: "string".to_owned(),
            },
            value_required: false,
            life_time: "Perpetual".to_owned(),
            constraint_style: "Property".to_owned(),
            description: None,
            collection_type: None,
        };
        Ok((format!("{domain}/{scope}/{code}"), record))
    }
}
