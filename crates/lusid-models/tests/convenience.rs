//! The hand-written request conveniences and the generated setters.

use lusid_models::{
    InstrumentDefinition, Number, Property, PropertyKeyError, PropertyValue, ResourceId,
    identifiers,
};

#[test]
fn builds_an_instrument_definition_in_a_few_chained_lines() {
    let shares: Number = "1234567.8901234567890123".parse().expect("a number");
    let definition = InstrumentDefinition::new("Acme plc", identifiers([("Figi", "BBG000BLNNH6")]))
        .with_identifier("ClientInternal", "acme-1")
        .with_property(
            Property::instrument("default", "Sector", PropertyValue::label("Tech")).expect("key"),
        )
        .with_property(
            Property::instrument("default", "Shares", PropertyValue::metric(shares, "Shares"))
                .expect("key"),
        )
        .with_look_through_portfolio_id(ResourceId::new("funds", "growth"));
    assert_eq!(
        serde_json::to_string(&definition).expect("encodes"),
        concat!(
            r#"{"name":"Acme plc","#,
            r#""identifiers":{"ClientInternal":{"value":"acme-1"},"Figi":{"value":"BBG000BLNNH6"}},"#,
            r#""properties":[{"key":"Instrument/default/Sector","value":{"labelValue":"Tech"}},"#,
            r#"{"key":"Instrument/default/Shares","value":{"metricValue":{"value":1234567.8901234567890123,"unit":"Shares"}}}],"#,
            r#""lookThroughPortfolioId":{"scope":"funds","code":"growth"}}"#
        )
    );
}

#[test]
fn malformed_property_keys_are_typed_errors() {
    let value = || PropertyValue::label("x");
    assert_eq!(
        Property::instrument("de/fault", "Sector", value()),
        Err(PropertyKeyError::PartCount {
            key: "Instrument/de/fault/Sector".into(),
            parts: 4
        })
    );
    assert_eq!(
        Property::instrument("default", "", value()),
        Err(PropertyKeyError::BadPart {
            key: "Instrument/default/".into(),
            part: "code"
        })
    );
    assert_eq!(
        Property::keyed("Portfolio/ scope/Code", value()),
        Err(PropertyKeyError::BadPart {
            key: "Portfolio/ scope/Code".into(),
            part: "scope"
        })
    );
    let property = Property::keyed("Portfolio/default/Manager", value()).expect("valid key");
    assert_eq!(property.key, "Portfolio/default/Manager");
}

#[test]
fn label_sets_and_replaced_identifiers() {
    let definition = InstrumentDefinition::new("A", identifiers([("Figi", "old")]))
        .with_identifier("Figi", "new");
    assert_eq!(definition.identifiers["Figi"].value, "new");
    assert_eq!(
        serde_json::to_string(&PropertyValue::label_set(["a", "b"])).expect("encodes"),
        r#"{"labelValueSet":{"values":["a","b"]}}"#
    );
}
