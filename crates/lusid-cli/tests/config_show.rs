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

/// The other FINBOURNE services' URLs: a configured one shown with its
/// variable, the rest derived from the LUSID URL's origin and listed as
/// derived.
#[test]
fn shows_service_urls_configured_or_derived_from_the_lusid_url() {
    let output = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["config", "show"])
        .env_clear()
        .env("FBN_LUSID_URL", "https://acme.lusid.com/api")
        .env("FBN_ACCESS_TOKEN", "pat-SECRET-value")
        .env(
            "FBN_LUSID_DRIVE_API_URL",
            "https://files.acme.example/drive",
        )
        .output()
        .expect("run lusid");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(!stdout.contains("pat-SECRET-value"), "{stdout}");
    let line = |name: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in {stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("api.driveUrl "),
        "api.driveUrl https://files.acme.example/drive environment variable FBN_LUSID_DRIVE_API_URL"
    );
    assert_eq!(
        line("api.luminesceUrl "),
        "api.luminesceUrl https://acme.lusid.com/honeycomb derived from the LUSID URL (FBN_LUSID_URL)"
    );
    assert_eq!(
        line("api.schedulerUrl "),
        "api.schedulerUrl https://acme.lusid.com/scheduler2 derived from the LUSID URL (FBN_LUSID_URL)"
    );
}

/// `RUST_LOG` takes `target=level` directives and a default level.
#[test]
fn rust_log_directives_select_targets_and_levels() {
    let run = |rust_log: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lusid"));
        command
            .args(["--emulator", "instruments", "list", "--limit", "1"])
            .env_clear();
        if let Some(value) = rust_log {
            command.env("RUST_LOG", value);
        }
        let output = command.output().expect("run lusid");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let directed = run(Some("lusid_http=debug,warn"));
    assert!(
        directed.contains("DEBUG") && directed.contains("lusid_http"),
        "{directed}"
    );
    assert!(
        directed
            .lines()
            .all(|line| !line.contains("DEBUG") || line.contains("lusid_http")),
        "{directed}"
    );
    assert!(!run(None).contains("DEBUG"));
}
