//! Support for schemas marked `x-sdk-unknown-fields: preserve`: their
//! structs keep keys this crate does not know in an `unknown_fields` map and
//! write them back after the known fields.
//!
//! The struct's derived serde code is generated with `#[serde(remote =
//! "Self")]` (inherent functions, not trait implementations); the trait
//! implementations wrap it. A `#[serde(flatten)]` map would buffer the value
//! in serde's private `Content` tree, which loses [`Number`](crate::Number)
//! literals and raw values, so the value is captured as raw JSON text
//! instead and read twice: once for the known fields, once for the others.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::RawJson;

/// Captures a value as raw JSON text, to be read twice.
///
/// # Errors
/// When the deserializer is not serde_json's over text.
pub(crate) fn capture<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Box<RawValue>, D::Error> {
    Box::<RawValue>::deserialize(deserializer)
}

/// Every key of the captured object not in `known` (wire names), with its
/// value as raw JSON.
///
/// # Errors
/// When the text is not a JSON object.
pub(crate) fn unknown(
    raw: &RawValue,
    known: &'static [&'static str],
) -> Result<BTreeMap<String, RawJson>, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(raw.get());
    json.deserialize_map(UnknownVisitor { known })
}

/// Writes the known fields with `encode` (the derived inherent
/// `serialize`), then each unknown key, as one JSON object.
///
/// # Errors
/// The serializer's error, or one from encoding a known field.
pub(crate) fn serialize<S: Serializer>(
    serializer: S,
    unknown: &BTreeMap<String, RawJson>,
    encode: impl FnOnce(&mut serde_json::Serializer<&mut Vec<u8>>) -> Result<(), serde_json::Error>,
) -> Result<S::Ok, S::Error> {
    let mut buffer = Vec::new();
    encode(&mut serde_json::Serializer::new(&mut buffer)).map_err(serde::ser::Error::custom)?;
    if !unknown.is_empty() {
        // The known fields are one compact object: `{}` or `{...}`.
        if buffer.pop() != Some(b'}') {
            return Err(serde::ser::Error::custom(
                "the known fields did not serialise as a JSON object",
            ));
        }
        let mut first = buffer.last() == Some(&b'{');
        for (key, value) in unknown {
            if !first {
                buffer.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut buffer, key).map_err(serde::ser::Error::custom)?;
            buffer.push(b':');
            buffer.extend_from_slice(value.get().as_bytes());
        }
        buffer.push(b'}');
    }
    let text = String::from_utf8(buffer).map_err(serde::ser::Error::custom)?;
    let raw = RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
    raw.serialize(serializer)
}

/// Collects the keys not in `known`, with their values as raw JSON.
struct UnknownVisitor {
    known: &'static [&'static str],
}

impl<'de> Visitor<'de> for UnknownVisitor {
    type Value = BTreeMap<String, RawJson>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut unknown = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: &'de RawValue = map.next_value()?;
            if !self.known.contains(&key.as_str()) {
                unknown.insert(key, RawJson::from_raw_value(value.to_owned()));
            }
        }
        Ok(unknown)
    }
}
