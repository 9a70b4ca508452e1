//! Tokens through a whole extraction: expiry, revocation, wrong credentials.

use std::time::Duration;

use futures_util::TryStreamExt;
use lusid::auth::Config;
use lusid_emulator::Emulator;
use lusid_integration_tests::{client_for, config_for, start};

#[tokio::test]
async fn a_token_that_expires_mid_extraction_is_refreshed_transparently() {
    let emulator = start(
        Emulator::builder()
            .equities(30)
            .token_ttl(Duration::from_secs(2)),
    )
    .await;
    let client = client_for(&emulator);

    let mut stream = std::pin::pin!(
        client
            .instruments()
            .list_instruments()
            .page_size(50)
            .into_pages()
    );
    let mut seen = 0;
    let mut pages = 0;
    while let Some(page) = stream
        .try_next()
        .await
        .expect("no error reaches the caller")
    {
        seen += page.values.len();
        pages += 1;
        if pages == 2 {
            // Outlive the token: the next page needs a new one.
            tokio::time::sleep(Duration::from_millis(2500)).await;
        }
    }

    let metrics = emulator.metrics();
    assert!(pages > 3, "{pages} pages");
    assert!(seen > 200, "{seen} instruments");
    assert_eq!(metrics.grants("password"), 1, "{metrics:?}");
    assert!(metrics.grants("refresh_token") >= 1, "{metrics:?}");
    assert_eq!(
        metrics.unauthorized, 0,
        "the cache refreshed before LUSID said 401"
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_after_one_401() {
    let emulator = start(Emulator::builder().equities(20)).await;
    let client = client_for(&emulator);
    let first = client
        .instruments()
        .list_instruments()
        .limit(5)
        .send()
        .await
        .unwrap();

    emulator.revoke_all_tokens();
    let again = client
        .instruments()
        .list_instruments()
        .limit(5)
        .send()
        .await
        .unwrap();

    assert_eq!(first.values, again.values);
    let metrics = emulator.metrics();
    assert_eq!(metrics.unauthorized, 1, "{metrics:?}");
    assert_eq!(
        metrics.grants("password"),
        2,
        "the revoked refresh token falls back to the password grant: {metrics:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_typed_auth_error_without_the_password() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let password = "n0t-the+right&p@ss word";
    let credentials = emulator.credentials();
    let config = Config::builder()
        .lusid_url(emulator.lusid_url())
        .token_url(emulator.token_url())
        .username(credentials.username.clone())
        .password(password)
        .client_id(credentials.client_id.clone())
        .client_secret(credentials.client_secret.clone())
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();

    let error = client
        .instruments()
        .list_instruments()
        .send()
        .await
        .unwrap_err();

    let auth = match &error {
        lusid::Error::Http(lusid::stack::Error::Auth { source, .. }) => source,
        other => panic!("expected an auth error, got {other:?}"),
    };
    assert!(
        matches!(auth, lusid::auth::Error::GrantRejected { error, .. } if error == "invalid_grant"),
        "{auth:?}"
    );
    let everything = format!("{error} {error:?} {}", chain(&error));
    assert!(everything.contains("ListInstruments"), "{everything}");
    assert!(everything.contains("invalid_grant"), "{everything}");
    assert!(!everything.contains(password), "{everything}");
    assert!(
        !everything.contains(&credentials.client_secret),
        "{everything}"
    );
}

#[tokio::test]
async fn a_personal_access_token_is_used_as_given() {
    let emulator = start(Emulator::builder().equities(1)).await;
    let token = lusid_integration_tests::token_provider(&config_for(&emulator))
        .access_token()
        .await
        .unwrap();
    let config = Config::builder()
        .lusid_url(emulator.lusid_url())
        .access_token(token.expose_secret())
        .build()
        .unwrap();
    let client = lusid::Client::builder().config(config).build().unwrap();

    let page = client
        .instruments()
        .list_instruments()
        .limit(2)
        .send()
        .await
        .unwrap();

    assert_eq!(page.values.len(), 2);
    assert_eq!(
        emulator.metrics().grants("password"),
        1,
        "only the test's own grant"
    );
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(" <- {cause} / {cause:?}"));
        source = cause.source();
    }
    text
}
