//! Property tests: date-times and numbers round-trip exactly, instruments
//! survive decode → encode → decode, and no input makes a decoder panic.

use std::str::FromStr;

use lusid_models::{Instrument, InstrumentState, Number, PagedResourceListOfInstrument, datetime};
use proptest::prelude::*;
use serde_json::json;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Any instant LUSID can send: years 1..=9999, 100 ns steps, whole-minute
/// offsets.
fn lusid_instant() -> impl Strategy<Value = OffsetDateTime> {
    (
        1i32..=9999,
        1u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        0u8..60,
        0u32..10_000_000,
        -1439i32..=1439,
    )
        .prop_map(
            |(year, month, day, hour, minute, second, ticks, offset_minutes)| {
                let month = Month::try_from(month).expect("1..=12");
                let date = Date::from_calendar_date(year, month, day).expect("day 1..=28");
                let time =
                    Time::from_hms_nano(hour, minute, second, ticks * 100).expect("in range");
                let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).expect("in range");
                PrimitiveDateTime::new(date, time).assume_offset(offset)
            },
        )
}

/// JSON number literals, including ones no `f64` holds exactly.
fn number_literal() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?"
}

/// An instrument and the price literal it carries, if any.
fn instrument_json() -> impl Strategy<Value = (serde_json::Value, Option<String>)> {
    let state = prop_oneof![
        Just("Active".to_owned()),
        Just("Inactive".to_owned()),
        Just("Deleted".to_owned()),
        "[A-Z][a-zA-Z]{0,12}",
    ];
    let asset_class = prop::option::of(prop_oneof![
        Just("Equities".to_owned()),
        Just("Money".to_owned()),
        "[A-Z][a-zA-Z]{0,12}",
    ]);
    let identifiers =
        prop::collection::btree_map("[A-Za-z]{1,12}", prop::option::of("\\PC{0,16}"), 0..5);
    (
        "LUID_[0-9A-Z]{8}",
        "\\PC{0,40}",
        identifiers,
        state,
        asset_class,
        lusid_instant(),
        prop::option::of(0i32..1_000_000),
        prop::option::of(number_literal()),
    )
        .prop_map(
            |(luid, name, identifiers, state, asset_class, at, version, price)| {
                let at = datetime::format(&at).expect("year in range");
                let mut value = json!({
                    "lusidInstrumentId": luid,
                    "version": {"effectiveFrom": at, "asAtDate": at},
                    "name": name,
                    "identifiers": identifiers,
                    "state": state,
                });
                if let Some(class) = asset_class {
                    value["assetClass"] = json!(class);
                }
                if let Some(version) = version {
                    value["version"]["asAtVersionNumber"] = json!(version);
                }
                // Literals a `serde_json::Value` cannot hold (such as 1e400) are
                // left out here; `numbers_round_trip_byte_for_byte` covers them.
                let metric = price.as_deref().and_then(|price| {
                    serde_json::from_str::<serde_json::Value>(&format!(
                        "{{\"value\": {price}, \"unit\": \"GBP\"}}"
                    ))
                    .ok()
                });
                if let Some(metric) = metric {
                    value["properties"] = json!([{
                        "key": "Instrument/default/Price",
                        "value": {"metricValue": metric}
                    }]);
                }
                (value, price)
            },
        )
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "\\PC{0,16}".prop_map(serde_json::Value::from),
        Just(json!("2024-03-28T09:15:00.1234567+00:00")),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("values".to_owned()),
                    Just("nextPage".to_owned()),
                    Just("lusidInstrumentId".to_owned()),
                    Just("version".to_owned()),
                    Just("state".to_owned()),
                    "[a-z]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn datetimes_round_trip_exactly(at in lusid_instant()) {
        let text = datetime::format(&at).expect("formats");
        prop_assert_eq!(text.len(), 33, "{}", text);
        let back = datetime::parse(&text).expect("parses");
        prop_assert_eq!(back, at);
        prop_assert_eq!(back.offset(), at.offset());
        prop_assert_eq!(datetime::format(&back).expect("formats"), text);
    }

    #[test]
    fn datetime_parsing_never_panics(text in "\\PC{0,40}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{0,20}(Z|[+-][0-9]{2}:[0-9]{2})?") {
        if let Ok(at) = datetime::parse(&text) {
            // Whatever parses formats (years 0..=9999) and parses back to the
            // same instant, truncated to 100 ns.
            let formatted = datetime::format(&at).expect("RFC 3339 years have four digits");
            let back = datetime::parse(&formatted).expect("our own form parses");
            prop_assert_eq!(back.unix_timestamp_nanos() / 100, at.unix_timestamp_nanos() / 100);
        }
    }

    #[test]
    fn numbers_round_trip_byte_for_byte(literal in number_literal()) {
        let number = Number::from_str(&literal).expect("a JSON number");
        prop_assert_eq!(number.as_str(), literal.as_str());
        let encoded = serde_json::to_string(&number).expect("encodes");
        prop_assert_eq!(&encoded, &literal);
        let decoded: Number = serde_json::from_str(&encoded).expect("decodes");
        prop_assert_eq!(decoded, number);
        let _ = f64::from(&Number::from_str(&literal).expect("a JSON number"));
    }

    #[test]
    fn number_parsing_agrees_with_json(text in "\\PC{0,24}|[-+0-9.eE]{1,12}") {
        let ours = Number::from_str(&text);
        let theirs = serde_json::from_str::<Number>(&text);
        if let Ok(number) = &ours {
            prop_assert_eq!(number.as_str(), text.as_str());
            let decoded = theirs.expect("a literal we accept is JSON");
            prop_assert_eq!(&decoded, number);
        }
    }

    #[test]
    fn instruments_round_trip((value, price) in instrument_json()) {
        let mut text = value.to_string();
        if let Some(price) = price.filter(|_| value.get("properties").is_some()) {
            // Put the exact literal back, digits a `Value` would round.
            let parsed = value["properties"][0]["value"]["metricValue"]["value"].to_string();
            text = text.replacen(&format!("\"value\":{parsed}"), &format!("\"value\":{price}"), 1);
            prop_assert!(text.contains(&price), "{}", text);
        }
        let instrument: Instrument = serde_json::from_str(&text).expect("decodes");
        prop_assert_eq!(&instrument.lusid_instrument_id, value["lusidInstrumentId"].as_str().expect("string"));
        if value["state"] == "Active" {
            prop_assert_eq!(&instrument.state, &InstrumentState::Active);
        }
        let encoded = serde_json::to_string(&instrument).expect("encodes");
        if let Some(literal) = value.get("properties").and_then(|_| text.split("\"value\":").nth(2)) {
            let literal = literal.split([',', '}']).next().unwrap_or_default();
            prop_assert!(encoded.contains(&format!("\"value\":{literal}")), "{} lost in {}", literal, encoded);
        }
        let again: Instrument = serde_json::from_str(&encoded).expect("decodes again");
        prop_assert_eq!(&again, &instrument);
        // Nothing lost or changed: the same JSON document, unknown enum
        // values and number literals included.
        let reparsed: serde_json::Value = serde_json::from_str(&encoded).expect("JSON");
        prop_assert_eq!(reparsed, value);
    }

    #[test]
    fn arbitrary_json_never_panics_a_decoder(value in json_value()) {
        let text = value.to_string();
        let _ = serde_json::from_str::<Instrument>(&text);
        let _ = serde_json::from_str::<PagedResourceListOfInstrument>(&text);
        let _ = serde_json::from_str::<Number>(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        let _ = serde_json::from_slice::<PagedResourceListOfInstrument>(&bytes);
        let _ = serde_json::from_slice::<Instrument>(&bytes);
    }
}
