//! `lusid config show`: every resolved value, secrets masked, with its source.

use std::process::Command;

#[test]
fn shows_merged_values_with_sources_and_masks_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let secrets = dir.path().join("secrets.json");
    std::fs::write(
        &secrets,
        r#"{"api": {"tokenUrl": "https://acme.okta.com/oauth2/aus1", "username": "file-user",
            "password": "file-PASSWORD-secret", "clientId": "0oa-file", "clientSecret": "file-CLIENT-secret",
            "lusidUrl": "https://acme.lusid.com/api", "readTimeoutMs": 5000}}"#,
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args([
            "--secrets",
            secrets.to_str().expect("utf-8"),
            "config",
            "show",
        ])
        .env_clear()
        .env("FBN_PASSWORD", "env-PASSWORD-secret")
        .env("FBN_APP_NAME", "from-env")
        .output()
        .expect("run lusid");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("credentials: password flow"), "{stdout}");
    for secret in [
        "file-PASSWORD-secret",
        "env-PASSWORD-secret",
        "file-CLIENT-secret",
    ] {
        assert!(!stdout.contains(secret), "{stdout}");
        assert!(!stderr.contains(secret), "{stderr}");
    }
    let line = |name: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in {stdout}"))
            .to_owned()
    };
    assert!(line("api.password ").contains("****"), "{stdout}");
    assert!(
        line("api.password ").contains("environment variable FBN_PASSWORD"),
        "{stdout}"
    );
    assert!(
        line("api.clientSecret ").contains("(api.clientSecret)"),
        "{stdout}"
    );
    assert!(
        line("api.applicationName ").contains("from-env"),
        "{stdout}"
    );
    assert!(
        line("api.tokenUrl ").contains("https://acme.okta.com/oauth2/aus1/v1/token"),
        "{stdout}"
    );
    assert!(line("api.readTimeoutMs ").contains("5000"), "{stdout}");
}

#[test]
fn a_malformed_value_is_named_with_its_source() {
    let output = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["config", "show"])
        .env_clear()
        .env("FBN_LUSID_URL", "https://acme.lusid.com/api")
        .env("FBN_ACCESS_TOKEN", "pat-SECRET")
        .env("FBN_TOTAL_TIMEOUT_MS", "1.5")
        .output()
        .expect("run lusid");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("FBN_TOTAL_TIMEOUT_MS"), "{stderr}");
    assert!(!stderr.contains("pat-SECRET"), "{stderr}");
}
