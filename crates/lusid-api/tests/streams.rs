//! The named, `Unpin` streams of paginated operations: read with their own
//! `try_next`, with no `pin!` and no stream trait imported (this file
//! imports none).

mod common;

use common::{fake_client, instrument_json, respond};

/// Two pages: A, B then C.
fn two_pages(seen: &common::Seen) -> Result<lusid_http::Response, lusid_http::Error> {
    let body = if seen.uri.contains("page=p2") {
        format!(r#"{{"nextPage":null,"values":[{}]}}"#, instrument_json("C"))
    } else {
        format!(
            r#"{{"nextPage":"p2","values":[{},{}]}}"#,
            instrument_json("A"),
            instrument_json("B")
        )
    };
    Ok(respond(200, &[], &body))
}

async fn ids(client: lusid_api::Client) -> Result<Vec<String>, lusid_api::Error> {
    let mut ids = Vec::new();
    let mut stream = client.instruments().list_instruments().into_stream();
    while let Some(i) = stream.try_next().await? {
        ids.push(i.lusid_instrument_id);
    }
    Ok(ids)
}

#[tokio::test]
async fn items_are_read_with_try_next_and_no_pin() {
    let (client, log) = fake_client(two_pages);
    assert_eq!(ids(client).await.expect("ids"), ["A", "B", "C"]);
    assert_eq!(log.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn pages_and_raw_pages_are_read_the_same_way() -> Result<(), lusid_api::Error> {
    let (client, _log) = fake_client(two_pages);
    let mut pages = client.instruments().list_instruments().into_pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.try_next().await? {
        sizes.push(page.values.len());
    }
    assert_eq!(sizes, [2, 1]);

    let mut raw = client.instruments().list_instruments().into_raw_pages();
    let first = raw.try_next().await?.expect("a page");
    assert_eq!(first.next_page.as_deref(), Some("p2"));
    assert!(first.values[0].get().contains(r#""lusidInstrumentId":"A""#));
    Ok(())
}

/// The stream types are `Unpin` and `Send`, so they can be stored and moved
/// to other tasks.
#[test]
fn the_streams_are_unpin_and_send() {
    fn unpin_send<T: Unpin + Send>() {}
    unpin_send::<lusid_api::ItemStream<'static, lusid_models::Instrument>>();
    unpin_send::<lusid_api::PageStream<'static, lusid_api::RawPage>>();
}
