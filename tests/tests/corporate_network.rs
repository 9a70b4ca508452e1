//! The SDK as a corporate user meets it: HTTPS with a TLS-inspecting CA,
//! an authenticating CONNECT proxy, `NO_PROXY`, and a throttled token
//! endpoint. Token requests and API calls go through the one transport.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use lusid::auth::Config;
use lusid::stack::FailureKind;
use lusid_emulator::proxy::{ConnectOutcome, ConnectProxy};
use lusid_emulator::{Emulator, FaultProfile, FaultRates, RunningEmulator};
use lusid_integration_tests::start;

const PROXY_USER: &str = "corp\\jane";
const PROXY_PASSWORD: &str = "p@ss:w/rd";

/// The password flow against `emulator`, with `lusid_url`/`token_url`
/// possibly naming another host for the same emulator.
fn config(
    emulator: &RunningEmulator,
    lusid_url: String,
    token_url: String,
) -> lusid::auth::ConfigBuilder {
    let credentials = emulator.credentials();
    Config::builder()
        .with_env_vars(|_| None)
        .lusid_url(lusid_url)
        .token_url(token_url)
        .username(credentials.username.clone())
        .password(credentials.password.clone())
        .client_id(credentials.client_id.clone())
        .client_secret(credentials.client_secret.clone())
}

fn ca_file(emulator: &RunningEmulator, dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("corporate-ca.pem");
    emulator
        .write_ca_certificate(&path)
        .expect("the CA is written");
    path
}

async fn tls_emulator(http2: bool) -> RunningEmulator {
    start(Emulator::builder().equities(30).tls(true).http2(http2)).await
}

async fn extract(client: &lusid::Client) -> Result<Vec<String>, lusid::Error> {
    client
        .instruments()
        .list_instruments()
        .page_size(50)
        .into_stream()
        .map_ok(|instrument| instrument.lusid_instrument_id)
        .try_collect()
        .await
}

#[tokio::test]
async fn the_main_extraction_over_https_negotiates_http2() {
    let emulator = tls_emulator(true).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .client_certificate(ca_file(&emulator, &dir))
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    let luids = extract(&client).await.expect("the extraction succeeds");
    assert_eq!(luids.len(), 178 + 30);
    assert_eq!(luids[0], "CCY_AED");
    let metrics = emulator.metrics();
    assert!(metrics.http_version_count("HTTP/2") >= 5, "{metrics:?}");
    assert_eq!(metrics.http_version_count("HTTP/1.1"), 0, "{metrics:?}");
}

#[tokio::test]
async fn the_main_extraction_over_https_with_http1_only() {
    let emulator = tls_emulator(false).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .client_certificate(ca_file(&emulator, &dir))
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    assert_eq!(extract(&client).await.unwrap().len(), 208);
    let metrics = emulator.metrics();
    assert!(metrics.http_version_count("HTTP/1.1") >= 5, "{metrics:?}");
    assert_eq!(metrics.http_version_count("HTTP/2"), 0, "{metrics:?}");
}

#[tokio::test]
async fn the_ca_bundle_comes_from_the_secrets_file_or_fbn_client_certificate() {
    let emulator = tls_emulator(true).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    emulator.write_secrets(&secrets).expect("secrets written");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secrets).unwrap()).unwrap();
    assert!(written["api"]["clientCertificate"].is_string(), "{written}");
    let from_file = Config::builder()
        .with_env_vars(|_| None)
        .with_secrets_file(&secrets)
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(from_file).build().unwrap();
    assert_eq!(extract(&client).await.unwrap().len(), 208);

    let ca = ca_file(&emulator, &dir).display().to_string();
    let credentials = emulator.credentials().clone();
    let (lusid_url, token_url) = (emulator.lusid_url(), emulator.token_url());
    let from_env = Config::builder()
        .with_env_vars(move |name| match name {
            "FBN_LUSID_URL" => Some(lusid_url.clone()),
            "FBN_TOKEN_URL" => Some(token_url.clone()),
            "FBN_USERNAME" => Some(credentials.username.clone()),
            "FBN_PASSWORD" => Some(credentials.password.clone()),
            "FBN_CLIENT_ID" => Some(credentials.client_id.clone()),
            "FBN_CLIENT_SECRET" => Some(credentials.client_secret.clone()),
            "FBN_CLIENT_CERTIFICATE" => Some(ca.clone()),
            _ => None,
        })
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(from_env).build().unwrap();
    assert_eq!(extract(&client).await.unwrap().len(), 208);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_clear_tls_error_at_once() {
    let emulator = tls_emulator(true).await;
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(10), extract(&client))
        .await
        .expect("never a hang")
        .expect_err("the emulator's CA is not trusted");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no retries: {:?}",
        started.elapsed()
    );
    let chain = error_chain(&error);
    assert!(chain.contains("127.0.0.1"), "names the host: {chain}");
    assert!(chain.contains("certificate"), "says what failed: {chain}");
    match error {
        lusid::Error::Http(lusid::stack::Error::Auth { source, .. }) => match &source {
            lusid::auth::Error::Transport { attempts, .. } => {
                assert_eq!(*attempts, 1, "a certificate failure is not retried");
                assert_eq!(source.failure_kind(), Some(FailureKind::Tls));
            }
            other => panic!("expected a transport failure, got {other:?}"),
        },
        other => panic!("expected the token request to fail, got {other:?}"),
    }
    // Nothing was served, in plain HTTP or otherwise.
    assert_eq!(emulator.metrics().grants("password"), 0);
}

#[tokio::test]
async fn a_missing_or_malformed_ca_bundle_is_a_configuration_error_naming_the_file() {
    let emulator = tls_emulator(true).await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing-ca.pem");
    let garbage = dir.path().join("garbage-ca.pem");
    std::fs::write(&garbage, "this is not PEM\n").unwrap();
    for path in [missing, garbage] {
        let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
            .client_certificate(&path)
            .build()
            .unwrap();
        let error = lusid::Client::builder()
            .config(config)
            .build()
            .expect_err("an unusable CA bundle");
        assert!(
            matches!(
                &error,
                lusid::BuildError::Stack(lusid::stack::BuildError::CaBundle { .. })
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }
}

#[tokio::test]
async fn token_and_api_requests_tunnel_through_an_authenticating_proxy() {
    let emulator = tls_emulator(true).await;
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = emulator.addr().port();
    // The token endpoint by name, the API by address: two tunnel targets.
    let token_url = format!("https://localhost:{port}/oauth2/default/v1/token");
    let config = config(&emulator, emulator.lusid_url(), token_url)
        .client_certificate(ca_file(&emulator, &dir))
        .proxy_address(proxy.url())
        .proxy_username(PROXY_USER)
        .proxy_password(PROXY_PASSWORD)
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    assert_eq!(extract(&client).await.unwrap().len(), 208);
    let tunnelled = proxy.tunnelled_targets();
    assert!(
        tunnelled.contains(&format!("localhost:{port}")),
        "the token request went through the proxy: {tunnelled:?}"
    );
    assert!(
        tunnelled.contains(&format!("127.0.0.1:{port}")),
        "the API calls went through the proxy: {tunnelled:?}"
    );
    assert_eq!(emulator.metrics().grants("password"), 1);
}

#[tokio::test]
async fn a_wrong_proxy_password_is_a_clear_407_error_not_retried() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .unwrap();
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .proxy_address(proxy.url())
        .proxy_username(PROXY_USER)
        .proxy_password("wrong")
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    let error = extract(&client).await.expect_err("the proxy refuses");
    let chain = error_chain(&error);
    assert!(chain.contains("407"), "{chain}");
    assert!(chain.contains("proxy username and password"), "{chain}");
    assert!(!chain.contains("wrong"), "no password in errors: {chain}");
    let refused: Vec<_> = proxy
        .connects()
        .into_iter()
        .filter(|connect| connect.outcome == ConnectOutcome::AuthenticationRequired)
        .collect();
    assert_eq!(refused.len(), 1, "a 407 is not retried: {refused:?}");
    assert_eq!(emulator.metrics().grants("password"), 0);
}

#[tokio::test]
async fn no_proxy_bypasses_the_proxy() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .unwrap();
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .proxy_address(proxy.url())
        .proxy_username(PROXY_USER)
        .proxy_password(PROXY_PASSWORD)
        .no_proxy("127.0.0.1")
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    assert_eq!(extract(&client).await.unwrap().len(), 179);
    assert!(proxy.connects().is_empty(), "{:?}", proxy.connects());
}

#[tokio::test]
async fn an_environment_proxy_is_read_with_no_proxy_and_never_takes_loopback() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .unwrap();
    let proxy_url = proxy.url_with_credentials();
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .with_env_vars(move |name| match name {
            "HTTPS_PROXY" => Some(proxy_url.clone()),
            "NO_PROXY" => Some(".internal.acme.com".to_owned()),
            _ => None,
        })
        .build()
        .unwrap();
    let proxy_config = config.environment_proxy().expect("HTTPS_PROXY is read");
    assert_eq!(proxy_config.username(), Some(PROXY_USER));
    assert_eq!(config.no_proxy(), Some(".internal.acme.com"));
    let shown: Vec<_> = config
        .settings()
        .iter()
        .map(|setting| format!("{} {}", setting.name(), setting.display_value()))
        .collect();
    assert!(
        shown
            .iter()
            .all(|line| !line.contains(PROXY_PASSWORD) && !line.contains("p%40ss")),
        "{shown:?}"
    );
    let client = lusid::Client::builder().config(config).build().unwrap();
    assert_eq!(extract(&client).await.unwrap().len(), 179);
    assert!(proxy.connects().is_empty(), "loopback goes direct");
}

#[test]
fn a_plain_http_lusid_url_to_a_remote_host_is_refused() {
    let error = Config::builder()
        .with_env_vars(|name| match name {
            "FBN_LUSID_URL" => Some("http://lusid.invalid/api".to_owned()),
            "FBN_ACCESS_TOKEN" => Some("pat".to_owned()),
            _ => None,
        })
        .build()
        .expect_err("a bearer token must not travel in clear text");
    let text = error.to_string();
    assert!(
        text.contains("FBN_LUSID_URL") && text.contains("https"),
        "{text}"
    );
    for loopback in [
        "http://127.0.0.1:9/api",
        "http://localhost:9/api",
        "http://[::1]:9/api",
    ] {
        Config::builder()
            .with_env_vars(|_| None)
            .lusid_url(loopback)
            .access_token("pat")
            .build()
            .expect("loopback may be plain http");
    }
}

/// Under a token endpoint that answers 429 forever, one call makes exactly
/// `rateLimitRetries + 1` token requests and waits what the headers ask.
#[tokio::test]
async fn a_token_endpoint_throttling_forever_gets_rate_limit_retries_plus_one_requests() {
    let mut rates = FaultRates::default();
    rates.throttle = 1.0;
    rates.retry_after_wait = Duration::from_secs(1);
    let emulator = start(
        Emulator::builder()
            .equities(1)
            .fault_profile(FaultProfile::new(7).token(rates)),
    )
    .await;
    let config = config(&emulator, emulator.lusid_url(), emulator.token_url())
        .rate_limit_retries(2)
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();
    let started = Instant::now();
    let error = client
        .instruments()
        .list_instruments()
        .limit(1)
        .send()
        .await
        .expect_err("the token endpoint never relents");
    let waited = started.elapsed();
    let metrics = emulator.metrics();
    assert_eq!(metrics.route_count("Token", 429), 3, "{metrics:?}");
    assert!(
        waited >= Duration::from_millis(1900),
        "waited what Retry-After asked: {waited:?}"
    );
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    assert_eq!(metrics.api_total("ListInstruments"), 0);
    assert!(
        matches!(
            &error,
            lusid::Error::Http(lusid::stack::Error::Auth {
                source: lusid::auth::Error::RateLimited { attempts: 3, .. },
                ..
            })
        ),
        "{error:?}"
    );
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(" | ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}
