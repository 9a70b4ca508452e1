//! Serde adapter for `Option<OffsetDateTime>`: `None` is `null`, `Some` is a
//! LUSID date-time string (see [`super::format()`] and [`super::parse`]).
//!
//! Use it with `#[serde(default, with = "lusid_models::datetime::option")]`
//! so an absent field also reads as `None`.

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;

/// Serialises `None` as `null` and `Some` as a LUSID date-time string.
///
/// # Errors
/// The serializer's error when the value has no LUSID form.
pub fn serialize<S: Serializer>(
    value: &Option<OffsetDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => super::serialize(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// Deserialises `null` as `None` and a date-time string as `Some`.
///
/// # Errors
/// The deserializer's error when the value is neither `null` nor a date-time.
pub fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    Ok(
        Option::<super::nested::DateTimesIn<OffsetDateTime>>::deserialize(deserializer)?
            .map(|super::nested::DateTimesIn(value)| value),
    )
}
