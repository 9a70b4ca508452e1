//! One input record → a correlation id and an `InstrumentDefinition`, or
//! what is wrong with it (row and column).
//!
//! JSON records are `InstrumentDefinition`s, or instruments as
//! `lusid instruments list` writes them (LUSID's `Instrument`), so an
//! extracted master loads back unchanged. CSV records are mapped by column
//! name (see [`super::mapping`]).

use std::collections::BTreeMap;

use lusid::models::{
    Instrument, InstrumentDefinition, InstrumentIdValue, MetricValue, Number, Property,
    PropertyValue,
};
use serde_json::value::RawValue;

use super::mapping::{Column, Mapping};

/// LUSID's unique identifier types: each identifies one instrument per
/// scope, and an upsert matches existing instruments by them.
pub const UNIQUE_IDENTIFIER_TYPES: &[&str] = &[
    "ClientInternal",
    "Currency",
    "EdiKey",
    "Figi",
    "QuotePermId",
];

/// LUSID's other identifier types, which several instruments may share.
pub const OTHER_IDENTIFIER_TYPES: &[&str] = &[
    "CompositeFigi",
    "Cusip",
    "Isin",
    "RIC",
    "Sedol",
    "ShareClassFigi",
    "Ticker",
    "Wertpapier",
];

/// What is wrong with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The column (CSV) or JSON field at fault, if one is.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl RowError {
    fn new(column: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            column: column.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "column `{column}`: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// One input record, parsed and checked.
#[derive(Debug)]
pub struct Row {
    /// Its line (NDJSON, CSV: the line the record starts on) or position
    /// (a JSON array: from 1).
    pub row: u64,
    /// The correlation id it is sent under.
    pub id: String,
    /// The definition, or why it is not sent.
    pub parsed: Result<InstrumentDefinition, RowError>,
}

/// The canonical spelling of a known identifier type (case-insensitive).
pub fn identifier_type(name: &str) -> Option<&'static str> {
    UNIQUE_IDENTIFIER_TYPES
        .iter()
        .chain(OTHER_IDENTIFIER_TYPES)
        .find(|known| known.eq_ignore_ascii_case(name))
        .copied()
}

/// Checks what LUSID would refuse, before anything is sent.
pub fn check(definition: &mut InstrumentDefinition) -> Result<(), RowError> {
    if definition.name.trim().is_empty() {
        return Err(RowError::new(Some("name"), "the name is missing"));
    }
    let mut canonical = BTreeMap::new();
    for (kind, value) in std::mem::take(&mut definition.identifiers) {
        let Some(known) = identifier_type(&kind) else {
            return Err(RowError::new(
                Some(&kind),
                format!(
                    "`{kind}` is not an identifier type LUSID knows ({} or {})",
                    UNIQUE_IDENTIFIER_TYPES.join(", "),
                    OTHER_IDENTIFIER_TYPES.join(", ")
                ),
            ));
        };
        if value.value.trim().is_empty() {
            return Err(RowError::new(Some(known), "the identifier is empty"));
        }
        canonical.insert(known.to_owned(), value);
    }
    definition.identifiers = canonical;
    if !definition
        .identifiers
        .keys()
        .any(|kind| UNIQUE_IDENTIFIER_TYPES.contains(&kind.as_str()))
    {
        return Err(RowError::new(
            None,
            format!(
                "no unique identifier: give one of {}",
                UNIQUE_IDENTIFIER_TYPES.join(", ")
            ),
        ));
    }
    for property in definition.properties.iter().flatten() {
        property_key(&property.key).map_err(|reason| RowError::new(Some(&property.key), reason))?;
    }
    Ok(())
}

/// Checks a property key is `Instrument/<scope>/<code>`.
pub fn property_key(key: &str) -> Result<(), String> {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        ["Instrument", scope, code] if !scope.trim().is_empty() && !code.trim().is_empty() => {
            Ok(())
        }
        _ => Err(format!(
            "`{key}` is not an instrument property key: it must be Instrument/<scope>/<code>"
        )),
    }
}

/// A JSON record: an `InstrumentDefinition`, or an `Instrument` as
/// `instruments list` writes it.
pub fn from_json(row: u64, text: &RawValue) -> Row {
    let id = row.to_string();
    let parsed = definition_from_json(text.get()).and_then(|mut definition| {
        check(&mut definition)?;
        Ok(definition)
    });
    Row { row, id, parsed }
}

fn definition_from_json(text: &str) -> Result<InstrumentDefinition, RowError> {
    #[derive(serde::Deserialize)]
    #[serde(expecting = "a JSON object: an instrument definition or an instrument")]
    struct Peek {
        #[serde(rename = "lusidInstrumentId")]
        luid: Option<serde::de::IgnoredAny>,
    }
    let decode_error = |error: serde_json::Error| {
        RowError::new(None, format!("not an instrument definition: {error}"))
    };
    let peek: Peek = serde_json::from_str(text).map_err(decode_error)?;
    if peek.luid.is_none() {
        return serde_json::from_str(text).map_err(decode_error);
    }
    let instrument: Instrument = serde_json::from_str(text).map_err(decode_error)?;
    let identifiers = instrument
        .identifiers
        .into_iter()
        .filter(|(kind, _)| kind != "LusidInstrumentId")
        .filter_map(|(kind, value)| Some((kind, InstrumentIdValue::new(value?))))
        .collect();
    let mut definition = InstrumentDefinition::new(instrument.name, identifiers);
    definition.properties = instrument.properties;
    definition.look_through_portfolio_id = instrument.lookthrough_portfolio;
    definition.definition = instrument.instrument_definition;
    definition.settlement_cycle = instrument.settlement_cycle;
    Ok(definition)
}

/// A CSV record under `header`, mapped by `mapping`. `row` is the line it
/// starts on.
pub fn from_csv(row: u64, header: &[Column], record: &csv::StringRecord, mapping: &Mapping) -> Row {
    let mut id = row.to_string();
    let mut name = String::new();
    let mut identifiers = BTreeMap::new();
    let mut properties = Vec::new();
    let mut failure = None;
    for (column, value) in header.iter().zip(record.iter()) {
        let value = value.trim();
        let outcome = match column {
            Column::Id => {
                if value.is_empty() {
                    Err(RowError::new(
                        Some(column.name(mapping)),
                        "the correlation id is empty",
                    ))
                } else {
                    id = value.to_owned();
                    Ok(())
                }
            }
            Column::Name(_) => {
                name = value.to_owned();
                Ok(())
            }
            Column::Identifier { source, kind } => {
                if !value.is_empty() {
                    match identifier_type(kind) {
                        Some(known) => {
                            identifiers.insert(known.to_owned(), InstrumentIdValue::new(value));
                            Ok(())
                        }
                        None => Err(RowError::new(
                            Some(source),
                            format!("`{kind}` is not an identifier type LUSID knows"),
                        )),
                    }
                } else {
                    Ok(())
                }
            }
            Column::Property { source, key, unit } => property_value(key, value, unit.as_deref())
                .map(|property| properties.extend(property))
                .map_err(|reason| RowError::new(Some(source), reason)),
            Column::Ignored => Ok(()),
        };
        if let Err(error) = outcome {
            failure.get_or_insert(error);
        }
    }
    if record.len() != header.len() && failure.is_none() {
        failure = Some(RowError::new(
            None,
            format!(
                "{} fields where the header has {}",
                record.len(),
                header.len()
            ),
        ));
    }
    let parsed = match failure {
        Some(error) => Err(error),
        None => {
            let mut definition = InstrumentDefinition::new(name, identifiers);
            if !properties.is_empty() {
                definition.properties = Some(properties);
            }
            check(&mut definition).map(|()| definition)
        }
    };
    Row { row, id, parsed }
}

/// A property from a CSV cell: a label, or a metric (an exact decimal
/// number) when the mapping gives the column a unit. An empty cell sets
/// nothing.
fn property_value(key: &str, value: &str, unit: Option<&str>) -> Result<Option<Property>, String> {
    property_key(key)?;
    if value.is_empty() {
        return Ok(None);
    }
    let mut property_value = PropertyValue::default();
    match unit {
        None => property_value.label_value = Some(value.to_owned()),
        Some(unit) => {
            let number: Number = value.parse().map_err(|_| {
                format!("`{value}` is not a number (the mapping makes {key} a metric)")
            })?;
            let mut metric = MetricValue::default();
            metric.value = Some(number);
            metric.unit = Some(unit.to_owned()).filter(|unit| !unit.is_empty());
            property_value.metric_value = Some(metric);
        }
    }
    let mut property = Property::new(key);
    property.value = Some(property_value);
    Ok(Some(property))
}
