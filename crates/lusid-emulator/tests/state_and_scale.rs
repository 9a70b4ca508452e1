//! `state_file` persistence across restarts, and a million lazily
//! generated equities.

mod common;

use std::time::{Duration, Instant};

use common::{access_token, api, define_properties};

/// The positions (units, cost) of portfolio keep/P1 on 10 Jan 2024, at
/// `as_at` (default now).
async fn holdings(
    emu: &lusid_emulator::RunningEmulator,
    token: &str,
    as_at: Option<&str>,
) -> Vec<(serde_json::Value, serde_json::Value)> {
    let query = as_at.map_or(String::new(), |a| {
        format!("&asAt={}", a.replace('+', "%2B"))
    });
    let url = format!(
        "/api/transactionportfolios/keep/P1/holdings?effectiveAt=2024-01-10T00:00:00Z{query}"
    );
    let body = api(emu, token, "GET", &url, None).await.json();
    body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter(|h| h["holdingType"] == "P")
        .map(|h| (h["units"].clone(), h["cost"]["amount"].clone()))
        .collect()
}
use lusid_emulator::Emulator;
use serde_json::json;

#[tokio::test]
async fn a_restarted_emulator_keeps_upserts_and_deletes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let emu = Emulator::builder()
        .equities(50)
        .state_file(&path)
        .start()
        .await
        .expect("start");
    let token = access_token(&emu).await;
    define_properties(&emu, &token, &["Instrument/test/Sector"]).await;
    let body = json!({"a": {"name": "Persisted plc",
        "identifiers": {"ClientInternal": {"value": "KEEP-1"}},
        "properties": [{"key": "Instrument/test/Sector", "value": {"labelValue": "Tech"}}]}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.status, 201);
    let luid = resp.json()["values"]["a"]["lusidInstrumentId"]
        .as_str()
        .expect("luid")
        .to_owned();
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/instruments/ClientInternal/EMU-EQ-000003",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    emu.shutdown().await.expect("shutdown");

    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(files.len(), 1, "no temporary file is left: {files:?}");

    let emu = Emulator::builder()
        .equities(50)
        .state_file(&path)
        .start()
        .await
        .expect("restart");
    let token = access_token(&emu).await;
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/KEEP-1?propertyKeys=Instrument/test/Sector",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_eq!(body["lusidInstrumentId"], luid.as_str());
    assert_eq!(body["properties"][0]["value"]["labelValue"], "Tech");
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/EMU-EQ-000003",
        None,
    )
    .await;
    assert_eq!(resp.status, 404);
    // A new upsert after the restart gets a fresh LUID.
    let body = json!({"b": {"name": "Second plc", "identifiers": {"ClientInternal": {"value": "KEEP-2"}}}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_ne!(
        resp.json()["values"]["b"]["lusidInstrumentId"],
        luid.as_str()
    );
}

#[tokio::test]
async fn a_corrupt_state_file_is_an_error_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    std::fs::write(&path, "not json").expect("write");
    let error = Emulator::builder().state_file(&path).start().await;
    assert!(
        matches!(error, Err(lusid_emulator::EmulatorError::State { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_format_1_state_file_loads_and_an_unknown_format_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old-state.json");
    std::fs::write(
        &path,
        r#"{"format": 1, "seed": 1, "equities": 5, "luidRng": 7, "instruments": []}"#,
    )
    .expect("write");
    let emu = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect("a format 1 file (instruments only) loads");
    let token = access_token(&emu).await;
    let resp = api(&emu, &token, "GET", "/api/propertydefinitions/$list", None).await;
    assert_eq!(resp.json()["values"], json!([]));
    emu.shutdown().await.expect("shutdown");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(saved["format"], 2, "rewritten in the current format");
    assert!(saved["ledger"]["propertyDefinitions"].is_array());

    std::fs::write(
        &path,
        r#"{"format": 3, "seed": 1, "equities": 5, "luidRng": 7, "instruments": []}"#,
    )
    .expect("write");
    let error = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect_err("format 3 is refused");
    let message = error.to_string();
    assert!(
        message.contains("old-state.json") && message.contains("format 3"),
        "{message}"
    );
}

#[tokio::test]
async fn a_million_equities_start_at_once_and_page_lazily() {
    let started = Instant::now();
    let emu = Emulator::builder()
        .equities(1_000_000)
        .seed(3)
        .start()
        .await
        .expect("start");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let token = access_token(&emu).await;
    // The last equity, by a seeded identifier.
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/EMU-EQ-1000000",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let last = resp.json();
    let figi = last["identifiers"]["Figi"]
        .as_str()
        .expect("figi")
        .to_owned();
    let luid = last["lusidInstrumentId"].as_str().expect("luid").to_owned();
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments/Figi/{figi}"),
        None,
    )
    .await;
    assert_eq!(resp.json()["lusidInstrumentId"], luid.as_str());
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments/$get?identifierType=LusidInstrumentId",
        Some(json!([luid])),
    )
    .await;
    assert_eq!(
        resp.json()["values"][&luid]["identifiers"]["Figi"],
        figi.as_str()
    );
    // The first pages: currencies then equities, 2000 (LUSID's maximum) at a time.
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=2000", None).await;
    let page = resp.json();
    assert_eq!(page["values"].as_array().map(Vec::len), Some(2000));
    assert!(page["nextPage"].is_string());
    // Changing a seed equity keeps the count and shows the new version.
    let body = json!({"x": {"name": "Renamed", "identifiers": {"Figi": {"value": figi}}}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(
        resp.json()["values"]["x"]["lusidInstrumentId"],
        luid.as_str()
    );
    assert_eq!(
        resp.json()["values"]["x"]["version"]["asAtVersionNumber"],
        2
    );
}

#[tokio::test]
async fn a_restarted_emulator_keeps_definitions_portfolios_transactions_and_quotes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let start = || Emulator::builder().equities(5).state_file(&path).start();
    let emu = start().await.expect("start");
    let token = access_token(&emu).await;
    define_properties(
        &emu,
        &token,
        &["Instrument/keep/Sector", "Portfolio/keep/Gone"],
    )
    .await;
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/propertydefinitions/Portfolio/keep/Gone",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let body = json!({"i": {"name": "Kept plc",
        "identifiers": {"ClientInternal": {"value": "KEPT-1"}},
        "properties": [{"key": "Instrument/keep/Sector", "value": {"labelValue": "Tech"}}]}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.json()["failed"], json!({}));
    let portfolio = json!({"code": "P1", "displayName": "Kept", "baseCurrency": "GBP",
        "created": "2024-01-01T00:00:00Z"});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/keep",
        Some(portfolio),
    )
    .await;
    assert_eq!(resp.status, 201);
    let trade = |id: &str, units: u32, amount: &str| {
        json!({"transactionId": id, "type": "Buy",
            "instrumentIdentifiers": {"Instrument/default/ClientInternal": "KEPT-1"},
            "transactionDate": "2024-01-02T00:00:00Z", "settlementDate": "2024-01-04T00:00:00Z",
            "units": units, "transactionPrice": {"price": 100, "type": "Price"},
            "totalConsideration": {"amount": serde_json::from_str::<serde_json::Value>(amount).expect("number"), "currency": "GBP"}})
    };
    let transactions = "/api/transactionportfolios/keep/P1/transactions";
    let resp = api(
        &emu,
        &token,
        "POST",
        transactions,
        Some(json!([trade("T1", 10, "1000.10")])),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let first_as_at = resp.json()["version"]["asAtDate"]
        .as_str()
        .expect("asAtDate")
        .to_owned();
    let resp = api(
        &emu,
        &token,
        "POST",
        transactions,
        Some(json!([trade("T2", 5, "500.05")])),
    )
    .await;
    assert_eq!(resp.status, 200);
    let series = json!({"provider": "Lusid", "priceSource": "", "instrumentIdType": "ClientInternal",
        "instrumentId": "KEPT-1", "quoteType": "Price", "field": "mid"});
    let quotes = json!({"q": {"quoteId": {"quoteSeriesId": series.clone(),
        "effectiveAt": "2024-01-02T00:00:00Z"}, "metricValue": {"value": 101.5, "unit": "GBP"}}});
    let resp = api(&emu, &token, "POST", "/api/quotes/keep", Some(quotes)).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let before = holdings(&emu, &token, None).await;
    let before_first = holdings(&emu, &token, Some(&first_as_at)).await;
    assert_eq!(before.len(), 1, "{before:?}");
    emu.shutdown().await.expect("shutdown");

    let emu = start().await.expect("restart");
    let token = access_token(&emu).await;
    for (key, status) in [
        ("Instrument/keep/Sector", 200),
        ("Portfolio/keep/Gone", 404),
    ] {
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/propertydefinitions/{key}"),
            None,
        )
        .await;
        assert_eq!(resp.status, status, "{key}");
    }
    let resp = api(&emu, &token, "GET", "/api/portfolios/keep/P1", None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["displayName"], "Kept");
    let listed = api(&emu, &token, "GET", transactions, None).await.json();
    assert_eq!(listed["values"].as_array().map(Vec::len), Some(2));
    assert_eq!(holdings(&emu, &token, None).await, before);
    assert_eq!(
        holdings(&emu, &token, Some(&first_as_at)).await,
        before_first,
        "earlier asAt reads survive the restart"
    );
    assert_ne!(before, before_first);
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/quotes/keep/$get?effectiveAt=2024-01-03T00:00:00Z",
        Some(json!({"k": series})),
    )
    .await;
    assert_eq!(
        resp.json()["values"]["k"]["metricValue"]["value"],
        json!(101.5)
    );
    // The definition still counts for new instrument writes.
    let body = json!({"j": {"name": "Later plc",
        "identifiers": {"ClientInternal": {"value": "KEPT-2"}},
        "properties": [{"key": "Instrument/keep/Sector", "value": {"labelValue": "Tech"}}]}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.json()["failed"], json!({}));
    // New writes are stamped after the saved ones.
    let resp = api(&emu, &token, "DELETE", "/api/portfolios/keep/P1", None).await;
    assert_eq!(resp.status, 200);
    let resp = api(&emu, &token, "GET", "/api/portfolios/keep/P1", None).await;
    assert_eq!(resp.status, 404);
}

/// A state file as the emulator wrote it before the instrument master
/// became `domains::instruments` (fixture, not regenerated): its
/// instruments load with every version, resolve by identifier and asAt,
/// and a soft delete stays deleted.
#[tokio::test]
async fn a_state_file_written_before_the_instrument_module_loads_every_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/state-format2-instruments.json"
        ),
        &path,
    )
    .expect("copy fixture");
    let emu = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect("the earlier state file loads");
    let token = access_token(&emu).await;
    let get = |as_at: &'static str| {
        let url = format!("/api/instruments/ClientInternal/FIX-1{as_at}");
        let emu = &emu;
        let token = token.clone();
        async move { api(emu, &token, "GET", &url, None).await }
    };
    let latest = get("").await;
    assert_eq!(latest.status, 200, "{:?}", latest.body);
    let latest = latest.json();
    assert_eq!(latest["name"], "Fixture Plc renamed");
    assert_eq!(latest["lusidInstrumentId"], "LUID_FIXTURE1");
    assert_eq!(
        latest["version"]["asAtCreated"],
        "2024-03-01T09:00:00.0000000+00:00"
    );
    let earlier = get("?asAt=2024-03-01T12:00:00Z").await.json();
    assert_eq!(earlier["name"], "Fixture Plc");
    let deleted = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/FIX-2",
        None,
    )
    .await;
    assert_eq!(deleted.status, 404, "{:?}", deleted.body);
    let before_delete = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/FIX-2?asAt=2024-03-02T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(before_delete.json()["name"], "Gone Plc");
    let listed = api(&emu, &token, "GET", "/api/instruments?limit=2000", None)
        .await
        .json();
    let luids: Vec<&str> = listed["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|i| i["lusidInstrumentId"].as_str())
        .collect();
    assert!(luids.contains(&"LUID_FIXTURE1"), "{luids:?}");
    assert!(!luids.contains(&"LUID_FIXTURE2"), "{luids:?}");
    assert_eq!(latest["version"]["asAtVersionNumber"], 2);
    assert_eq!(
        latest["version"]["entityUniqueId"], FIXTURE1_ENTITY_ID,
        "the file's entityUniqueId is kept, not derived again"
    );

    // A third version, written back in the same layout and read again.
    let body = serde_json::json!({"c1": {
        "name": "Fixture Plc third",
        "identifiers": {"ClientInternal": {"value": "FIX-1"}},
    }});
    let upserted = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(upserted.status, 201, "{:?}", upserted.body);
    emu.shutdown().await.expect("shutdown");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("state file")).expect("json");
    assert_eq!(saved["format"], 2);
    let fixture1 = saved["instruments"]
        .as_array()
        .expect("instruments")
        .iter()
        .find(|i| i["luid"] == "LUID_FIXTURE1")
        .expect("LUID_FIXTURE1 saved");
    assert_eq!(fixture1["entity_unique_id"], FIXTURE1_ENTITY_ID);
    let names: Vec<&str> = fixture1["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Fixture Plc", "Fixture Plc renamed", "Fixture Plc third"]
    );
    assert_eq!(
        fixture1["versions"][0]["provenance"]["request_id"],
        "0HFIXTURE:00000001"
    );
    let emu = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect("the rewritten state file loads");
    let token = access_token(&emu).await;
    let again = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/FIX-1",
        None,
    )
    .await
    .json();
    assert_eq!(again["name"], "Fixture Plc third");
    assert_eq!(again["version"]["asAtVersionNumber"], 3);
    assert_eq!(again["version"]["entityUniqueId"], FIXTURE1_ENTITY_ID);
    emu.shutdown().await.expect("shutdown");
}

/// `entity_unique_id` of `LUID_FIXTURE1` in the format 2 fixture.
const FIXTURE1_ENTITY_ID: &str = "6f1f0b9e-0000-4000-8000-000000000001";
