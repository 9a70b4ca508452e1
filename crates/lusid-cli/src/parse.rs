//! Value parsers for flags: durations, whole numbers, fractions and
//! date-times, each with one clear message for a bad value (clap prefixes
//! it with `invalid value '…' for '--flag <VALUE>'`).

use std::time::Duration;

/// The message for any negative number, whatever the flag.
fn negative(expected: &str) -> String {
    format!("negative numbers are not accepted here: expected {expected}")
}

/// Whether `value` looks like a negative number (`-5`, `-0.5`, `-1e3`).
fn is_negative(value: &str) -> bool {
    value
        .trim()
        .strip_prefix('-')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
}

/// What [`whole`] accepts, in words.
fn whole_range(min: u64, max: u64) -> String {
    match (min, max) {
        (0, u64::MAX) => "a whole number (0 or more)".to_owned(),
        (min, u64::MAX) => format!("a whole number of {min} or more"),
        (min, max) => format!("a whole number from {min} to {max}"),
    }
}

/// A parser of whole numbers in `min..=max` for clap.
pub fn whole(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |value: &str| {
        let expected = whole_range(min, max);
        if is_negative(value) {
            return Err(negative(&expected));
        }
        let trimmed = value.trim();
        let number = if trimmed.bytes().all(|b| b.is_ascii_digit()) && !trimmed.is_empty() {
            trimmed.parse::<u64>().ok()
        } else {
            None
        };
        match number {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            Some(0) if min == 1 => Err(format!("0 is not allowed: expected {expected}")),
            _ => Err(format!("expected {expected}")),
        }
    }
}

/// A parser of whole numbers in `min..=max` that fit a `u32`.
pub fn whole_u32(min: u32, max: u32) -> impl Fn(&str) -> Result<u32, String> + Clone + Send + Sync {
    let parse = whole(u64::from(min), u64::from(max));
    move |value: &str| parse(value).map(|n| u32::try_from(n).unwrap_or(max))
}

/// A parser of whole numbers in `min..=max` that fit a `usize`.
pub fn whole_usize(
    min: usize,
    max: usize,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync {
    let parse = whole(min as u64, max as u64);
    move |value: &str| parse(value).map(|n| usize::try_from(n).unwrap_or(max))
}

/// A fraction in `0..=1` (fault rates).
pub fn fraction(value: &str) -> Result<f64, String> {
    const EXPECTED: &str = "a fraction from 0 to 1, such as 0.05";
    if is_negative(value) {
        return Err(negative(EXPECTED));
    }
    match value.trim().parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("expected {EXPECTED}")),
    }
}

/// The longest duration a flag accepts (a day, as the `*TimeoutMs`
/// settings).
const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A positive duration such as `30s`, `500ms`, `2m`, `1h`, `1m30s` or
/// `1.5s` (units `ms`, `s`, `m`, `h`; at most a day).
pub fn duration(value: &str) -> Result<Duration, String> {
    const EXPECTED: &str = "a duration such as 30s, 500ms, 2m or 1m30s (units ms, s, m, h)";
    let text = value.trim();
    if text.starts_with('-') {
        return Err(format!(
            "negative durations are not accepted: expected {EXPECTED}"
        ));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!(
            "'{text}' has no unit: write {text}s for seconds or {text}ms for milliseconds"
        ));
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    if rest.is_empty() {
        return Err(format!("expected {EXPECTED}"));
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let amount: f64 = number.parse().map_err(|_| format!("expected {EXPECTED}"))?;
        let seconds = match unit.trim() {
            "ms" => 0.001,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => return Err(format!("expected {EXPECTED}")),
        };
        total += amount * seconds;
        rest = after;
    }
    if !total.is_finite() || total > MAX_DURATION.as_secs_f64() {
        return Err("durations longer than a day (24h) are not accepted".to_owned());
    }
    let duration = Duration::from_secs_f64(total);
    if duration < Duration::from_millis(1) {
        return Err(format!(
            "a zero duration would fail every call: expected {EXPECTED}"
        ));
    }
    Ok(duration)
}

/// What `--as-at` and `--effective-at` say about a date-time.
const DATE_TIME: &str = "an RFC 3339 date-time such as 2024-01-31T00:00:00Z";

/// `--as-at`: an RFC 3339 date-time.
pub fn as_at(value: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| format!("expected {DATE_TIME}"))
}

/// `--effective-at`: an RFC 3339 date-time, a date (`2024-01-31`, midnight
/// UTC) or a cut label (`2024-01-31N` then the cut label's code, such as
/// `2024-01-31NLondonClose`), checked here and sent as given.
pub fn effective_at(value: &str) -> Result<String, String> {
    let text = value.trim();
    let expected = || {
        format!(
            "expected {DATE_TIME}, a date such as 2024-01-31, or a cut label such as 2024-01-31NLondonClose"
        )
    };
    if as_at(text).is_ok() {
        return Ok(text.to_owned());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    let (date, label) = match text.split_at_checked(10) {
        Some((date, rest)) => (date, rest),
        None => return Err(expected()),
    };
    if time::Date::parse(date, date_format).is_err() {
        return Err(expected());
    }
    if label.is_empty() {
        return Ok(text.to_owned());
    }
    let code = label.strip_prefix('N').ok_or_else(expected)?;
    let valid = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(text.to_owned())
    } else {
        Err(expected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["", "30", "-5s", "0s", "5 parsecs", "s", "25h", "1x"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert!(duration("30").unwrap_err().contains("30s"));
        assert!(duration("-5s").unwrap_err().contains("negative"));
    }

    #[test]
    fn numbers() {
        let limit = whole(1, u64::MAX);
        assert_eq!(limit("5"), Ok(5));
        assert!(limit("0").unwrap_err().contains("0 is not allowed"));
        assert!(limit("-5").unwrap_err().contains("negative"));
        assert!(limit("many").is_err());
        assert!(limit("1.5").is_err());
        assert!(fraction("-0.1").unwrap_err().contains("negative"));
        assert_eq!(fraction("0.05"), Ok(0.05));
        assert!(fraction("2").is_err());
    }

    #[test]
    fn date_times_and_cut_labels() {
        assert!(as_at("2024-01-31T00:00:00Z").is_ok());
        assert!(as_at("2024-01-31").is_err());
        assert!(as_at("yesterday").unwrap_err().contains("RFC 3339"));
        for good in [
            "2024-01-31T00:00:00Z",
            "2024-01-31T09:30:00.1234567+01:00",
            "2024-01-31",
            "2024-01-31NLondonClose",
        ] {
            assert_eq!(effective_at(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "yesterday",
            "2024-13-01",
            "2024-01-31N",
            "2024-01-31X",
            "2024-01-31N a",
        ] {
            let message = effective_at(bad).unwrap_err();
            assert!(
                message.contains("RFC 3339") && message.contains("cut label"),
                "{bad}"
            );
        }
    }
}
