//! One function written against the tag trait pages through a mockall mock
//! and through a real client on the emulator alike, with
//! `lusid::api::paginate`.

use lusid::api::{Error, InstrumentsApiClient, ListInstrumentsParams, MockInstrumentsApiClient};
use lusid::models::PagedResourceListOfInstrument;
use lusid_emulator::Emulator;
use lusid_integration_tests::start;

/// Code under test: every instrument id of the listing, `page_size` a page.
async fn all_ids(api: &dyn InstrumentsApiClient, page_size: i64) -> Result<Vec<String>, Error> {
    let mut params = ListInstrumentsParams::new();
    params.limit = Some(page_size);
    let mut instruments = lusid::api::paginate(params, |params| api.list_instruments(params));
    let mut ids = Vec::new();
    while let Some(instrument) = instruments.try_next().await? {
        ids.push(instrument.lusid_instrument_id);
    }
    Ok(ids)
}

fn page(ids: &[&str], next: Option<&str>) -> PagedResourceListOfInstrument {
    let values: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"lusidInstrumentId":"{id}","name":"Instrument {id}","identifiers":{{}},
                "state":"Active","version":{{"effectiveFrom":"0001-01-01T00:00:00.0000000+00:00",
                "asAtDate":"2024-03-28T09:15:00.1234567+00:00"}}}}"#
            )
        })
        .collect();
    let next = next.map_or("null".to_owned(), |token| format!("{token:?}"));
    let json = format!(r#"{{"nextPage":{next},"values":[{}]}}"#, values.join(","));
    serde_json::from_str(&json).expect("a page")
}

#[tokio::test]
async fn pages_through_a_mock_in_order() {
    let mut mock = MockInstrumentsApiClient::new();
    let mut sequence = mockall::Sequence::new();
    mock.expect_list_instruments()
        .withf(|params| params.page.is_none())
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Ok(page(&["A", "B"], Some("t1"))));
    mock.expect_list_instruments()
        .withf(|params| params.page.as_deref() == Some("t1"))
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Ok(page(&[], None)));

    assert_eq!(all_ids(&mock, 2).await.expect("ids"), ["A", "B"]);
    mock.checkpoint();
}

#[tokio::test]
async fn pages_through_the_emulator_like_the_request_stream() {
    let emulator = start(Emulator::builder().equities(3)).await;
    let client = lusid::Client::for_emulator(&emulator).expect("a client");
    let api = client.instruments();

    let through_the_trait = all_ids(&api, 50).await.expect("ids");

    let mut expected = Vec::new();
    let mut stream = api.list_instruments().page_size(50).into_stream();
    while let Some(instrument) = stream.try_next().await.expect("an item") {
        expected.push(instrument.lusid_instrument_id);
    }
    assert_eq!(through_the_trait.len(), 181, "several pages of 50");
    assert_eq!(through_the_trait, expected);
}
