//! Serde wire structs in LUSID's JSON shape (camelCase, LUSID dates).
//!
//! These mirror the spec's `Instrument`, `Version`,
//! `PagedResourceListOfInstrument`, `UpsertInstrumentsResponse`,
//! `GetInstrumentsResponse`, `DeleteInstrumentResponse`, `ErrorDetail`,
//! `Link`, `LusidProblemDetails`/`LusidValidationProblemDetails` and
//! `InstrumentDefinition` schemas. They are the only place that knows the
//! wire, so they can later be swapped for the generated `lusid_models` types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::time_fmt::lusid_format;

/// `Link`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Link {
    pub(crate) relation: String,
    pub(crate) href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    pub(crate) method: String,
}

/// `Version`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Version {
    #[serde(with = "lusid_format")]
    pub(crate) effective_from: OffsetDateTime,
    #[serde(with = "lusid_format")]
    pub(crate) as_at_date: OffsetDateTime,
    #[serde(with = "lusid_format::option")]
    pub(crate) as_at_created: Option<OffsetDateTime>,
    pub(crate) user_id_created: Option<String>,
    pub(crate) request_id_created: Option<String>,
    #[serde(with = "lusid_format::option")]
    pub(crate) as_at_modified: Option<OffsetDateTime>,
    pub(crate) user_id_modified: Option<String>,
    pub(crate) request_id_modified: Option<String>,
    pub(crate) as_at_version_number: Option<i64>,
    pub(crate) entity_unique_id: Option<String>,
}

/// `Instrument`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Instrument {
    pub(crate) href: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) lusid_instrument_id: String,
    pub(crate) version: Version,
    pub(crate) name: String,
    pub(crate) identifiers: BTreeMap<String, String>,
    pub(crate) properties: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) instrument_definition: Option<Value>,
    pub(crate) state: String,
    pub(crate) asset_class: String,
    pub(crate) dom_ccy: Option<String>,
    pub(crate) relationships: Vec<Value>,
    pub(crate) links: Vec<Link>,
}

/// `PagedResourceListOfInstrument`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PagedResourceListOfInstrument {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next_page: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) previous_page: Option<String>,
    pub(crate) values: Vec<Instrument>,
    pub(crate) href: Option<String>,
    pub(crate) links: Vec<Link>,
}

/// `ErrorDetail`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorDetail {
    pub(crate) id: Option<String>,
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) error_details: Vec<BTreeMap<String, String>>,
}

/// `GetInstrumentsResponse`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetInstrumentsResponse {
    pub(crate) href: Option<String>,
    pub(crate) values: BTreeMap<String, Instrument>,
    pub(crate) failed: BTreeMap<String, ErrorDetail>,
    pub(crate) links: Vec<Link>,
}

/// `UpsertInstrumentsResponse`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpsertInstrumentsResponse {
    pub(crate) href: Option<String>,
    pub(crate) values: BTreeMap<String, Instrument>,
    pub(crate) staged: BTreeMap<String, Instrument>,
    pub(crate) failed: BTreeMap<String, ErrorDetail>,
    pub(crate) metadata: BTreeMap<String, Vec<Value>>,
    pub(crate) links: Vec<Link>,
}

/// `DeleteInstrumentResponse`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteInstrumentResponse {
    pub(crate) href: Option<String>,
    #[serde(with = "lusid_format")]
    pub(crate) as_at: OffsetDateTime,
    pub(crate) links: Vec<Link>,
}

/// `LusidProblemDetails` / `LusidValidationProblemDetails` (the latter has
/// `errors`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProblemDetails {
    pub(crate) name: String,
    pub(crate) error_details: Vec<BTreeMap<String, String>>,
    pub(crate) code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) errors: Option<BTreeMap<String, Vec<String>>>,
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) detail: Option<String>,
    pub(crate) instance: Option<String>,
}

/// `InstrumentIdValue` as received.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstrumentIdValue {
    pub(crate) value: String,
    #[serde(default)]
    pub(crate) effective_at: Option<String>,
}

/// `InstrumentDefinition` as received (unknown fields ignored).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstrumentDefinition {
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) identifiers: Option<BTreeMap<String, InstrumentIdValue>>,
    #[serde(default)]
    pub(crate) properties: Option<Vec<Value>>,
    #[serde(default)]
    pub(crate) definition: Option<Value>,
}
