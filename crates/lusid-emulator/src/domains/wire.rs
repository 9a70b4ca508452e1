//! Wire types the domains share, serialised with LUSID's JSON names:
//! `ResourceId`, `Version`, `Link`, `CurrencyAndAmount`, property values.
//!
//! Numbers are [`lusid_models::Number`] (the literal kept exactly) on the
//! wire and `rust_decimal::Decimal` in arithmetic, never `f64`.

use std::collections::BTreeMap;

use lusid_models::Number;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::bitemporal::Seen;
use crate::time_fmt::format_lusid;

/// `ResourceId`: `{"scope", "code"}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct ResourceId {
    /// `scope`.
    pub(crate) scope: String,
    /// `code`.
    pub(crate) code: String,
}

/// `Version` of a single entity or of a versioned list.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionWire {
    /// `effectiveFrom`.
    pub(crate) effective_from: String,
    /// `asAtDate`.
    pub(crate) as_at_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) as_at_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user_id_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) request_id_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) as_at_modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user_id_modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) request_id_modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) as_at_version_number: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entity_unique_id: Option<String>,
}

impl VersionWire {
    /// The version of a list read: `effectiveFrom` and `asAtDate` only.
    pub(crate) fn of_read(effective_at: OffsetDateTime, as_at: OffsetDateTime) -> Self {
        Self {
            effective_from: format_lusid(effective_at),
            as_at_date: format_lusid(as_at),
            as_at_created: None,
            user_id_created: None,
            request_id_created: None,
            as_at_modified: None,
            user_id_modified: None,
            request_id_modified: None,
            as_at_version_number: None,
            entity_unique_id: None,
        }
    }

    /// The version of one entity as a read sees it.
    pub(crate) fn of_entity<V>(
        effective_from: OffsetDateTime,
        seen: &Seen<'_, V>,
        entity_unique_id: String,
    ) -> Self {
        Self {
            effective_from: format_lusid(effective_from),
            as_at_date: format_lusid(seen.modified.as_at),
            as_at_created: Some(format_lusid(seen.created.as_at)),
            user_id_created: Some(seen.created.provenance.user_id.clone()),
            request_id_created: Some(seen.created.provenance.request_id.clone()),
            as_at_modified: Some(format_lusid(seen.modified.as_at)),
            user_id_modified: Some(seen.modified.provenance.user_id.clone()),
            request_id_modified: Some(seen.modified.provenance.request_id.clone()),
            as_at_version_number: Some(seen.number),
            entity_unique_id: Some(entity_unique_id),
        }
    }
}

/// `Link`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Link {
    /// `relation`.
    pub(crate) relation: String,
    /// `href`.
    pub(crate) href: String,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// `method`.
    pub(crate) method: String,
}

impl Link {
    /// A `GET` link.
    pub(crate) fn get(relation: &str, href: String, description: &str) -> Self {
        Self {
            relation: relation.to_owned(),
            href,
            description: Some(description.to_owned()),
            method: "GET".to_owned(),
        }
    }
}

/// `CurrencyAndAmount` (request and response).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CurrencyAndAmount {
    /// `amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) amount: Option<Number>,
    /// `currency`.
    pub(crate) currency: String,
}

impl CurrencyAndAmount {
    /// An amount from a decimal.
    pub(crate) fn new(amount: Decimal, currency: &str) -> Self {
        Self {
            amount: Some(Number::from(amount)),
            currency: currency.to_owned(),
        }
    }
}

/// `MetricValue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MetricValue {
    /// `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<Number>,
    /// `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) unit: Option<String>,
}

/// `PropertyValue`: a label or a metric (label sets are kept as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PropertyValue {
    /// `labelValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) label_value: Option<String>,
    /// `metricValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metric_value: Option<MetricValue>,
    /// `labelValueSet` (`{"values": [...]}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) label_value_set: Option<LabelValueSet>,
}

/// `LabelValueSet`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LabelValueSet {
    /// `values`.
    pub(crate) values: Vec<String>,
}

/// `PerpetualProperty` and `Property` (the effective dates of a
/// time-variant `Property` are kept if given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PropertyWire {
    /// `key`: `Domain/scope/code`.
    pub(crate) key: String,
    /// `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<PropertyValue>,
    /// `effectiveFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) effective_from: Option<String>,
    /// `effectiveUntil`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) effective_until: Option<String>,
}

/// Properties keyed by property key, as LUSID's `{key: Property}` maps.
pub(crate) type PropertyMap = BTreeMap<String, PropertyWire>;

/// `DeletedEntityResponse`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeletedEntityResponse {
    /// `href`.
    pub(crate) href: Option<String>,
    /// `effectiveFrom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) effective_from: Option<String>,
    /// `asAt`.
    pub(crate) as_at: String,
    /// `entityType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entity_type: Option<String>,
    /// `entityUniqueId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entity_unique_id: Option<String>,
    /// `links`.
    pub(crate) links: Vec<Link>,
}

/// A decimal from a wire number, `None` if it does not fit exactly.
pub(crate) fn decimal(number: &Number) -> Option<Decimal> {
    Decimal::try_from(number).ok()
}
