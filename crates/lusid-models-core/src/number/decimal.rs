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
        let parsed = if literal.contains(['e', 'E']) {
            Decimal::from_scientific(literal)
        } else {
            Decimal::from_str_exact(literal)
        };
        parsed.map_err(|error| NumberError {
            message: format!("{literal} does not fit a rust_decimal::Decimal exactly: {error}"),
        })
    }
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
}
