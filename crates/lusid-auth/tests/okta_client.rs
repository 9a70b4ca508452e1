//! `OktaClient` against a canned HTTP server on 127.0.0.1, sending through
//! the SDK's transport (`lusid_http::Transport::token_client`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::StatusCode;
use http::Uri as Url;
use lusid_auth::retry::RetryPolicy;
use lusid_auth::secrecy::{ExposeSecret, SecretString};
use lusid_auth::{Config, Error, FailureKind, HttpClient, OktaClient, PasswordCredentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD: &str = "s3cret p@ss+w&rd=%/?:é";
const CLIENT_SECRET: &str = "client-secret-value";

/// One request as the server saw it.
#[derive(Debug)]
struct Captured {
    head: String,
    body: String,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// A server that answers each connection with the next canned response of
/// its script (the last one repeated forever) and reports what it received.
struct Server {
    url: Url,
    requests: tokio::sync::mpsc::UnboundedReceiver<Captured>,
    connections: Arc<AtomicUsize>,
}

/// One canned response.
#[derive(Debug, Clone, Copy)]
struct Canned {
    status: u16,
    content_type: &'static str,
    /// Extra header lines, each ending in `\r\n`.
    headers: &'static str,
    body: &'static str,
}

impl Canned {
    fn new(status: u16, content_type: &'static str, body: &'static str) -> Self {
        Canned {
            status,
            content_type,
            headers: "",
            body,
        }
    }
}

async fn serve(status: u16, content_type: &'static str, body: &'static str) -> Server {
    serve_script(vec![Canned::new(status, content_type, body)]).await
}

async fn serve_script(script: Vec<Canned>) -> Server {
    assert!(!script.is_empty(), "a script needs a response");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (sender, requests) = tokio::sync::mpsc::unbounded_channel();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let index = counter.fetch_add(1, Ordering::SeqCst);
            let canned = script[index.min(script.len() - 1)];
            let sender = sender.clone();
            tokio::spawn(async move {
                if let Some(captured) = answer(stream, canned).await {
                    let _ = sender.send(captured);
                }
            });
        }
    });
    Server {
        url: format!("http://{address}/oauth2/aus1/v1/token")
            .parse::<http::Uri>()
            .expect("url"),
        requests,
        connections,
    }
}

async fn answer(mut stream: TcpStream, canned: Canned) -> Option<Captured> {
    let Canned {
        status,
        content_type,
        headers,
        body,
    } = canned;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut request_body = buffer[head_end + 4..].to_vec();
    while request_body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        request_body.extend_from_slice(&chunk[..n]);
    }
    let response = format!(
        "HTTP/1.1 {status} Canned\r\nContent-Type: {content_type}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await.ok()?;
    stream.shutdown().await.ok()?;
    Some(Captured {
        head,
        body: String::from_utf8(request_body).ok()?,
    })
}

/// The SDK's one transport, as the token client's HTTP client.
fn http() -> HttpClient {
    lusid_http::Transport::new(&Default::default())
        .expect("a transport")
        .token_client()
}

/// A client with the default retry policy.
fn client(token_url: &Url) -> OktaClient {
    OktaClient::new(
        PasswordCredentials::new(
            token_url.clone(),
            "jane@acme.com",
            PASSWORD.to_owned(),
            "0oa-client",
            CLIENT_SECRET.to_owned(),
        ),
        http(),
    )
}

/// A policy retrying outages `retries` times with (almost) no backoff.
fn quick_retries(retries: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(retries)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
        .budget(None)
}

fn assert_no_secrets(text: &str) {
    for secret in [PASSWORD, CLIENT_SECRET, "at-12345", "rt-67890"] {
        assert!(!text.contains(secret), "secret leaked into: {text}");
    }
}

const TOKEN_BODY: &str = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-12345","scope":"openid client groups offline_access","refresh_token":"rt-67890","id_token":"id-1"}"#;

#[tokio::test]
async fn password_grant_posts_an_encoded_form_and_parses_the_token() {
    let mut server = serve(200, "application/json", TOKEN_BODY).await;
    let issued = client(&server.url).password_grant().await.expect("token");
    assert_eq!(issued.access_token().expose_secret(), "at-12345");
    assert_eq!(issued.expires_in(), Duration::from_secs(3600));
    assert_eq!(
        issued.refresh_token().map(|t| t.expose_secret()),
        Some("rt-67890")
    );

    let request = server.requests.recv().await.expect("a request");
    assert!(
        request
            .head
            .starts_with("POST /oauth2/aus1/v1/token HTTP/1.1\r\n"),
        "{}",
        request.head
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.body,
        "grant_type=password&username=jane%40acme.com\
         &password=s3cret+p%40ss%2Bw%26rd%3D%25%2F%3F%3A%C3%A9\
         &scope=openid+client+groups+offline_access"
    );
    // RFC 6749 §2.3.1: base64("0oa-client:client-secret-value").
    assert_eq!(
        request.header("authorization"),
        Some("Basic MG9hLWNsaWVudDpjbGllbnQtc2VjcmV0LXZhbHVl")
    );
}

#[tokio::test]
async fn refresh_grant_posts_the_refresh_token() {
    let mut server = serve(200, "application/json", TOKEN_BODY).await;
    let refresh = SecretString::from("rt/old+1".to_owned());
    let issued = client(&server.url)
        .refresh_grant(&refresh)
        .await
        .expect("token");
    assert_eq!(issued.access_token().expose_secret(), "at-12345");
    let request = server.requests.recv().await.expect("a request");
    assert_eq!(
        request.body,
        "grant_type=refresh_token&refresh_token=rt%2Fold%2B1\
         &scope=openid+client+groups+offline_access"
    );
    assert_eq!(
        request.header("authorization"),
        Some("Basic MG9hLWNsaWVudDpjbGllbnQtc2VjcmV0LXZhbHVl")
    );
}

#[tokio::test]
async fn invalid_grant_is_a_grant_rejection_without_secrets() {
    let server = serve(
        400,
        "application/json",
        r#"{"error":"invalid_grant","error_description":"The credentials provided were invalid."}"#,
    )
    .await;
    let error = client(&server.url)
        .password_grant()
        .await
        .expect_err("rejected");
    match &error {
        Error::GrantRejected {
            token_url,
            status,
            error,
            description,
        } => {
            assert_eq!(*token_url, server.url.to_string());
            assert_eq!(*status, StatusCode::BAD_REQUEST);
            assert_eq!(error, "invalid_grant");
            assert_eq!(
                description.as_deref(),
                Some("The credentials provided were invalid.")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("invalid_grant"), "{message}");
    assert!(
        message.contains("The credentials provided were invalid."),
        "{message}"
    );
    assert!(message.contains(&server.url.to_string()), "{message}");
    assert_no_secrets(&message);
    assert_no_secrets(&format!("{error:?}"));
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "a rejected grant is not retried"
    );
}

#[tokio::test]
async fn an_echoed_password_is_scrubbed_from_the_rejection() {
    let server = serve(
        401,
        "application/json",
        r#"{"error":"invalid_client","error_description":"bad secret client-secret-value"}"#,
    )
    .await;
    let error = client(&server.url)
        .password_grant()
        .await
        .expect_err("rejected");
    assert_eq!(error.oauth_error(), Some("invalid_client"));
    assert_no_secrets(&error.to_string());
    assert!(error.to_string().contains("[REDACTED]"));
}

#[tokio::test]
async fn a_non_json_502_is_retried_then_a_malformed_response() {
    let server = serve(502, "text/html", "<html><body>Bad Gateway</body></html>").await;
    let error = client(&server.url)
        .with_retry_policy(quick_retries(2))
        .password_grant()
        .await
        .expect_err("malformed");
    match &error {
        Error::MalformedTokenResponse {
            token_url,
            status,
            reason,
        } => {
            assert_eq!(*token_url, server.url.to_string());
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(reason.contains("not JSON"), "{reason}");
            assert!(reason.contains("Bad Gateway"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.is_transient());
    assert_no_secrets(&error.to_string());
    // A 5xx is retried by the policy: the first request and 2 retries.
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_success_without_access_token_is_malformed() {
    let server = serve(200, "application/json", r#"{"refresh_token":"rt-67890"}"#).await;
    let error = client(&server.url)
        .password_grant()
        .await
        .expect_err("malformed");
    assert!(
        matches!(error, Error::MalformedTokenResponse { .. }),
        "{error:?}"
    );
    assert_no_secrets(&error.to_string());
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let url = format!("http://{address}/token")
        .parse::<http::Uri>()
        .expect("url");
    let error = client(&url)
        .with_retry_policy(quick_retries(2))
        .password_grant()
        .await
        .expect_err("refused");
    match &error {
        Error::Transport { attempts, .. } => {
            assert_eq!(*attempts, 3, "a refused connection is retried: {error:?}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(error.failure_kind(), Some(FailureKind::Connect));
    assert!(std::error::Error::source(&error).is_some());
    assert!(error.is_transient());
    assert_no_secrets(&format!("{error:?}"));
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let _hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let url = format!("http://{address}/token")
        .parse::<http::Uri>()
        .expect("url");
    let error = client(&url)
        .with_timeout(Duration::from_millis(200))
        .with_retry_policy(quick_retries(1))
        .password_grant()
        .await
        .expect_err("timeout");
    assert_eq!(error.failure_kind(), Some(FailureKind::Timeout));
    match error {
        Error::Timeout {
            timeout, attempts, ..
        } => {
            assert_eq!(timeout, Duration::from_millis(200));
            assert_eq!(attempts, 2, "a timed-out token request is retried");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn token_provider_caches_okta_tokens() {
    let server = serve(200, "application/json", TOKEN_BODY).await;
    let config = Config::builder()
        .lusid_url("http://127.0.0.1:1/api")
        .token_url(server.url.to_string())
        .username("jane")
        .password(PASSWORD)
        .client_id("cid")
        .client_secret(CLIENT_SECRET)
        .build()
        .expect("config");
    let provider = lusid_auth::token_provider(&config, http(), RetryPolicy::default());
    for _ in 0..3 {
        let token = provider.access_token().await.expect("token");
        assert_eq!(token.expose_secret(), "at-12345");
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    assert_no_secrets(&format!("{provider:?}"));
}

#[tokio::test]
async fn token_provider_uses_a_personal_access_token_as_is() {
    let config = Config::builder()
        .lusid_url("https://acme.lusid.com/api")
        .access_token("my-pat")
        .build()
        .expect("config");
    let provider = lusid_auth::token_provider(&config, http(), RetryPolicy::default());
    let token = provider.access_token().await.expect("token");
    assert_eq!(token.expose_secret(), "my-pat");
    provider.invalidate(&token);
    assert_eq!(provider.access_token().await.expect("token"), token);
}

const RATE_LIMITED_BODY: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae1","errorCauses":[]}"#;

#[tokio::test]
async fn a_token_endpoint_answering_429_forever_is_asked_a_bounded_number_of_times() {
    let server = serve_script(vec![Canned {
        headers: "Retry-After: 1\r\n",
        ..Canned::new(429, "application/json", RATE_LIMITED_BODY)
    }])
    .await;
    let started = Instant::now();
    let error = client(&server.url)
        .with_retry_policy(RetryPolicy::default().max_rate_limit_retries(2))
        .password_grant()
        .await
        .expect_err("rate limited forever");
    let elapsed = started.elapsed();
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        3,
        "the first request and max_rate_limit_retries (2) retries"
    );
    assert!(
        elapsed >= Duration::from_secs(2),
        "Retry-After: 1 is honoured before each retry: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    match &error {
        Error::RateLimited {
            token_url,
            retry_after,
            attempts,
        } => {
            assert_eq!(*token_url, server.url.to_string());
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            assert_eq!(*attempts, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.is_transient());
    let message = error.to_string();
    assert!(message.contains("429 after 3 attempt(s)"), "{message}");
    assert!(message.contains("asked to wait 1s"), "{message}");
    assert_no_secrets(&message);
}

#[tokio::test]
async fn a_429_asking_for_longer_than_the_cap_is_not_retried() {
    let server = serve_script(vec![Canned {
        headers: "Retry-After: 3600\r\n",
        ..Canned::new(429, "application/json", RATE_LIMITED_BODY)
    }])
    .await;
    let error = client(&server.url)
        .password_grant()
        .await
        .expect_err("rate limited");
    match error {
        Error::RateLimited {
            retry_after,
            attempts,
            ..
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)));
            assert_eq!(attempts, 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_503_is_retried_but_an_invalid_grant_is_not() {
    let mut server = serve_script(vec![
        Canned::new(503, "text/html", "<html>Service Unavailable</html>"),
        Canned::new(200, "application/json", TOKEN_BODY),
    ])
    .await;
    let issued = client(&server.url)
        .with_retry_policy(quick_retries(4))
        .password_grant()
        .await
        .expect("the retry gets a token");
    assert_eq!(issued.access_token().expose_secret(), "at-12345");
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
    // The retry sends the same grant again.
    let first = server.requests.recv().await.expect("a request");
    let second = server.requests.recv().await.expect("a request");
    assert_eq!(first.body, second.body);
    assert!(
        first.body.starts_with("grant_type=password&"),
        "{}",
        first.body
    );

    let server = serve(
        400,
        "application/json",
        r#"{"error":"invalid_grant","error_description":"The credentials provided were invalid."}"#,
    )
    .await;
    let error = client(&server.url)
        .with_retry_policy(quick_retries(4))
        .password_grant()
        .await
        .expect_err("rejected");
    assert_eq!(error.oauth_error(), Some("invalid_grant"));
    assert!(!error.is_transient());
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "a 400 is final"
    );
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn mock_token_provider_is_available() {
    let mut mock = lusid_auth::MockTokenProvider::new();
    mock.expect_access_token()
        .times(1)
        .returning(|| Ok(lusid_auth::AccessToken::new("mocked")));
    mock.expect_invalidate().times(1).return_const(());
    let provider: Arc<dyn lusid_auth::TokenProvider> = Arc::new(mock);
    let token = provider.access_token().await.expect("token");
    assert_eq!(token.expose_secret(), "mocked");
    provider.invalidate(&token);
}
