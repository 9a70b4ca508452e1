//! Following `nextPage` with `into_stream` and `into_pages`.

mod common;

use common::{Seen, fake_client, instrument_json, respond};
use futures_util::{StreamExt, TryStreamExt};

/// Three pages of two instruments: no token → p2 → p3 → end.
fn three_pages(seen: &Seen) -> Result<lusid_http::Response, lusid_http::Error> {
    let page = seen
        .query()
        .into_iter()
        .find(|(name, _)| name == "page")
        .map(|(_, value)| value);
    let (ids, next) = match page.as_deref() {
        None => (["A", "B"], "\"p2\""),
        Some("p2") => (["C", "D"], "\"p3\""),
        Some("p3") => (["E", "F"], "null"),
        Some(other) => panic!("unexpected page token {other}"),
    };
    let values: Vec<String> = ids.iter().map(|id| instrument_json(id)).collect();
    let body = format!(r#"{{"nextPage":{next},"values":[{}]}}"#, values.join(","));
    Ok(respond(200, &[], &body))
}

#[tokio::test]
async fn into_stream_follows_next_page_and_yields_items_in_order() {
    let (client, log) = fake_client(three_pages);
    let request = client
        .instruments()
        .list_instruments()
        .filter("State eq 'Active'")
        .sort_by(["name"])
        .as_at(time::macros::datetime!(2024-01-02 00:00 UTC))
        .page_size(2);
    let ids: Vec<String> = request
        .into_stream()
        .map_ok(|instrument| instrument.lusid_instrument_id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(ids, ["A", "B", "C", "D", "E", "F"]);

    let log = log.lock().expect("log");
    assert_eq!(log.len(), 3);
    let base = [
        ("asAt", "2024-01-02T00:00:00.0000000+00:00"),
        ("sortBy", "name"),
        ("limit", "2"),
        ("filter", "State eq 'Active'"),
    ];
    for (index, token) in [None, Some("p2"), Some("p3")].into_iter().enumerate() {
        let mut expected: Vec<(String, String)> = base
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        if let Some(token) = token {
            expected.push(("page".to_owned(), token.to_owned()));
        }
        let mut actual = log[index].query();
        actual.sort();
        expected.sort();
        assert_eq!(actual, expected, "request {index}");
        assert_eq!(
            log[index].operation.map(|operation| operation.id),
            Some("ListInstruments")
        );
    }
}

#[tokio::test]
async fn pages_are_fetched_only_when_needed() {
    let (client, log) = fake_client(three_pages);
    let mut stream = std::pin::pin!(client.instruments().list_instruments().into_stream());
    let first = stream.next().await.expect("an item").expect("ok");
    assert_eq!(first.lusid_instrument_id, "A");
    assert_eq!(log.lock().expect("log").len(), 1, "one page in flight");
    stream.next().await.expect("an item").expect("ok");
    assert_eq!(
        log.lock().expect("log").len(),
        1,
        "B comes from the first page"
    );
    let third = stream.next().await.expect("an item").expect("ok");
    assert_eq!(third.lusid_instrument_id, "C");
    assert_eq!(log.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn the_default_page_size_applies_when_none_is_set() {
    let (client, log) = fake_client(three_pages);
    let pages: Vec<_> = client
        .instruments()
        .list_instruments()
        .into_pages()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0].next_page.as_deref(), Some("p2"));
    assert_eq!(pages[2].next_page, None);
    for seen in log.lock().expect("log").iter() {
        assert!(
            seen.query()
                .contains(&("limit".to_owned(), lusid_api::DEFAULT_PAGE_SIZE.to_string())),
            "{}",
            seen.uri
        );
    }
}

#[tokio::test]
async fn an_empty_next_page_ends_the_stream() {
    let (client, log) = fake_client(|_| {
        Ok(respond(
            200,
            &[],
            &format!(r#"{{"nextPage":"","values":[{}]}}"#, instrument_json("A")),
        ))
    });
    let items: Vec<_> = client
        .instruments()
        .list_instruments()
        .into_stream()
        .try_collect()
        .await
        .expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(log.lock().expect("log").len(), 1);
}

#[tokio::test]
async fn an_error_page_ends_the_stream_after_the_earlier_items() {
    let (client, log) = fake_client(|seen| {
        if seen.uri.contains("page=p2") {
            Ok(respond(500, &[], "internal error"))
        } else {
            let body = format!(r#"{{"nextPage":"p2","values":[{}]}}"#, instrument_json("A"));
            Ok(respond(200, &[], &body))
        }
    });
    let results: Vec<_> = client
        .instruments()
        .list_instruments()
        .into_stream()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0].as_ref().expect("first item").lusid_instrument_id,
        "A"
    );
    let error = results[1].as_ref().expect_err("second page failed");
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(log.lock().expect("log").len(), 2);
}
