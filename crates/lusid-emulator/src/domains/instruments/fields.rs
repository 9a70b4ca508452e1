//! The fields `ListInstruments` filters (`filter=`) and sorts (`sortBy=`)
//! on: `LusidInstrumentId`, `Name`, `State`, `Scope`, `AssetClass`,
//! `DomCcy`, `InstrumentType`, `Identifiers[<Type>]` and
//! `Properties[<Domain>/<scope>/<code>]`.

use std::borrow::Cow;

use crate::filter::{Filter, FilterError, Filterable};
use crate::model::Instrument;

/// The filter LUSID applies when none is given.
pub(crate) const DEFAULT_FILTER: &str = "State eq 'Active'";

/// A filter over instrument fields.
pub(crate) type InstrumentFilter = Filter<Field>;

/// Parses an instrument filter; blank means "everything".
pub(crate) fn parse_filter(input: &str) -> Result<InstrumentFilter, FilterError> {
    Filter::parse_with(input, &Field::parse)
}

/// A field of an instrument a filter or a sort compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// `LusidInstrumentId`.
    LusidInstrumentId,
    /// `Name`.
    Name,
    /// `State`.
    State,
    /// `Scope`.
    Scope,
    /// `AssetClass`.
    AssetClass,
    /// `DomCcy`.
    DomCcy,
    /// `InstrumentType` (of the economic definition).
    InstrumentType,
    /// `Identifiers[<Type>]`.
    Identifier(String),
    /// `Properties[<Domain>/<scope>/<code>]`: a label value, or a metric
    /// value (compared as a number).
    Property(String),
}

impl Field {
    /// Parses a field name (case-insensitive) and its bracketed key.
    pub(crate) fn parse(name: &str, key: Option<String>) -> Result<Self, FilterError> {
        let lower = name.to_ascii_lowercase();
        let field = match (lower.as_str(), key) {
            ("identifiers", Some(key)) => Self::Identifier(key),
            ("properties", Some(key)) => {
                if key.split('/').count() != 3 || key.split('/').any(str::is_empty) {
                    return Err(FilterError(format!(
                        "Property key '{key}' must have the form <Domain>/<scope>/<code>."
                    )));
                }
                Self::Property(key)
            }
            (_, Some(_)) => {
                return Err(FilterError(format!(
                    "Field '{name}' does not take a key in brackets."
                )));
            }
            ("lusidinstrumentid", None) => Self::LusidInstrumentId,
            ("name", None) => Self::Name,
            ("state", None) => Self::State,
            ("scope", None) => Self::Scope,
            ("assetclass", None) => Self::AssetClass,
            ("domccy", None) => Self::DomCcy,
            ("instrumenttype", None) => Self::InstrumentType,
            _ => {
                return Err(FilterError(format!(
                    "Field '{name}' is not supported in instrument filters."
                )));
            }
        };
        Ok(field)
    }

    /// The value of this field on an instrument version.
    pub(crate) fn value_of<'a>(&self, luid: &'a str, v: &'a Instrument) -> Option<&'a str> {
        match self {
            Self::LusidInstrumentId => Some(luid),
            Self::Name => Some(v.name.as_str()),
            Self::State => Some(v.state.as_str()),
            Self::Scope => Some(v.scope.as_str()),
            Self::AssetClass => Some(v.asset_class.as_str()),
            Self::DomCcy => v.dom_ccy.as_deref(),
            Self::InstrumentType => v.instrument_type.as_deref(),
            Self::Identifier(kind) => v
                .identifiers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(kind))
                .map(|(_, value)| value.as_str()),
            Self::Property(key) => {
                let value = v
                    .properties
                    .iter()
                    .find(|p| p.key == *key)?
                    .value
                    .as_ref()?;
                value.label_value.as_deref().or_else(|| {
                    value
                        .metric_value
                        .as_ref()
                        .and_then(|m| m.value.as_ref())
                        .map(|n| n.as_str())
                })
            }
        }
    }
}

/// One instrument version with its LUID, as a filter sees it.
pub(crate) struct Listed<'a> {
    /// The LUID.
    pub(crate) luid: &'a str,
    /// The version's value.
    pub(crate) instrument: &'a Instrument,
}

impl Filterable<Field> for Listed<'_> {
    fn value_of(&self, field: &Field) -> Option<Cow<'_, str>> {
        field
            .value_of(self.luid, self.instrument)
            .map(Cow::Borrowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::instruments::seed::seed_instruments;

    fn gbp() -> (String, Instrument) {
        let seed = seed_instruments(1, 0);
        let (luid, mut versions) = seed
            .into_iter()
            .find(|(luid, _)| luid.0 == "CCY_GBP")
            .unwrap_or_else(|| panic!("no GBP"));
        let value = versions
            .remove(0)
            .value
            .unwrap_or_else(|| panic!("no value"));
        (luid.0, value)
    }

    fn check(filter: &str) -> bool {
        let (luid, instrument) = gbp();
        parse_filter(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(&Listed {
                luid: &luid,
                instrument: &instrument,
            })
    }

    #[test]
    fn evaluates_supported_syntax() {
        assert!(check(DEFAULT_FILTER));
        assert!(check(""));
        assert!(check("state EQ 'Active' and Name eq 'GBP'"));
        assert!(!check("State eq 'Deleted'"));
        assert!(check("LusidInstrumentId in 'CCY_USD', 'CCY_GBP'"));
        assert!(check("LusidInstrumentId in ('CCY_USD', 'CCY_GBP')"));
        assert!(!check("LusidInstrumentId not in ('CCY_USD', 'CCY_GBP')"));
        assert!(check("Identifiers[Currency] eq 'GBP'"));
        assert!(check("Name startswith 'gb'"));
        assert!(check(
            "not (Name eq 'USD') and (Name eq 'X' or DomCcy eq 'GBP')"
        ));
        assert!(check("Name neq 'USD'"));
        assert!(check("Name gt 'AAA' and Name lt 'ZZZ'"));
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "State",
            "State eq",
            "State eq Active",
            "State equals 'Active'",
            "Colour eq 'Red'",
            "(State eq 'Active'",
            "State eq 'Active",
            "State eq 'Active' and",
            "State eq 'Active' 'x'",
            "Name[x] eq 'a'",
            "Properties[Instrument/x] eq 'a'",
            "Name eq 'a' ; drop",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }
}
