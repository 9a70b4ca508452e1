//! The requests the generated builders send.

mod common;

use std::collections::BTreeMap;

use common::{fake_client, instrument_json, respond};
use lusid_api::{
    DeleteInstrumentRequest, GetInstrumentRequest, GetInstrumentsRequest, ListInstrumentsRequest,
    UpsertInstrumentsRequest,
};
use lusid_models::{InstrumentDefinition, InstrumentState};
use time::macros::datetime;

fn empty_page() -> String {
    r#"{"nextPage":null,"values":[]}"#.to_owned()
}

#[tokio::test]
async fn list_instruments_sends_a_relative_uri_with_every_query_parameter() {
    let (client, log) = fake_client(|_| Ok(respond(200, &[], &empty_page())));
    let page = client
        .instruments()
        .list_instruments()
        .as_at(datetime!(2024-01-02 03:04:05.5 UTC))
        .effective_at("2024-01-01")
        .sort_by(["name", "-lusidInstrumentId"])
        .limit(10)
        .filter("State eq 'Active'")
        .instrument_property_keys(["Instrument/default/Name"])
        .send()
        .await
        .expect("page");
    assert!(page.values.is_empty());

    let seen = log.lock().expect("log")[0].clone();
    assert_eq!(seen.method, http::Method::GET);
    assert_eq!(
        seen.uri,
        "/api/instruments?asAt=2024-01-02T03%3A04%3A05.5000000%2B00%3A00&effectiveAt=2024-01-01\
         &sortBy=name&sortBy=-lusidInstrumentId&limit=10&filter=State%20eq%20%27Active%27\
         &instrumentPropertyKeys=Instrument%2Fdefault%2FName"
    );
    let operation = seen.operation.expect("operation extension");
    assert_eq!(operation, ListInstrumentsRequest::OPERATION);
    assert_eq!(operation.id, "ListInstruments");
    assert_eq!(operation.path_template, "/api/instruments");
    assert!(operation.idempotent);
    assert_eq!(seen.headers["accept"], "application/json");
    assert!(seen.body.is_empty());
}

#[tokio::test]
async fn unset_optional_parameters_are_not_sent() {
    let (client, log) = fake_client(|_| Ok(respond(200, &[], &empty_page())));
    client
        .instruments()
        .list_instruments()
        .send()
        .await
        .expect("page");
    assert_eq!(log.lock().expect("log")[0].uri, "/api/instruments");
}

#[tokio::test]
async fn get_instrument_percent_encodes_path_parameters() {
    let (client, log) = fake_client(|_| Ok(respond(200, &[], &instrument_json("LUID_1"))));
    let instrument = client
        .instruments()
        .get_instrument("Client Internal", "a/b c")
        .property_keys(["Instrument/default/Name", "Instrument/x/y z"])
        .send()
        .await
        .expect("instrument");
    assert_eq!(instrument.lusid_instrument_id, "LUID_1");
    assert_eq!(instrument.state, InstrumentState::Active);

    let seen = log.lock().expect("log")[0].clone();
    assert_eq!(
        seen.uri,
        "/api/instruments/Client%20Internal/a%2Fb%20c?propertyKeys=Instrument%2Fdefault%2FName\
         &propertyKeys=Instrument%2Fx%2Fy%20z"
    );
    assert_eq!(seen.operation, Some(GetInstrumentRequest::OPERATION));
    assert_eq!(
        GetInstrumentRequest::OPERATION.path_template,
        "/api/instruments/{identifierType}/{identifier}"
    );
}

#[tokio::test]
async fn an_empty_path_parameter_is_rejected_before_sending() {
    let (client, log) = fake_client(|_| Ok(respond(200, &[], "{}")));
    let error = client
        .instruments()
        .get_instrument("Figi", "")
        .send()
        .await
        .expect_err("empty identifier");
    assert!(
        matches!(
            error,
            lusid_api::Error::InvalidParameter {
                operation: "GetInstrument",
                parameter: "identifier",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(log.lock().expect("log").is_empty());
}

#[tokio::test]
async fn get_instruments_posts_the_identifiers_as_json() {
    let (client, log) = fake_client(|_| {
        let body = format!(
            r#"{{"values":{{"BBG1":{}}},"failed":{{}}}}"#,
            instrument_json("LUID_1")
        );
        Ok(respond(200, &[], &body))
    });
    let response = client
        .instruments()
        .get_instruments("Figi", vec!["BBG1".to_owned(), "BBG2".to_owned()])
        .as_at(datetime!(2024-01-02 00:00 UTC))
        .send()
        .await
        .expect("response");
    assert_eq!(
        response.values.expect("values")["BBG1"].lusid_instrument_id,
        "LUID_1"
    );

    let seen = log.lock().expect("log")[0].clone();
    assert_eq!(seen.method, http::Method::POST);
    assert_eq!(
        seen.uri,
        "/api/instruments/$get?identifierType=Figi&asAt=2024-01-02T00%3A00%3A00.0000000%2B00%3A00"
    );
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(&seen.body[..], br#"["BBG1","BBG2"]"#);
    let operation = seen.operation.expect("operation");
    assert_eq!(operation, GetInstrumentsRequest::OPERATION);
    assert!(operation.idempotent, "a $get POST is a read");
}

#[tokio::test]
async fn upsert_instruments_posts_the_definitions() {
    let (client, log) = fake_client(|_| {
        let body = format!(r#"{{"values":{{"req1":{}}}}}"#, instrument_json("LUID_9"));
        Ok(respond(201, &[], &body))
    });
    let mut identifiers = BTreeMap::new();
    identifiers.insert(
        "Figi".to_owned(),
        lusid_models::InstrumentIdValue::new("BBG9"),
    );
    let definitions = BTreeMap::from([(
        "req1".to_owned(),
        InstrumentDefinition::new("Nine", identifiers),
    )]);
    let response = client
        .instruments()
        .upsert_instruments(definitions)
        .scope("my-scope")
        .send()
        .await
        .expect("upserted");
    assert_eq!(
        response.values.expect("values")["req1"].lusid_instrument_id,
        "LUID_9"
    );

    let seen = log.lock().expect("log")[0].clone();
    assert_eq!(seen.method, http::Method::POST);
    assert_eq!(seen.uri, "/api/instruments?scope=my-scope");
    let body: serde_json::Value = serde_json::from_slice(&seen.body).expect("JSON body");
    assert_eq!(
        body,
        serde_json::json!({"req1": {"name": "Nine", "identifiers": {"Figi": {"value": "BBG9"}}}})
    );
    assert_eq!(seen.operation, Some(UpsertInstrumentsRequest::OPERATION));
    assert_eq!(
        seen.operation.map(|operation| operation.idempotent),
        Some(true)
    );
}

#[tokio::test]
async fn delete_instrument_sends_a_delete() {
    let (client, log) = fake_client(|_| {
        Ok(respond(
            200,
            &[],
            r#"{"asAt":"2024-03-28T09:15:00.1234567+00:00"}"#,
        ))
    });
    let response = client
        .instruments()
        .delete_instrument("Figi", "BBG1")
        .scope("s")
        .send()
        .await
        .expect("deleted");
    assert_eq!(response.as_at, datetime!(2024-03-28 09:15:00.1234567 UTC));
    let seen = log.lock().expect("log")[0].clone();
    assert_eq!(seen.method, http::Method::DELETE);
    assert_eq!(seen.uri, "/api/instruments/Figi/BBG1?scope=s");
    assert_eq!(seen.operation, Some(DeleteInstrumentRequest::OPERATION));
}

#[tokio::test]
async fn an_enum_parameter_sends_its_variant_or_any_string() {
    use lusid_api::params::MembershipType;

    let (client, log) = fake_client(|_| Ok(respond(200, &[], &empty_page())));
    let api = client.instruments();
    api.list_instruments()
        .membership_type(MembershipType::Candidate)
        .send()
        .await
        .expect("page");
    api.list_instruments()
        .membership_type("Weird")
        .send()
        .await
        .expect("page");
    let request = api.list_instruments().membership_type("Member");

    assert_eq!(
        request.params().membership_type,
        Some(MembershipType::Member),
        "a known string becomes its variant"
    );
    let log = log.lock().expect("log");
    assert_eq!(log[0].uri, "/api/instruments?membershipType=Candidate");
    assert_eq!(log[1].uri, "/api/instruments?membershipType=Weird");
}

#[test]
fn an_enum_parameter_converts_and_serialises_as_its_string() {
    use lusid_api::params::{DeleteMode, MembershipType};

    assert_eq!(MembershipType::from("All"), MembershipType::All);
    assert_eq!(
        MembershipType::from(String::from("Later")),
        MembershipType::Other("Later".to_owned())
    );
    assert_eq!(MembershipType::Candidate.as_str(), "Candidate");
    assert_eq!(DeleteMode::Hard.to_string(), "Hard");
    assert_eq!(
        serde_json::to_string(&MembershipType::Other("X".to_owned())).expect("json"),
        r#""X""#
    );
    let decoded: DeleteMode = serde_json::from_str(r#""Soft""#).expect("json");
    assert_eq!(decoded, DeleteMode::Soft);
}
