//! Everything logged at TRACE level, by every crate in the process (SDK,
//! HTTP stack, hyper, emulator), through a login, a refresh, a 401
//! recovery and failures, contains none of the secrets.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lusid::auth::secrecy::{ExposeSecret, SecretString};
use lusid::auth::{Credentials, Error, IssuedToken, OktaClient, TokenCache, TokenSource};
use lusid_emulator::{Emulator, EmulatorCredentials, Fault};
use lusid_integration_tests::{config_for, start};

/// A writer that appends to a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An `OktaClient` that also remembers every token it was issued, so the
/// test knows which access and refresh tokens must not appear.
#[derive(Debug)]
struct Recording {
    okta: OktaClient,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recording {
    fn record(&self, issued: &IssuedToken) {
        let mut seen = self.seen.lock().expect("seen");
        seen.push(issued.access_token().expose_secret().to_owned());
        if let Some(refresh) = issued.refresh_token() {
            seen.push(refresh.expose_secret().to_owned());
        }
    }
}

#[async_trait::async_trait]
impl TokenSource for Recording {
    async fn password_grant(&self) -> Result<IssuedToken, Error> {
        let issued = self.okta.password_grant().await?;
        self.record(&issued);
        Ok(issued)
    }

    async fn refresh_grant(&self, refresh_token: &SecretString) -> Result<IssuedToken, Error> {
        let issued = self.okta.refresh_grant(refresh_token).await?;
        self.record(&issued);
        Ok(issued)
    }
}

/// The ways a secret could appear: as is, fully percent-encoded, and
/// form-encoded.
fn forms(secret: &str) -> Vec<String> {
    let percent: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    vec![secret.to_owned(), percent, url_form(secret)]
}

fn url_form(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_appears_in_trace_output_through_the_whole_lifecycle() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let credentials = EmulatorCredentials {
        username: "log-test-user@acme.com".to_owned(),
        password: "Pw-SECRET-4711 +&=%".to_owned(),
        client_id: "0oa-log-test".to_owned(),
        client_secret: "ClientSECRET-0815/?".to_owned(),
    };
    let emulator = start(
        Emulator::builder()
            .equities(10)
            .credentials(credentials.clone())
            .token_ttl(Duration::from_secs(2)),
    )
    .await;
    let config = config_for(&emulator);
    let Credentials::Password(password_credentials) = config.credentials() else {
        panic!("password flow expected");
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let source = Recording {
        okta: OktaClient::new(
            password_credentials.clone(),
            lusid_integration_tests::token_http(),
        ),
        seen: Arc::clone(&seen),
    };
    let client = lusid::Client::builder()
        .config(config.clone())
        .token_provider(Arc::new(TokenCache::new(source)))
        .build()
        .expect("client");
    let list = || async {
        client
            .instruments()
            .list_instruments()
            .limit(2)
            .send()
            .await
    };

    // Login, refresh after expiry, 401 recovery (revoked refresh token →
    // password grant), a token-endpoint outage and a 429.
    list().await.expect("login");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    list().await.expect("after a refresh");
    emulator.revoke_all_tokens();
    list().await.expect("after a 401");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    emulator.faults().push_token(Fault::status(503));
    emulator
        .faults()
        .push_token(Fault::status_with_retry_after(429, "0"));
    let _ = list().await;
    let _ = list().await;

    // Failures: a wrong password and a wrong client secret, logged in full.
    for (password, secret) in [
        ("wrong-PASSWORD-1", credentials.client_secret.as_str()),
        (credentials.password.as_str(), "wrong-SECRET-2"),
    ] {
        let bad = lusid::auth::Config::builder()
            .lusid_url(emulator.lusid_url())
            .token_url(emulator.token_url())
            .username(credentials.username.clone())
            .password(password)
            .client_id(credentials.client_id.clone())
            .client_secret(secret)
            .build()
            .expect("config");
        let error = lusid_integration_tests::token_provider(&bad)
            .access_token()
            .await
            .expect_err("rejected");
        tracing::error!(%error, ?error, "token failure");
        let bad_client = lusid::Client::builder()
            .config(bad)
            .build()
            .expect("client");
        let error = bad_client
            .instruments()
            .list_instruments()
            .send()
            .await
            .expect_err("rejected");
        tracing::error!(%error, ?error, "call failure");
    }
    tracing::debug!(?config, "the configuration");

    let output = String::from_utf8(capture.0.lock().expect("buffer").clone()).expect("utf-8");
    assert!(
        output.contains("TRACE") || output.contains("DEBUG"),
        "{output}"
    );
    assert!(output.contains("access token issued"), "{output}");
    let mut secrets = vec![
        credentials.password.clone(),
        credentials.client_secret.clone(),
        "wrong-PASSWORD-1".to_owned(),
        "wrong-SECRET-2".to_owned(),
    ];
    let issued = seen.lock().expect("seen").clone();
    assert!(
        issued.len() >= 6,
        "access and refresh tokens recorded: {}",
        issued.len()
    );
    secrets.extend(issued);
    for secret in &secrets {
        for form in forms(secret) {
            assert!(
                !output.contains(&form),
                "a secret leaked into the trace output ({} bytes of output)",
                output.len()
            );
        }
    }
    // Nor the Basic credentials.
    assert!(!output.contains("Basic "), "Authorization header logged");
    assert!(!output.contains("Bearer ey"), "bearer token logged");
}
