//! How failed calls become `lusid_api::Error`.

mod common;

use common::{fake_client, instrument_json, respond};
use http::StatusCode;
use lusid_api::{Error, ProblemDetails};

const NOT_FOUND: &str = r#"{
  "name": "InstrumentNotFound",
  "errorDetails": [],
  "code": 151,
  "type": "https://docs.lusid.com/#section/Error-Codes/151",
  "title": "Could not find the instrument",
  "status": 404,
  "detail": "No instrument with Figi BBG000 exists in scope default.",
  "instance": "https://example.lusid.com/app/insights/logs/0HN5ABC:00000002"
}"#;

#[tokio::test]
async fn a_404_with_problem_details_is_a_status_error() {
    let (client, _) = fake_client(|_| {
        Ok(respond(
            404,
            &[
                ("content-type", "application/json"),
                ("lusid-meta-requestId", "0HN5ABC:00000002"),
            ],
            NOT_FOUND,
        ))
    });
    let error = client
        .instruments()
        .get_instrument("Figi", "BBG000")
        .send()
        .await
        .expect_err("not found");

    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.operation(), Some("GetInstrument"));
    assert_eq!(error.request_id(), Some("0HN5ABC:00000002"));
    let problem = error.problem().expect("problem details");
    assert!(matches!(problem, ProblemDetails::Problem(_)));
    assert_eq!(problem.name(), "InstrumentNotFound");
    assert_eq!(problem.code(), 151);
    let Error::Status { body_excerpt, .. } = &error else {
        panic!("expected a status error, got {error:?}");
    };
    assert!(body_excerpt.contains("InstrumentNotFound"));
    assert_eq!(
        error.to_string(),
        "GetInstrument: HTTP 404 Not Found: InstrumentNotFound: No instrument with Figi BBG000 \
         exists in scope default. (request 0HN5ABC:00000002)"
    );
}

#[tokio::test]
async fn without_the_header_the_request_id_comes_from_the_problem_instance() {
    let (client, _) = fake_client(|_| Ok(respond(404, &[], NOT_FOUND)));
    let error = client
        .instruments()
        .get_instrument("Figi", "BBG000")
        .send()
        .await
        .expect_err("not found");
    assert_eq!(error.request_id(), Some("0HN5ABC:00000002"));
}

#[tokio::test]
async fn a_validation_failure_keeps_the_field_errors() {
    let body = r#"{"name":"InvalidRequestFailure","code":107,"errors":{"limit":["must be at most 5000"]},"title":"Invalid request"}"#;
    let (client, _) = fake_client(move |_| Ok(respond(400, &[], body)));
    let error = client
        .instruments()
        .list_instruments()
        .limit(9000)
        .send()
        .await
        .expect_err("bad request");
    let problem = error.problem().expect("problem");
    assert!(matches!(problem, ProblemDetails::Validation(_)));
    assert_eq!(
        problem.errors().expect("errors")["limit"],
        ["must be at most 5000"]
    );
    assert_eq!(error.request_id(), None);
    assert_eq!(
        error.to_string(),
        "ListInstruments: HTTP 400 Bad Request: InvalidRequestFailure: Invalid request; \
         limit: must be at most 5000"
    );
}

#[tokio::test]
async fn a_non_json_error_body_is_kept_as_text() {
    let (client, _) = fake_client(|_| Ok(respond(502, &[], "<html>Bad Gateway</html>")));
    let error = client
        .instruments()
        .delete_instrument("Figi", "X")
        .send()
        .await
        .expect_err("bad gateway");
    assert!(error.problem().is_none());
    let Error::Status {
        body_excerpt,
        status,
        ..
    } = &error
    else {
        panic!("expected a status error, got {error:?}");
    };
    assert_eq!(*status, StatusCode::BAD_GATEWAY);
    assert_eq!(body_excerpt, "<html>Bad Gateway</html>");
    assert_eq!(error.body_excerpt(), Some("<html>Bad Gateway</html>"));
    assert!(error.is_transient());
    assert_eq!(error.json_path(), None);
    assert_eq!(error.to_string(), "DeleteInstrument: HTTP 502 Bad Gateway");
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error_with_the_json_path() {
    let body = r#"{"nextPage":null,"values":[{"lusidInstrumentId":"LUID_1","version":{"effectiveFrom":"not a date","asAtDate":"2024-01-01T00:00:00Z"},"name":"n","identifiers":{},"state":"Active"}]}"#;
    let (client, _) = fake_client(move |_| Ok(respond(200, &[], body)));
    let error = client
        .instruments()
        .list_instruments()
        .send()
        .await
        .expect_err("malformed");
    let Error::Decode {
        operation,
        path,
        body_excerpt,
        ..
    } = &error
    else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(*operation, "ListInstruments");
    assert_eq!(path, "values[0].version.effectiveFrom");
    assert_eq!(error.json_path(), Some("values[0].version.effectiveFrom"));
    assert_eq!(body_excerpt, body);
    assert!(error.to_string().starts_with(
        "ListInstruments: could not decode the response at `values[0].version.effectiveFrom`"
    ));
}

#[tokio::test]
async fn trailing_garbage_after_the_document_is_a_decode_error() {
    let body = format!("{} trailing", instrument_json("LUID_1"));
    let (client, _) = fake_client(move |_| Ok(respond(200, &[], &body)));
    let error = client
        .instruments()
        .get_instrument("Figi", "X")
        .send()
        .await
        .expect_err("trailing characters");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn a_stack_failure_is_an_http_error_naming_the_operation() {
    let (client, _) = fake_client(|seen| {
        Err(lusid_http::Error::Timeout {
            operation: seen.operation,
            kind: lusid_http::TimeoutKind::Attempt,
            timeout: std::time::Duration::from_secs(30),
            attempts: 3,
        })
    });
    let error = client
        .instruments()
        .get_instrument("Figi", "X")
        .send()
        .await
        .expect_err("timeout");
    assert!(
        matches!(error, Error::Http(lusid_http::Error::Timeout { .. })),
        "{error:?}"
    );
    assert_eq!(error.operation(), Some("GetInstrument"));
    assert_eq!(error.status(), None);
}
