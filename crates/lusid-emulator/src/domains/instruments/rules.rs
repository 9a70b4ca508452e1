//! The instrument master's rules: what a valid upsert carries, when an
//! upsert records nothing new, and why an upsert or a delete fails.

use std::collections::BTreeMap;

use lusid_models::Property;
use time::OffsetDateTime;

use crate::canonical_json::canonical_json;
use crate::domains::instruments::seed::currencies::is_iso_4217;
use crate::model::{
    CURRENCY_TYPE, Instrument, InstrumentState, LUID_TYPE, is_unique_identifier_type,
};

/// A validated upsert of one instrument definition.
#[derive(Clone, Debug)]
pub(crate) struct UpsertItem {
    /// Display name.
    pub(crate) name: String,
    /// Identifier type (canonical) → value.
    pub(crate) identifiers: BTreeMap<String, String>,
    /// Earliest `effectiveAt` among the identifiers, if any was given.
    pub(crate) effective_from: Option<OffsetDateTime>,
    /// Properties.
    pub(crate) properties: Vec<Property>,
    /// Economic definition (a polymorphic `LusidInstrument`), as the JSON
    /// text received (so its numbers keep every digit).
    pub(crate) definition: Option<String>,
}

/// Why one upsert item failed; becomes an `ErrorDetail` in `failed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UpsertFailure {
    /// LUSID error name (`ErrorDetail.type`).
    pub(crate) kind: &'static str,
    /// Human-readable detail.
    pub(crate) detail: String,
}

impl UpsertFailure {
    pub(crate) fn new(kind: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

/// Why a delete failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeleteFailure {
    /// No active instrument with that identifier.
    NotFound,
    /// Currency instruments cannot be deleted.
    Currency,
}

/// Checks `item` against LUSID's rules for identifiers and currency
/// instruments; returns its currency code if it is a currency instrument.
pub(crate) fn validate(item: &UpsertItem) -> Result<Option<String>, UpsertFailure> {
    if item.identifiers.is_empty() {
        return Err(UpsertFailure::new(
            "ValidationError",
            "At least one identifier must be supplied.",
        ));
    }
    let currency = item.identifiers.get(CURRENCY_TYPE).cloned();
    if let Some(code) = &currency {
        if !is_iso_4217(code) {
            return Err(UpsertFailure::new(
                "InvalidIso4217CurrencyCode",
                format!("'{code}' is not an ISO 4217 currency code."),
            ));
        }
        if item
            .identifiers
            .keys()
            .any(|k| k != CURRENCY_TYPE && k != LUID_TYPE)
        {
            return Err(UpsertFailure::new(
                "CannotCreateCurrencyInstrumentWithMultipleIdentifiers",
                "A currency instrument can only have the Currency identifier.",
            ));
        }
        if item.definition.is_some() {
            return Err(UpsertFailure::new(
                "CurrencyInstrumentCannotHaveEconomicDefinition",
                "A currency instrument cannot have an economic definition.",
            ));
        }
    }
    if !item
        .identifiers
        .keys()
        .any(|k| k != LUID_TYPE && is_unique_identifier_type(k))
    {
        return Err(UpsertFailure::new(
            "ValidationError",
            "At least one unique identifier (Figi, ClientInternal, EdiKey, QuotePermId or Currency) must be supplied; Isin, Sedol, Cusip, Ticker, RIC and the other identifier types are not unique.",
        ));
    }
    Ok(currency)
}

/// Whether `new` would record nothing `current` does not: the same active
/// instrument (scope, name, identifiers, effective date, properties in any
/// order, and an economic definition that is the same JSON document).
pub(crate) fn same_definition(current: &Instrument, new: &Instrument) -> bool {
    let sorted = |properties: &[Property]| {
        let mut sorted: Vec<Property> = properties.to_vec();
        sorted.sort_by(|a, b| a.key.cmp(&b.key));
        sorted
    };
    let canonical = |definition: &Option<String>| {
        definition
            .as_deref()
            .map(|text| canonical_json(text).unwrap_or_else(|| text.to_owned()))
    };
    current.state == InstrumentState::Active
        && current.scope == new.scope
        && current.name == new.name
        && current.identifiers == new.identifiers
        && current.effective_from == new.effective_from
        && current.asset_class == new.asset_class
        && current.dom_ccy == new.dom_ccy
        && sorted(&current.properties) == sorted(&new.properties)
        && canonical(&current.definition) == canonical(&new.definition)
}
