//! Hand-written conveniences over the generated request models: instrument
//! identifiers from `(type, value)` pairs, label and metric property values,
//! and properties keyed `Instrument/<scope>/<code>`.
//!
//! `lusid-models`' crate documentation shows them together.

use std::collections::BTreeMap;
use std::fmt;

use crate::{
    InstrumentDefinition, InstrumentIdValue, LabelValueSet, MetricValue, Number, Property,
    PropertyValue,
};

/// The identifiers of an [`InstrumentDefinition`] (JSON `identifiers`) from
/// `(identifier type, value)` pairs such as `("Figi", "BBG000BLNNH6")`; a
/// type given twice keeps its last value.
pub fn identifiers<I, K, V>(pairs: I) -> BTreeMap<String, InstrumentIdValue>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    pairs
        .into_iter()
        .map(|(id_type, value)| (id_type.into(), InstrumentIdValue::new(value)))
        .collect()
}

impl InstrumentDefinition {
    /// Adds (or replaces) the identifier `id_type` (a key of JSON
    /// `identifiers`, such as `Figi` or `ClientInternal`) with `value`.
    #[must_use]
    pub fn with_identifier(mut self, id_type: impl Into<String>, value: impl Into<String>) -> Self {
        self.identifiers
            .insert(id_type.into(), InstrumentIdValue::new(value));
        self
    }

    /// Appends a property to JSON `properties`.
    #[must_use]
    pub fn with_property(mut self, property: Property) -> Self {
        self.properties.get_or_insert_with(Vec::new).push(property);
        self
    }
}

impl PropertyValue {
    /// A label (text) value: JSON `{"labelValue": text}`.
    pub fn label(text: impl Into<String>) -> Self {
        Self {
            label_value: Some(text.into()),
            ..Self::default()
        }
    }

    /// A set of labels: JSON `{"labelValueSet": {"values": [...]}}`.
    pub fn label_set<I: IntoIterator<Item = S>, S: Into<String>>(labels: I) -> Self {
        Self {
            label_value_set: Some(LabelValueSet::new(
                labels.into_iter().map(Into::into).collect(),
            )),
            ..Self::default()
        }
    }

    /// A metric value: JSON `{"metricValue": {"value": number, "unit": unit}}`.
    ///
    /// The number is sent exactly as given: parse it from its decimal text
    /// (`"1234.5678901234567890".parse::<Number>()`) to keep every digit,
    /// rather than going through `f64`.
    pub fn metric(value: impl Into<Number>, unit: impl Into<String>) -> Self {
        Self {
            metric_value: Some(MetricValue::default().with_value(value).with_unit(unit)),
            ..Self::default()
        }
    }
}

/// A property key that is not `Domain/Scope/Code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyKeyError {
    /// The key does not have exactly three `/`-separated parts (a scope or
    /// code containing `/` gives more).
    PartCount {
        /// The key as given.
        key: String,
        /// How many parts it has.
        parts: usize,
    },
    /// One of the parts is empty or has leading or trailing whitespace.
    BadPart {
        /// The key as given.
        key: String,
        /// `"domain"`, `"scope"` or `"code"`.
        part: &'static str,
    },
}

impl fmt::Display for PropertyKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PartCount { key, parts } => write!(
                f,
                "property key {key:?} has {parts} part(s); expected Domain/Scope/Code"
            ),
            Self::BadPart { key, part } => write!(
                f,
                "property key {key:?} has an empty or padded {part}; expected Domain/Scope/Code"
            ),
        }
    }
}

impl std::error::Error for PropertyKeyError {}

/// Checks that `key` is `Domain/Scope/Code` with three non-empty parts.
fn check_key(key: &str) -> Result<(), PropertyKeyError> {
    let parts: Vec<&str> = key.split('/').collect();
    if parts.len() != 3 {
        return Err(PropertyKeyError::PartCount {
            key: key.to_owned(),
            parts: parts.len(),
        });
    }
    for (text, part) in parts.iter().zip(["domain", "scope", "code"]) {
        if text.is_empty() || text.trim() != *text {
            return Err(PropertyKeyError::BadPart {
                key: key.to_owned(),
                part,
            });
        }
    }
    Ok(())
}

impl Property {
    /// A property with the key `Domain/Scope/Code` (JSON `key`) and a value
    /// (JSON `value`).
    ///
    /// # Errors
    /// [`PropertyKeyError`] when the key is not three non-empty parts.
    pub fn keyed(key: impl Into<String>, value: PropertyValue) -> Result<Self, PropertyKeyError> {
        let key = key.into();
        check_key(&key)?;
        Ok(Self {
            value: Some(value),
            ..Self::new(key)
        })
    }

    /// An instrument property: key `Instrument/<scope>/<code>`, such as
    /// `Instrument/default/Sector`.
    ///
    /// # Errors
    /// [`PropertyKeyError`] when the scope or code is empty, padded, or
    /// contains `/`.
    pub fn instrument(
        scope: &str,
        code: &str,
        value: PropertyValue,
    ) -> Result<Self, PropertyKeyError> {
        Self::keyed(format!("Instrument/{scope}/{code}"), value)
    }
}
