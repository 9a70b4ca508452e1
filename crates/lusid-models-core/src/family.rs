//! Support for the generated discriminated families: read a value as raw
//! JSON text, find its discriminator, decode the member from the text.
//!
//! serde's internally tagged enums buffer the value in a private `Content`
//! tree, which loses [`Number`](crate::Number) literals and raw values; the
//! families here re-read the captured text instead.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::value::RawValue;

use crate::scan;

/// A family value's discriminator, found in its captured text: a span of
/// the text when the string has no escapes (no copy), else unescaped.
pub enum Tag {
    /// The byte range of the tag inside the captured text.
    Span(usize, usize),
    /// The unescaped tag (it had escapes), or empty when there was none.
    Owned(String),
}

impl Tag {
    /// The tag text; `raw` is the value it was read from.
    pub fn get<'a>(&'a self, raw: &'a RawValue) -> &'a str {
        match self {
            Self::Span(start, end) => raw.get().get(*start..*end).unwrap_or_default(),
            Self::Owned(text) => text,
        }
    }

    /// The tag as an owned string (for the unknown variant).
    pub fn into_string(self, raw: &RawValue) -> String {
        match self {
            Self::Span(start, end) => raw.get().get(start..end).unwrap_or_default().to_owned(),
            Self::Owned(text) => text,
        }
    }
}

/// Captures one JSON value and reads its discriminator `property`.
///
/// A value without the property, or with a non-string one, gets an empty
/// tag and so becomes the family's unknown variant. The tag is found by a
/// byte scan of the captured text's top-level keys, not a second serde pass,
/// and is not copied unless it has escapes.
///
/// # Errors
/// When the value is not a JSON object, or not JSON text (deserializers
/// other than serde_json's text deserializers cannot capture raw values).
pub fn read<'de, D: Deserializer<'de>>(
    deserializer: D,
    property: &'static str,
) -> Result<(Tag, Box<RawValue>), D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    let text = raw.get();
    let tag = scan::top_level_string(text, property).map_err(|scan::NotAnObject| {
        de::Error::custom(format_args!(
            "invalid type: not an object, expected a JSON object with a `{property}` member"
        ))
    })?;
    let tag = match tag {
        Some(Cow::Borrowed(found)) => {
            let start = found.as_ptr() as usize - text.as_ptr() as usize;
            Tag::Span(start, start + found.len())
        }
        Some(Cow::Owned(found)) => Tag::Owned(found),
        None => Tag::Owned(String::new()),
    };
    Ok((tag, raw))
}

/// The discriminator of JSON text; empty when absent or not a string, or
/// when the text is not an object.
pub fn peek(text: &str, property: &'static str) -> String {
    scan::top_level_string(text, property)
        .ok()
        .flatten()
        .map(Cow::into_owned)
        .unwrap_or_default()
}

/// Decodes a member from the captured text.
///
/// The text is decoded once; when that fails, the error's position is
/// turned into a JSON path by scanning the text ([`crate::json_path`]), so
/// no second, path-tracking decode is compiled.
///
/// # Errors
/// The member's decoding error, naming the tag and the JSON path inside the
/// value.
pub fn decode<T: de::DeserializeOwned, E: de::Error>(
    tag: &str,
    raw: &RawValue,
) -> Result<Box<T>, E> {
    serde_json::from_str(raw.get())
        .map(Box::new)
        .map_err(|error| {
            let path =
                crate::json_path::path_at_line_column(raw.get(), error.line(), error.column());
            E::custom(format_args!("member `{tag}` at `{path}`: {error}"))
        })
}
