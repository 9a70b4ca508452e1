//! `-p NAME=VALUE`: checking parameter values against an operation's
//! table entry and placing them in the path, query or headers.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::table::{Location, Operation, Param, ParamKind};
use lusid::api::PagedParams;

/// Characters escaped in path segments and query names and values, as the
/// SDK escapes them: everything but `A-Z a-z 0-9 - . _ ~`.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The most fractional digits LUSID keeps in a date-time (100 ns).
const FRACTION_DIGITS: usize = 7;

/// Why the parameters cannot be sent. Every variant names the operation;
/// the unknown and missing ones list the valid parameters.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    /// `-p` without `=`.
    #[error("-p {given:?}: expected NAME=VALUE (such as -p scope=uk-equities)")]
    NoEquals {
        /// What was given.
        given: String,
    },
    /// A name the operation does not take.
    #[error("{operation} has no parameter {name:?}; its parameters: {valid}")]
    Unknown {
        /// The operationId.
        operation: &'static str,
        /// The name given.
        name: String,
        /// Every parameter, described.
        valid: String,
    },
    /// Required parameters not given.
    #[error("{operation} requires {}; its parameters: {valid}", .names.join(", "))]
    Missing {
        /// The operationId.
        operation: &'static str,
        /// The missing wire names.
        names: Vec<String>,
        /// Every parameter, described.
        valid: String,
    },
    /// A single-valued parameter given twice.
    #[error("{operation}: parameter {name} takes one value, but was given {count}")]
    Repeated {
        /// The operationId.
        operation: &'static str,
        /// The wire name.
        name: String,
        /// How many values were given.
        count: usize,
    },
    /// A value of the wrong type or outside the allowed values.
    #[error("{operation}: parameter {name}={value:?} is invalid: expected {expected}")]
    Invalid {
        /// The operationId.
        operation: &'static str,
        /// The wire name.
        name: String,
        /// The value given.
        value: String,
        /// What it should be.
        expected: String,
    },
}

/// Checked parameter values of one operation, in the order given for
/// each name.
#[derive(Debug, Clone)]
pub struct Values {
    /// (wire name, values).
    given: Vec<(String, Vec<String>)>,
    /// Whether the operation takes `limit` (the page size).
    has_limit: bool,
    /// Whether the operation takes `asAt`.
    has_as_at: bool,
}

impl Values {
    /// Checks `NAME=VALUE` pairs against `operation`.
    ///
    /// # Errors
    /// A [`ParamError`] for the first problem found.
    pub fn parse(operation: &Operation<'static>, pairs: &[String]) -> Result<Self, ParamError> {
        let mut given: Vec<(&Param, Vec<String>)> = Vec::new();
        for pair in pairs {
            let Some((name, value)) = pair.split_once('=') else {
                return Err(ParamError::NoEquals {
                    given: pair.clone(),
                });
            };
            let param = operation.param(name).ok_or_else(|| ParamError::Unknown {
                operation: operation.id,
                name: name.to_owned(),
                valid: describe_all(operation),
            })?;
            check(operation, param, value)?;
            match given.iter_mut().find(|(known, _)| known.name == param.name) {
                Some((_, values)) => values.push(value.to_owned()),
                None => given.push((param, vec![value.to_owned()])),
            }
        }
        for (param, values) in &given {
            if !param.repeated && values.len() > 1 {
                return Err(ParamError::Repeated {
                    operation: operation.id,
                    name: param.name.clone(),
                    count: values.len(),
                });
            }
        }
        let missing: Vec<String> = operation
            .params
            .iter()
            .filter(|param| param.required && !given.iter().any(|(p, _)| p.name == param.name))
            .map(|param| param.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(ParamError::Missing {
                operation: operation.id,
                names: missing,
                valid: describe_all(operation),
            });
        }
        Ok(Self {
            given: given
                .into_iter()
                .map(|(param, values)| (param.name.clone(), values))
                .collect(),
            has_limit: operation.param("limit").is_some(),
            has_as_at: operation.param("asAt").is_some(),
        })
    }

    /// The values of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.given
            .iter()
            .find(|(param, _)| param == name)
            .map(|(_, values)| values.as_slice())
    }

    /// Sets the one value of `name`, replacing any given.
    pub fn set(&mut self, name: &str, value: String) {
        if let Some((_, values)) = self.given.iter_mut().find(|(p, _)| p == name) {
            *values = vec![value];
        } else {
            self.given.push((name.to_owned(), vec![value]));
        }
    }

    /// The path and query, relative to the LUSID base URL (such as
    /// `/api/portfolios?limit=10`), every value percent-encoded; query
    /// parameters in specification order, a repeated one as one pair per
    /// value.
    pub fn target(&self, operation: &Operation<'_>) -> String {
        let mut target = String::new();
        let mut rest = operation.path;
        while let Some(open) = rest.find('{') {
            target.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                target.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let name = &after[..close];
            let value = self
                .get(name)
                .and_then(|v| v.first())
                .map_or("", String::as_str);
            target.extend(utf8_percent_encode(value, ESCAPED));
            rest = &after[close + 1..];
        }
        target.push_str(rest);
        let mut separator = '?';
        for param in &operation.params {
            if param.location != Location::Query {
                continue;
            }
            for value in self.get(&param.name).unwrap_or(&[]) {
                target.push(separator);
                separator = '&';
                target.extend(utf8_percent_encode(&param.name, ESCAPED));
                target.push('=');
                target.extend(utf8_percent_encode(value, ESCAPED));
            }
        }
        target
    }

    /// The header parameters, as (name, value) pairs.
    pub fn headers<'a>(
        &'a self,
        operation: &'a Operation<'_>,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.given
            .iter()
            .filter(|(name, _)| {
                operation
                    .param(name)
                    .is_some_and(|param| param.location == Location::Header)
            })
            .flat_map(|(name, values)| values.iter().map(|v| (name.as_str(), v.as_str())))
    }
}

/// Checks one value of `param`.
fn check(operation: &Operation<'static>, param: &Param, value: &str) -> Result<(), ParamError> {
    let invalid = |expected: String| ParamError::Invalid {
        operation: operation.id,
        name: param.name.clone(),
        value: value.to_owned(),
        expected,
    };
    if param.location == Location::Path && (value.is_empty() || value == "." || value == "..") {
        return Err(invalid(
            "a path segment (not empty, `.` or `..`, which would address another resource)"
                .to_owned(),
        ));
    }
    match param.kind {
        ParamKind::String => {}
        ParamKind::DateTime => date_time(value).map_err(invalid)?,
        ParamKind::Integer => {
            if value.parse::<i64>().is_err() {
                return Err(invalid("an integer, such as 100".to_owned()));
            }
        }
        ParamKind::Number => {
            if !is_decimal(value) {
                return Err(invalid("a decimal number, such as 12.5".to_owned()));
            }
        }
        ParamKind::Boolean => {
            if value != "true" && value != "false" {
                return Err(invalid("true or false".to_owned()));
            }
        }
    }
    if !param.values.is_empty() && !param.values.iter().any(|allowed| allowed == value) {
        return Err(invalid(format!("one of {}", param.values.join(", "))));
    }
    Ok(())
}

/// Checks an RFC 3339 date-time with at most 7 fractional digits (sent as
/// given, so no digit is lost or added).
pub fn date_time(value: &str) -> Result<(), String> {
    const EXPECTED: &str =
        "an RFC 3339 date-time such as 2024-01-31T00:00:00Z or 2024-01-31T09:30:00.1234567+01:00";
    let Ok(parsed) =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
    else {
        return Err(EXPECTED.to_owned());
    };
    if parsed.year() < 1 {
        return Err(format!(
            "{EXPECTED}, in the years 0001 to 9999 (LUSID's range; year {} was given)",
            parsed.year()
        ));
    }
    let digits = value.split_once('.').map_or(0, |(_, rest)| {
        rest.bytes().take_while(u8::is_ascii_digit).count()
    });
    if digits > FRACTION_DIGITS {
        return Err(format!(
            "{EXPECTED}, with at most {FRACTION_DIGITS} fractional digits (LUSID keeps 100 ns; {digits} were given)"
        ));
    }
    Ok(())
}

/// Whether `text` is a JSON-style decimal number (`-12.5`, `3`, `1e-3`).
pub fn is_decimal(text: &str) -> bool {
    let text = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && fraction.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// One parameter as the error messages list it: `scope (path, string, required)`.
pub fn describe(param: &Param) -> String {
    let mut text = format!(
        "{} ({}, {}",
        param.name,
        param.location.as_str(),
        param.kind.as_str()
    );
    if param.repeated {
        text.push_str(", repeatable");
    }
    if param.required {
        text.push_str(", required");
    }
    text.push(')');
    text
}

/// Every parameter of `operation`, or `none`.
fn describe_all(operation: &Operation<'_>) -> String {
    if operation.params.is_empty() {
        return "none".to_owned();
    }
    operation
        .params
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join(", ")
}

impl PagedParams for Values {
    const OPERATION_ID: &'static str = "lusid api";

    fn page_size(&self) -> Option<i64> {
        self.get("limit")
            .and_then(|values| values.first())
            .and_then(|value| value.parse().ok())
    }

    fn set_page_size(&mut self, size: i64) {
        if self.has_limit {
            self.set("limit", size.to_string());
        }
    }

    fn set_page_token(&mut self, token: String) {
        self.set("page", token);
    }

    fn pin_as_at(&mut self, now: time::OffsetDateTime) {
        if self.has_as_at && self.get("asAt").is_none() {
            if let Ok(text) = lusid::models::datetime::format(&now) {
                self.set("asAt", text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_rfc_3339_with_at_most_seven_fractional_digits() {
        assert!(date_time("2024-01-31T00:00:00Z").is_ok());
        assert!(date_time("2024-01-31T09:30:00.1234567+01:00").is_ok());
        assert!(date_time("2024-01-31").is_err());
        let error = date_time("2024-01-31T09:30:00.12345678Z").expect_err("8 digits");
        assert!(error.contains("at most 7 fractional digits"), "{error}");
    }

    #[test]
    fn decimals_are_json_numbers() {
        for good in [
            "0",
            "-12.5",
            "1e-3",
            "3.0E+2",
            "100000000000000000000.000000000000001",
        ] {
            assert!(is_decimal(good), "{good}");
        }
        for bad in ["", "-", "1.", ".5", "1e", "abc", "1,5", "NaN"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn values_are_encoded_into_the_path_and_query_in_specification_order() {
        let service = crate::api::service("lusid").expect("the table");
        let operation = service.operation("GetInstrument").expect("GetInstrument");
        let pairs: Vec<String> = [
            "propertyKeys=Instrument/a/b c",
            "identifier=BBG/1 é",
            "identifierType=Figi",
            "propertyKeys=x&y=z",
            "asAt=2024-01-31T00:00:00Z",
        ]
        .iter()
        .map(|pair| (*pair).to_owned())
        .collect();
        let values = Values::parse(operation, &pairs).expect("valid");
        assert_eq!(
            values.target(operation),
            "/api/instruments/Figi/BBG%2F1%20%C3%A9?asAt=2024-01-31T00%3A00%3A00Z&propertyKeys=Instrument%2Fa%2Fb%20c&propertyKeys=x%26y%3Dz"
        );
    }
}
