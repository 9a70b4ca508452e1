//! Discriminated families: dispatch on the tag, keep unknown keys and
//! unknown tags, and write every value back unchanged.

use lusid_models::{LusidInstrument, RawJson};

#[test]
fn a_known_tag_decodes_its_member_and_keeps_unknown_keys() {
    let text = r#"{"instrumentType":"Equity","identifiers":{"isin":"GB0007980591"},"domCcy":"GBP","futureField":[1,2.50,{"nested":true}]}"#;
    let value: LusidInstrument = serde_json::from_str(text).expect("decodes");
    let LusidInstrument::Equity(equity) = &value else {
        panic!("expected the Equity member, got {value:?}");
    };
    assert_eq!(equity.dom_ccy, "GBP");
    assert_eq!(
        equity.unknown_fields["futureField"].get(),
        r#"[1,2.50,{"nested":true}]"#
    );
    assert_eq!(serde_json::to_string(&value).expect("encodes"), text);
}

#[test]
fn an_unknown_tag_round_trips_byte_for_byte() {
    let text = r#"{"instrumentType":"QuotedSecurity","price":100.1000,"x":{"y":[1e400]}}"#;
    let value: LusidInstrument = serde_json::from_str(text).expect("decodes");
    match &value {
        LusidInstrument::Unknown { tag, raw } => {
            assert_eq!(tag, "QuotedSecurity");
            assert_eq!(raw.get(), text);
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(serde_json::to_string(&value).expect("encodes"), text);
    let wrapped = LusidInstrument::wrap_raw(text.parse::<RawJson>().expect("json"));
    assert_eq!(wrapped, value);
}

#[test]
fn a_member_that_does_not_decode_names_the_member_and_path() {
    let text = r#"{"instrumentType":"Equity","domCcy":42}"#;
    let error = serde_json::from_str::<LusidInstrument>(text).expect_err("domCcy is no string");
    let message = error.to_string();
    assert!(message.contains("Equity"), "{message}");
}
