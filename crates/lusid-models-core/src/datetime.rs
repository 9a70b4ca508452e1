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

use serde::{Deserializer, Serializer};
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
    if let Some(value) = parse_lusid_form(text.as_bytes()) {
        return Ok(value);
    }
    OffsetDateTime::parse(text, &Rfc3339).map_err(|error| DateTimeError {
        message: format!(
            "invalid date-time {text:?}: {error}; expected RFC 3339 such as \
             2024-03-28T09:15:00.0000000+00:00"
        ),
    })
}

/// The form LUSID sends, read without a format description:
/// `YYYY-MM-DDTHH:MM:SS` then an optional `.` with 1 to 9 fraction digits,
/// then `Z` or `±HH:MM`. `None` for anything else (including values that
/// are out of range), which [`parse`] then reads with the general RFC 3339
/// parser, so both accept and reject exactly the same inputs.
fn parse_lusid_form(text: &[u8]) -> Option<OffsetDateTime> {
    fn digits(bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(0u32, |value, byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    }
    if text.len() < 20
        || text[4] != b'-'
        || text[7] != b'-'
        || text[10] != b'T'
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let year = i32::try_from(digits(&text[0..4])?).ok()?;
    let month = time::Month::try_from(u8::try_from(digits(&text[5..7])?).ok()?).ok()?;
    let day = u8::try_from(digits(&text[8..10])?).ok()?;
    let hour = u8::try_from(digits(&text[11..13])?).ok()?;
    let minute = u8::try_from(digits(&text[14..16])?).ok()?;
    let second = u8::try_from(digits(&text[17..19])?).ok()?;
    let mut rest = &text[19..];
    let mut nanosecond = 0u32;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return None;
        }
        nanosecond = digits(&fraction[..count])? * 10u32.pow(9 - count as u32);
        rest = &fraction[count..];
    }
    let offset = match rest {
        [b'Z'] => time::UtcOffset::UTC,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = i8::try_from(digits(&[*h1, *h2])?)
                .ok()
                .filter(|h| *h < 24)?;
            let minutes = i8::try_from(digits(&[*m1, *m2])?)
                .ok()
                .filter(|m| *m < 60)?;
            let (hours, minutes) = if *sign == b'-' {
                (-hours, -minutes)
            } else {
                (hours, minutes)
            };
            time::UtcOffset::from_hms(hours, minutes, 0).ok()?
        }
        _ => return None,
    };
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let time = time::Time::from_hms_nano(hour, minute, second, nanosecond).ok()?;
    Some(time::PrimitiveDateTime::new(date, time).assume_offset(offset))
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
    deserializer.deserialize_str(DateTimeVisitor)
}

/// Reads a date-time from a string without copying it when the input
/// lends it.
struct DateTimeVisitor;

impl serde::de::Visitor<'_> for DateTimeVisitor {
    type Value = OffsetDateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<OffsetDateTime, E> {
        parse(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_rfc3339_parser() {
        let samples = [
            "2024-03-28T09:15:00.1234567+00:00",
            "0001-01-01T00:00:00.0000000+00:00",
            "9999-12-31T23:59:59.9999999+00:00",
            "2024-03-28T09:15:00Z",
            "2024-03-28T09:15:00.1Z",
            "2024-03-28T09:15:00.123456789-05:30",
            "2024-02-29T23:59:59+14:00",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+01:60",
            "2024-01-01t00:00:00z",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
            "+2024-01-01T00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ];
        for text in samples {
            let general = OffsetDateTime::parse(text, &Rfc3339).ok();
            if let Some(fast) = parse_lusid_form(text.as_bytes()) {
                assert_eq!(Some(fast), general, "{text}");
            }
            assert_eq!(parse(text).ok(), general, "{text}");
        }
        let value = parse("2024-03-28T09:15:00.1234567+01:00").expect("parses");
        assert_eq!(value.nanosecond(), 123_456_700);
        assert_eq!(value.offset().whole_hours(), 1);
    }
}
