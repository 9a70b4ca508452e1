//! Support for the generated discriminated families: read a value as raw
//! JSON text, find its discriminator, decode the member from the text.
//!
//! serde's internally tagged enums buffer the value in a private `Content`
//! tree, which loses [`Number`](crate::Number) literals and raw values; the
//! families here re-read the captured text instead.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// Captures one JSON value and reads its discriminator `property`.
///
/// A value without the property, or with a non-string one, gets an empty
/// tag and so becomes the family's unknown variant.
///
/// # Errors
/// When the value is not JSON text (deserializers other than serde_json's
/// text deserializers cannot capture raw values).
pub(crate) fn read<'de, D: Deserializer<'de>>(
    deserializer: D,
    property: &'static str,
) -> Result<(String, Box<RawValue>), D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    let mut json = serde_json::Deserializer::from_str(raw.get());
    let tag = json
        .deserialize_any(TagVisitor { property })
        .map_err(de::Error::custom)?;
    Ok((tag.unwrap_or_default(), raw))
}

/// The discriminator of JSON text; empty when absent or not a string, or
/// when the text is not an object.
pub(crate) fn peek(text: &str, property: &'static str) -> String {
    let mut json = serde_json::Deserializer::from_str(text);
    json.deserialize_any(TagVisitor { property })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Decodes a member from the captured text.
///
/// # Errors
/// The member's decoding error, naming the tag and the JSON path inside the
/// value.
pub(crate) fn decode<T: de::DeserializeOwned, E: de::Error>(
    tag: &str,
    raw: &RawValue,
) -> Result<Box<T>, E> {
    let mut json = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut json)
        .map(Box::new)
        .map_err(|error| {
            E::custom(format_args!(
                "member `{tag}` at `{}`: {}",
                error.path(),
                error.inner()
            ))
        })
}

/// Finds one string property of an object, skipping everything else.
struct TagVisitor {
    property: &'static str,
}

impl<'de> Visitor<'de> for TagVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object with a `{}` member", self.property)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tag = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.property && tag.is_none() {
                let value: &'de RawValue = map.next_value()?;
                tag = serde_json::from_str::<String>(value.get()).ok();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(tag)
    }
}
