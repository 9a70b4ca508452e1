//! The instrument routes.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Value, json};

/// Number of ISO 4217 currencies seeded.
async fn total(emu: &lusid_emulator::RunningEmulator, token: &str) -> usize {
    let body = api(emu, token, "GET", "/api/instruments", None)
        .await
        .json();
    body["values"].as_array().expect("values").len()
}

fn is_lusid_date(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    // 2024-01-02T03:04:05.1234567+00:00
    text.len() == 33 && text.ends_with("+00:00") && text.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn first_page_starts_with_aed_and_has_lusid_fields() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=3", None).await;
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("lusid-meta-requestId")
            .is_some_and(|id| id.starts_with("0H"))
    );
    assert_eq!(resp.header("lusid-meta-success"), Some("true"));
    let body = resp.json();
    assert!(body["nextPage"].is_string());
    assert!(body.get("previousPage").is_none_or(Value::is_null));
    let values = body["values"].as_array().expect("values");
    assert_eq!(values.len(), 3);
    let aed = &values[0];
    assert_eq!(aed["lusidInstrumentId"], "CCY_AED");
    assert_eq!(aed["name"], "AED");
    assert_eq!(aed["scope"], "default");
    assert_eq!(aed["state"], "Active");
    assert_eq!(
        aed["identifiers"],
        json!({"Currency": "AED", "LusidInstrumentId": "CCY_AED"})
    );
    assert_eq!(aed["properties"], json!([]));
    assert_eq!(aed["domCcy"], "AED");
    assert!(aed["assetClass"].is_string());
    assert!(aed["links"].is_array());
    assert!(
        aed["href"]
            .as_str()
            .is_some_and(|h| h.contains("/api/api/instruments/"))
    );
    let version = &aed["version"];
    assert_eq!(
        version["effectiveFrom"],
        "0001-01-01T00:00:00.0000000+00:00"
    );
    assert!(is_lusid_date(&version["asAtDate"]), "{version}");
    assert!(is_lusid_date(&version["asAtCreated"]));
    assert_eq!(version["asAtVersionNumber"], 1);
    assert_eq!(values[1]["lusidInstrumentId"], "CCY_AFN");
}

#[tokio::test]
async fn paging_with_limit_7_returns_every_instrument_once() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let expected = total(&emu, &token).await;
    assert!(expected >= 175 + 30, "{expected}");
    let mut seen = Vec::new();
    let mut page: Option<String> = None;
    let mut requests = 0;
    loop {
        let path = match &page {
            Some(p) => format!("/api/instruments?limit=7&page={}", enc(p)),
            None => "/api/instruments?limit=7".to_owned(),
        };
        let body = api(&emu, &token, "GET", &path, None).await.json();
        requests += 1;
        let values = body["values"].as_array().expect("values");
        assert!(values.len() <= 7);
        seen.extend(
            values
                .iter()
                .map(|v| v["lusidInstrumentId"].as_str().unwrap_or("").to_owned()),
        );
        match body.get("nextPage").and_then(Value::as_str) {
            Some(next) => page = Some(next.to_owned()),
            None => break,
        }
        assert!(requests < 100, "too many pages");
    }
    assert_eq!(seen.len(), expected);
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), expected);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "LUID order");
    assert_eq!(requests, expected.div_ceil(7));
}

#[tokio::test]
async fn invalid_limits_are_validation_problems() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    for limit in ["0", "2001", "-1", "ten"] {
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/instruments?limit={limit}"),
            None,
        )
        .await;
        assert_eq!(resp.status, 400, "limit={limit}");
        let body = resp.json();
        assert_eq!(body["name"], "ValidationError");
        assert_eq!(body["code"], 132);
        assert_eq!(body["status"], 400);
        assert!(body["errors"]["limit"].is_array(), "{body}");
        assert!(body["type"].as_str().is_some_and(|t| t.ends_with("/132")));
        let request_id = resp.header("lusid-meta-requestId").expect("request id");
        assert!(
            body["instance"]
                .as_str()
                .is_some_and(|i| i.ends_with(request_id))
        );
    }
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=2000", None).await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn page_tokens_are_bound_to_the_query() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let filter = enc("State eq 'Active'");
    let body = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?limit=5&filter={filter}"),
        None,
    )
    .await
    .json();
    let next = body["nextPage"].as_str().expect("nextPage").to_owned();
    // Same query: fine.
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!(
            "/api/instruments?limit=9&filter={filter}&page={}",
            enc(&next)
        ),
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["values"][0]["lusidInstrumentId"], "CCY_ARS");
    // Changed filter: refused.
    let other = enc("Name startswith 'A'");
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!(
            "/api/instruments?limit=5&filter={other}&page={}",
            enc(&next)
        ),
        None,
    )
    .await;
    assert_eq!(resp.status, 400);
    let body = resp.json();
    assert_eq!(body["name"], "InvalidPageToken");
    assert_eq!(body["code"], 689);
    // Garbage token: refused.
    let resp = api(&emu, &token, "GET", "/api/instruments?page=garbage", None).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["name"], "InvalidPageToken");
}

#[tokio::test]
async fn filters_and_sorting() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let filter = enc("Name eq 'GBP'");
    let body = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?filter={filter}"),
        None,
    )
    .await
    .json();
    let values = body["values"].as_array().expect("values");
    assert_eq!(values.len(), 1);
    assert_eq!(values[0]["lusidInstrumentId"], "CCY_GBP");

    let filter = enc("LusidInstrumentId in ('CCY_USD','CCY_EUR') and State eq 'Active'");
    let body = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?filter={filter}"),
        None,
    )
    .await
    .json();
    assert_eq!(body["values"].as_array().map(Vec::len), Some(2));

    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?filter={}", enc("Name eq")),
        None,
    )
    .await;
    assert_eq!(resp.status, 400);
    let body = resp.json();
    assert_eq!(body["name"], "ValidationError");
    assert!(body["errors"]["filter"].is_array());

    let body = api(
        &emu,
        &token,
        "GET",
        "/api/instruments?sortBy=-Name&limit=3",
        None,
    )
    .await
    .json();
    let names: Vec<&str> = body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    assert!(body["nextPage"].is_string());

    let resp = api(&emu, &token, "GET", "/api/instruments?sortBy=Colour", None).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["name"], "SortFieldDoesNotExist");
}

#[tokio::test]
async fn get_by_identifier() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let resp = api(&emu, &token, "GET", "/api/instruments/Currency/GBP", None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["lusidInstrumentId"], "CCY_GBP");

    // Take an equity from the list and find it by each of its identifiers.
    let filter = enc("AssetClass eq 'Equities'");
    let body = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?limit=1&filter={filter}"),
        None,
    )
    .await
    .json();
    let equity = body["values"][0].clone();
    let luid = equity["lusidInstrumentId"].as_str().expect("luid");
    assert!(luid.starts_with("LUID_") && luid.len() == 13);
    for kind in [
        "Figi",
        "Isin",
        "Ticker",
        "ClientInternal",
        "LusidInstrumentId",
    ] {
        let value = equity["identifiers"][kind].as_str().expect(kind);
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/instruments/{kind}/{value}"),
            None,
        )
        .await;
        assert_eq!(resp.status, 200, "{kind}");
        assert_eq!(resp.json()["lusidInstrumentId"], luid);
    }
    assert_eq!(equity["instrumentDefinition"]["instrumentType"], "Equity");

    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/Figi/BBG000NOTHER",
        None,
    )
    .await;
    assert_eq!(resp.status, 404);
    let body = resp.json();
    assert_eq!(body["name"], "InstrumentNotFound");
    assert_eq!(body["code"], 104);
    assert_eq!(body["status"], 404);

    let resp = api(&emu, &token, "GET", "/api/instruments/Colour/Red", None).await;
    assert_eq!(resp.status, 400);
    assert!(resp.json()["errors"]["identifierType"].is_array());

    // GetInstruments ($get).
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments/$get?identifierType=Currency",
        Some(json!(["USD", "JPY", "XYZ"])),
    )
    .await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body["values"]["USD"]["lusidInstrumentId"], "CCY_USD");
    assert_eq!(body["values"]["JPY"]["lusidInstrumentId"], "CCY_JPY");
    assert_eq!(body["failed"]["XYZ"]["type"], "InstrumentNotFound");
    assert_eq!(body["failed"]["XYZ"]["id"], "XYZ");
}

#[tokio::test]
async fn upsert_creates_then_updates_matching_by_figi() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let before = total(&emu, &token).await;
    let definition = json!({
        "req-1": {
            "name": "International Business Machines",
            "identifiers": {"Figi": {"value": "BBG000BLNNH6"}, "Ticker": {"value": "IBM"}},
            "definition": {"instrumentType": "Equity", "domCcy": "USD"}
        }
    });
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(definition)).await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    let created = &body["values"]["req-1"];
    let luid = created["lusidInstrumentId"]
        .as_str()
        .expect("luid")
        .to_owned();
    assert!(luid.starts_with("LUID_") && luid.len() == 13);
    assert!(
        luid[5..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(created["version"]["asAtVersionNumber"], 1);
    assert_eq!(created["identifiers"]["LusidInstrumentId"], luid.as_str());
    assert_eq!(created["assetClass"], "Equities");
    assert_eq!(created["domCcy"], "USD");
    assert_eq!(total(&emu, &token).await, before + 1);

    let update = json!({
        "req-2": {
            "name": "IBM Corp",
            "identifiers": {"Figi": {"value": "BBG000BLNNH6"}, "Isin": {"value": "US4592001014"}}
        }
    });
    let body = api(&emu, &token, "POST", "/api/instruments", Some(update))
        .await
        .json();
    let updated = &body["values"]["req-2"];
    assert_eq!(updated["lusidInstrumentId"], luid.as_str());
    assert_eq!(updated["name"], "IBM Corp");
    assert_eq!(updated["version"]["asAtVersionNumber"], 2);
    assert!(
        updated["version"]["asAtDate"].as_str() > created["version"]["asAtDate"].as_str(),
        "asAtDate moves on"
    );
    assert_eq!(
        updated["version"]["asAtCreated"],
        created["version"]["asAtDate"]
    );
    assert_eq!(total(&emu, &token).await, before + 1);

    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/Isin/US4592001014",
        None,
    )
    .await;
    assert_eq!(resp.json()["name"], "IBM Corp");
    // asAt before the update sees the first version.
    let as_at = enc(created["version"]["asAtDate"].as_str().expect("asAt"));
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments/Figi/BBG000BLNNH6?asAt={as_at}"),
        None,
    )
    .await;
    assert_eq!(resp.json()["name"], "International Business Machines");

    // Invalid items fail individually.
    let bad = json!({
        "no-ids": {"name": "X", "identifiers": {}},
        "bad-type": {"name": "Y", "identifiers": {"Colour": {"value": "Red"}}},
        "ok": {"name": "Z", "identifiers": {"ClientInternal": {"value": "Z-1"}}}
    });
    let body = api(&emu, &token, "POST", "/api/instruments", Some(bad))
        .await
        .json();
    assert!(body["values"]["ok"].is_object());
    assert_eq!(body["failed"]["no-ids"]["type"], "ValidationError");
    assert_eq!(body["failed"]["bad-type"]["type"], "ValidationError");

    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(json!([1, 2])),
    )
    .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["name"], "ValidationError");
}

#[tokio::test]
async fn delete_soft_deletes_and_lists_exclude_it() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let before = total(&emu, &token).await;
    let filter = enc("AssetClass eq 'Equities'");
    let body = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?limit=1&filter={filter}"),
        None,
    )
    .await
    .json();
    let figi = body["values"][0]["identifiers"]["Figi"]
        .as_str()
        .expect("figi")
        .to_owned();
    let luid = body["values"][0]["lusidInstrumentId"]
        .as_str()
        .expect("luid")
        .to_owned();

    let resp = api(
        &emu,
        &token,
        "DELETE",
        &format!("/api/instruments/Figi/{figi}"),
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let deleted_at = resp.json()["asAt"].as_str().expect("asAt").to_owned();
    assert!(is_lusid_date(&Value::String(deleted_at.clone())));

    assert_eq!(total(&emu, &token).await, before - 1);
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments/Figi/{figi}"),
        None,
    )
    .await;
    assert_eq!(resp.status, 404);
    let resp = api(
        &emu,
        &token,
        "DELETE",
        &format!("/api/instruments/Figi/{figi}"),
        None,
    )
    .await;
    assert_eq!(resp.status, 404);

    // The deleted version is visible with an explicit state filter.
    let filter = enc(&format!("LusidInstrumentId eq '{luid}'"));
    let body = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?filter={filter}"),
        None,
    )
    .await
    .json();
    assert_eq!(body["values"][0]["state"], "Deleted");
    assert_eq!(body["values"][0]["version"]["asAtVersionNumber"], 2);

    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/instruments/Currency/GBP",
        None,
    )
    .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["name"], "CurrencyInstrumentCannotBeDeleted");
}

#[tokio::test]
async fn unknown_api_paths_are_404_and_other_spec_operations_501_problems() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let resp = api(&emu, &token, "GET", "/api/nothing/here", None).await;
    assert_eq!(resp.status, 404);
    assert!(resp.header("lusid-meta-requestId").is_some());
    assert_eq!(resp.json()["status"], 404);
    let resp = api(&emu, &token, "GET", "/api/calendars/generic", None).await;
    assert_eq!(resp.status, 501);
    assert!(resp.header("lusid-meta-requestId").is_some());
    let body = resp.json();
    assert_eq!(body["status"], 501);
    assert_eq!(body["errorDetails"][0]["operationId"], "ListCalendars");
    assert!(
        body["title"]
            .as_str()
            .is_some_and(|t| t.contains("ListCalendars"))
    );
    let resp = api(&emu, &token, "PUT", "/api/instruments", None).await;
    assert_eq!(resp.status, 405);
    let metrics = emu.metrics();
    assert_eq!(metrics.api_count("Unknown", 404), 1);
    assert_eq!(metrics.api_count("ListCalendars", 501), 1);
}

#[tokio::test]
async fn responses_parse_as_lusid_models_and_properties_are_selected_by_key() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let body = api(&emu, &token, "GET", "/api/instruments?limit=10", None)
        .await
        .body;
    let page: lusid_models::PagedResourceListOfInstrument =
        serde_json::from_slice(&body).expect("PagedResourceListOfInstrument");
    assert_eq!(page.values.len(), 10);
    assert_eq!(page.values[0].lusid_instrument_id, "CCY_AED");
    assert_eq!(page.values[0].state, lusid_models::InstrumentState::Active);

    let resp = api(&emu, &token, "GET", "/api/instruments?limit=0", None).await;
    let problem: lusid_models::LusidValidationProblemDetails =
        serde_json::from_slice(&resp.body).expect("LusidValidationProblemDetails");
    assert!(problem.errors.is_some_and(|e| e.contains_key("limit")));

    let upsert = json!({
        "p": {
            "name": "With properties",
            "identifiers": {"ClientInternal": {"value": "PROP-1", "effectiveAt": "2020-01-01T00:00:00Z"}},
            "properties": [
                {"key": "Instrument/default/Sector", "value": {"labelValue": "Tech"}},
                {"key": "Instrument/default/Rating", "value": {"labelValue": "AA"}}
            ]
        }
    });
    define_properties(
        &emu,
        &token,
        &["Instrument/default/Sector", "Instrument/default/Rating"],
    )
    .await;
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(upsert)).await;
    let upserted: lusid_models::UpsertInstrumentsResponse =
        serde_json::from_slice(&resp.body).expect("UpsertInstrumentsResponse");
    let created = &upserted.values.expect("values")["p"];
    assert_eq!(created.properties.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        lusid_models::datetime::format(&created.version.effective_from).expect("date"),
        "2020-01-01T00:00:00.0000000+00:00"
    );

    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/PROP-1",
        None,
    )
    .await;
    assert_eq!(resp.json()["properties"], json!([]));
    let key = enc("Instrument/default/Rating");
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments/ClientInternal/PROP-1?propertyKeys={key}"),
        None,
    )
    .await;
    let got: lusid_models::Instrument = serde_json::from_slice(&resp.body).expect("Instrument");
    let props = got.properties.expect("properties");
    assert_eq!(props.len(), 1);
    assert_eq!(props[0].key, "Instrument/default/Rating");

    // Before its effective date it is not there.
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/PROP-1?effectiveAt=2019-06-01",
        None,
    )
    .await;
    assert_eq!(resp.status, 404);
}
