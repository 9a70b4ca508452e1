//! A reviewer's attempts to break the domains beyond the instrument
//! master's basics: filters, page tokens, dates at the edges of the
//! calendar, exact numbers in holdings, and the state file. Each test
//! pins what LUSID does (or what docs/emulator.md promises).

mod common;

use common::*;
use lusid_emulator::{Emulator, RunningEmulator};
use serde_json::{Value, json};

/// Creates portfolio `scope/code` in GBP, created 2024-01-01, asserting 201.
async fn portfolio(emu: &RunningEmulator, token: &str, scope: &str, code: &str) {
    let body = json!({"code": code, "displayName": code, "baseCurrency": "GBP",
        "created": "2024-01-01T00:00:00Z"});
    let resp = api(
        emu,
        token,
        "POST",
        &format!("/api/transactionportfolios/{scope}"),
        Some(body),
    )
    .await;
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
}

/// One transaction as request text: `units` and `amount` are written as
/// the literals given.
fn tx(
    id: &str,
    kind: &str,
    client: &str,
    date: &str,
    units: &str,
    amount: &str,
    ccy: &str,
) -> String {
    format!(
        r#"{{"transactionId": "{id}", "type": "{kind}",
            "instrumentIdentifiers": {{"Instrument/default/ClientInternal": "{client}"}},
            "transactionDate": "{date}", "settlementDate": "{date}",
            "units": {units}, "totalConsideration": {{"amount": {amount}, "currency": "{ccy}"}}}}"#
    )
}

/// Upserts transactions (request texts) into `scope/code`, asserting 200.
async fn upsert_txs(emu: &RunningEmulator, token: &str, scope: &str, code: &str, txs: &[String]) {
    let resp = api_text(
        emu,
        token,
        "POST",
        &format!("/api/transactionportfolios/{scope}/{code}/transactions"),
        format!("[{}]", txs.join(",")),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
}

/// The holdings of `scope/code` (with `query`), asserting 200, as text and
/// as JSON.
async fn holdings(
    emu: &RunningEmulator,
    token: &str,
    scope: &str,
    code: &str,
    query: &str,
) -> (String, Value) {
    let resp = api(
        emu,
        token,
        "GET",
        &format!("/api/transactionportfolios/{scope}/{code}/holdings{query}"),
        None,
    )
    .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    (
        String::from_utf8_lossy(&resp.body).into_owned(),
        resp.json(),
    )
}

/// The position holdings (`P`) as `(instrumentUid, units, cost amount,
/// cost currency)`, numbers as the literal text of the response.
fn positions(text: &str) -> Vec<(String, String, String, String)> {
    // Parse with the literals intact: serde_json's `Value` would turn them
    // into f64s; RawValue keeps them.
    #[derive(serde::Deserialize)]
    struct List<'a> {
        #[serde(borrow)]
        values: Vec<&'a serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Holding<'a> {
        instrument_uid: String,
        holding_type: String,
        #[serde(borrow)]
        units: &'a serde_json::value::RawValue,
        #[serde(borrow)]
        cost: Cost<'a>,
    }
    #[derive(serde::Deserialize)]
    struct Cost<'a> {
        #[serde(borrow)]
        amount: &'a serde_json::value::RawValue,
        currency: String,
    }
    let list: List<'_> = serde_json::from_str(text).expect("holdings");
    list.values
        .iter()
        .map(|raw| serde_json::from_str::<Holding<'_>>(raw.get()).expect("holding"))
        .filter(|h| h.holding_type == "P")
        .map(|h| {
            (
                h.instrument_uid,
                h.units.get().to_owned(),
                h.cost.amount.get().to_owned(),
                h.cost.currency,
            )
        })
        .collect()
}

/// The LUID of seed equity `EMU-EQ-…` (ClientInternal).
async fn luid_of(emu: &RunningEmulator, token: &str, client: &str) -> String {
    let resp = api(
        emu,
        token,
        "GET",
        &format!("/api/instruments/ClientInternal/{client}"),
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    resp.json()["lusidInstrumentId"]
        .as_str()
        .expect("luid")
        .to_owned()
}

/// Whether the emulator still answers (a panic or an overflow in a handler
/// must not take it down).
async fn still_serving(emu: &RunningEmulator, token: &str) {
    let resp = api(emu, token, "GET", "/api/portfolios", None).await;
    assert_eq!(resp.status, 200);
}

// ---------------------------------------------------------------- filters

/// A filter nested thousands deep is a 400, not a stack overflow that aborts the emulator.
#[tokio::test]
async fn deeply_nested_filters_are_refused_not_a_crash() {
    let (emu, token) = setup().await;
    let depth = 10_000;
    let nested = format!("{}id.code eq 'x'{}", "(".repeat(depth), ")".repeat(depth));
    let nots = format!("{}id.code eq 'x'", "not ".repeat(depth));
    for filter in [nested, nots] {
        let path = format!("/api/portfolios?filter={}", enc(&filter));
        let resp = api(&emu, &token, "GET", &path, None).await;
        assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
        let body = resp.json();
        assert_eq!(body["name"], "ValidationError");
        assert!(body["errors"]["filter"][0].is_string(), "{body}");
    }
    // The instrument master shares the parser.
    let nested = format!("{}Name eq 'x'{}", "(".repeat(depth), ")".repeat(depth));
    let path = format!("/api/instruments?filter={}", enc(&nested));
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 400);
    // A long chain of `and`s is flat, not deep: accepted.
    let chain = vec!["id.code eq 'x'"; 2000].join(" and ");
    let path = format!("/api/portfolios?filter={}", enc(&chain));
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    // Reasonable nesting still works.
    let fine = format!("{}id.code eq 'x'{}", "(".repeat(50), ")".repeat(50));
    let path = format!("/api/portfolios?filter={}", enc(&fine));
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    still_serving(&emu, &token).await;
}

/// Numbers in filters compare with every digit, not as `f64`s.
#[tokio::test]
async fn numeric_looking_values_compare_exactly_in_filters() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "num", "P").await;
    // Two ids that the same f64 (1.2345678901234567e19) stands for.
    let txs = [
        tx(
            "12345678901234567890",
            "StockIn",
            "EMU-EQ-000001",
            "2024-01-02",
            "1",
            "1",
            "GBP",
        ),
        tx(
            "12345678901234567891",
            "StockIn",
            "EMU-EQ-000001",
            "2024-01-02",
            "1",
            "1",
            "GBP",
        ),
    ];
    upsert_txs(&emu, &token, "num", "P", &txs).await;
    let ids = |filter: &'static str| {
        let (emu, token) = (&emu, token.clone());
        async move {
            let path = format!(
                "/api/transactionportfolios/num/P/transactions?filter={}",
                enc(filter)
            );
            let resp = api(emu, &token, "GET", &path, None).await;
            assert_eq!(resp.status, 200);
            resp.json()["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|t| t["transactionId"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ids("transactionId eq '12345678901234567891'").await,
        ["12345678901234567891"]
    );
    assert_eq!(
        ids("transactionId gt '12345678901234567890'").await,
        ["12345678901234567891"]
    );
    assert_eq!(
        ids("transactionId in ('12345678901234567890')").await,
        ["12345678901234567890"]
    );
}

// ------------------------------------------------------------ page tokens

/// A page token is refused with another `asAt` or by another list.
#[tokio::test]
async fn a_page_token_belongs_to_its_as_at_on_every_list() {
    let (emu, token) = setup().await;
    for code in ["A", "B", "C"] {
        portfolio(&emu, &token, "tok", code).await;
    }
    let after = api(&emu, &token, "GET", "/api/portfolios/tok/A", None).await;
    let as_at = after.json()["version"]["asAtDate"]
        .as_str()
        .expect("asAt")
        .to_owned();
    let resp = api(&emu, &token, "GET", "/api/portfolios?limit=1", None).await;
    let next = resp.json()["nextPage"].as_str().expect("next").to_owned();
    // The same token with another asAt: LUSID's and ListInstruments' rule
    // (docs/emulator.md, Paging) is a 400, not the token's asAt silently.
    let path = format!("/api/portfolios?limit=1&page={next}&asAt={}", enc(&as_at));
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["name"], "InvalidPageToken");
    // A token of one list is refused by another list.
    let path = format!("/api/propertydefinitions/$list?page={next}");
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.json()["name"], "InvalidPageToken");
    let path = format!("/api/instruments?page={next}");
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.json()["name"], "InvalidPageToken");
    let path = format!("/api/portfolios/tok?limit=1&page={next}");
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.json()["name"], "InvalidPageToken");
    // And the token itself still works with its own query.
    let path = format!("/api/portfolios?limit=1&page={next}");
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["values"][0]["id"]["code"], "B");
}

/// `limit` outside 1..=2000 is a 400 on every list.
#[tokio::test]
async fn limits_outside_one_to_2000_are_validation_errors_everywhere() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "lim", "P").await;
    for list in [
        "/api/portfolios",
        "/api/portfolios/lim",
        "/api/propertydefinitions/$list",
        "/api/quotes/lim",
        "/api/transactionportfolios/lim/P/transactions",
        "/api/instruments",
    ] {
        for limit in ["0", "2001", "-1", "abc", "1.5", "99999999999999999999"] {
            let sep = if list.contains('?') { '&' } else { '?' };
            let resp = api(
                &emu,
                &token,
                "GET",
                &format!("{list}{sep}limit={limit}"),
                None,
            )
            .await;
            assert_eq!(resp.status, 400, "{list} limit={limit}");
            assert!(
                resp.json()["errors"]["limit"][0].is_string(),
                "{list} limit={limit}"
            );
        }
    }
}

// --------------------------------------------------------------- dates

/// Dates beyond year 9999 in UTC are a 400, not a panic; years 1 and 9999 work.
#[tokio::test]
async fn dates_at_the_edges_of_the_calendar_are_answered() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "cal", "P").await;
    // 9999-12-31T23:00-05:00 is in year 10000 in UTC: beyond LUSID's
    // range, so a validation error (never a dropped connection).
    for (param, value) in [
        ("asAt", "9999-12-31T23:00:00-05:00"),
        ("effectiveAt", "9999-12-31T23:00:00-05:00"),
        ("asAt", "not-a-date"),
        ("asAt", "2024-13-01"),
    ] {
        for path in [
            "/api/transactionportfolios/cal/P/holdings",
            "/api/portfolios",
            "/api/instruments",
            "/api/instruments/ClientInternal/EMU-EQ-000001",
        ] {
            let url = format!("{path}?{param}={}", enc(value));
            let resp = api(&emu, &token, "GET", &url, None).await;
            if path == "/api/portfolios" && param == "effectiveAt" {
                continue;
            }
            assert_eq!(resp.status, 400, "{url}");
            assert!(resp.json()["errors"][param][0].is_string(), "{url}");
        }
    }
    // As a transaction date, too.
    let bad = tx(
        "far",
        "StockIn",
        "EMU-EQ-000001",
        "9999-12-31T23:00:00-05:00",
        "1",
        "1",
        "GBP",
    );
    let resp = api_text(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/cal/P/transactions",
        format!("[{bad}]"),
    )
    .await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    // Year 1 and the last tick of 9999 are fine; 9 fraction digits are
    // truncated to LUSID's 7.
    for value in [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9999999Z",
        "2024-01-01T00:00:00.123456789Z",
    ] {
        let url = format!(
            "/api/transactionportfolios/cal/P/holdings?effectiveAt={}",
            enc(value)
        );
        let resp = api(&emu, &token, "GET", &url, None).await;
        assert_eq!(resp.status, 200, "{value}");
    }
    let url = format!(
        "/api/transactionportfolios/cal/P/holdings?effectiveAt={}",
        enc("2024-01-01T00:00:00.123456789Z")
    );
    let resp = api(&emu, &token, "GET", &url, None).await;
    assert_eq!(
        resp.json()["version"]["effectiveFrom"],
        "2024-01-01T00:00:00.1234567+00:00"
    );
    still_serving(&emu, &token).await;
}

// ------------------------------------------------------------ holdings

/// A sell of more than is held opens a short at the excess share of its consideration.
#[tokio::test]
async fn selling_through_zero_opens_a_short_at_the_excess_consideration() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "short", "P").await;
    let luid = luid_of(&emu, &token, "EMU-EQ-000001").await;
    let txs = [
        tx(
            "b1",
            "Buy",
            "EMU-EQ-000001",
            "2024-01-02",
            "10",
            "100",
            "GBP",
        ),
        // Sells 15: closes the 10 held, opens a short of 5 for 5/15 of 165.
        tx(
            "s1",
            "Sell",
            "EMU-EQ-000001",
            "2024-01-03",
            "15",
            "165",
            "GBP",
        ),
    ];
    upsert_txs(&emu, &token, "short", "P", &txs).await;
    let (text, _) = holdings(&emu, &token, "short", "P", "").await;
    assert_eq!(
        positions(&text),
        [(luid, "-5".into(), "-55".into(), "GBP".into())]
    );
}

/// A buy of a short reduces its cost in proportion and a flat position has no cost.
#[tokio::test]
async fn buying_back_a_short_reduces_its_cost_in_proportion() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "cover", "P").await;
    let luid = luid_of(&emu, &token, "EMU-EQ-000001").await;
    let txs = [
        tx(
            "s1",
            "Sell",
            "EMU-EQ-000001",
            "2024-01-02",
            "10",
            "100",
            "GBP",
        ),
        tx("b1", "Buy", "EMU-EQ-000001", "2024-01-03", "4", "48", "GBP"),
    ];
    upsert_txs(&emu, &token, "cover", "P", &txs).await;
    let (text, _) = holdings(&emu, &token, "cover", "P", "").await;
    // A short of 10 at -100 bought back by 4: -100 × 6/10.
    assert_eq!(
        positions(&text),
        [(luid.clone(), "-6".into(), "-60".into(), "GBP".into())]
    );
    // Bought back in full, then 1 bought at 10: the cost is that 10 alone.
    let txs = [
        tx("b2", "Buy", "EMU-EQ-000001", "2024-01-04", "6", "90", "GBP"),
        tx("b3", "Buy", "EMU-EQ-000001", "2024-01-05", "1", "10", "GBP"),
    ];
    upsert_txs(&emu, &token, "cover", "P", &txs).await;
    let (text, _) = holdings(&emu, &token, "cover", "P", "").await;
    assert_eq!(
        positions(&text),
        [(luid, "1".into(), "10".into(), "GBP".into())]
    );
}

/// Trades settled in another currency move another holding.
#[tokio::test]
async fn a_trade_in_another_settlement_currency_is_another_holding() {
    // LUSID: "one holding per security instrument per settlement currency"
    // (support.lusid.com, Introduction to holdings).
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "fx", "P").await;
    let luid = luid_of(&emu, &token, "EMU-EQ-000001").await;
    let txs = [
        tx(
            "b1",
            "Buy",
            "EMU-EQ-000001",
            "2024-01-02",
            "10",
            "1000",
            "GBP",
        ),
        tx(
            "b2",
            "Buy",
            "EMU-EQ-000001",
            "2024-01-03",
            "10",
            "1300",
            "USD",
        ),
        tx(
            "s1",
            "Sell",
            "EMU-EQ-000001",
            "2024-01-04",
            "5",
            "700",
            "USD",
        ),
    ];
    upsert_txs(&emu, &token, "fx", "P", &txs).await;
    let (text, body) = holdings(&emu, &token, "fx", "P", "").await;
    assert_eq!(
        positions(&text),
        [
            (luid.clone(), "10".into(), "1000".into(), "GBP".into()),
            (luid, "5".into(), "650".into(), "USD".into()),
        ]
    );
    let usd = body["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|h| h["holdingType"] == "P" && h["currency"] == "USD")
        .expect("USD position");
    // No FX: the portfolio (GBP) cost of a USD holding is 0 GBP.
    assert_eq!(
        usd["costPortfolioCcy"],
        json!({"amount": 0, "currency": "GBP"})
    );
}

/// Holdings beyond the range of a decimal are a 400, not a panic.
#[tokio::test]
async fn amounts_beyond_decimal_range_are_a_problem_not_a_dropped_connection() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "big", "P").await;
    let max = "79228162514264337593543950335";
    let txs = [
        tx("b1", "Buy", "EMU-EQ-000001", "2024-01-02", max, "1", "GBP"),
        tx("b2", "Buy", "EMU-EQ-000001", "2024-01-03", max, "1", "GBP"),
    ];
    upsert_txs(&emu, &token, "big", "P", &txs).await;
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/big/P/holdings",
        None,
    )
    .await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    let body = resp.json();
    assert_eq!(body["name"], "ValidationError");
    // Before the second buy (one max-sized lot) the holdings are fine.
    let (text, _) = holdings(&emu, &token, "big", "P", "?effectiveAt=2024-01-02").await;
    assert_eq!(positions(&text)[0].1, max);
    still_serving(&emu, &token).await;
}

/// A cost whose product with the units sold overflows is still reduced exactly.
#[tokio::test]
async fn a_large_cost_sold_in_part_is_reduced_exactly() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "prod", "P").await;
    let luid = luid_of(&emu, &token, "EMU-EQ-000001").await;
    // cost × units sold is 5e14 × 2e14 = 1e29, beyond Decimal; the result
    // (3e14) is not.
    let txs = [
        tx(
            "b1",
            "Buy",
            "EMU-EQ-000001",
            "2024-01-02",
            "500000000000000",
            "500000000000000",
            "GBP",
        ),
        tx(
            "s1",
            "Sell",
            "EMU-EQ-000001",
            "2024-01-03",
            "200000000000000",
            "1",
            "GBP",
        ),
    ];
    upsert_txs(&emu, &token, "prod", "P", &txs).await;
    let (text, _) = holdings(&emu, &token, "prod", "P", "").await;
    assert_eq!(
        positions(&text),
        [(
            luid,
            "300000000000000".into(),
            "300000000000000".into(),
            "GBP".into()
        )]
    );
}

// -------------------------------------------------------- exact numbers

/// Scientific literals are exact or refused, never rounded.
#[tokio::test]
async fn units_that_a_decimal_cannot_hold_exactly_are_refused_not_rounded() {
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "exp", "P").await;
    for units in [
        // 32 significant digits in scientific form: rounding would change it.
        "1.0000000000000000000000000000001e0",
        // 30 decimal places.
        "1e-30",
        "1e400",
    ] {
        let body = format!(
            "[{}]",
            tx(
                "t",
                "StockIn",
                "EMU-EQ-000001",
                "2024-01-02",
                units,
                "1",
                "GBP"
            )
        );
        let resp = api_text(
            &emu,
            &token,
            "POST",
            "/api/transactionportfolios/exp/P/transactions",
            body,
        )
        .await;
        assert_eq!(
            resp.status,
            400,
            "{units}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        assert!(resp.json()["errors"]["[0].units"][0].is_string(), "{units}");
    }
    // Scientific forms that fit are exact; negative zero is zero.
    let txs = [
        tx(
            "a",
            "StockIn",
            "EMU-EQ-000001",
            "2024-01-02",
            "1.5e3",
            "2.50E+1",
            "GBP",
        ),
        tx(
            "b",
            "StockIn",
            "EMU-EQ-000002",
            "2024-01-02",
            "-0",
            "-0.00",
            "GBP",
        ),
    ];
    upsert_txs(&emu, &token, "exp", "P", &txs).await;
    let (text, _) = holdings(&emu, &token, "exp", "P", "").await;
    let luid = luid_of(&emu, &token, "EMU-EQ-000001").await;
    assert_eq!(
        positions(&text),
        [(luid, "1500".into(), "25.0".into(), "GBP".into())]
    );
    // The transaction keeps the literals as sent.
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/exp/P/transactions",
        None,
    )
    .await;
    let text = String::from_utf8_lossy(&resp.body);
    assert!(text.contains(r#""units":1.5e3"#), "{text}");
    assert!(text.contains(r#""amount":2.50E+1"#), "{text}");
}

// ------------------------------------------------------------ validation

/// Portfolio scopes and codes follow LUSID's pattern.
#[tokio::test]
async fn portfolio_scopes_and_codes_follow_lusid_s_pattern() {
    // LUSID: scope and code match ^[a-zA-Z0-9\-_]+$, 1 to 64 characters.
    let (emu, token) = setup().await;
    let long = "x".repeat(65);
    for (scope, code, field) in [
        ("ok", "a b", "code"),
        ("ok", "caf\u{e9}", "code"),
        ("ok", long.as_str(), "code"),
        ("ok", "a?b", "code"),
        ("s%20p", "fine", "scope"),
    ] {
        let body = json!({"code": code, "displayName": "x", "baseCurrency": "GBP"});
        let resp = api(
            &emu,
            &token,
            "POST",
            &format!("/api/transactionportfolios/{scope}"),
            Some(body),
        )
        .await;
        assert_eq!(
            resp.status,
            400,
            "{scope}/{code}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        assert!(
            resp.json()["errors"][field][0].is_string(),
            "{scope}/{code}"
        );
    }
    let ok = "A-b_9".repeat(12);
    portfolio(&emu, &token, "Sc-_1", &ok[..60]).await;
}

/// A property's own key is checked for a definition, not only its map key.
#[tokio::test]
async fn a_property_s_own_key_needs_a_definition_too() {
    let (emu, token) = setup().await;
    define_properties(
        &emu,
        &token,
        &["Transaction/r/Defined", "Portfolio/r/Defined"],
    )
    .await;
    portfolio(&emu, &token, "r", "P").await;
    // The map key is defined, the property's own key (what is stored and
    // shown) is not.
    let body = r#"[{"transactionId": "t", "type": "StockIn",
            "instrumentIdentifiers": {"Instrument/default/ClientInternal": "EMU-EQ-000001"},
            "transactionDate": "2024-01-02", "settlementDate": "2024-01-02", "units": 1,
            "totalConsideration": {"amount": 1, "currency": "GBP"},
            "properties": {"Transaction/r/Defined": {"key": "Transaction/r/Undefined",
                "value": {"labelValue": "x"}}}}]"#
        .to_owned();
    let resp = api_text(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/r/P/transactions",
        body,
    )
    .await;
    assert_eq!(resp.status, 404, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["name"], "PropertyNotDefined");
    assert!(
        resp.json()["detail"]
            .as_str()
            .expect("detail")
            .contains("Transaction/r/Undefined")
    );
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/r/P/transactions",
        None,
    )
    .await;
    assert_eq!(resp.json()["values"], json!([]));
    // Likewise on a portfolio.
    let body = json!({"code": "Q", "displayName": "x", "baseCurrency": "GBP",
        "properties": {"Portfolio/r/Defined": {"key": "Portfolio/r/Undefined", "value": {"labelValue": "x"}}}});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/r",
        Some(body),
    )
    .await;
    assert_eq!(resp.status, 404, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["name"], "PropertyNotDefined");
}

// ------------------------------------------------- state, time, concurrency

/// Cancels, deletes and re-creates read the same at every `asAt` after a restart.
#[tokio::test]
async fn deleting_recreating_and_cancelling_survive_a_restart_at_every_as_at() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let start = || Emulator::builder().equities(5).state_file(&path).start();
    let emu = start().await.expect("start");
    let token = access_token(&emu).await;
    portfolio(&emu, &token, "life", "P").await;
    let exact = "12345678901234.123456789012";
    upsert_txs(
        &emu,
        &token,
        "life",
        "P",
        &[
            tx(
                "t1",
                "StockIn",
                "EMU-EQ-000001",
                "2024-01-02",
                exact,
                "0.1",
                "GBP",
            ),
            tx(
                "t2",
                "StockIn",
                "EMU-EQ-000002",
                "2024-01-02",
                "2",
                "0.2",
                "GBP",
            ),
        ],
    )
    .await;
    let resp = api(&emu, &token, "GET", "/api/portfolios/life/P", None).await;
    let first = resp.json()["version"]["asAtDate"]
        .as_str()
        .expect("asAt")
        .to_owned();
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/life/P/transactions",
        None,
    )
    .await;
    let booked = resp.json()["version"]["asAtDate"]
        .as_str()
        .expect("asAt")
        .to_owned();
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/transactionportfolios/life/P/transactions?transactionIds=t2",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let cancelled = resp.json()["asAt"].as_str().expect("asAt").to_owned();
    let resp = api(&emu, &token, "DELETE", "/api/portfolios/life/P", None).await;
    assert_eq!(resp.status, 200);
    let deleted = resp.json()["asAt"].as_str().expect("asAt").to_owned();
    portfolio(&emu, &token, "life", "P").await;
    upsert_txs(
        &emu,
        &token,
        "life",
        "P",
        &[tx(
            "t1",
            "StockIn",
            "EMU-EQ-000003",
            "2024-01-03",
            "7",
            "0.7",
            "GBP",
        )],
    )
    .await;
    let ids_at = |as_at: Option<String>| {
        let (emu, token) = (&emu, token.clone());
        async move { transaction_ids(emu, &token, as_at).await }
    };
    let expected = [
        (
            Some(booked.clone()),
            Ok(vec!["t1".to_owned(), "t2".to_owned()]),
        ),
        (Some(cancelled.clone()), Ok(vec!["t1".to_owned()])),
        (Some(deleted.clone()), Err(404)),
        (None, Ok(vec!["t1".to_owned()])),
    ];
    for (as_at, want) in &expected {
        assert_eq!(&ids_at(as_at.clone()).await, want, "{as_at:?}");
    }
    let (before_text, _) = holdings(
        &emu,
        &token,
        "life",
        "P",
        &format!("?asAt={}", enc(&booked)),
    )
    .await;
    assert!(before_text.contains(exact), "{before_text}");
    emu.shutdown().await.expect("shutdown");

    let emu = start().await.expect("restart");
    let token = access_token(&emu).await;
    for (as_at, want) in &expected {
        assert_eq!(
            &transaction_ids(&emu, &token, as_at.clone()).await,
            want,
            "{as_at:?} after restart"
        );
    }
    let (after_text, _) = holdings(
        &emu,
        &token,
        "life",
        "P",
        &format!("?asAt={}", enc(&booked)),
    )
    .await;
    assert_eq!(positions(&after_text), positions(&before_text));
    let resp = api(
        &emu,
        &token,
        "GET",
        &format!("/api/portfolios/life/P?asAt={}", enc(&first)),
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["version"]["asAtVersionNumber"], 1);
    // A write after the restart is stamped after every saved one.
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/transactionportfolios/life/P/transactions?transactionIds=t1",
        None,
    )
    .await;
    assert_eq!(resp.status, 200);
    let later = resp.json()["asAt"].as_str().expect("asAt").to_owned();
    assert!(later > deleted, "{later} after {deleted}");
}

/// The transaction ids of `life/P` at `as_at` (or now), or the status of
/// a failed read.
async fn transaction_ids(
    emu: &RunningEmulator,
    token: &str,
    as_at: Option<String>,
) -> Result<Vec<String>, u16> {
    let query = as_at.map_or_else(String::new, |at| format!("?asAt={}", enc(&at)));
    let resp = api(
        emu,
        token,
        "GET",
        &format!("/api/transactionportfolios/life/P/transactions{query}"),
        None,
    )
    .await;
    if resp.status != 200 {
        return Err(resp.status);
    }
    Ok(resp.json()["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|t| t["transactionId"].as_str().expect("id").to_owned())
        .collect())
}

/// Concurrent upserts are all kept, exactly, and survive a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_upserts_are_all_kept_and_persisted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let emu = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect("start");
    let token = access_token(&emu).await;
    portfolio(&emu, &token, "conc", "P").await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let url = format!(
            "{}/api/transactionportfolios/conc/P/transactions",
            emu.lusid_url()
        );
        let auth = format!("Bearer {token}");
        let body = format!(
            "[{}]",
            tx(
                &format!("t{i:02}"),
                "StockIn",
                "EMU-EQ-000001",
                "2024-01-02",
                "0.1",
                "0.01",
                "GBP"
            )
        );
        tasks.push(tokio::spawn(async move {
            let headers = [
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ];
            send("POST", &url, &headers, body).await.status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), 200);
    }
    let (text, _) = holdings(&emu, &token, "conc", "P", "").await;
    assert_eq!(positions(&text)[0].1, "2.4");
    assert_eq!(positions(&text)[0].2, "0.24");
    emu.shutdown().await.expect("shutdown");
    let emu = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect("restart");
    let token = access_token(&emu).await;
    let (after, _) = holdings(&emu, &token, "conc", "P", "").await;
    assert_eq!(positions(&after), positions(&text));
}

/// Sorting mixed numbers and text pages through every instrument once.
#[tokio::test]
async fn sorting_mixed_numbers_and_text_pages_through_everything_once() {
    let (emu, token) = setup().await;
    define_properties(&emu, &token, &["Instrument/mix/Code"]).await;
    // Numbers and text mixed: a comparison that is numeric for two numbers
    // and textual otherwise is not transitive (9 < 10, "10" < "1a",
    // "1a" < "9"), which loses or repeats instruments across pages.
    let labels = ["10", "9", "1a", "100", "2b", "-5", "abc", "0.5"];
    let mut body = serde_json::Map::new();
    for (i, label) in labels.iter().enumerate() {
        body.insert(
            format!("c{i}"),
            json!({"name": format!("Mix {i}"),
                "identifiers": {"ClientInternal": {"value": format!("MIX-{i}")}},
                "properties": [{"key": "Instrument/mix/Code", "value": {"labelValue": label}}]}),
        );
    }
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments",
        Some(Value::Object(body)),
    )
    .await;
    assert_eq!(resp.status, 201);
    assert_eq!(resp.json()["failed"], json!({}));
    let filter = enc("Name startswith 'Mix '");
    let sort = enc("Properties[Instrument/mix/Code]");
    let mut seen = Vec::new();
    let mut page: Option<String> = None;
    for _ in 0..20 {
        let mut path = format!(
            "/api/instruments?limit=1&filter={filter}&sortBy={sort}&instrumentPropertyKeys={}",
            enc("Instrument/mix/Code")
        );
        if let Some(token) = &page {
            path.push_str(&format!("&page={token}"));
        }
        let resp = api(&emu, &token, "GET", &path, None).await;
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        let body = resp.json();
        for value in body["values"].as_array().expect("values") {
            let label = value["properties"]
                .as_array()
                .and_then(|p| p.first())
                .map(|p| p["value"]["labelValue"].as_str().expect("label").to_owned())
                .expect("property");
            seen.push(label);
        }
        page = body["nextPage"].as_str().map(str::to_owned);
        if page.is_none() {
            break;
        }
    }
    // Numbers first, in numeric order, then text.
    assert_eq!(seen, ["-5", "0.5", "9", "10", "100", "1a", "2b", "abc"]);
}

/// An identifier type given twice fails the item.
#[tokio::test]
async fn an_identifier_type_given_twice_in_other_cases_fails_the_item() {
    let (emu, token) = setup().await;
    let body = json!({
        "twice": {"name": "Twice", "identifiers": {
            "ClientInternal": {"value": "TWICE-1"}, "clientinternal": {"value": "TWICE-2"}}},
        "once": {"name": "Once", "identifiers": {"ClientInternal": {"value": "ONCE-1"}}}});
    let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
    assert_eq!(resp.status, 201);
    let body = resp.json();
    assert_eq!(body["failed"]["twice"]["type"], "ValidationError", "{body}");
    assert!(
        body["failed"]["twice"]["detail"]
            .as_str()
            .expect("detail")
            .contains("more than once"),
        "{body}"
    );
    assert!(body["values"]["once"].is_object());
    for value in ["TWICE-1", "TWICE-2"] {
        let resp = api(
            &emu,
            &token,
            "GET",
            &format!("/api/instruments/ClientInternal/{value}"),
            None,
        )
        .await;
        assert_eq!(resp.status, 404, "{value}");
    }
}

/// Scopes written to, and definition scopes and codes, follow LUSID's pattern.
#[tokio::test]
async fn scopes_and_codes_of_new_entities_follow_lusid_s_pattern() {
    let (emu, token) = setup().await;
    // `*` means "every scope" to reads: an instrument created there is one
    // no lookup can tell apart.
    let body =
        json!({"x": {"name": "Star", "identifiers": {"ClientInternal": {"value": "STAR-1"}}}});
    for scope in ["*", "a%20b"] {
        let resp = api(
            &emu,
            &token,
            "POST",
            &format!("/api/instruments?scope={scope}"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            resp.status,
            400,
            "{scope}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        assert!(resp.json()["errors"]["scope"][0].is_string());
    }
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/instruments/ClientInternal/STAR-1?scope=*",
        None,
    )
    .await;
    assert_eq!(resp.status, 404);
    let quote = json!({"q": {"quoteId": {"quoteSeriesId": {"provider": "Lusid", "instrumentIdType": "Figi",
        "instrumentId": "X", "quoteType": "Price", "field": "mid"}, "effectiveAt": "2024-01-02"},
        "metricValue": {"value": 1, "unit": "GBP"}}});
    let resp = api(&emu, &token, "POST", "/api/quotes/a%20b", Some(quote)).await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    assert!(resp.json()["errors"]["scope"][0].is_string());
    for (scope, code, field) in [
        ("a b", "c", "scope"),
        ("s", "c d", "code"),
        ("s", "x.y", "code"),
    ] {
        let def = json!({"domain": "Instrument", "scope": scope, "code": code, "displayName": "d",
            "dataTypeId": {"scope": "system", "code": "string"}});
        let resp = api(&emu, &token, "POST", "/api/propertydefinitions", Some(def)).await;
        assert_eq!(resp.status, 400, "{scope}/{code}");
        assert!(
            resp.json()["errors"][field][0].is_string(),
            "{scope}/{code}"
        );
    }
}

/// Currencies must be ISO 4217 codes.
#[tokio::test]
async fn currencies_must_be_iso_4217_codes_not_just_three_capitals() {
    let (emu, token) = setup().await;
    let body = json!({"code": "P", "displayName": "x", "baseCurrency": "ABC"});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/iso",
        Some(body),
    )
    .await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    assert!(resp.json()["errors"]["baseCurrency"][0].is_string());
    portfolio(&emu, &token, "iso", "P").await;
    let body = format!(
        "[{}]",
        tx("t", "Buy", "EMU-EQ-000001", "2024-01-02", "1", "1", "ABC")
    );
    let resp = api_text(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/iso/P/transactions",
        body,
    )
    .await;
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    assert!(resp.json()["errors"]["[0].totalConsideration.currency"][0].is_string());
    // Funds in a currency no instrument has resolve to LUSID's unknown
    // instrument, not to a CCY_ABC that does not exist.
    let funds = r#"[{"transactionId": "f", "type": "FundsIn",
        "instrumentIdentifiers": {"Instrument/default/Currency": "ABC"},
        "transactionDate": "2024-01-02", "settlementDate": "2024-01-02", "units": 5,
        "totalConsideration": {"amount": 5, "currency": "GBP"}}]"#;
    let resp = api_text(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/iso/P/transactions",
        funds.to_owned(),
    )
    .await;
    assert_eq!(resp.status, 200);
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/iso/P/transactions",
        None,
    )
    .await;
    assert_eq!(resp.json()["values"][0]["instrumentUid"], "LUID_ZZZZZZZZ");
}

/// Filters ignore case, never match unset values, and know `exists`.
#[tokio::test]
async fn filters_ignore_case_and_never_match_unset_values() {
    // LUSID: "Filtering in LUSID is case-insensitive" and "does not return
    // null values or values that are not set (except when filtering using
    // not exists)" (support.lusid.com, Filtering information retrieved
    // from LUSID).
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "flt", "Growth").await;
    let with_source = r#"{"transactionId": "s", "type": "StockIn",
        "instrumentIdentifiers": {"Instrument/default/ClientInternal": "EMU-EQ-000001"},
        "transactionDate": "2024-01-02", "settlementDate": "2024-01-02", "units": 1,
        "totalConsideration": {"amount": 1, "currency": "GBP"}, "source": "Broker"}"#;
    let without = tx(
        "n",
        "StockIn",
        "EMU-EQ-000001",
        "2024-01-02",
        "1",
        "1",
        "GBP",
    );
    upsert_txs(
        &emu,
        &token,
        "flt",
        "Growth",
        &[with_source.to_owned(), without],
    )
    .await;
    let ids = |filter: &'static str| {
        let (emu, token) = (&emu, token.clone());
        async move {
            let path = format!(
                "/api/transactionportfolios/flt/Growth/transactions?filter={}",
                enc(filter)
            );
            let resp = api(emu, &token, "GET", &path, None).await;
            assert_eq!(
                resp.status,
                200,
                "{filter}: {}",
                String::from_utf8_lossy(&resp.body)
            );
            resp.json()["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|t| t["transactionId"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("source neq 'Other'").await, ["s"]);
    assert_eq!(ids("source not in ('Other')").await, ["s"]);
    assert_eq!(ids("source eq 'BROKER'").await, ["s"]);
    assert_eq!(ids("source in ('broker')").await, ["s"]);
    assert_eq!(ids("source exists").await, ["s"]);
    assert_eq!(ids("source not exists").await, ["n"]);
    assert_eq!(
        ids("type eq 'stockin' and transactionId eq 'N'").await,
        ["n"]
    );
    let path = format!("/api/portfolios?filter={}", enc("displayName eq 'growth'"));
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.json()["values"][0]["id"]["code"], "Growth");
}

/// GetHoldings applies its `filter`.
#[tokio::test]
async fn holdings_honour_their_filter() {
    // GetHoldings' `filter` was ignored: every holding came back.
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "hf", "P").await;
    let txs = [
        tx(
            "b1",
            "Buy",
            "EMU-EQ-000001",
            "2024-01-02",
            "10",
            "100.50",
            "GBP",
        ),
        tx("b2", "Buy", "EMU-EQ-000002", "2024-01-02", "3", "30", "USD"),
    ];
    upsert_txs(&emu, &token, "hf", "P", &txs).await;
    let kinds = |filter: &'static str| {
        let (emu, token) = (&emu, token.clone());
        async move {
            let path = format!(
                "/api/transactionportfolios/hf/P/holdings?filter={}",
                enc(filter)
            );
            let resp = api(emu, &token, "GET", &path, None).await;
            assert_eq!(
                resp.status,
                200,
                "{filter}: {}",
                String::from_utf8_lossy(&resp.body)
            );
            resp.json()["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|h| {
                    format!(
                        "{}:{}",
                        h["holdingType"].as_str().expect("type"),
                        h["currency"].as_str().expect("ccy")
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(kinds("holdingType eq 'p'").await, ["P:GBP", "P:USD"]);
    assert_eq!(
        kinds("holdingType eq 'B' and currency eq 'USD'").await,
        ["B:USD"]
    );
    assert_eq!(kinds("units gt 5 and holdingType eq 'P'").await, ["P:GBP"]);
    assert_eq!(kinds("cost.amount eq -100.5").await, ["B:GBP"]);
    let path = format!(
        "/api/transactionportfolios/hf/P/holdings?filter={}",
        enc("colour eq 'red'")
    );
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 400);
    assert!(resp.json()["errors"]["filter"][0].is_string());
}

/// Two emulators on one state file never tear it nor fail a write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_emulators_on_one_state_file_never_tear_it() {
    // Both write `state.json` through a temporary file beside it; with the
    // same temporary name (the process id alone), one could truncate the
    // other's half-written file and rename a torn JSON into place.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let start = || Emulator::builder().equities(5).state_file(&path).start();
    let (a, b) = (start().await.expect("a"), start().await.expect("b"));
    let (ta, tb) = (access_token(&a).await, access_token(&b).await);
    let writes = |emu: &RunningEmulator, token: String, prefix: &'static str| {
        let url = format!("{}/api/transactionportfolios/race", emu.lusid_url());
        async move {
            for i in 0..60 {
                let body = serde_json::to_vec(&json!({"code": format!("{prefix}{i}"),
                    "displayName": "x".repeat(2000), "baseCurrency": "GBP"}))
                .expect("json");
                let auth = format!("Bearer {token}");
                let headers = [
                    ("authorization", auth.as_str()),
                    ("content-type", "application/json"),
                ];
                let resp = send("POST", &url, &headers, body).await;
                assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
            }
        }
    };
    tokio::join!(writes(&a, ta, "a"), writes(&b, tb, "b"));
    a.shutdown().await.expect("a");
    b.shutdown().await.expect("b");
    // The last writer wins, but the file is whole.
    let c = start().await.expect("the state file is still a state file");
    let token = access_token(&c).await;
    let resp = api(&c, &token, "GET", "/api/portfolios/race", None).await;
    assert_eq!(resp.json()["values"].as_array().map(Vec::len), Some(60));
}

/// Date-times without an offset are UTC.
#[tokio::test]
async fn date_times_without_an_offset_are_utc_as_in_lusid() {
    // LUSID's filtering guide writes `created gt 2019-01-15T10:00:00`; the
    // emulator refused such times everywhere with a 400.
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "tz", "P").await;
    let body = format!(
        "[{}]",
        tx(
            "t",
            "StockIn",
            "EMU-EQ-000001",
            "2024-01-02T10:30:00",
            "1",
            "1",
            "GBP"
        )
    );
    let resp = api_text(
        &emu,
        &token,
        "POST",
        "/api/transactionportfolios/tz/P/transactions",
        body,
    )
    .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/tz/P/transactions",
        None,
    )
    .await;
    assert_eq!(
        resp.json()["values"][0]["transactionDate"],
        "2024-01-02T10:30:00.0000000+00:00"
    );
    for (at, held) in [
        ("2024-01-02T10:29:59.9999999", false),
        ("2024-01-02T10:30:00", true),
    ] {
        let (text, _) = holdings(
            &emu,
            &token,
            "tz",
            "P",
            &format!("?effectiveAt={}", enc(at)),
        )
        .await;
        assert_eq!(!positions(&text).is_empty(), held, "{at}");
    }
    // Year 0 is before LUSID's first date.
    let resp = api(&emu, &token, "GET", "/api/portfolios?asAt=0000-12-31", None).await;
    assert_eq!(resp.status, 400);
}

/// Page tokens stay short however long the filter.
#[tokio::test]
async fn page_tokens_stay_small_however_long_the_filter() {
    // The new lists' tokens carried the whole query text: a long filter
    // made every next-page URL hold it twice (over 64 KiB, no client can
    // send it).
    let (emu, token) = setup().await;
    portfolio(&emu, &token, "long", "P").await;
    let txs: Vec<String> = (0..3)
        .map(|i| {
            tx(
                &format!("t{i}"),
                "StockIn",
                "EMU-EQ-000001",
                "2024-01-02",
                "1",
                "1",
                "GBP",
            )
        })
        .collect();
    upsert_txs(&emu, &token, "long", "P", &txs).await;
    let ids: Vec<String> = (0..1500).map(|i| format!("'t{i}'")).collect();
    let filter = format!("transactionId in ({})", ids.join(", "));
    let path = format!(
        "/api/transactionportfolios/long/P/transactions?limit=1&filter={}",
        enc(&filter)
    );
    let resp = api(&emu, &token, "GET", &path, None).await;
    assert_eq!(resp.status, 200);
    let next = resp.json()["nextPage"].as_str().expect("next").to_owned();
    assert!(next.len() < 200, "{} characters", next.len());
    let resp = api(&emu, &token, "GET", &format!("{path}&page={next}"), None).await;
    assert_eq!(resp.json()["values"][0]["transactionId"], "t1");
}

/// Economic definitions nested beyond 64 are refused, not a crash.
#[tokio::test]
async fn deeply_nested_definitions_are_refused_not_a_crash() {
    // A definition nested 5000 deep was accepted; upserting it again
    // compared the two recursively and overflowed the stack, aborting
    // the emulator.
    let (emu, token) = setup().await;
    let upsert = |depth: usize| {
        let (emu, token) = (&emu, token.clone());
        async move {
            let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let body = format!(
                r#"{{"c": {{"name": "Deep", "identifiers": {{"ClientInternal": {{"value": "DEEP-{depth}"}}}},
                    "definition": {{"instrumentType": "Equity", "x": {nested}}}}}}}"#
            );
            let resp = api_text(emu, &token, "POST", "/api/instruments", body).await;
            assert_eq!(resp.status, 201);
            resp.json()
        }
    };
    for _ in 0..2 {
        let body = upsert(5000).await;
        assert_eq!(body["failed"]["c"]["type"], "ValidationError", "{body}");
    }
    // 63 levels inside the definition object (64 in all) are fine, twice
    // (the second a no-op).
    for _ in 0..2 {
        let body = upsert(63).await;
        assert_eq!(body["failed"], json!({}), "{body}");
        assert_eq!(body["values"]["c"]["version"]["asAtVersionNumber"], 1);
    }
    let body = upsert(64).await;
    assert_eq!(body["failed"]["c"]["type"], "ValidationError");
    still_serving(&emu, &token).await;
}

/// Every kind of write reads the same at every `asAt` after a restart.
#[tokio::test]
async fn every_kind_of_write_reads_the_same_at_every_as_at_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let start = || Emulator::builder().equities(5).state_file(&path).start();
    let emu = start().await.expect("start");
    let token = access_token(&emu).await;
    let mut reads: Vec<String> = Vec::new();
    let mut stamp = |resp: &Resp, pointer: &str| {
        let at = resp
            .json()
            .pointer(pointer)
            .and_then(Value::as_str)
            .expect("asAt")
            .to_owned();
        reads.push(at);
    };
    // A property definition deleted and created again.
    define_properties(&emu, &token, &["Instrument/rs/Tag"]).await;
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/propertydefinitions/Instrument/rs/Tag",
        None,
    )
    .await;
    stamp(&resp, "/asAt");
    define_properties(&emu, &token, &["Instrument/rs/Tag"]).await;
    // An instrument upserted, changed, deleted.
    for name in ["First", "Second"] {
        let body = json!({"i": {"name": name, "identifiers": {"ClientInternal": {"value": "RS-1"}},
            "properties": [{"key": "Instrument/rs/Tag", "value": {"labelValue": "1.50"}}]}});
        let resp = api(&emu, &token, "POST", "/api/instruments", Some(body)).await;
        stamp(&resp, "/values/i/version/asAtDate");
    }
    let resp = api(
        &emu,
        &token,
        "DELETE",
        "/api/instruments/ClientInternal/RS-1",
        None,
    )
    .await;
    stamp(&resp, "/asAt");
    // A quote replaced.
    let series = json!({"provider": "Lusid", "instrumentIdType": "ClientInternal",
        "instrumentId": "RS-1", "quoteType": "Price", "field": "mid"});
    for value in ["1.10", "2.20"] {
        let body = format!(
            r#"{{"q": {{"quoteId": {{"quoteSeriesId": {series}, "effectiveAt": "2024-01-02"}},
                "metricValue": {{"value": {value}, "unit": "GBP"}}}}}}"#
        );
        let resp = api_text(&emu, &token, "POST", "/api/quotes/rs", body).await;
        stamp(&resp, "/values/q/asAt");
    }
    // What each asAt sees, before and after the restart.
    let mut before = Vec::new();
    for at in &reads {
        before.push(snapshot(&emu, &token, at, &series).await);
    }
    assert!(before[1].contains("instrument 200 \"First\""), "{before:?}");
    assert!(before[3].contains("instrument 404"), "{before:?}");
    assert!(before[4].contains("{\"value\":1.10"), "{before:?}");
    assert!(before[5].contains("{\"value\":2.20"), "{before:?}");
    assert!(before[0].starts_with("def 404"), "{before:?}");
    emu.shutdown().await.expect("shutdown");
    let emu = start().await.expect("restart");
    let token = access_token(&emu).await;
    for (at, seen) in reads.iter().zip(&before) {
        assert_eq!(&snapshot(&emu, &token, at, &series).await, seen, "at {at}");
    }
}

/// What a read at `at` sees of the definition, instrument and quote of
/// [`every_kind_of_write_reads_the_same_at_every_as_at_after_a_restart`].
async fn snapshot(emu: &RunningEmulator, token: &str, at: &str, series: &Value) -> String {
    let q = format!("asAt={}", enc(at));
    let def = api(
        emu,
        token,
        "GET",
        &format!("/api/propertydefinitions/Instrument/rs/Tag?{q}"),
        None,
    )
    .await;
    let ins = api(
        emu,
        token,
        "GET",
        &format!("/api/instruments/ClientInternal/RS-1?{q}"),
        None,
    )
    .await;
    let quote = api(
        emu,
        token,
        "POST",
        &format!("/api/quotes/rs/$get?{q}&effectiveAt=2024-01-03"),
        Some(json!({"k": series})),
    )
    .await;
    let quote_text = String::from_utf8_lossy(&quote.body).into_owned();
    format!(
        "def {} v{} | instrument {} {} | quote {}",
        def.status,
        def.json()["version"]["asAtVersionNumber"],
        ins.status,
        ins.json()["name"],
        quote_text
            .split("\"metricValue\":")
            .nth(1)
            .map_or("none", |rest| rest.split(',').next().unwrap_or("")),
    )
}

/// Mixed concurrent writes and reads with a state file all finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_concurrent_writes_and_reads_with_a_state_file_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let emu = Emulator::builder()
        .equities(5)
        .state_file(&path)
        .start()
        .await
        .expect("start");
    let token = access_token(&emu).await;
    define_properties(&emu, &token, &["Instrument/mx/Tag"]).await;
    portfolio(&emu, &token, "mx", "P").await;
    let base = emu.lusid_url();
    let auth = format!("Bearer {token}");
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (base, auth) = (base.clone(), auth.clone());
        tasks.push(tokio::spawn(async move {
            let headers = [("authorization", auth.as_str()), ("content-type", "application/json")];
            let (method, path, body) = match i % 3 {
                0 => (
                    "POST",
                    "/api/instruments".to_owned(),
                    json!({"i": {"name": format!("Mx {i}"), "identifiers": {"ClientInternal": {"value": format!("MX-{i}")}},
                        "properties": [{"key": "Instrument/mx/Tag", "value": {"labelValue": "x"}}]}})
                    .to_string(),
                ),
                1 => (
                    "POST",
                    "/api/transactionportfolios/mx/P/transactions".to_owned(),
                    format!("[{}]", tx(&format!("t{i}"), "StockIn", &format!("MX-{}", i - 1), "2024-01-02", "1", "1", "GBP")),
                ),
                _ => ("GET", "/api/transactionportfolios/mx/P/holdings".to_owned(), String::new()),
            };
            send(method, &format!("{base}{path}"), &headers, body).await.status
        }));
    }
    let all = async {
        for task in tasks {
            let status = task.await.expect("task");
            assert!(matches!(status, 200 | 201), "{status}");
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), all)
        .await
        .expect("no deadlock");
    let resp = api(
        &emu,
        &token,
        "GET",
        "/api/transactionportfolios/mx/P/transactions",
        None,
    )
    .await;
    assert_eq!(resp.json()["values"].as_array().map(Vec::len), Some(10));
}

/// Builder definitions follow the API's key rules.
#[tokio::test]
async fn builder_definitions_follow_the_same_key_rules_as_the_api() {
    // A definition the API would refuse (`a b` is no scope) must not exist
    // from the start either.
    for bad in ["Instrument/a b/Code", "Instrument/s/x.y"] {
        let error = Emulator::builder()
            .equities(5)
            .property_definitions([bad])
            .start()
            .await
            .expect_err("refused");
        assert!(
            matches!(&error, lusid_emulator::EmulatorError::PropertyDefinition(m) if m.contains(bad)),
            "{error}"
        );
    }
}
