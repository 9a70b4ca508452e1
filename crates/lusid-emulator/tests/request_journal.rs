//! The request journal: `RunningEmulator::requests`.

mod common;

use common::*;
use lusid_emulator::{Fault, JOURNAL_CAPACITY};

#[tokio::test]
async fn records_token_and_api_requests_as_received() {
    let emu = small_emulator().await;
    assert!(emu.requests().is_empty());
    let token = access_token(&emu).await;
    let body = serde_json::json!({"r1": {"name": "A", "identifiers": {"ClientInternal": {"value": "J-1"}}}});
    let resp = api(
        &emu,
        &token,
        "POST",
        "/api/instruments?scope=default&x=%27a%20b%27",
        Some(body.clone()),
    )
    .await;
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    // The metrics route is not an API or token route: not recorded.
    let metrics = send(
        "GET",
        &format!("{}/emulator/metrics", emu.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!(metrics.status, 200);

    let requests = emu.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let grant = &requests[0];
    assert_eq!(grant.method, "POST");
    assert_eq!(grant.uri, "/oauth2/default/v1/token");
    let password = emu.credentials().password.clone();
    assert!(String::from_utf8_lossy(&grant.body).contains(&format!("password={}", enc(&password))));
    let debug = format!("{grant:?}");
    assert!(!debug.contains(&enc(&password)), "{debug}");

    let upsert = &requests[1];
    assert_eq!(upsert.method, "POST");
    assert_eq!(
        upsert.uri,
        "/api/api/instruments?scope=default&x=%27a%20b%27"
    );
    assert_eq!(
        upsert.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(upsert.header("content-type"), Some("application/json"));
    assert_eq!(upsert.json(), Some(body));
    let debug = format!("{upsert:?}");
    assert!(!debug.contains(&token), "{debug}");
    assert!(debug.contains("J-1"), "{debug}");
}

#[tokio::test]
async fn records_refused_faulted_and_unimplemented_requests() {
    let emu = small_emulator().await;
    let no_token = api(&emu, "nope", "GET", "/api/instruments", None).await;
    assert_eq!(no_token.status, 401);
    emu.faults().push_api(Fault::status(503));
    let token = access_token(&emu).await;
    let faulted = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(faulted.status, 503);
    let unimplemented = api(&emu, &token, "GET", "/api/calendars/generic", None).await;
    let uris: Vec<String> = emu.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(
        uris,
        [
            "/api/api/instruments",
            "/oauth2/default/v1/token",
            "/api/api/instruments?limit=1",
            "/api/api/calendars/generic",
        ]
    );
    assert_eq!(unimplemented.status, 501);
    assert_eq!(JOURNAL_CAPACITY, 10_000);
}
