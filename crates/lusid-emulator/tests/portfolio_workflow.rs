//! The first LUSID workflow beyond instruments: property definitions,
//! portfolios, transactions, holdings and quotes.

mod common;

use common::*;
use serde_json::{Value, json};

fn buy(
    id: &str,
    kind: &str,
    figi: &str,
    date: &str,
    settle: &str,
    units: &str,
    amount: &str,
) -> Value {
    let units: Value = serde_json::from_str(units).unwrap();
    // Literals with trailing zeros travel as strings here and are turned
    // back into numbers in the request text (see `api_text`).
    let amount: Value = if amount.ends_with('0') && amount.contains('.') {
        Value::String(amount.to_owned())
    } else {
        serde_json::from_str(amount).unwrap()
    };
    json!({
        "transactionId": id, "type": kind,
        "instrumentIdentifiers": {"Instrument/default/Figi": figi},
        "transactionDate": date, "settlementDate": settle,
        "units": units,
        "transactionPrice": {"price": 100, "type": "Price"},
        "totalConsideration": {"amount": amount, "currency": "GBP"}
    })
}

/// Holding by (instrumentUid, holdingType).
fn holding<'a>(body: &'a Value, uid: &str, kind: &str) -> Option<&'a Value> {
    body["values"]
        .as_array()?
        .iter()
        .find(|h| h["instrumentUid"] == uid && h["holdingType"] == kind)
}

#[tokio::test]
async fn portfolio_transactions_and_holdings() {
    let (emu, token) = setup().await;
    // A property definition, and a portfolio that uses it.
    let def = json!({"domain": "Portfolio", "scope": "wf", "code": "Manager",
        "displayName": "Manager", "dataTypeId": {"scope": "system", "code": "string"}});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/propertydefinitions",
        Some(def.clone()),
    )
    .await;
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    let body = resp.json();
    assert_eq!(body["key"], "Portfolio/wf/Manager");
    assert_eq!(body["valueType"], "String");
    assert!(body["version"]["asAtDate"].is_string());
    let again = api(&emu, &token, "POST", "/api/propertydefinitions", Some(def)).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["name"], "PropertyAlreadyExists");

    let undefined = json!({"code": "P0", "displayName": "x", "baseCurrency": "GBP",
        "properties": {"Portfolio/wf/Nope": {"key": "Portfolio/wf/Nope", "value": {"labelValue": "a"}}}});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/wf",
        Some(undefined),
    )
    .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.json()["name"], "PropertyNotDefined");
    assert_eq!(resp.json()["code"], 121);

    let create = json!({"code": "P1", "displayName": "Growth", "baseCurrency": "GBP",
        "created": "2024-01-01T00:00:00Z",
        "properties": {"Portfolio/wf/Manager": {"key": "Portfolio/wf/Manager", "value": {"labelValue": "Ann"}}}});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/wf",
        Some(create.clone()),
    )
    .await;
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    let portfolio = resp.json();
    assert_eq!(portfolio["id"], json!({"scope": "wf", "code": "P1"}));
    assert_eq!(portfolio["type"], "Transaction");
    assert_eq!(portfolio["created"], "2024-01-01T00:00:00.0000000+00:00");
    assert_eq!(
        portfolio["version"]["effectiveFrom"],
        "2024-01-01T00:00:00.0000000+00:00"
    );
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/wf",
        Some(create),
    )
    .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["name"], "PortfolioWithIdAlreadyExists");
    assert_eq!(resp.json()["code"], 112);
    let resp = api(&emu, &token, "GET", "/api/portfolios/wf/P1", None).await;
    assert_eq!(resp.json()["displayName"], "Growth");
    let resp = api(&emu, &token, "GET", "/api/portfolios/wf/none", None).await;
    assert_eq!(
        (resp.status, resp.json()["name"].clone()),
        (404, json!("PortfolioNotFound"))
    );

    // An instrument to trade.
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(json!({
            "i1": {"name": "Acme", "identifiers": {"Figi": {"value": "BBG000WF0001"}}}
        })),
    )
    .await;
    assert_eq!(resp.status, 201);
    let luid = resp.json()["values"]["i1"]["lusidInstrumentId"]
        .as_str()
        .unwrap()
        .to_owned();

    let txs = json!([
        {"transactionId": "cash", "type": "FundsIn",
         "instrumentIdentifiers": {"Instrument/default/Currency": "GBP"},
         "transactionDate": "2024-01-02T00:00:00Z", "settlementDate": "2024-01-02T00:00:00Z",
         "units": 100000, "totalConsideration": {"amount": 100000, "currency": "GBP"}},
        buy("b1", "Buy", "BBG000WF0001", "2024-01-03T00:00:00Z", "2024-01-05T00:00:00Z", "100", "10000.10"),
        buy("s1", "Sell", "BBG000WF0001", "2024-01-10T00:00:00Z", "2024-01-12T00:00:00Z", "40", "4400.00"),
        buy("u1", "Buy", "BBG000UNKNOWN", "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z", "1", "1"),
    ]);
    let path = "/api/transactionportfolios/wf/P1/transactions";
    // Exact decimals on the wire: the body as text, amounts as written.
    let text = txs
        .to_string()
        .replace(r#""10000.10""#, "10000.10")
        .replace(r#""4400.00""#, "4400.00");
    let resp = api_text(&emu, &token, "POST", path, text).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let upserted_at = resp.json()["version"]["asAtDate"]
        .as_str()
        .unwrap()
        .to_owned();

    let holdings = |effective: &'static str, as_at: Option<String>| {
        let emu = &emu;
        let token = &token;
        async move {
            let mut path =
                format!("/api/transactionportfolios/wf/P1/holdings?effectiveAt={effective}");
            if let Some(as_at) = as_at {
                path.push_str(&format!("&asAt={}", enc(&as_at)));
            }
            let resp = api(emu, token, "GET", &path, None).await;
            assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
            let text = String::from_utf8_lossy(&resp.body).into_owned();
            (resp.json(), text)
        }
    };
    // Trade date of the buy, before its settlement: 100 units, cash committed.
    let (day3, _) = holdings("2024-01-03", None).await;
    let p = holding(&day3, &luid, "P").expect("position");
    assert_eq!(p["units"], json!(100));
    assert_eq!(p["settledUnits"], json!(0));
    assert_eq!(p["cost"], json!({"amount": 10000.10, "currency": "GBP"}));
    assert_eq!(
        holding(&day3, "CCY_GBP", "B").unwrap()["units"],
        json!(99999)
    );
    assert_eq!(
        holding(&day3, "CCY_GBP", "C").unwrap()["units"],
        json!(-10000.10)
    );
    assert_eq!(
        holding(&day3, "LUID_ZZZZZZZZ", "P").unwrap()["units"],
        json!(1)
    );
    // After settlement: the cash is a balance.
    let (day6, _) = holdings("2024-01-06", None).await;
    assert_eq!(
        holding(&day6, &luid, "P").unwrap()["settledUnits"],
        json!(100)
    );
    assert_eq!(
        holding(&day6, "CCY_GBP", "B").unwrap()["units"],
        json!(89998.90)
    );
    assert!(holding(&day6, "CCY_GBP", "C").is_none());
    // After the sell settles: cost reduced by 40/100, exactly.
    let (day20, text) = holdings("2024-01-20", None).await;
    let p = holding(&day20, &luid, "P").unwrap();
    assert_eq!(p["units"], json!(60));
    assert!(text.contains(r#""cost":{"amount":6000.06"#), "{text}");
    assert!(text.contains(r#""units":94398.90"#), "{text}");
    // Before the transactions were written: nothing.
    let (before, _) = holdings(
        "2024-01-20",
        Some(
            portfolio["version"]["asAtDate"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
    )
    .await;
    assert_eq!(before["values"], json!([]));

    // Upserting an existing id replaces it at a new asAt; the old asAt still sees the original.
    let resp = api(
        &emu,
        &token,
        "POST",
        path,
        Some(json!([buy(
            "b1",
            "Buy",
            "BBG000WF0001",
            "2024-01-03T00:00:00Z",
            "2024-01-05T00:00:00Z",
            "200",
            "20000"
        )])),
    )
    .await;
    assert_eq!(resp.status, 200);
    let (now, _) = holdings("2024-01-20", None).await;
    assert_eq!(holding(&now, &luid, "P").unwrap()["units"], json!(160));
    let (then, _) = holdings("2024-01-20", Some(upserted_at)).await;
    assert_eq!(holding(&then, &luid, "P").unwrap()["units"], json!(60));

    // GetTransactions: a date window, paging.
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("{path}?fromTransactionDate=2024-01-03&toTransactionDate=2024-01-04&limit=1"),
        None,
    )
    .await;
    let body = resp.json();
    assert_eq!(body["values"].as_array().unwrap().len(), 1);
    assert_eq!(body["values"][0]["transactionId"], "b1");
    assert_eq!(body["values"][0]["instrumentUid"], luid);
    let next = body["nextPage"].as_str().expect("nextPage").to_owned();
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!(
            "{path}?fromTransactionDate=2024-01-03&toTransactionDate=2024-01-04&limit=1&page={next}"
        ),
        None,
    )
    .await;
    let body = resp.json();
    assert_eq!(body["values"][0]["instrumentUid"], "LUID_ZZZZZZZZ");
    assert!(body.get("nextPage").is_none());

    // CancelTransactions.
    let resp = api(
        &emu,
        &token,
        "DELETE",
        &format!("{path}?transactionIds=s1&transactionIds=u1"),
        None,
    )
    .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let (after, _) = holdings("2024-01-20", None).await;
    assert_eq!(holding(&after, &luid, "P").unwrap()["units"], json!(200));
    assert!(holding(&after, "LUID_ZZZZZZZZ", "P").is_none());

    // Transaction properties need definitions; unknown types are refused.
    let mut tx = buy(
        "p1",
        "Buy",
        "BBG000WF0001",
        "2024-01-03T00:00:00Z",
        "2024-01-05T00:00:00Z",
        "1",
        "1",
    );
    tx["properties"] = json!({"Transaction/wf/Reason": {"key": "Transaction/wf/Reason", "value": {"labelValue": "x"}}});
    let resp = api(&emu, &token, "POST", path, Some(json!([tx]))).await;
    assert_eq!(resp.json()["name"], "PropertyNotDefined");
    let tx = buy(
        "t1",
        "Bonus",
        "BBG000WF0001",
        "2024-01-03T00:00:00Z",
        "2024-01-05T00:00:00Z",
        "1",
        "1",
    );
    let resp = api(&emu, &token, "POST", path, Some(json!([tx]))).await;
    assert_eq!(resp.json()["name"], "TransactionTypeNotFound");

    // Delete.
    let resp = api(&emu, &token, "DELETE", "/api/portfolios/wf/P1", None).await;
    assert_eq!(resp.status, 200);
    assert!(resp.json()["asAt"].is_string());
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/wf/P1/holdings",
        None,
    )
    .await;
    assert_eq!(resp.json()["name"], "PortfolioNotFound");
}

#[tokio::test]
async fn list_portfolios_pages_and_filters() {
    let (emu, token) = setup().await;
    for (scope, code) in [("a", "1"), ("a", "2"), ("b", "3")] {
        let body =
            json!({"code": code, "displayName": format!("Fund {code}"), "baseCurrency": "USD"});
        let resp = api(
            &emu,
            &token,
            "POST",
            &format!("/api/transactionportfolios/{scope}"),
            Some(body),
        )
        .await;
        assert_eq!(resp.status, 201);
    }
    let resp = api(&emu, &token, "GET", "/api/portfolios?limit=2", None).await;
    let body = resp.json();
    let codes: Vec<&str> = body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["1", "2"]);
    let next = body["nextPage"].as_str().unwrap();
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/portfolios?limit=2&page={next}"),
        None,
    )
    .await;
    assert_eq!(resp.json()["values"][0]["id"]["code"], "3");
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/portfolios?filter={}", enc("id.scope eq 'b'")),
        None,
    )
    .await;
    assert_eq!(resp.json()["values"].as_array().unwrap().len(), 1);
    // The whole filter syntax, as on instruments: or, in, not, parentheses.
    let codes_for = |filter: &'static str| {
        let (emu, token) = (&emu, token.clone());
        async move {
            let path = format!("/api/portfolios?filter={}", enc(filter));
            let resp = api(emu, &token, "GET", &path, None).await;
            assert_eq!(resp.status, 200, "{filter}: {:?}", resp.body);
            let codes: Vec<String> = resp.json()["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"]["code"].as_str().unwrap().to_owned())
                .collect();
            codes
        }
    };
    assert_eq!(
        codes_for("id.scope eq 'a' and (id.code eq '2' or displayName startswith 'fund 1')").await,
        ["1", "2"]
    );
    assert_eq!(codes_for("id.code in ('1', '3')").await, ["1", "3"]);
    assert_eq!(codes_for("not id.scope eq 'a'").await, ["3"]);
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/portfolios?filter={}", enc("colour eq 'red'")),
        None,
    )
    .await;
    assert_eq!(resp.status, 400);
    assert!(
        resp.json()["errors"]["filter"][0]
            .as_str()
            .unwrap()
            .contains("'colour'"),
        "{:?}",
        resp.body
    );
    let resp = api(&emu, &token, "GET", "/api/portfolios/a", None).await;
    assert_eq!(resp.json()["values"].as_array().unwrap().len(), 2);
    let resp = api(&emu, &token, "GET", "/api/portfolios?page=bogus", None).await;
    assert_eq!(resp.status, 400);
    // Property definitions list.
    let resp = api(&emu, &token, "GET", "/api/propertydefinitions/$list", None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["values"], json!([]));
}

#[tokio::test]
async fn quotes_are_keyed_and_bitemporal() {
    let (emu, token) = setup().await;
    let series = json!({"provider": "Lusid", "priceSource": "", "instrumentIdType": "Figi",
        "instrumentId": "BBG000WF0001", "quoteType": "Price", "field": "mid"});
    let quote = |effective: &str, value: &str| {
        // A long literal travels as a string and is put back as a number
        // in the request text.
        let value: Value = if value.len() > 15 {
            Value::String(value.to_owned())
        } else {
            serde_json::from_str(value).unwrap()
        };
        json!({"quoteId": {"quoteSeriesId": series.clone(), "effectiveAt": effective},
            "metricValue": {"value": value, "unit": "GBP"}})
    };
    let body = json!({
        "q1": quote("2024-01-02T00:00:00Z", "101.123456789012345"),
        "q2": quote("2024-01-05T00:00:00Z", "105"),
        "bad": {"quoteId": {"quoteSeriesId": {"provider": "Lusid", "instrumentIdType": "Nope",
            "instrumentId": "X", "quoteType": "Price", "field": "mid"}, "effectiveAt": "2024-01-02"},
            "metricValue": {"value": 1, "unit": "GBP"}}
    });
    let text = body
        .to_string()
        .replace(r#""101.123456789012345""#, "101.123456789012345");
    let resp = api_text(&emu, &token, "POST", "/api/quotes/qs", text).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let text = String::from_utf8_lossy(&resp.body).into_owned();
    assert!(text.contains("101.123456789012345"), "{text}");
    let body = resp.json();
    assert!(body["values"]["q1"]["uploadedBy"].is_string());
    assert_eq!(
        body["values"]["q2"]["quoteId"]["effectiveAt"],
        "2024-01-05T00:00:00.0000000+00:00"
    );
    assert_eq!(body["failed"]["bad"]["id"], "bad");
    let first_as_at = body["values"]["q1"]["asAt"].as_str().unwrap().to_owned();

    let get = |query: String| {
        let (emu, token, series) = (&emu, &token, series.clone());
        async move {
            let resp = api(
                emu,
                token,
                "POST",
                &format!("/api/quotes/qs/$get?{query}"),
                Some(json!({"k": series})),
            )
            .await;
            assert_eq!(resp.status, 200);
            resp.json()
        }
    };
    assert_eq!(
        get("effectiveAt=2024-01-06".into()).await["values"]["k"]["metricValue"]["value"],
        json!(105)
    );
    assert!(get("effectiveAt=2024-01-01".into()).await["notFound"]["k"].is_object());
    // Re-upserting replaces at a new asAt.
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/quotes/qs",
        Some(json!({"q": quote("2024-01-05T00:00:00Z", "106")})),
    )
    .await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        get("effectiveAt=2024-01-06".into()).await["values"]["k"]["metricValue"]["value"],
        json!(106)
    );
    let old = get(format!("effectiveAt=2024-01-06&asAt={}", enc(&first_as_at))).await;
    assert_eq!(old["values"]["k"]["metricValue"]["value"], json!(105));

    let resp = api(&emu, &token, "GET", "/api/quotes/qs?limit=1", None).await;
    let body = resp.json();
    assert_eq!(body["values"].as_array().unwrap().len(), 1);
    assert!(body["nextPage"].is_string());

    let many: serde_json::Map<String, Value> = (0..2001)
        .map(|i| (format!("k{i}"), quote("2024-01-02T00:00:00Z", "1")))
        .collect();
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/quotes/qs",
        Some(Value::Object(many)),
    )
    .await;
    assert_eq!(resp.status, 400);
    assert!(
        resp.json()["errors"]["requestBody"][0]
            .as_str()
            .unwrap()
            .contains("2000")
    );
}
