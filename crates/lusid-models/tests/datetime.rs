//! LUSID date-times: parsing any RFC 3339 form, writing the 7-digit form.

use lusid_models::datetime;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::datetime;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Stamped {
    #[serde(with = "lusid_models::datetime")]
    at: OffsetDateTime,
    #[serde(default, with = "lusid_models::datetime::option")]
    until: Option<OffsetDateTime>,
}

fn round_trip(text: &str) -> String {
    let json = format!(r#"{{"at":"{text}","until":null}}"#);
    let stamped: Stamped = serde_json::from_str(&json).expect("parses");
    let written = serde_json::to_string(&stamped).expect("serialises");
    let value: serde_json::Value = serde_json::from_str(&written).expect("valid JSON");
    value["at"].as_str().expect("a string").to_owned()
}

#[test]
fn lusid_bounds_round_trip_byte_for_byte() {
    for text in [
        "0001-01-01T00:00:00.0000000+00:00",
        "9999-12-31T23:59:59.9999999+00:00",
        "2024-03-28T09:15:00.1234567+00:00",
    ] {
        assert_eq!(round_trip(text), text);
    }
}

#[test]
fn smallest_and_largest_values_are_the_expected_instants() {
    let min = datetime::parse("0001-01-01T00:00:00.0000000+00:00").expect("min");
    assert_eq!(min, datetime!(0001-01-01 00:00:00 UTC));
    let max = datetime::parse("9999-12-31T23:59:59.9999999+00:00").expect("max");
    assert_eq!(max, datetime!(9999-12-31 23:59:59.9999999 UTC));
}

#[test]
fn z_suffix_is_read_and_written_with_a_numeric_offset() {
    assert_eq!(
        datetime::parse("2024-01-02T03:04:05Z").expect("parses"),
        datetime!(2024-01-02 03:04:05 UTC)
    );
    assert_eq!(
        round_trip("2024-01-02T03:04:05Z"),
        "2024-01-02T03:04:05.0000000+00:00"
    );
}

#[test]
fn three_fraction_digits_are_padded_to_seven() {
    let parsed = datetime::parse("2024-01-02T03:04:05.123+00:00").expect("parses");
    assert_eq!(parsed.nanosecond(), 123_000_000);
    assert_eq!(
        round_trip("2024-01-02T03:04:05.123+00:00"),
        "2024-01-02T03:04:05.1230000+00:00"
    );
}

#[test]
fn offsets_are_kept_and_finer_precision_is_truncated() {
    assert_eq!(
        round_trip("2024-01-02T03:04:05.123456789-05:30"),
        "2024-01-02T03:04:05.1234567-05:30"
    );
}

#[test]
fn null_and_absent_optional_date_times_are_none() {
    let with_null: Stamped =
        serde_json::from_str(r#"{"at":"2024-01-02T03:04:05Z","until":null}"#).expect("null");
    let absent: Stamped = serde_json::from_str(r#"{"at":"2024-01-02T03:04:05Z"}"#).expect("absent");
    assert_eq!(with_null.until, None);
    assert_eq!(absent, with_null);
}

#[test]
fn invalid_input_is_an_error_naming_the_problem() {
    let error = datetime::parse("2024-13-01T00:00:00Z").expect_err("month 13");
    let message = error.to_string();
    assert!(message.contains("2024-13-01T00:00:00Z"), "{message}");
    assert!(message.contains("month"), "{message}");

    let error = datetime::parse("2024-01-01").expect_err("no time");
    assert!(error.to_string().contains("invalid date-time"), "{error}");

    let error = serde_json::from_str::<Stamped>(r#"{"at":"yesterday"}"#).expect_err("not a date");
    assert!(error.to_string().contains("\"yesterday\""), "{error}");
}
