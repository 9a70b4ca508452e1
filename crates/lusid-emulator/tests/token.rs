//! The Okta-style token endpoint.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use lusid_emulator::{Emulator, EmulatorCredentials};

#[tokio::test]
async fn password_grant_issues_bearer_tokens() {
    let emu = small_emulator().await;
    let resp = password_grant(&emu, "openid client groups offline_access").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    let body = resp.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid client groups offline_access");
    let access = body["access_token"].as_str().expect("access_token");
    assert!(access.len() >= 32);
    assert!(body["refresh_token"].is_string());
    let id_token = body["id_token"].as_str().expect("id_token");
    assert_eq!(id_token.split('.').count(), 3);

    // Without offline_access there is no refresh token; without openid no id_token.
    let body = password_grant(&emu, "client").await.json();
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("id_token").is_none());
    assert_ne!(body["access_token"], access);

    let metrics = emu.metrics();
    assert_eq!(metrics.grants("password"), 2);
}

#[tokio::test]
async fn wrong_password_is_invalid_grant() {
    let emu = small_emulator().await;
    let c = emu.credentials().clone();
    let resp = token_request(
        &emu,
        &[
            ("grant_type", "password"),
            ("username", &c.username),
            ("password", "wrong"),
            ("scope", "openid"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
        ],
        &[],
    )
    .await;
    assert_eq!(resp.status, 400);
    let body = resp.json();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "The credentials provided were invalid."
    );
    assert_eq!(emu.metrics().token_failures.get("invalid_grant"), Some(&1));
}

#[tokio::test]
async fn client_errors_missing_fields_and_unsupported_grants() {
    let emu = small_emulator().await;
    let c = emu.credentials().clone();
    // Wrong client secret.
    let resp = token_request(
        &emu,
        &[
            ("grant_type", "password"),
            ("username", &c.username),
            ("password", &c.password),
            ("client_id", &c.client_id),
            ("client_secret", "nope"),
        ],
        &[],
    )
    .await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.json()["error"], "invalid_client");
    // No client at all.
    let resp = token_request(&emu, &[("grant_type", "password")], &[]).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.json()["error"], "invalid_client");
    // Missing username.
    let resp = token_request(
        &emu,
        &[
            ("grant_type", "password"),
            ("password", &c.password),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
        ],
        &[],
    )
    .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"], "invalid_request");
    // Unsupported grant type.
    let resp = token_request(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
        ],
        &[],
    )
    .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"], "unsupported_grant_type");
    // Unknown scope.
    let resp = password_grant(&emu, "openid admin").await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"], "invalid_scope");
    // Not a form.
    let resp = send(
        "POST",
        &emu.token_url(),
        &[("content-type", "application/json")],
        "{}",
    )
    .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"], "invalid_request");
}

#[tokio::test]
async fn basic_client_authentication_decodes_form_encoded_parts() {
    let credentials = EmulatorCredentials {
        username: "dev user+1@example.com".to_owned(),
        password: "p&ss=w%rd +".to_owned(),
        client_id: "client:id".to_owned(),
        client_secret: "s3cr+t/ä".to_owned(),
    };
    let emu = Emulator::builder()
        .equities(0)
        .credentials(credentials.clone())
        .start()
        .await
        .expect("start");
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
        )
    };
    let good = basic(&credentials.client_id, &credentials.client_secret);
    let pairs = [
        ("grant_type", "password"),
        ("username", credentials.username.as_str()),
        ("password", credentials.password.as_str()),
        ("scope", "openid client"),
    ];
    let resp = token_request(&emu, &pairs, &[("authorization", &good)]).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert!(resp.json()["access_token"].is_string());

    let bad = basic(&credentials.client_id, "wrong");
    let resp = token_request(&emu, &pairs, &[("authorization", &bad)]).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.json()["error"], "invalid_client");

    // Header and body credentials together are refused.
    let mut both = pairs.to_vec();
    both.push(("client_secret", credentials.client_secret.as_str()));
    let resp = token_request(&emu, &both, &[("authorization", &good)]).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_grant_issues_new_access_tokens_until_revoked() {
    let emu = small_emulator().await;
    let c = emu.credentials().clone();
    let first = password_grant(&emu, "openid client offline_access")
        .await
        .json();
    let refresh = first["refresh_token"].as_str().expect("refresh").to_owned();
    let refresh_pairs = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
    ];
    let resp = token_request(&emu, &refresh_pairs, &[]).await;
    assert_eq!(resp.status, 200);
    let body = resp.json();
    assert_ne!(body["access_token"], first["access_token"]);
    assert_eq!(body["refresh_token"], refresh.as_str());
    assert_eq!(body["scope"], "openid client offline_access");
    let token = body["access_token"].as_str().expect("token");
    assert_eq!(
        api(&emu, token, "GET", "/api/instruments?limit=1", None)
            .await
            .status,
        200
    );
    assert_eq!(emu.metrics().grants("refresh_token"), 1);

    emu.revoke_all_tokens();
    assert_eq!(
        api(&emu, token, "GET", "/api/instruments?limit=1", None)
            .await
            .status,
        401
    );
    let resp = token_request(&emu, &refresh_pairs, &[]).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn api_requires_a_live_bearer_token() {
    let emu = small_emulator().await;
    let url = format!("{}/api/instruments", emu.lusid_url());
    let resp = send("GET", &url, &[], "").await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
    assert!(resp.header("lusid-meta-requestId").is_some());
    let body = resp.json();
    assert_eq!(body["name"], "InvalidIdentityToken");
    assert_eq!(body["status"], 401);

    let resp = api(&emu, "made-up", "GET", "/api/instruments", None).await;
    assert_eq!(resp.status, 401);
    assert!(
        resp.header("www-authenticate")
            .is_some_and(|v| v.contains("invalid_token"))
    );
    assert_eq!(emu.metrics().unauthorized, 2);
}

#[tokio::test]
async fn tokens_expire_after_their_ttl() {
    let emu = Emulator::builder()
        .equities(0)
        .token_ttl(Duration::from_secs(1))
        .start()
        .await
        .expect("start");
    let resp = password_grant(&emu, "openid").await;
    assert_eq!(resp.json()["expires_in"], 1);
    let token = access_token(&emu).await;
    assert_eq!(
        api(&emu, &token, "GET", "/api/instruments?limit=1", None)
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let resp = api(&emu, &token, "GET", "/api/instruments?limit=1", None).await;
    assert_eq!(resp.status, 401);
    assert!(
        resp.header("www-authenticate")
            .is_some_and(|v| v.contains("expired"))
    );
}
