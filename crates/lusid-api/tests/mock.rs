//! The tag traits: code written against `&dyn InstrumentsApiClient` runs
//! against the mockall mock (the `mock` feature, enabled by this crate's
//! dev-dependency on itself) and against the real client alike.

mod common;

use common::{fake_client, instrument_json, respond};
use lusid_api::{
    Error, GetInstrumentParams, GetInstrumentRequest, InstrumentsApiClient, ListInstrumentsParams,
    MockInstrumentsApiClient, StatusCode,
};
use lusid_models::{Instrument, PagedResourceListOfInstrument};

/// Code under test: the names of the active instruments on the first page.
async fn active_names(api: &dyn InstrumentsApiClient) -> Result<Vec<String>, Error> {
    let mut params = ListInstrumentsParams::new();
    params.filter = Some("State eq 'Active'".to_owned());
    params.limit = Some(2);
    let page = api.list_instruments(params).await?;
    Ok(page.values.into_iter().map(|i| i.name).collect())
}

/// Code under test: whether an instrument exists, a 404 meaning no.
async fn exists(api: &impl InstrumentsApiClient, figi: &str) -> Result<bool, Error> {
    match api
        .get_instrument(GetInstrumentParams::new("Figi", figi))
        .await
    {
        Ok(_) => Ok(true),
        Err(Error::Status { status, .. }) if status == StatusCode::NOT_FOUND => Ok(false),
        Err(error) => Err(error),
    }
}

fn page(ids: &[&str]) -> PagedResourceListOfInstrument {
    let values: Vec<String> = ids.iter().map(|id| instrument_json(id)).collect();
    let json = format!(r#"{{"nextPage":null,"values":[{}]}}"#, values.join(","));
    serde_json::from_str(&json).expect("page")
}

#[tokio::test]
async fn a_mock_answers_and_its_expectation_sees_every_parameter() {
    let mut mock = MockInstrumentsApiClient::new();
    mock.expect_list_instruments()
        .withf(|params| {
            params.filter.as_deref() == Some("State eq 'Active'")
                && params.limit == Some(2)
                && params.page.is_none()
                && params.as_at.is_none()
        })
        .times(1)
        .returning(|_| Ok(page(&["LUID_1", "LUID_2"])));

    let names = active_names(&mock).await.expect("names");

    assert_eq!(names, ["Instrument LUID_1", "Instrument LUID_2"]);
    mock.checkpoint();
}

#[tokio::test]
async fn a_mock_can_fail_with_an_error_status() {
    let mut mock = MockInstrumentsApiClient::new();
    mock.expect_get_instrument()
        .withf(|params| params.identifier_type == "Figi" && params.identifier == "BBG000MISSING")
        .returning(|_| {
            Err(Error::Status {
                operation: "GetInstrument",
                status: StatusCode::NOT_FOUND,
                request_id: None,
                problem: None,
                body_excerpt: String::new(),
            })
        });
    mock.expect_get_instrument()
        .withf(|params| params.identifier == "BBG000BLNNH6")
        .returning(|_| {
            let instrument: Instrument =
                serde_json::from_str(&instrument_json("LUID_1")).expect("instrument");
            Ok(instrument)
        });

    assert!(!exists(&mock, "BBG000MISSING").await.expect("404 is no"));
    assert!(exists(&mock, "BBG000BLNNH6").await.expect("found"));
}

#[tokio::test]
async fn the_client_implements_the_trait_with_the_builders_request() {
    let (client, log) =
        fake_client(|_| Ok(respond(200, &[], r#"{"nextPage":"next","values":[]}"#)));
    let api = client.instruments();

    let via_trait = active_names(&api).await.expect("names");
    let via_builder = api
        .list_instruments()
        .filter("State eq 'Active'")
        .limit(2)
        .send()
        .await
        .expect("page");

    assert!(via_trait.is_empty());
    assert_eq!(via_builder.next_page.as_deref(), Some("next"));
    let log = log.lock().expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].uri, log[1].uri);
    assert_eq!(
        log[0].uri,
        "/api/instruments?limit=2&filter=State%20eq%20%27Active%27"
    );
    assert_eq!(log[0].operation.map(|op| op.id), Some("ListInstruments"));
}

#[test]
fn a_request_builder_exposes_its_parameters() {
    let (client, _log) = fake_client(|_| Ok(respond(200, &[], "{}")));
    let request = client
        .instruments()
        .get_instrument("Figi", "BBG000BLNNH6")
        .scope("s")
        .property_keys(["Instrument/default/Name"]);

    let mut expected = GetInstrumentParams::new("Figi", "BBG000BLNNH6");
    expected.scope = Some("s".to_owned());
    expected.property_keys = vec!["Instrument/default/Name".to_owned()];
    assert_eq!(request.params(), &expected);
    assert_eq!(request.into_params().scope.as_deref(), Some("s"));
}

#[tokio::test]
async fn a_request_built_from_params_sends_what_the_setters_send() {
    let (client, log) = fake_client(|_| Ok(respond(200, &[], &instrument_json("LUID_1"))));
    let api = client.instruments();
    let mut params = GetInstrumentParams::new("Figi", "BBG000BLNNH6");
    params.scope = Some("s".to_owned());

    GetInstrumentRequest::from_params(&api, params)
        .send()
        .await
        .expect("instrument");
    api.get_instrument("Figi", "BBG000BLNNH6")
        .scope("s")
        .send()
        .await
        .expect("instrument");

    let log = log.lock().expect("log");
    assert_eq!(log[0].uri, "/api/instruments/Figi/BBG000BLNNH6?scope=s");
    assert_eq!(log[0].uri, log[1].uri);
}

/// Code under test: every instrument id of a listing, through the trait.
async fn all_ids(api: &dyn InstrumentsApiClient) -> Result<Vec<String>, Error> {
    let mut params = ListInstrumentsParams::new();
    params.limit = Some(2);
    let mut instruments = lusid_api::paginate(params, |params| api.list_instruments(params));
    let mut ids = Vec::new();
    while let Some(instrument) = instruments.try_next().await? {
        ids.push(instrument.lusid_instrument_id);
    }
    Ok(ids)
}

fn page_with_next(ids: &[&str], next: Option<&str>) -> PagedResourceListOfInstrument {
    let mut page = page(ids);
    page.next_page = next.map(str::to_owned);
    page
}

#[tokio::test]
async fn paginate_follows_the_pages_of_a_mock_in_order() {
    let mut mock = MockInstrumentsApiClient::new();
    let mut sequence = mockall::Sequence::new();
    mock.expect_list_instruments()
        .withf(|params| params.page.is_none() && params.limit == Some(2))
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Ok(page_with_next(&["A", "B"], Some("t1"))));
    mock.expect_list_instruments()
        .withf(|params| params.page.as_deref() == Some("t1") && params.limit == Some(2))
        .times(1)
        .in_sequence(&mut sequence)
        .returning(|_| Ok(page_with_next(&[], None)));

    let ids = all_ids(&mock).await.expect("ids");

    assert_eq!(ids, ["A", "B"]);
    mock.checkpoint();
}

#[tokio::test]
async fn paginate_pages_stops_at_the_first_error() {
    let mut mock = MockInstrumentsApiClient::new();
    mock.expect_list_instruments()
        .withf(|params| params.page.is_none())
        .returning(|_| Ok(page_with_next(&["A"], Some("t1"))));
    mock.expect_list_instruments()
        .withf(|params| params.page.as_deref() == Some("t1"))
        .times(1)
        .returning(|_| {
            Err(Error::Status {
                operation: "ListInstruments",
                status: StatusCode::INTERNAL_SERVER_ERROR,
                request_id: None,
                problem: None,
                body_excerpt: String::new(),
            })
        });

    let mut pages = lusid_api::paginate_pages(ListInstrumentsParams::new(), |params| {
        mock.list_instruments(params)
    });
    let first = pages.try_next().await.expect("first page").expect("a page");
    assert_eq!(first.values.len(), 1);
    let error = pages.try_next().await.expect_err("second page fails");
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(pages.try_next().await.expect("ended").is_none());
}
