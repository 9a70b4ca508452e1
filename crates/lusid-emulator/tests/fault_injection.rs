//! Fault injection: scripts, random profiles, dropped connections, raw
//! header casing, Okta's rate-limit headers, latency and the metrics route.

mod common;

use std::time::{Duration, Instant};

use common::{access_token, api, password_grant, send, small_emulator};
use lusid_emulator::{Emulator, Fault, FaultProfile, FaultRates, RetryAfterStyle, RunningEmulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one raw HTTP/1.1 request and reads until the server closes.
async fn raw_exchange(emu: &RunningEmulator, path: &str, token: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(emu.addr()).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\r\n",
        emu.addr()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    out
}

#[tokio::test]
async fn scripted_sequence_429_429_200_is_served_in_order() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    emu.faults()
        .push_api_script("429:0.5,429,200,503")
        .expect("script parses");
    let mut statuses = Vec::new();
    let mut retry_afters = Vec::new();
    for _ in 0..5 {
        let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
        statuses.push(resp.status);
        retry_afters.push(resp.header("retry-after").map(str::to_owned));
        assert!(resp.header("lusid-meta-requestId").is_some());
    }
    assert_eq!(statuses, [429, 429, 200, 503, 200]);
    assert_eq!(retry_afters[0].as_deref(), Some("0.5"));
    assert_eq!(retry_afters[1], None);
    let metrics = emu.metrics();
    assert_eq!(metrics.route_count("ListInstruments", 429), 2);
    assert_eq!(metrics.route_count("ListInstruments", 200), 2);
    assert_eq!(metrics.api_count("ListInstruments", 503), 1);
    assert_eq!(metrics.faults_served, 3, "200 entries are not faults");
}

#[tokio::test]
async fn dropped_connection_gets_no_response_and_later_requests_work() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    emu.faults().push_api(Fault::Drop);
    let bytes = raw_exchange(&emu, "/api/api/instruments?limit=1", &token).await;
    assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(emu.metrics().dropped_total(), 1);
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn retry_after_header_name_can_arrive_in_another_case() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    emu.faults()
        .push_api(RetryAfterStyle::UpperCaseName.fault(429, Duration::from_secs(2)));
    let bytes = raw_exchange(&emu, "/api/api/instruments", &token).await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.starts_with("HTTP/1.1 429 Too Many Requests\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nRETRY-AFTER: 2\r\n"), "{text}");
    assert!(text.contains("\r\nlusid-meta-requestId: "), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_str(body).expect("problem JSON");
    assert_eq!(problem["name"], "ApiRateLimitViolation");
    assert_eq!(problem["code"], 103);
}

#[tokio::test]
async fn retry_after_styles_on_the_wire() {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    let wait = Duration::from_millis(1500);
    for (style, check) in [
        (RetryAfterStyle::Seconds, "2"),
        (RetryAfterStyle::FractionalSeconds, "1.500"),
    ] {
        emu.faults().push_api(style.fault(429, wait));
        let resp = api(&emu, &token, "GET", "/api/instruments", None).await;
        assert_eq!(resp.status, 429);
        assert_eq!(resp.header("Retry-After"), Some(check));
    }
    emu.faults()
        .push_api(RetryAfterStyle::HttpDate.fault(429, wait));
    let resp = api(&emu, &token, "GET", "/api/instruments", None).await;
    let date = resp.header("retry-after").expect("Retry-After");
    let parsed = time::PrimitiveDateTime::parse(
        date,
        time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ),
    )
    .expect("IMF-fixdate")
    .assume_utc();
    assert!(parsed > time::OffsetDateTime::now_utc(), "{date}");
    emu.faults()
        .push_api(RetryAfterStyle::Absent.fault(429, wait));
    let resp = api(&emu, &token, "GET", "/api/instruments", None).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), None);
}

#[tokio::test]
async fn token_throttling_carries_okta_rate_limit_headers() {
    let emu = small_emulator().await;
    emu.faults().push_token(Fault::status(429));
    let resp = password_grant(&emu, "openid").await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.json()["errorCode"], "E0000047");
    assert_eq!(resp.header("x-rate-limit-limit"), Some("600"));
    assert_eq!(resp.header("x-rate-limit-remaining"), Some("0"));
    let reset: i64 = resp
        .header("x-rate-limit-reset")
        .and_then(|v| v.parse().ok())
        .expect("X-Rate-Limit-Reset in epoch seconds");
    assert!(reset >= time::OffsetDateTime::now_utc().unix_timestamp());
    assert_eq!(password_grant(&emu, "openid").await.status, 200);
    assert_eq!(emu.metrics().route_count("Token", 429), 1);
}

async fn statuses_with(profile: FaultProfile, requests: usize) -> Vec<u16> {
    let emu = Emulator::builder()
        .equities(5)
        .fault_profile(profile)
        .start()
        .await
        .expect("start");
    // The profile also covers the token endpoint; this one has no token faults.
    let token = access_token(&emu).await;
    let mut out = Vec::new();
    for _ in 0..requests {
        out.push(
            api(&emu, &token, "GET", "/api/instruments?limit=1", None)
                .await
                .status,
        );
    }
    out
}

fn api_rates() -> FaultRates {
    let mut rates = FaultRates::default();
    rates.throttle = 0.3;
    rates.server_error = 0.2;
    rates
}

#[tokio::test]
async fn random_faults_are_deterministic_for_a_seed() {
    let a = statuses_with(FaultProfile::new(9).api(api_rates()), 40).await;
    let b = statuses_with(FaultProfile::new(9).api(api_rates()), 40).await;
    let c = statuses_with(FaultProfile::new(10).api(api_rates()), 40).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.contains(&429) && a.contains(&200), "{a:?}");
    assert!(a.iter().any(|s| [500, 502, 503, 504].contains(s)), "{a:?}");
    assert!(
        a.iter().all(|s| [200, 429, 500, 502, 503, 504].contains(s)),
        "{a:?}"
    );
}

#[tokio::test]
async fn token_faults_from_the_profile_and_latency() {
    let mut token = FaultRates::default();
    token.throttle = 1.0;
    let mut api_latency = FaultRates::default();
    api_latency.latency = Duration::from_millis(150);
    let emu = Emulator::builder()
        .equities(5)
        .fault_profile(FaultProfile::new(1).token(token).api(api_latency))
        .start()
        .await
        .expect("start");
    assert_eq!(password_grant(&emu, "openid").await.status, 429);
    emu.faults().set_profile(FaultProfile::new(1).api({
        let mut r = FaultRates::default();
        r.latency = Duration::from_millis(150);
        r
    }));
    let token = access_token(&emu).await;
    let started = Instant::now();
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(resp.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn builder_scripts_and_metrics_route() {
    let emu = Emulator::builder()
        .equities(5)
        .api_faults(Fault::parse_script("503,200").expect("script"))
        .token_faults([Fault::status(500)])
        .start()
        .await
        .expect("start");
    assert_eq!(password_grant(&emu, "openid").await.status, 500);
    let token = access_token(&emu).await;
    assert_eq!(
        api(&emu, &token, "GET", "/api/instruments", None)
            .await
            .status,
        503
    );
    assert_eq!(
        api(&emu, &token, "GET", "/api/instruments", None)
            .await
            .status,
        200
    );
    assert_eq!(
        api(&emu, &token, "GET", "/api/calendars/generic", None)
            .await
            .status,
        501
    );

    let resp = send(
        "GET",
        &format!("{}/emulator/metrics", emu.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!(resp.status, 200);
    let metrics = resp.json();
    assert_eq!(metrics["tokenGrants"]["password"], 1);
    assert_eq!(metrics["routes"]["Token"]["500"], 1);
    assert_eq!(metrics["routes"]["Token"]["200"], 1);
    assert_eq!(metrics["routes"]["ListInstruments"]["503"], 1);
    assert_eq!(metrics["routes"]["ListInstruments"]["200"], 1);
    assert_eq!(metrics["routes"]["ListCalendars"]["501"], 1);
    assert_eq!(metrics["apiRequests"]["ListInstruments"]["200"], 1);
}
