//! `state_file` persistence across restarts, and a million lazily
//! generated equities.

mod common;

use std::time::{Duration, Instant};

use common::{access_token, api, define_properties};
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
