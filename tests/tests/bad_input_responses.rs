//! The bad-input catalogue, responses: what LUSID (or a proxy in front of
//! it) might send, and the typed error or value each one gives the caller.
//! Every case is served by the emulator's `Fault::Response` in place of the
//! real answer, with retries off so each case is one response.

use futures_util::{StreamExt, TryStreamExt};
use lusid::models::{InstrumentAssetClass, InstrumentState};
use lusid::stack::RetryPolicy;
use lusid_emulator::{Emulator, Fault, RunningEmulator};
use lusid_integration_tests::{config_for, start};

fn response(status: u16, content_type: &str, body: impl Into<String>) -> Fault {
    Fault::Response {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: body.into(),
    }
}

fn client(emulator: &RunningEmulator) -> lusid::Client {
    lusid::Client::builder()
        .config(config_for(emulator))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("the client builds")
}

async fn emulator_serving(faults: Vec<Fault>) -> RunningEmulator {
    start(Emulator::builder().equities(10).api_faults(faults)).await
}

/// One page of `count` instruments, as LUSID writes them, with `next`.
fn page(first: usize, count: usize, next: Option<&str>, state: &str) -> String {
    let values: Vec<String> = (first..first + count)
        .map(|i| {
            format!(
                r#"{{"lusidInstrumentId":"LUID_{i:08}","version":{{"effectiveFrom":"0001-01-01T00:00:00.0000000+00:00","asAtDate":"2024-03-28T09:15:00.1234567+00:00"}},"name":"Instrument {i}","identifiers":{{"ClientInternal":"c{i}"}},"state":"{state}","assetClass":"Crypto","instrumentDefinition":{{"instrumentType":"QuantumSwap","legs":[1.10,2]}}}}"#
            )
        })
        .collect();
    let next = next.map_or("null".to_owned(), |token| format!("\"{token}\""));
    format!(
        r#"{{"values":[{}],"nextPage":{next},"links":[]}}"#,
        values.join(",")
    )
}

async fn first_page_error(fault: Fault) -> lusid::Error {
    let emulator = emulator_serving(vec![fault]).await;
    client(&emulator)
        .instruments()
        .list_instruments()
        .send()
        .await
        .expect_err("the response is unusable")
}

#[tokio::test]
async fn a_truncated_page_is_a_decode_error_naming_where() {
    let body = page(0, 3, None, "Active");
    let error = first_page_error(response(200, "application/json", &body[..body.len() / 2])).await;
    assert!(matches!(error, lusid::Error::Decode { .. }), "{error:?}");
    assert!(
        error
            .json_path()
            .is_some_and(|path| path.starts_with("values")),
        "{error}"
    );
    assert_eq!(error.operation(), Some("ListInstruments"));
}

#[tokio::test]
async fn a_non_json_200_is_a_decode_error_quoting_the_body() {
    let error = first_page_error(response(200, "text/plain", "OK, all fine")).await;
    assert!(matches!(error, lusid::Error::Decode { .. }), "{error:?}");
    assert_eq!(error.body_excerpt(), Some("OK, all fine"));
}

#[tokio::test]
async fn a_200_with_an_empty_body_is_a_decode_error() {
    let error = first_page_error(response(200, "application/json", "")).await;
    assert!(matches!(error, lusid::Error::Decode { .. }), "{error:?}");
    assert_eq!(error.body_excerpt(), Some(""));
    assert!(error.to_string().contains("ListInstruments"), "{error}");
}

#[tokio::test]
async fn a_wrong_type_is_a_decode_error_with_the_json_path() {
    let body = page(0, 2, None, "Active").replace(r#""name":"Instrument 1""#, r#""name":17"#);
    let error = first_page_error(response(200, "application/json", body)).await;
    assert_eq!(error.json_path(), Some("values[1].name"), "{error}");
}

#[tokio::test]
async fn an_html_error_page_from_a_proxy_is_a_status_error_with_the_page() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>nginx</body></html>";
    let error = first_page_error(response(502, "text/html", html)).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert!(error.problem().is_none(), "HTML is no problem document");
    assert_eq!(error.body_excerpt(), Some(html));
    assert!(error.is_transient());

    let forbidden = first_page_error(response(403, "text/html", "<h1>Access denied</h1>")).await;
    assert_eq!(forbidden.status().map(|s| s.as_u16()), Some(403));
    assert!(!forbidden.is_transient());
    assert!(forbidden.to_string().contains("403"), "{forbidden}");
}

#[tokio::test]
async fn unknown_enum_values_and_discriminators_are_kept() {
    let emulator = emulator_serving(vec![response(
        200,
        "application/json",
        page(0, 2, None, "Frozen"),
    )])
    .await;
    let page = client(&emulator)
        .instruments()
        .list_instruments()
        .send()
        .await
        .expect("decodes");
    let first = &page.values[0];
    assert_eq!(first.state, InstrumentState::Other("Frozen".into()));
    assert_eq!(
        first.asset_class,
        Some(InstrumentAssetClass::Other("Crypto".into()))
    );
    let definition = serde_json::to_string(&first.instrument_definition).expect("encodes");
    assert_eq!(
        definition,
        r#"{"instrumentType":"QuantumSwap","legs":[1.10,2]}"#
    );
}

#[tokio::test]
async fn a_huge_page_decodes_whole() {
    const COUNT: usize = 20_000;
    let body = page(0, COUNT, None, "Active");
    assert!(body.len() > 5_000_000, "{} bytes", body.len());
    let emulator = emulator_serving(vec![response(200, "application/json", body)]).await;
    let all: Vec<_> = client(&emulator)
        .instruments()
        .list_instruments()
        .into_stream()
        .try_collect()
        .await
        .expect("decodes");
    assert_eq!(all.len(), COUNT);
    assert_eq!(
        all[COUNT - 1].lusid_instrument_id,
        format!("LUID_{:08}", COUNT - 1)
    );
}

#[tokio::test]
async fn a_repeated_page_token_stops_with_a_typed_error_after_every_page() {
    let emulator = emulator_serving(vec![
        response(200, "application/json", page(0, 2, Some("tok-A"), "Active")),
        response(200, "application/json", page(2, 2, Some("tok-B"), "Active")),
        response(200, "application/json", page(4, 2, Some("tok-A"), "Active")),
        // Never reached: the paginator stops instead of looping.
        response(200, "application/json", page(6, 2, Some("tok-B"), "Active")),
    ])
    .await;
    let results: Vec<_> = client(&emulator)
        .instruments()
        .list_instruments()
        .into_stream()
        .collect()
        .await;
    let ids: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|i| i.lusid_instrument_id.clone())
        .collect();
    assert_eq!(
        ids,
        (0..6).map(|i| format!("LUID_{i:08}")).collect::<Vec<_>>()
    );
    assert_eq!(
        results.len(),
        7,
        "six instruments, then one error, then the end"
    );
    match &results[6] {
        Err(lusid::Error::RepeatedPageToken {
            operation,
            token,
            pages,
        }) => {
            assert_eq!(
                (*operation, token.as_str(), *pages),
                ("ListInstruments", "tok-A", 3)
            );
        }
        other => panic!("expected RepeatedPageToken, got {other:?}"),
    }
    assert_eq!(
        emulator.faults().pending_api(),
        1,
        "the fourth page was never asked for"
    );

    // The same token twice in a row is caught after one more page.
    let emulator = emulator_serving(vec![
        response(200, "application/json", page(0, 1, Some("same"), "Active")),
        response(200, "application/json", page(1, 1, Some("same"), "Active")),
    ])
    .await;
    let results: Vec<_> = client(&emulator)
        .instruments()
        .list_instruments()
        .into_raw_pages()
        .collect()
        .await;
    assert_eq!(results.len(), 3);
    assert!(results[..2].iter().all(Result::is_ok));
    let error = results[2].as_ref().expect_err("a repeated token");
    assert!(error.to_string().contains("\"same\""), "{error}");
    assert_eq!(error.operation(), Some("ListInstruments"));
}
