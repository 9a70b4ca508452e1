//! `Number` keeps JSON number literals exactly.

use lusid_models::{MetricValue, Number};

#[test]
fn literals_round_trip_exactly() {
    for literal in [
        "123.4500",
        "1e400",
        "-0.0000001",
        "12345678901234567890123",
        "0",
        "-1E+2",
    ] {
        let json = format!(r#"{{"value":{literal},"unit":"GBP"}}"#);
        let metric: MetricValue = serde_json::from_str(&json).expect("parses");
        let number = metric.value.as_ref().expect("value present");
        assert_eq!(number.as_str(), literal);
        assert_eq!(number.to_string(), literal);
        assert_eq!(serde_json::to_string(&metric).expect("serialises"), json);
    }
}

#[test]
fn converts_to_floats_and_integers() {
    let number: Number = "123.4500".parse().expect("valid");
    assert_eq!(number.as_f64(), 123.45);
    assert!(
        "1e400"
            .parse::<Number>()
            .expect("valid")
            .as_f64()
            .is_infinite()
    );
    assert_eq!(i64::try_from(Number::from(-42)).expect("integer"), -42);
    assert_eq!(
        i64::try_from("4.2e1".parse::<Number>().expect("valid")).expect("whole"),
        42
    );
    assert!(i64::try_from(number).is_err());
    assert!(i64::try_from("12345678901234567890123".parse::<Number>().expect("valid")).is_err());
    assert_eq!(
        Number::from_f64(0.5).map(|n| n.to_string()),
        Some("0.5".to_owned())
    );
    assert_eq!(Number::from_f64(f64::NAN), None);
}

#[test]
fn rejects_what_is_not_a_json_number() {
    for text in ["", "abc", "1.", "+1", "01", "NaN", "1e"] {
        assert!(text.parse::<Number>().is_err(), "{text:?}");
    }
    let error = serde_json::from_str::<MetricValue>(r#"{"value":"12"}"#).expect_err("a string");
    assert!(error.to_string().contains("not a JSON number"), "{error}");
}

#[test]
fn equality_compares_the_literal() {
    let a: Number = "1.0".parse().expect("valid");
    let b: Number = "1.00".parse().expect("valid");
    assert_ne!(a, b);
    assert_eq!(a, "1.0".parse().expect("valid"));
}
