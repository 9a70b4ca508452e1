//! Instruments as LUSID sends them: decoding, re-encoding, open value lists.

use lusid_models::{
    Instrument, InstrumentAssetClass, InstrumentState, PagedResourceListOfInstrument, RawJson,
    Version,
};
use serde_json::{Value, json};

const INSTRUMENT: &str = r#"{
  "href": "https://example.lusid.com/api/api/instruments/LusidInstrumentId/LUID_00003D4X",
  "scope": "default",
  "lusidInstrumentId": "LUID_00003D4X",
  "version": {
    "effectiveFrom": "0001-01-01T00:00:00.0000000+00:00",
    "asAtDate": "2024-03-28T09:15:00.1234567+00:00",
    "asAtCreated": "2023-11-02T10:00:00.0000000+00:00",
    "userIdCreated": "00u1abcd",
    "requestIdCreated": "2023-11-02/0HMV9:00000001",
    "asAtVersionNumber": 3
  },
  "name": "BP plc",
  "identifiers": {
    "Figi": "BBG000C05BD1",
    "LusidInstrumentId": "LUID_00003D4X",
    "ClientInternal": null
  },
  "properties": [
    {
      "key": "Instrument/default/Price",
      "value": { "metricValue": { "value": 123.4500, "unit": "GBP" } },
      "effectiveFrom": "2024-01-01T00:00:00.0000000+00:00"
    },
    {
      "key": "Instrument/default/Sector",
      "value": { "labelValue": "Energy" }
    }
  ],
  "instrumentDefinition": {
    "instrumentType": "Equity",
    "identifiers": { "isin": "GB0007980591" },
    "domCcy": "GBP",
    "futureField": [1, 2.50, {"nested": true}]
  },
  "state": "Active",
  "assetClass": "Equities",
  "domCcy": "GBP",
  "links": [
    { "relation": "Properties", "href": "https://example.lusid.com/api/api/propertydefinitions", "method": "GET" }
  ]
}"#;

#[test]
fn a_full_instrument_decodes_and_re_encodes_to_the_same_json() {
    let instrument: Instrument = serde_json::from_str(INSTRUMENT).expect("decodes");
    assert_eq!(instrument.lusid_instrument_id, "LUID_00003D4X");
    assert_eq!(instrument.state, InstrumentState::Active);
    assert_eq!(instrument.asset_class, Some(InstrumentAssetClass::Equities));
    assert_eq!(instrument.identifiers.get("ClientInternal"), Some(&None));
    assert_eq!(instrument.version.as_at_version_number, Some(3));
    let properties = instrument.properties.as_ref().expect("properties");
    let metric = properties[0]
        .value
        .as_ref()
        .and_then(|value| value.metric_value.as_ref())
        .and_then(|metric| metric.value.as_ref())
        .expect("metric value");
    assert_eq!(metric.as_str(), "123.4500");
    let definition = instrument
        .instrument_definition
        .as_ref()
        .expect("definition");
    assert_eq!(
        definition.to_raw().expect("json").to_value().expect("json")["instrumentType"],
        "Equity"
    );

    let written = serde_json::to_string(&instrument).expect("encodes");
    let expected: Value = serde_json::from_str(INSTRUMENT).expect("valid");
    let actual: Value = serde_json::from_str(&written).expect("valid");
    assert_eq!(actual, expected);
    assert!(written.contains(r#""value":123.4500"#), "{written}");
    assert!(written.contains(r#""effectiveFrom":"0001-01-01T00:00:00.0000000+00:00""#));
}

#[test]
fn an_unknown_state_is_kept_in_other_and_round_trips() {
    let json = INSTRUMENT.replace(r#""state": "Active""#, r#""state": "Suspended""#);
    let instrument: Instrument = serde_json::from_str(&json).expect("decodes");
    assert_eq!(
        instrument.state,
        InstrumentState::Other("Suspended".to_owned())
    );
    assert_eq!(instrument.state.as_str(), "Suspended");
    let written = serde_json::to_value(&instrument).expect("encodes");
    assert_eq!(written["state"], "Suspended");
}

#[test]
fn enum_conversions_prefer_known_variants() {
    assert_eq!(InstrumentState::from("Deleted"), InstrumentState::Deleted);
    assert_eq!(
        "Inactive".parse::<InstrumentState>(),
        Ok(InstrumentState::Inactive)
    );
    assert_eq!(
        InstrumentAssetClass::from("FX".to_owned()),
        InstrumentAssetClass::Fx
    );
    assert_eq!(InstrumentAssetClass::Fx.to_string(), "FX");
    assert_eq!(
        serde_json::to_value(InstrumentState::Active).expect("encodes"),
        json!("Active")
    );
}

#[test]
fn a_missing_required_field_names_the_field() {
    let json = INSTRUMENT.replace(r#""name": "BP plc","#, "");
    let error = serde_json::from_str::<Instrument>(&json).expect_err("name is required");
    assert!(
        error.to_string().contains("missing field `name`"),
        "{error}"
    );
}

#[test]
fn constructors_take_required_fields_and_leave_the_rest_out() {
    let version = Version::new(
        lusid_models::datetime::parse("2024-01-01T00:00:00Z").expect("date"),
        lusid_models::datetime::parse("2024-01-02T00:00:00Z").expect("date"),
    );
    let mut instrument = Instrument::new("LUID_1", version, "Name", Default::default(), "Active");
    instrument.instrument_definition = Some(lusid_models::LusidInstrument::wrap_raw(
        RawJson::from_value(&json!({"instrumentType": "Equity"})).expect("raw"),
    ));
    let written = serde_json::to_value(&instrument).expect("encodes");
    assert_eq!(
        written,
        json!({
            "lusidInstrumentId": "LUID_1",
            "version": {
                "effectiveFrom": "2024-01-01T00:00:00.0000000+00:00",
                "asAtDate": "2024-01-02T00:00:00.0000000+00:00"
            },
            "name": "Name",
            "identifiers": {},
            "instrumentDefinition": {"instrumentType": "Equity"},
            "state": "Active"
        })
    );
}

#[test]
fn pages_decode_with_null_next_page() {
    let json = format!(r#"{{"nextPage":null,"values":[{INSTRUMENT}],"href":null}}"#);
    let page: PagedResourceListOfInstrument = serde_json::from_str(&json).expect("decodes");
    assert_eq!(page.next_page, None);
    assert_eq!(page.values.len(), 1);
}
