//! Issue 12: `UpsertInstruments` and `ListInstruments` limits and matching
//! as LUSID does them (2000 items per upsert, unique identifier types only
//! for matching, per-item failures, identical re-upserts kept as they are).

mod common;

use common::*;
use serde_json::{Map, Value, json};

/// A body of `n` definitions, each with its own `ClientInternal`.
fn batch(n: usize) -> Value {
    let items: Map<String, Value> = (0..n)
        .map(|i| {
            (
                format!("item-{i}"),
                json!({"name": format!("Bulk {i}"),
                       "identifiers": {"ClientInternal": {"value": format!("BULK-{i}")}}}),
            )
        })
        .collect();
    Value::Object(items)
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn at_most_2000_items_per_upsert() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;

    let resp = api(&emu, &token, "POST", "/api/instruments", Some(batch(2001))).await;
    assert_eq!(resp.status, 400);
    let problem = resp.json();
    assert_eq!(problem["name"], "ValidationError");
    assert_eq!(problem["code"], 132);
    assert_eq!(problem["status"], 400);
    let message = problem["errors"]["requestBody"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{problem}"));
    assert!(
        message.contains("2000") && message.contains("2001"),
        "{message}"
    );
    // Nothing of the refused batch was upserted.
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/BULK-0",
        None,
    )
    .await;
    assert_eq!(resp.status, 404);

    let resp = api(&emu, &token, "POST", "/api/instruments", Some(batch(2000))).await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    assert_eq!(body["values"].as_object().map(Map::len), Some(2000));
    assert_eq!(body["failed"], json!({}));
    assert_eq!(body["metadata"], json!({}));
    assert_eq!(body["values"]["item-1999"]["name"], "Bulk 1999");
    assert_eq!(
        body["values"]["item-1999"]["identifiers"]["ClientInternal"],
        "BULK-1999"
    );
}

#[tokio::test]
async fn each_bad_item_fails_alone_and_the_rest_is_upserted() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let existing = json!({
        "x": {"name": "X", "identifiers": {"Figi": {"value": "BBG000BLNNH6"}}},
        "y": {"name": "Y", "identifiers": {"ClientInternal": {"value": "Y-1"}}}
    });
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(existing)).await;
    assert_eq!(resp.status, 201);
    assert_eq!(resp.json()["failed"], json!({}));

    define_properties(&emu, &token, &["Instrument/test/Sector"]).await;
    let label = |key: &str| json!([{"key": key, "value": {"labelValue": "Tech"}}]);
    let body = json!({
        "ok-1": {"name": "Fine", "identifiers": {"ClientInternal": {"value": "OK-1"}},
                 "properties": label("Instrument/test/Sector")},
        "ok-2": {"name": "Also fine", "identifiers": {"EdiKey": {"value": "EDI-2"},
                                                      "Isin": {"value": "GB0007980591"}}},
        "no-name": {"identifiers": {"ClientInternal": {"value": "NN-1"}}},
        "blank-name": {"name": "  ", "identifiers": {"ClientInternal": {"value": "BN-1"}}},
        "non-unique-only": {"name": "N", "identifiers": {"Isin": {"value": "US0378331005"},
                                                         "Sedol": {"value": "2046251"},
                                                         "Ticker": {"value": "AAPL"}}},
        "in-use": {"name": "Both", "identifiers": {"Figi": {"value": "BBG000BLNNH6"},
                                                   "ClientInternal": {"value": "Y-1"}}},
        "bad-type": {"name": "T", "identifiers": {"Colour": {"value": "Red"}}},
        "key-domain": {"name": "K1", "identifiers": {"ClientInternal": {"value": "K-1"}},
                       "properties": label("Portfolio/test/Sector")},
        "key-parts": {"name": "K2", "identifiers": {"ClientInternal": {"value": "K-2"}},
                      "properties": label("Instrument/Sector")},
        "key-empty": {"name": "K3", "identifiers": {"ClientInternal": {"value": "K-3"}},
                      "properties": label("Instrument//Sector")}
    });
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    assert_eq!(keys(&body["values"]), ["ok-1", "ok-2"]);
    assert_eq!(body["metadata"], json!({}));
    let expected = [
        ("bad-type", "ValidationError", "Colour"),
        ("blank-name", "ValidationError", "name"),
        (
            "in-use",
            "InstrumentIdentifierAlreadyInUse",
            "different instruments",
        ),
        ("key-domain", "InvalidPropertyKey", "Portfolio/test/Sector"),
        ("key-empty", "InvalidPropertyKey", "Instrument//Sector"),
        ("key-parts", "InvalidPropertyKey", "Instrument/Sector"),
        ("no-name", "ValidationError", "name"),
        (
            "non-unique-only",
            "ValidationError",
            "At least one unique identifier",
        ),
    ];
    assert_eq!(
        keys(&body["failed"]),
        expected.map(|(id, _, _)| id.to_owned())
    );
    for (id, kind, detail) in expected {
        let failure = &body["failed"][id];
        assert_eq!(failure["id"], id, "{failure}");
        assert_eq!(failure["type"], kind, "{id}: {failure}");
        assert!(
            failure["detail"]
                .as_str()
                .is_some_and(|d| d.contains(detail)),
            "{id}: {failure}"
        );
        assert!(failure["errorDetails"].is_array(), "{id}: {failure}");
    }

    // The good items are stored, the failed ones are not, and the
    // instruments the conflicting item named are unchanged.
    for (kind, value, status) in [
        ("ClientInternal", "OK-1", 200),
        ("EdiKey", "EDI-2", 200),
        ("ClientInternal", "NN-1", 404),
        ("ClientInternal", "BN-1", 404),
        ("Isin", "US0378331005", 404),
        ("ClientInternal", "K-1", 404),
        ("ClientInternal", "K-2", 404),
        ("ClientInternal", "K-3", 404),
    ] {
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/instruments/{kind}/{value}"),
            None,
        )
        .await;
        assert_eq!(resp.status, status, "{kind} {value}");
    }
    let x = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/Figi/BBG000BLNNH6",
        None,
    )
    .await
    .json();
    assert_eq!(x["name"], "X");
    assert_eq!(x["version"]["asAtVersionNumber"], 1);
}

#[tokio::test]
async fn two_instruments_may_share_an_isin() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let isin = "GB0007980591";
    let body = json!({
        "ldn": {"name": "BP LDN", "identifiers": {"ClientInternal": {"value": "BP-LDN"},
                                                  "Isin": {"value": isin}, "Sedol": {"value": "0798059"}}},
        "nyse": {"name": "BP NYSE", "identifiers": {"ClientInternal": {"value": "BP-NYSE"},
                                                    "Isin": {"value": isin}, "Sedol": {"value": "0798059"}}}
    });
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    assert_eq!(body["failed"], json!({}));
    let ldn = body["values"]["ldn"]["lusidInstrumentId"].clone();
    let nyse = body["values"]["nyse"]["lusidInstrumentId"].clone();
    assert!(ldn.is_string() && nyse.is_string());
    assert_ne!(ldn, nyse);

    // A later upsert with the shared Isin and a new ClientInternal is a third
    // instrument: the Isin matches nothing.
    let third = json!({"third": {"name": "BP other", "identifiers": {
        "ClientInternal": {"value": "BP-3"}, "Isin": {"value": isin}}}});
    let body = api(&emu, &token, "POST", "/api/instruments", Some(third))
        .await
        .json();
    let other = body["values"]["third"]["lusidInstrumentId"].clone();
    assert!(other.is_string() && other != ldn && other != nyse, "{body}");

    let filter = enc(&format!("Identifiers[Isin] eq '{isin}'"));
    let list = api(
        &emu,
        &token,
        "GET",
        &format!("/api/instruments?filter={filter}&sortBy=Name"),
        None,
    )
    .await
    .json();
    let names: Vec<&str> = list["values"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, ["BP LDN", "BP NYSE", "BP other"]);
}

#[tokio::test]
async fn identical_reupsert_keeps_the_version_and_a_change_bumps_it() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let definition = |sector: &str, definition: Value| {
        json!({"a": {
            "name": "Acme",
            "identifiers": {"ClientInternal": {"value": "ACME-1"}, "Isin": {"value": "GB00ACME0001"}},
            "properties": [{"key": "Instrument/test/Sector", "value": {"labelValue": sector}}],
            "definition": definition
        }})
    };
    define_properties(&emu, &token, &["Instrument/test/Sector"]).await;
    let economic = json!({"instrumentType": "Equity", "domCcy": "GBP", "lotSize": 1});
    let first = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(definition("Tech", economic.clone())),
    )
    .await
    .json();
    let version = first["values"]["a"]["version"].clone();
    assert_eq!(version["asAtVersionNumber"], 1, "{first}");

    // The same definition, its economic part with keys in another order.
    let reordered = json!({"lotSize": 1, "domCcy": "GBP", "instrumentType": "Equity"});
    let again = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(definition("Tech", reordered)),
    )
    .await
    .json();
    assert_eq!(again["failed"], json!({}));
    let kept = &again["values"]["a"];
    assert_eq!(
        kept["lusidInstrumentId"],
        first["values"]["a"]["lusidInstrumentId"]
    );
    assert_eq!(kept["version"]["asAtVersionNumber"], 1);
    assert_eq!(kept["version"]["asAtDate"], version["asAtDate"]);

    let changed = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(definition("Energy", economic)),
    )
    .await
    .json();
    let bumped = &changed["values"]["a"];
    assert_eq!(
        bumped["lusidInstrumentId"],
        first["values"]["a"]["lusidInstrumentId"]
    );
    assert_eq!(bumped["version"]["asAtVersionNumber"], 2);
    assert!(
        bumped["version"]["asAtDate"].as_str() > version["asAtDate"].as_str(),
        "{bumped}"
    );

    // asAt the first version still sees the first sector.
    let as_at = enc(version["asAtDate"].as_str().unwrap_or_default());
    let old = api(
        &emu,
        &token,
        "GET",
        &format!(
            "/api/instruments/ClientInternal/ACME-1?asAt={as_at}&propertyKeys=Instrument/test/Sector"
        ),
        None,
    )
    .await
    .json();
    assert_eq!(old["version"]["asAtVersionNumber"], 1, "{old}");
    assert_eq!(old["properties"][0]["value"]["labelValue"], "Tech", "{old}");
}

#[tokio::test]
async fn list_limit_is_at_most_2000() {
    let emu = lusid_emulator::Emulator::builder()
        .equities(2100)
        .seed(5)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let token = access_token(&emu).await;
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=2001", None).await;
    assert_eq!(resp.status, 400);
    let problem = resp.json();
    assert_eq!(problem["name"], "ValidationError");
    assert!(
        problem["errors"]["limit"][0]
            .as_str()
            .is_some_and(|m| m.contains("2000")),
        "{problem}"
    );
    for query in ["?limit=2000", ""] {
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/instruments{query}"),
            None,
        )
        .await;
        assert_eq!(resp.status, 200, "{query}");
        let page = resp.json();
        assert_eq!(
            page["values"].as_array().map(Vec::len),
            Some(2000),
            "{query}"
        );
        assert!(page["nextPage"].is_string(), "{query}");
    }
}

#[tokio::test]
async fn a_property_without_a_definition_fails_its_item_alone_until_it_is_defined() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    define_properties(&emu, &token, &["Instrument/test/Sector"]).await;
    let item = |client: &str, keys: &[&str]| {
        let properties: Vec<Value> = keys
            .iter()
            .map(|key| json!({"key": key, "value": {"labelValue": "Tech"}}))
            .collect();
        json!({"name": client, "identifiers": {"ClientInternal": {"value": client}},
               "properties": properties})
    };
    let batch = json!({
        "defined": item("DEF-1", &["Instrument/test/Sector"]),
        "undefined": item("UND-1", &["Instrument/test/Sector", "Instrument/test/Rating"]),
        "none": item("NONE-1", &[]),
    });
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(batch.clone()),
    )
    .await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    assert_eq!(keys(&body["values"]), ["defined", "none"]);
    assert_eq!(keys(&body["failed"]), ["undefined"]);
    let failure = &body["failed"]["undefined"];
    assert_eq!(failure["id"], "undefined");
    assert_eq!(failure["type"], "PropertyNotDefined", "{failure}");
    assert_eq!(
        failure["errorDetails"],
        json!([{"key": "Instrument/test/Rating", "code": "121"}]),
        "only the undefined key is named, with LUSID's code: {failure}"
    );
    assert!(
        failure["detail"].as_str().is_some_and(
            |d| d.contains("Instrument/test/Rating") && !d.contains("Instrument/test/Sector")
        ),
        "{failure}"
    );
    let get = |client: &'static str| {
        let (emu, token) = (&emu, &token);
        async move {
            api(
                emu,
                token,
                "GET",
                &format!("/api/instruments/ClientInternal/{client}"),
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(
        get("UND-1").await,
        404,
        "nothing of the failed item is stored"
    );
    assert_eq!(get("DEF-1").await, 200);

    // A definition of another domain does not count.
    define_properties(&emu, &token, &["Portfolio/test/Rating"]).await;
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(batch.clone()),
    )
    .await;
    assert_eq!(
        resp.json()["failed"]["undefined"]["type"],
        "PropertyNotDefined"
    );

    // Once defined, the same batch succeeds whole.
    define_properties(&emu, &token, &["Instrument/test/Rating"]).await;
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(batch.clone()),
    )
    .await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    assert_eq!(body["failed"], json!({}), "{body}");
    assert_eq!(keys(&body["values"]), ["defined", "none", "undefined"]);
    assert_eq!(get("UND-1").await, 200);

    // Deleted, the definition is missing again for later writes.
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/propertydefinitions/Instrument/test/Rating",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(batch)).await;
    assert_eq!(keys(&resp.json()["failed"]), ["undefined"]);
}

#[tokio::test]
async fn property_definitions_seeded_by_the_builder_are_served_and_accepted() {
    let emu = lusid_emulator::Emulator::builder()
        .equities(5)
        .property_definitions(["Instrument/seeded/Sector", "transaction/seeded/Desk"])
        .start()
        .await
        .expect("start");
    let token = access_token(&emu).await;
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/propertydefinitions/Transaction/seeded/Desk",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let definition = resp.json();
    assert_eq!(definition["key"], "Transaction/seeded/Desk");
    assert_eq!(
        definition["dataTypeId"],
        json!({"scope": "system", "code": "string"})
    );
    let body = json!({"s": {"name": "Seeded", "identifiers": {"ClientInternal": {"value": "SEED-1"}},
        "properties": [{"key": "Instrument/seeded/Sector", "value": {"labelValue": "Tech"}}]}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.json()["failed"], json!({}));

    for bad in ["Instrument/seeded", "Holding/x/y", "Instrument//y"] {
        let error = lusid_emulator::Emulator::builder()
            .equities(1)
            .property_definitions([bad])
            .start()
            .await
            .err()
            .unwrap_or_else(|| panic!("{bad} is refused"));
        assert!(
            matches!(&error, lusid_emulator::EmulatorError::PropertyDefinition(m) if m.contains(bad)),
            "{bad}: {error}"
        );
    }
}
