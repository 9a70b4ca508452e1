//! [`RawJson`]: a JSON value kept as its text.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Any JSON value, kept as the exact text received and written back
/// unchanged.
///
/// Used where the generated types do not model a schema yet: polymorphic
/// schemas such as `lusid_models::LusidInstrument` (whose concrete
/// type depends on a discriminator field) and untyped values. Nothing is lost:
/// read it with [`RawJson::to_value`] or [`RawJson::deserialize_into`].
///
/// Equality compares the text, so `{"a":1}` and `{ "a": 1 }` differ.
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Writes a [`serde_json::Value`] as compact JSON text.
    ///
    /// # Errors
    /// When the value cannot be serialised (never for values built from
    /// parsed JSON).
    pub fn from_value(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Self)
    }

    /// Parses the text into a [`serde_json::Value`].
    ///
    /// # Errors
    /// When a number is beyond the range `serde_json::Value` supports, such as
    /// `1e400`.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.get())
    }

    /// Deserialises the text into a typed value.
    ///
    /// # Errors
    /// When the JSON does not match `T`.
    pub fn deserialize_into<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.get())
    }
}

impl RawJson {
    /// Wraps captured raw JSON (used by the generated code of the schemas
    /// that keep unknown keys or are families).
    #[doc(hidden)]
    pub fn from_raw_value(raw: Box<RawValue>) -> Self {
        Self(raw)
    }
}

impl FromStr for RawJson {
    type Err = serde_json::Error;

    /// Checks that `text` is one JSON value and keeps it as it is.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RawValue::from_string(text.to_owned()).map(Self)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl Hash for RawJson {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.get().hash(state);
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({})", self.get())
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self)
    }
}
