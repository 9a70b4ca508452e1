//! The real transport against the emulator over HTTPS (its generated CA,
//! ALPN) and through the CONNECT proxy fixture: a CA bundle from a PEM file,
//! HTTP/2 or HTTP/1.1 only, an untrusted certificate, an unusable CA file,
//! an authenticating proxy, a wrong proxy password and `NO_PROXY`.
//!
//! Token requests go through the same transport
//! ([`Transport::token_client`]) as the API calls, so every test covers both.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lusid_auth::{AccessToken, OktaClient, PasswordCredentials, StaticTokenProvider, TokenCache};
use lusid_auth::{TokenProvider, secrecy::SecretString};
use lusid_emulator::proxy::{ConnectOutcome, ConnectProxy, RunningProxy};
use lusid_emulator::{Emulator, RunningEmulator};
use lusid_http::{
    Body, BuildError, Error, FailureKind, HttpService, Operation, Proxy, ProxyError, Request,
    RetryPolicy, StackBuilder, Transport, TransportSettings,
};
use tower::ServiceExt;

const PROXY_USER: &str = "corp\\jane";
const PROXY_PASSWORD: &str = "p@ss:w/rd";

async fn tls_emulator() -> RunningEmulator {
    Emulator::builder()
        .equities(5)
        .tls(true)
        .start()
        .await
        .expect("the emulator starts")
}

/// Writes the emulator's CA certificate to a PEM file in `dir`.
fn ca_file(emulator: &RunningEmulator, dir: &Path) -> PathBuf {
    let path = dir.join("corporate-ca.pem");
    let pem = emulator.ca_certificate_pem().expect("a TLS emulator");
    std::fs::write(&path, pem).expect("the CA file is written");
    path
}

/// A retry policy that would retry quickly (so a test proves that a failure
/// is *not* retried, rather than merely slow to be).
fn retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .budget(None)
}

/// The password flow against `emulator`, sending token requests through
/// `transport`.
fn okta_tokens(emulator: &RunningEmulator, transport: &Transport) -> Arc<dyn TokenProvider> {
    let credentials = emulator.credentials();
    let client = OktaClient::new(
        PasswordCredentials::new(
            emulator.token_url().parse().expect("a token URL"),
            credentials.username.clone(),
            SecretString::from(credentials.password.clone()),
            credentials.client_id.clone(),
            SecretString::from(credentials.client_secret.clone()),
        ),
        transport.token_client(),
    )
    .with_retry_policy(retry());
    Arc::new(TokenCache::new(client))
}

/// The stack over one transport built from `settings`, token requests
/// included.
fn stack(emulator: &RunningEmulator, settings: TransportSettings) -> HttpService {
    let transport = Transport::new(&settings).expect("the transport builds");
    StackBuilder::new(
        emulator.lusid_url().parse().expect("a LUSID URL"),
        okta_tokens(emulator, &transport),
    )
    .transport(transport)
    .retry_policy(retry())
    .build()
    .expect("the stack builds")
}

fn list_instruments() -> Request {
    let mut request = http::Request::get("/api/instruments?limit=3")
        .body(Body::empty())
        .expect("a request");
    request.extensions_mut().insert(Operation {
        id: "ListInstruments",
        path_template: "/api/instruments",
        idempotent: true,
    });
    request
}

/// Lists three instruments and checks the page.
async fn list(service: &HttpService) -> Result<(), Error> {
    let response = service.clone().oneshot(list_instruments()).await?;
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect_bytes().await.expect("a body");
    let page: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(page["values"].as_array().map(Vec::len), Some(3), "{page}");
    Ok(())
}

/// Every message in `error`'s source chain, joined.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        text.push_str(" | ");
        text.push_str(&current.to_string());
        cause = current.source();
    }
    text
}

/// The [`ProxyError`] in `error`'s source chain, if any.
fn proxy_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a ProxyError> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(proxy) = current.downcast_ref::<ProxyError>() {
            return Some(proxy);
        }
        cause = current.source();
    }
    None
}

fn authenticated_proxy(proxy: &RunningProxy, password: &str) -> Proxy {
    Proxy::new(&proxy.url().parse().expect("a proxy URL"))
        .expect("a proxy")
        .basic_auth(PROXY_USER, password)
}

#[tokio::test]
async fn https_with_a_ca_bundle_from_a_pem_file_negotiates_http2() {
    let emulator = tls_emulator().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let settings = TransportSettings::default().ca_bundle(Some(ca_file(&emulator, dir.path())));
    let service = stack(&emulator, settings);

    list(&service).await.expect("the call succeeds over HTTPS");
    list(&service)
        .await
        .expect("and again, on the pooled connection");

    let metrics = emulator.metrics();
    assert_eq!(metrics.grants("password"), 1, "{metrics:?}");
    // The token request and both API calls.
    assert!(metrics.http_version_count("HTTP/2") >= 3, "{metrics:?}");
    assert_eq!(metrics.http_version_count("HTTP/1.1"), 0, "{metrics:?}");
}

#[tokio::test]
async fn http2_false_speaks_http1_only() {
    let emulator = tls_emulator().await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let settings = TransportSettings::default()
        .ca_bundle(Some(ca_file(&emulator, dir.path())))
        .http2(false);
    let service = stack(&emulator, settings);

    list(&service)
        .await
        .expect("the call succeeds over HTTP/1.1");

    let metrics = emulator.metrics();
    assert!(metrics.http_version_count("HTTP/1.1") >= 2, "{metrics:?}");
    assert_eq!(metrics.http_version_count("HTTP/2"), 0, "{metrics:?}");
}

#[tokio::test]
async fn an_untrusted_certificate_fails_at_once_naming_the_host() {
    let emulator = tls_emulator().await;
    let host = format!("127.0.0.1:{}", emulator.addr().port());

    // An API call (with a token at hand): a Transport error, not retried.
    let transport = Transport::new(&TransportSettings::default()).expect("a transport");
    let service = StackBuilder::new(
        emulator.lusid_url().parse().expect("a LUSID URL"),
        Arc::new(StaticTokenProvider::new(AccessToken::new("t"))),
    )
    .transport(transport.clone())
    .retry_policy(retry())
    .build()
    .expect("the stack builds");
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(10), list(&service))
        .await
        .expect("never a hang")
        .expect_err("the emulator's CA is not trusted");
    assert!(started.elapsed() < Duration::from_secs(2), "no retries");
    match &error {
        Error::Transport {
            kind,
            attempts,
            url,
            ..
        } => {
            assert_eq!(*kind, FailureKind::Tls);
            assert_eq!(*attempts, 1, "a certificate failure is not retried");
            assert!(url.contains(&host), "{url}");
        }
        other => panic!("expected a TLS failure, got {other:?}"),
    }
    assert!(!error.is_transient());
    let text = chain(&error);
    assert!(text.contains(&host), "names the host: {text}");
    assert!(text.contains("TLS"), "says what failed: {text}");
    assert!(text.contains("certificate"), "says why: {text}");

    // A token request through the same transport: the token client does not
    // retry it either, and the stack does not retry the token failure.
    let service = StackBuilder::new(
        emulator.lusid_url().parse().expect("a LUSID URL"),
        okta_tokens(&emulator, &transport),
    )
    .transport(transport.clone())
    .retry_policy(retry())
    .build()
    .expect("the stack builds");
    let error = list(&service)
        .await
        .expect_err("the token endpoint is untrusted");
    match &error {
        Error::Auth { source, .. } => {
            assert!(
                matches!(source, lusid_auth::Error::Transport { attempts: 1, .. }),
                "{source:?}"
            );
            assert_eq!(source.failure_kind(), Some(FailureKind::Tls));
            let text = chain(source);
            assert!(text.contains(&host), "names the host: {text}");
            assert!(text.contains("certificate"), "says why: {text}");
        }
        other => panic!("expected the token request to fail, got {other:?}"),
    }
    let metrics = emulator.metrics();
    assert_eq!(
        metrics.http_versions.values().sum::<u64>(),
        0,
        "{metrics:?}"
    );
}

#[tokio::test]
async fn a_missing_or_malformed_ca_file_is_a_build_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing = dir.path().join("missing-ca.pem");
    let garbage = dir.path().join("garbage-ca.pem");
    std::fs::write(&garbage, "this is not PEM\n").expect("written");
    let broken = dir.path().join("broken-ca.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    )
    .expect("written");
    for path in [missing, garbage, broken] {
        let settings = TransportSettings::default().ca_bundle(Some(path.clone()));
        let error = Transport::new(&settings).expect_err("an unusable CA bundle");
        match &error {
            BuildError::CaBundle { path: named, .. } => assert_eq!(named, &path),
            other => panic!("expected a CA bundle error, got {other:?}"),
        }
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_explicit_proxy_with_a_password_tunnels_token_and_api_requests() {
    let emulator = tls_emulator().await;
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .expect("the proxy starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let settings = TransportSettings::default()
        .ca_bundle(Some(ca_file(&emulator, dir.path())))
        .proxy(Some(authenticated_proxy(&proxy, PROXY_PASSWORD)));
    let service = stack(&emulator, settings);

    list(&service)
        .await
        .expect("the call succeeds through the proxy");

    let target = format!("127.0.0.1:{}", emulator.addr().port());
    let connects = proxy.connects();
    assert!(!connects.is_empty(), "the proxy was used");
    for connect in &connects {
        assert_eq!(connect.target, target, "{connects:?}");
        assert_eq!(connect.outcome, ConnectOutcome::Tunnelled, "{connects:?}");
    }
    assert_eq!(emulator.metrics().grants("password"), 1);
}

#[tokio::test]
async fn a_wrong_proxy_password_is_a_clear_407_error_not_retried() {
    let emulator = tls_emulator().await;
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .expect("the proxy starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let ca = ca_file(&emulator, dir.path());
    let settings = TransportSettings::default()
        .ca_bundle(Some(ca))
        .proxy(Some(authenticated_proxy(&proxy, "wrong-secret")));
    let transport = Transport::new(&settings).expect("the transport builds");
    let refused = |proxy: &RunningProxy| {
        proxy
            .connects()
            .into_iter()
            .filter(|connect| connect.outcome == ConnectOutcome::AuthenticationRequired)
            .count()
    };

    // An API call: the transport's error.
    let service = StackBuilder::new(
        emulator.lusid_url().parse().expect("a LUSID URL"),
        Arc::new(StaticTokenProvider::new(AccessToken::new("t"))),
    )
    .transport(transport.clone())
    .retry_policy(retry())
    .build()
    .expect("the stack builds");
    let error = list(&service).await.expect_err("the proxy refuses");
    match &error {
        Error::Transport { kind, attempts, .. } => {
            assert_eq!(*kind, FailureKind::Other, "a refusal, not an outage");
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(!error.is_transient());
    assert!(
        matches!(
            proxy_error(&error),
            Some(ProxyError::AuthenticationRequired { .. })
        ),
        "{error:?}"
    );
    let text = chain(&error);
    assert!(text.contains("407"), "{text}");
    assert!(text.contains("proxy username and password"), "{text}");
    assert!(
        !text.contains("wrong-secret"),
        "no password in errors: {text}"
    );
    assert!(!format!("{error:?}").contains("wrong-secret"));
    assert_eq!(refused(&proxy), 1, "a 407 is not retried");

    // A token request: the token client does not retry it either.
    let service = StackBuilder::new(
        emulator.lusid_url().parse().expect("a LUSID URL"),
        okta_tokens(&emulator, &transport),
    )
    .transport(transport)
    .retry_policy(retry())
    .build()
    .expect("the stack builds");
    let error = list(&service).await.expect_err("the proxy refuses");
    match &error {
        Error::Auth { source, .. } => {
            assert!(
                matches!(source, lusid_auth::Error::Transport { attempts: 1, .. }),
                "{source:?}"
            );
            assert_eq!(source.failure_kind(), Some(FailureKind::Other));
            assert!(
                matches!(
                    proxy_error(source),
                    Some(ProxyError::AuthenticationRequired { .. })
                ),
                "{source:?}"
            );
            assert!(!chain(source).contains("wrong-secret"));
        }
        other => panic!("expected the token request to fail, got {other:?}"),
    }
    assert_eq!(refused(&proxy), 2, "one more CONNECT, not retried");
    assert!(proxy.tunnelled_targets().is_empty());
    assert_eq!(emulator.metrics().grants("password"), 0);
}

#[tokio::test]
async fn no_proxy_bypasses_the_proxy() {
    let emulator = tls_emulator().await;
    // A proxy that would refuse the client: it has no credentials for it.
    let proxy = ConnectProxy::builder()
        .basic_auth(PROXY_USER, PROXY_PASSWORD)
        .start()
        .await
        .expect("the proxy starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let bypassing = Proxy::new(&proxy.url().parse().expect("a proxy URL"))
        .expect("a proxy")
        .no_proxy("127.0.0.1");
    let settings = TransportSettings::default()
        .ca_bundle(Some(ca_file(&emulator, dir.path())))
        .proxy(Some(bypassing));
    let service = stack(&emulator, settings);

    list(&service)
        .await
        .expect("the call connects directly to 127.0.0.1");

    assert!(proxy.connects().is_empty(), "{:?}", proxy.connects());
    assert_eq!(emulator.metrics().grants("password"), 1);
}
