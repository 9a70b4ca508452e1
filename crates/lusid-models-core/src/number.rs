//! [`Number`]: a JSON number kept exactly as written.

#[cfg(feature = "rust_decimal")]
mod decimal;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON number kept losslessly as the literal text LUSID sent, such as
/// `123.4500`, `1e400` or `12345678901234567890123`.
///
/// The specification types every LUSID number as a double, although many are
/// decimals (quantities, prices, amounts). Converting to `f64` on the way in
/// would lose digits, so the literal is kept and written back unchanged;
/// convert when you need arithmetic: [`Number::as_f64`] or `f64::from`,
/// `i64::try_from`, and with the `rust_decimal` feature
/// `rust_decimal::Decimal::try_from` (exact, failing rather than rounding)
/// and `Number::from(Decimal)`.
///
/// Equality and hashing compare the literal text: `1.0` and `1.00` differ.
///
/// Serialising writes the literal as a JSON number through serde_json (other
/// serializers see serde_json's raw-value wrapper). Deserialising needs the
/// serde_json deserializer over text (`from_str`, `from_slice`,
/// `from_reader`); from a `serde_json::Value` the number has already been
/// through `f64`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number {
    literal: String,
}

/// Why a text is not a JSON number, or a number does not fit an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError {
    message: String,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NumberError {}

impl Number {
    /// The literal text, such as `123.4500`.
    pub fn as_str(&self) -> &str {
        &self.literal
    }

    /// The nearest `f64`. Literals beyond the `f64` range give infinity (for
    /// example `1e400`) or zero (`1e-400`).
    pub fn as_f64(&self) -> f64 {
        // The literal is valid JSON number syntax, which `f64::from_str`
        // accepts in full.
        self.literal.parse().unwrap_or(f64::NAN)
    }

    /// The shortest literal that reads back as `value`, or `None` for NaN and
    /// infinities, which JSON cannot represent.
    pub fn from_f64(value: f64) -> Option<Self> {
        value.is_finite().then(|| Self {
            literal: value.to_string(),
        })
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.literal)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.literal)
    }
}

impl FromStr for Number {
    type Err = NumberError;

    /// Accepts exactly the JSON number syntax: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if is_json_number(text) {
            Ok(Self {
                literal: text.to_owned(),
            })
        } else {
            Err(NumberError {
                message: format!("{text:?} is not a JSON number"),
            })
        }
    }
}

impl From<&Number> for f64 {
    /// The nearest `f64` (see [`Number::as_f64`]).
    fn from(number: &Number) -> Self {
        number.as_f64()
    }
}

impl From<Number> for f64 {
    /// The nearest `f64` (see [`Number::as_f64`]).
    fn from(number: Number) -> Self {
        number.as_f64()
    }
}

impl TryFrom<f64> for Number {
    type Error = NumberError;

    /// The shortest literal that reads back as `value` (see
    /// [`Number::from_f64`]).
    ///
    /// # Errors
    /// For NaN and infinities, which JSON cannot represent.
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Number::from_f64(value).ok_or_else(|| NumberError {
            message: format!("{value} is not a finite number"),
        })
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Self {
            literal: value.to_string(),
        }
    }
}

impl TryFrom<&Number> for i64 {
    type Error = NumberError;

    /// Succeeds for any literal whose value is a whole number within the
    /// `i64` range, whatever its form (`42`, `42.000`, `4.2e1`).
    fn try_from(number: &Number) -> Result<Self, Self::Error> {
        exact_integer(&number.literal).ok_or_else(|| NumberError {
            message: format!(
                "{} is not a whole number within the i64 range",
                number.literal
            ),
        })
    }
}

impl TryFrom<Number> for i64 {
    type Error = NumberError;

    fn try_from(number: Number) -> Result<Self, Self::Error> {
        i64::try_from(&number)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &RawValue =
            serde_json::from_str(&self.literal).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        if text.len() != text.trim().len() {
            return text.trim().parse().map_err(serde::de::Error::custom);
        }
        if !is_json_number(text) {
            return Err(serde::de::Error::custom(format_args!(
                "{text:?} is not a JSON number"
            )));
        }
        // The captured text becomes the literal without a second copy.
        Ok(Self {
            literal: String::from(Box::<str>::from(raw)),
        })
    }
}

/// Whether `text` is exactly a JSON number (RFC 8259 section 6).
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    let digits_from = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };
    if bytes.first() == Some(&b'-') {
        at += 1;
    }
    match bytes.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits_from(at),
        _ => return false,
    }
    if bytes.get(at) == Some(&b'.') {
        let count = digits_from(at + 1);
        if count == 0 {
            return false;
        }
        at += 1 + count;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let count = digits_from(at);
        if count == 0 {
            return false;
        }
        at += count;
    }
    at == bytes.len()
}

/// The exact integer value of a valid JSON number literal, if it is whole and
/// fits an `i64`.
fn exact_integer(literal: &str) -> Option<i64> {
    let (negative, unsigned) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], unsigned[at + 1..].parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = whole.chars().chain(fraction.chars()).collect();
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    // value = digits * 10^(exponent - fraction length)
    let trailing_zeros = i64::try_from(digits.len() - significant.len()).ok()?;
    let fraction_len = i64::try_from(fraction.len()).ok()?;
    let scale = exponent
        .checked_add(trailing_zeros)?
        .checked_sub(fraction_len)?;
    if scale < 0 || significant.len() > 19 {
        return None;
    }
    let mut value = significant.parse::<i128>().ok()?;
    for _ in 0..scale {
        value = value.checked_mul(10)?;
        if value > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    if negative {
        value = -value;
    }
    i64::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_json_number_syntax() {
        for valid in ["0", "-0", "1", "-12.50", "1e400", "1E+2", "2.5e-3", "0.0"] {
            assert!(is_json_number(valid), "{valid} should be valid");
        }
        for invalid in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "NaN", "1 ", " 1", "0x1",
        ] {
            assert!(!is_json_number(invalid), "{invalid:?} should be invalid");
        }
    }

    #[test]
    fn converts_whole_numbers_of_any_form_to_i64() {
        let cases = [
            ("42", Some(42)),
            ("42.000", Some(42)),
            ("4.2e1", Some(42)),
            ("4200e-2", Some(42)),
            ("-0.0", Some(0)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("42.5", None),
            ("1e400", None),
            ("12345678901234567890123", None),
        ];
        for (literal, expected) in cases {
            let number: Number = literal.parse().expect("valid literal");
            assert_eq!(i64::try_from(&number).ok(), expected, "{literal}");
        }
    }
}
