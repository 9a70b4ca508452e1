//! `OktaClient` against a canned HTTP server on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::StatusCode;
use lusid_auth::secrecy::{ExposeSecret, SecretString};
use lusid_auth::{Config, Error, OktaClient, PasswordCredentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

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

/// A server that answers every connection with the same canned response
/// and reports what it received.
struct Server {
    url: Url,
    requests: tokio::sync::mpsc::UnboundedReceiver<Captured>,
    connections: Arc<AtomicUsize>,
}

async fn serve(status: u16, content_type: &'static str, body: &'static str) -> Server {
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
            counter.fetch_add(1, Ordering::SeqCst);
            let sender = sender.clone();
            tokio::spawn(async move {
                if let Some(captured) = answer(stream, status, content_type, body).await {
                    let _ = sender.send(captured);
                }
            });
        }
    });
    Server {
        url: Url::parse(&format!("http://{address}/oauth2/aus1/v1/token")).expect("url"),
        requests,
        connections,
    }
}

async fn answer(
    mut stream: TcpStream,
    status: u16,
    content_type: &str,
    body: &str,
) -> Option<Captured> {
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
        "HTTP/1.1 {status} Canned\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await.ok()?;
    stream.shutdown().await.ok()?;
    Some(Captured {
        head,
        body: String::from_utf8(request_body).ok()?,
    })
}

fn client(token_url: &Url) -> OktaClient {
    OktaClient::new(PasswordCredentials::new(
        token_url.clone(),
        "jane@acme.com",
        PASSWORD.to_owned(),
        "0oa-client",
        CLIENT_SECRET.to_owned(),
    ))
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
            assert_eq!(token_url, server.url.as_str());
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
    assert!(message.contains(server.url.as_str()), "{message}");
    assert_no_secrets(&message);
    assert_no_secrets(&format!("{error:?}"));
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
async fn a_non_json_502_is_a_malformed_response() {
    let server = serve(502, "text/html", "<html><body>Bad Gateway</body></html>").await;
    let error = client(&server.url)
        .password_grant()
        .await
        .expect_err("malformed");
    match &error {
        Error::MalformedTokenResponse {
            token_url,
            status,
            reason,
        } => {
            assert_eq!(token_url, server.url.as_str());
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(reason.contains("not JSON"), "{reason}");
            assert!(reason.contains("Bad Gateway"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.is_transient());
    assert_no_secrets(&error.to_string());
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
    let url = Url::parse(&format!("http://{address}/token")).expect("url");
    let error = client(&url).password_grant().await.expect_err("refused");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
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
    let url = Url::parse(&format!("http://{address}/token")).expect("url");
    let error = client(&url)
        .with_timeout(Duration::from_millis(200))
        .password_grant()
        .await
        .expect_err("timeout");
    match error {
        Error::Timeout { timeout, .. } => assert_eq!(timeout, Duration::from_millis(200)),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn token_provider_caches_okta_tokens() {
    let server = serve(200, "application/json", TOKEN_BODY).await;
    let config = Config::builder()
        .lusid_url("http://127.0.0.1:1/api")
        .token_url(server.url.as_str())
        .username("jane")
        .password(PASSWORD)
        .client_id("cid")
        .client_secret(CLIENT_SECRET)
        .build()
        .expect("config");
    let provider = lusid_auth::token_provider(&config);
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
    let provider = lusid_auth::token_provider(&config);
    let token = provider.access_token().await.expect("token");
    assert_eq!(token.expose_secret(), "my-pat");
    provider.invalidate(&token);
    assert_eq!(provider.access_token().await.expect("token"), token);
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
