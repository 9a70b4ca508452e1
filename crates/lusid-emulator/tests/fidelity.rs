//! Scopes, properties in filters and sorts, bitemporal reads of batches,
//! identifier clashes with seed equities.

mod common;

use common::{access_token, api, define_properties, enc, small_emulator};
use serde_json::{Value, json};

fn luids(body: &Value) -> Vec<String> {
    body["values"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|i| i["lusidInstrumentId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The instrument properties of [`equity`].
const KEYS: &[&str] = &["Instrument/test/Sector", "Instrument/test/Score"];

fn equity(name: &str, client: &str, sector: &str, score: f64) -> Value {
    json!({"name": name,
    "identifiers": {"ClientInternal": {"value": client}},
    "properties": [
        {"key": "Instrument/test/Sector", "value": {"labelValue": sector}},
        {"key": "Instrument/test/Score", "value": {"metricValue": {"value": score}}}
    ]})
}

#[tokio::test]
async fn scopes_default_custom_and_all() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    define_properties(&emu, &token, KEYS).await;
    let body = json!({"a": equity("Scoped plc", "SCOPED-1", "Tech", 1.0)});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments?scope=mine",
        Some(body),
    )
    .await;
    assert_eq!(resp.status, 201);
    let luid = resp.json()["values"]["a"]["lusidInstrumentId"]
        .as_str()
        .expect("luid")
        .to_owned();
    assert_eq!(resp.json()["values"]["a"]["scope"], "mine");

    let mine = api(&emu, &token, "GET", "/api/instruments?scope=mine", None)
        .await
        .json();
    assert_eq!(luids(&mine).as_slice(), std::slice::from_ref(&luid));
    let default = api(&emu, &token, "GET", "/api/instruments", None)
        .await
        .json();
    assert!(!luids(&default).contains(&luid));
    let all = api(&emu, &token, "GET", "/api/instruments?scope=*", None)
        .await
        .json();
    assert!(luids(&all).contains(&luid));
    assert_eq!(luids(&all).len(), luids(&default).len() + 1);

    assert_eq!(
        api(
            &emu,
            &token,
            "GET",
            "/api/instruments/ClientInternal/SCOPED-1",
            None
        )
        .await
        .status,
        404
    );
    for scope in ["mine", "*"] {
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/instruments/ClientInternal/SCOPED-1?scope={scope}"),
            None,
        )
        .await;
        assert_eq!(resp.status, 200, "scope {scope}");
    }
}

#[tokio::test]
async fn properties_filter_sort_and_decorate() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    define_properties(&emu, &token, KEYS).await;
    let body = json!({
        "a": equity("Alpha", "P-A", "Tech", 7.5),
        "b": equity("Beta", "P-B", "Energy", 3.0),
        "c": equity("Gamma", "P-C", "Tech", 12.0),
    });
    assert_eq!(
        api(&emu, &token, "POST", "/api/instruments", Some(body))
            .await
            .status,
        201
    );
    let list =
        |filter: &str, extra: &str| format!("/api/instruments?filter={}{extra}", enc(filter));
    let names = |body: &Value| -> Vec<String> {
        body["values"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|i| i["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let tech = api(
        &emu,
        &token,
        "GET",
        &list(
            "Properties[Instrument/test/Sector] eq 'Tech'",
            "&sortBy=Name%20DESC",
        ),
        None,
    )
    .await
    .json();
    assert_eq!(names(&tech), ["Gamma", "Alpha"]);
    assert_eq!(
        tech["values"][0]["properties"],
        json!([]),
        "not decorated unless asked"
    );
    let scored = api(
        &emu,
        &token,
        "GET",
        &list(
            "Properties[Instrument/test/Score] gt 5 and not (Name startswith 'G')",
            "&instrumentPropertyKeys=Instrument/test/Score",
        ),
        None,
    )
    .await
    .json();
    assert_eq!(names(&scored), ["Alpha"]);
    assert_eq!(
        scored["values"][0]["properties"][0]["key"],
        "Instrument/test/Score"
    );
    assert_eq!(
        scored["values"][0]["properties"].as_array().map(Vec::len),
        Some(1)
    );
    let sorted = api(
        &emu,
        &token,
        "GET",
        &list(
            "Identifiers[ClientInternal] in ('P-A','P-B','P-C')",
            "&sortBy=Properties[Instrument/test/Score]%20DESC",
        ),
        None,
    )
    .await
    .json();
    assert_eq!(names(&sorted), ["Gamma", "Alpha", "Beta"]);
    let bad = api(
        &emu,
        &token,
        "GET",
        &list("Properties[Sector] eq 'x'", ""),
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["name"], "ValidationError");
}

#[tokio::test]
async fn batch_get_honours_as_at_and_effective_at() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let body = json!({"a": {"name": "Old name", "identifiers": {"ClientInternal": {"value": "BT-1", "effectiveAt": "2020-01-01T00:00:00Z"}}}});
    let first = api(&emu, &token, "POST", "/api/instruments", Some(body))
        .await
        .json();
    let first_as_at = first["values"]["a"]["version"]["asAtDate"]
        .as_str()
        .expect("asAt")
        .to_owned();
    assert_eq!(
        first["values"]["a"]["version"]["effectiveFrom"],
        "2020-01-01T00:00:00.0000000+00:00"
    );
    let body =
        json!({"a": {"name": "New name", "identifiers": {"ClientInternal": {"value": "BT-1"}}}});
    api(&emu, &token, "POST", "/api/instruments", Some(body)).await;

    let get = |query: String| {
        let emu = &emu;
        let token = &token;
        async move {
            api(
                emu,
                token,
                "POST",
                &format!("/api/instruments/$get?identifierType=ClientInternal{query}"),
                Some(json!(["BT-1"])),
            )
            .await
            .json()
        }
    };
    assert_eq!(
        get(String::new()).await["values"]["BT-1"]["name"],
        "New name"
    );
    assert_eq!(
        get(format!("&asAt={}", enc(&first_as_at))).await["values"]["BT-1"]["name"],
        "Old name"
    );
    let before = get("&effectiveAt=2019-06-01".to_owned()).await;
    assert_eq!(before["failed"]["BT-1"]["type"], "InstrumentNotFound");
    let before_creation = get("&asAt=2024-06-01T00:00:00Z".to_owned()).await;
    assert!(before_creation["values"]["BT-1"].is_null());
}

#[tokio::test]
async fn identifiers_of_two_seed_equities_clash() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let get = |client: &'static str| {
        let emu = &emu;
        let token = &token;
        async move {
            api(
                emu,
                token,
                "GET",
                &format!("/api/instruments/ClientInternal/{client}"),
                None,
            )
            .await
            .json()
        }
    };
    let a = get("EMU-EQ-000001").await;
    let b = get("EMU-EQ-000002").await;
    let body = json!({"x": {"name": "Clash", "identifiers": {
        "Figi": {"value": a["identifiers"]["Figi"]},
        "ClientInternal": {"value": b["identifiers"]["ClientInternal"]}}}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body))
        .await
        .json();
    assert_eq!(
        resp["failed"]["x"]["type"],
        "InstrumentIdentifierAlreadyInUse"
    );
    assert_eq!(resp["values"], json!({}));
}
