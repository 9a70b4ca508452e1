//! LUSID's date-time wire form: `2024-01-02T03:04:05.1234567+00:00`.

use time::format_description::well_known::Rfc3339;
use time::macros::{datetime, format_description};
use time::{OffsetDateTime, UtcOffset};

/// The earliest effective date LUSID uses (`0001-01-01T00:00:00.0000000+00:00`).
pub(crate) const MIN_EFFECTIVE: OffsetDateTime = datetime!(0001-01-01 00:00:00 UTC);

/// Truncates to LUSID's precision (100 ns ticks), so a time read back from
/// the wire compares equal to the stored one.
pub(crate) fn to_ticks(at: OffsetDateTime) -> OffsetDateTime {
    let nanos = at.nanosecond();
    at.replace_nanosecond(nanos - nanos % 100).unwrap_or(at)
}

/// Formats a date-time as LUSID does: UTC, seven fraction digits, `+00:00`.
pub(crate) fn format_lusid(at: OffsetDateTime) -> String {
    let utc = at.checked_to_offset(UtcOffset::UTC).unwrap_or(at);
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]+00:00"
    );
    // Formatting a UTC date with a fixed description cannot fail for years
    // 0..=9999; fall back to RFC 3339 rather than panic.
    utc.format(format)
        .or_else(|_| utc.format(&Rfc3339))
        .unwrap_or_default()
}

/// Parses a date-time parameter (`asAt`, `effectiveAt`): RFC 3339 with any
/// fraction length, the same without an offset (UTC), or a plain date
/// `YYYY-MM-DD` (midnight UTC). A time
/// whose UTC date falls outside years 1 to 9999 (such as
/// `9999-12-31T23:00:00-05:00`, in year 10000 in UTC) is `None`, as
/// LUSID's dates end there (and converting it would panic).
pub(crate) fn parse_lusid(raw: &str) -> Option<OffsetDateTime> {
    let trimmed = raw.trim();
    if let Ok(at) = OffsetDateTime::parse(trimmed, &Rfc3339) {
        return at
            .checked_to_offset(UtcOffset::UTC)
            .filter(|utc| (1..=9999).contains(&utc.year()));
    }
    // Without an offset (`2024-01-02T10:00:00`, as in LUSID's filter
    // examples): UTC, as LUSID reads it.
    let local = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(at) = time::PrimitiveDateTime::parse(trimmed, local) {
        return Some(at.assume_utc()).filter(|at| at.year() >= 1);
    }
    let date_only = format_description!("[year]-[month]-[day]");
    time::Date::parse(trimmed, date_only)
        .ok()
        .map(|date| date.midnight().assume_utc())
        .filter(|at| at.year() >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_seven_fraction_digits_and_utc_offset() {
        let at = datetime!(2024-01-02 03:04:05.123456789 UTC);
        assert_eq!(format_lusid(at), "2024-01-02T03:04:05.1234567+00:00");
        assert_eq!(
            format_lusid(MIN_EFFECTIVE),
            "0001-01-01T00:00:00.0000000+00:00"
        );
    }

    #[test]
    fn truncates_to_ticks() {
        let at = datetime!(2024-01-02 03:04:05.123456789 UTC);
        assert_eq!(to_ticks(at), datetime!(2024-01-02 03:04:05.1234567 UTC));
    }

    #[test]
    fn converts_offsets_to_utc() {
        let at = datetime!(2024-01-02 03:04:05 +01:00);
        assert_eq!(format_lusid(at), "2024-01-02T02:04:05.0000000+00:00");
    }

    #[test]
    fn parses_rfc3339_and_dates() {
        assert_eq!(
            parse_lusid("2024-01-02T03:04:05.1234567+00:00"),
            Some(datetime!(2024-01-02 03:04:05.1234567 UTC))
        );
        assert_eq!(
            parse_lusid("2024-01-02T03:04:05Z"),
            Some(datetime!(2024-01-02 03:04:05 UTC))
        );
        assert_eq!(
            parse_lusid("2024-01-02"),
            Some(datetime!(2024-01-02 00:00 UTC))
        );
        assert_eq!(parse_lusid("yesterday"), None);
        assert_eq!(
            parse_lusid("2024-01-02T03:04:05"),
            Some(datetime!(2024-01-02 03:04:05 UTC))
        );
        assert_eq!(
            parse_lusid("2024-01-02T03:04:05.1234567"),
            Some(datetime!(2024-01-02 03:04:05.1234567 UTC))
        );
        assert_eq!(parse_lusid("2024-01-02T03:04"), None);
    }

    #[test]
    fn refuses_times_beyond_years_1_to_9999_in_utc() {
        assert_eq!(parse_lusid("9999-12-31T23:00:00-05:00"), None);
        assert_eq!(parse_lusid("0001-01-01T00:00:00+01:00"), None);
        assert_eq!(
            parse_lusid("9999-12-31T23:59:59.9999999Z"),
            Some(datetime!(9999-12-31 23:59:59.9999999 UTC))
        );
        assert_eq!(parse_lusid("0001-01-01"), Some(MIN_EFFECTIVE));
        assert_eq!(parse_lusid("0000-12-31"), None);
        assert_eq!(parse_lusid("0000-12-31T23:00:00"), None);
    }
}

/// Serde of date-times in LUSID's wire form (for the state file).
pub(crate) mod serde_lusid {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    /// Serialises as [`super::format_lusid`].
    pub(crate) fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_lusid(*at))
    }

    /// Parses with [`super::parse_lusid`].
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let raw = String::deserialize(d)?;
        super::parse_lusid(&raw)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date-time: {raw}")))
    }
}
