//! Conversions between [`Number`] and `rust_decimal::Decimal` (feature
//! `rust_decimal`).

use std::str::FromStr;

use rust_decimal::Decimal;

use super::{Number, NumberError};

impl TryFrom<&Number> for Decimal {
    type Error = NumberError;

    /// The exact decimal value of the literal, in plain or scientific form
    /// (`123.4500` keeps its scale of 4).
    ///
    /// # Errors
    /// When the value does not fit a `Decimal` (96-bit mantissa, scale up to
    /// 28), such as `1e400`; nothing is rounded silently.
    fn try_from(number: &Number) -> Result<Self, Self::Error> {
        let literal = number.as_str();
        let parsed = match literal.split_once(['e', 'E']) {
            // `Decimal::from_scientific` rounds a mantissa with more digits
            // than fit; scale the exact mantissa instead.
            Some((mantissa, exponent)) => scientific(mantissa, exponent),
            None => Decimal::from_str_exact(literal).map_err(|error| error.to_string()),
        };
        parsed.map_err(|error| NumberError {
            message: format!("{literal} does not fit a rust_decimal::Decimal exactly: {error}"),
        })
    }
}

/// The exact value of `mantissa` × 10^`exponent`, or why it does not fit.
fn scientific(mantissa: &str, exponent: &str) -> Result<Decimal, String> {
    let mut value = Decimal::from_str_exact(mantissa).map_err(|error| error.to_string())?;
    let exponent: i64 = exponent
        .parse()
        .map_err(|_| format!("the exponent {exponent} is out of range"))?;
    let scale = i64::from(value.scale());
    let out_of_range = || format!("10^{exponent} is out of range");
    if exponent <= scale {
        // Only the scale moves: exact, or out of range.
        let new_scale = u32::try_from(scale - exponent).map_err(|_| out_of_range())?;
        value
            .set_scale(new_scale)
            .map_err(|_| format!("more than {} decimal places", Decimal::MAX_SCALE))?;
        return Ok(value);
    }
    if value.is_zero() {
        // Zero times any power of ten (and the loop below would not end
        // soon for `0e1000000000`).
        return Ok(Decimal::ZERO);
    }
    value.set_scale(0).map_err(|error| error.to_string())?;
    let ten = Decimal::TEN;
    for _ in 0..(exponent - scale) {
        value = value.checked_mul(ten).ok_or_else(out_of_range)?;
    }
    Ok(value)
}

impl TryFrom<Number> for Decimal {
    type Error = NumberError;

    fn try_from(number: Number) -> Result<Self, Self::Error> {
        Decimal::try_from(&number)
    }
}

impl From<Decimal> for Number {
    /// The decimal's literal, such as `123.4500` (its scale is kept).
    fn from(value: Decimal) -> Self {
        let literal = value.to_string();
        // `Decimal`'s `Display` writes `-?digits(.digits)?`, always valid
        // JSON; fall back to the normalised form if that ever changes.
        Number::from_str(&literal).unwrap_or_else(|_| Number {
            literal: value.normalize().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_exactly_both_ways() {
        for literal in [
            "123.4500",
            "-0.000001",
            "79228162514264337593543950335",
            "0",
        ] {
            let number: Number = literal.parse().expect("literal");
            let decimal = Decimal::try_from(&number).expect("fits");
            assert_eq!(Number::from(decimal).as_str(), literal);
        }
        let scientific: Number = "1.5e3".parse().expect("literal");
        assert_eq!(
            Decimal::try_from(&scientific).expect("fits").to_string(),
            "1500"
        );
        let huge: Number = "1e400".parse().expect("literal");
        assert!(Decimal::try_from(&huge).is_err());
    }

    #[test]
    fn scientific_literals_are_exact_or_refused() {
        let convert = |literal: &str| {
            let number: Number = literal.parse().expect("literal");
            Decimal::try_from(&number).map(|d| d.to_string())
        };
        assert_eq!(convert("2.50E+1").as_deref(), Ok("25.0"));
        assert_eq!(convert("1.5e-3").as_deref(), Ok("0.0015"));
        assert_eq!(convert("-12e2").as_deref(), Ok("-1200"));
        assert_eq!(convert("7e0").as_deref(), Ok("7"));
        assert_eq!(convert("0e1000000000").as_deref(), Ok("0"));
        assert_eq!(
            convert("1e-28").as_deref(),
            Ok("0.0000000000000000000000000001")
        );
        for refused in [
            // 32 significant digits: from_scientific would round to 1.
            "1.0000000000000000000000000000001e0",
            "1e-29",
            "1e29",
            "1e400",
            "1e-99999999999999999999",
        ] {
            assert!(convert(refused).is_err(), "{refused}");
        }
    }
}
