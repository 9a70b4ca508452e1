//! LUSID date-times as [`time::OffsetDateTime`].
//!
//! LUSID sends instants with 100 ns precision and a numeric offset, always
//! with exactly seven fraction digits, such as
//! `2024-03-28T09:15:00.1234567+00:00`. Its smallest and largest values are
//! `0001-01-01T00:00:00.0000000+00:00` and
//! `9999-12-31T23:59:59.9999999+00:00`.
//!
//! - [`parse`] accepts any RFC 3339 date-time: any number of fraction digits
//!   (or none) and `Z` or a numeric offset. The offset is kept.
//! - [`format()`] writes the LUSID form: seven fraction digits (finer precision
//!   is truncated) and a numeric offset, so every value LUSID sends
//!   round-trips byte for byte.
//!
//! The module doubles as a serde adapter, `#[serde(with = "lusid_models::datetime")]`;
//! [`option`] handles `Option<OffsetDateTime>` and [`nested`] handles
//! date-times inside `Vec`s and maps.

pub mod nested;
pub mod option;

use std::fmt;

use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

/// The LUSID wire format: seven fraction digits and a numeric offset.
const LUSID_FORMAT: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7][offset_hour sign:mandatory]:[offset_minute]"
);

/// Why a string is not a date-time LUSID understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError {
    message: String,
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DateTimeError {}

/// Parses an RFC 3339 date-time such as `2024-03-28T09:15:00.1234567+00:00`
/// or `2024-03-28T09:15:00.123Z`.
///
/// # Errors
/// A [`DateTimeError`] quoting the input and naming the component that could
/// not be read.
pub fn parse(text: &str) -> Result<OffsetDateTime, DateTimeError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|error| DateTimeError {
        message: format!(
            "invalid date-time {text:?}: {error}; expected RFC 3339 such as \
             2024-03-28T09:15:00.0000000+00:00"
        ),
    })
}

/// Formats a date-time as LUSID does: `YYYY-MM-DDTHH:MM:SS.fffffff+HH:MM`.
///
/// Precision finer than 100 ns is truncated. Offsets with a seconds part
/// (which LUSID never uses) lose the seconds.
///
/// # Errors
/// Only for a year outside 0000..=9999, which has no four-digit form.
pub fn format(value: &OffsetDateTime) -> Result<String, DateTimeError> {
    if !(0..=9999).contains(&value.year()) {
        return Err(DateTimeError {
            message: format!(
                "year {} of {value} is outside 0000..=9999 and has no LUSID form",
                value.year()
            ),
        });
    }
    value.format(LUSID_FORMAT).map_err(|error| DateTimeError {
        message: format!("could not format {value}: {error}"),
    })
}

/// Serialises a date-time in the LUSID form (see [`format()`]).
///
/// # Errors
/// The serializer's error when the value has no LUSID form.
pub fn serialize<S: Serializer>(value: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    let text = format(value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// Deserialises an RFC 3339 date-time string (see [`parse`]).
///
/// # Errors
/// The deserializer's error when the value is not a string or not a date-time.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}
