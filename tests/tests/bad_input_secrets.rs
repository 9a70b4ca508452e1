//! The bad-input catalogue, secrets files: each malformed file gives a
//! typed error naming the file and, where there is one, the field, and
//! never quoting a secret.

use std::path::Path;

use lusid::BuildError;
use lusid::auth::ConfigError;

const SECRET: &str = "Sup3r-S3cret-pw";

fn build(contents: &[u8]) -> (tempfile::TempDir, BuildError) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("secrets.json");
    std::fs::write(&path, contents).expect("write");
    let error = lusid::Client::builder()
        .secrets_file(&path)
        .build()
        .expect_err("the file is unusable");
    let message = error.to_string();
    assert!(!message.contains(SECRET), "a secret leaked: {message}");
    assert!(
        !format!("{error:?}").contains(SECRET),
        "a secret leaked: {error:?}"
    );
    (dir, error)
}

fn config_error(error: &BuildError) -> &ConfigError {
    match error {
        BuildError::Config(error) => error,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

fn complete(overrides: &str) -> String {
    format!(
        r#"{{"api": {{"tokenUrl": "http://127.0.0.1:1/token", "username": "u", "password": "{SECRET}",
            "clientId": "c", "clientSecret": "{SECRET}", "lusidUrl": "http://127.0.0.1:1/api"{overrides}}}}}"#
    )
}

#[test]
fn not_json_truncated_and_empty_files_name_the_position() {
    for contents in [
        &b"not json at all"[..],
        b"",
        br#"{"api": {"lusidUrl": "http"#,
        b"\xff\xfe{}",
    ] {
        let (_dir, error) = build(contents);
        match config_error(&error) {
            ConfigError::InvalidJson { path, line, .. } => {
                assert!(path.ends_with("secrets.json"));
                assert!(*line >= 1);
            }
            other => panic!("{contents:?}: expected InvalidJson, got {other:?}"),
        }
    }
}

#[test]
fn a_missing_file_is_a_read_error_naming_it() {
    let error = lusid::Client::builder()
        .secrets_file(Path::new("/nonexistent/secrets.json"))
        .build()
        .expect_err("no such file");
    assert!(
        matches!(config_error(&error), ConfigError::ReadFile { path, .. } if path.ends_with("secrets.json")),
        "{error:?}"
    );
}

#[test]
fn wrong_types_name_the_field() {
    let cases = [
        (r#"[1, 2]"#.to_owned(), "(top level)"),
        (r#"{"api": "https://acme.lusid.com"}"#.to_owned(), "api"),
        (
            complete(r#", "username": 42"#).replace(r#""username": "u", "#, ""),
            "api.username",
        ),
        (
            complete(r#", "rateLimitRetries": true"#),
            "api.rateLimitRetries",
        ),
        (
            complete(r#", "applicationName": ["a"]"#),
            "api.applicationName",
        ),
    ];
    for (contents, field) in cases {
        let (_dir, error) = build(contents.as_bytes());
        match config_error(&error) {
            ConfigError::WrongType { field: named, .. } => assert_eq!(named, field, "{error}"),
            other => panic!("{contents}: expected WrongType for {field}, got {other:?}"),
        }
        assert!(error.to_string().contains(field), "{error}");
    }
}

#[test]
fn bad_values_and_missing_fields_name_the_field() {
    let (_dir, error) = build(complete(r#", "readTimeoutMs": -5"#).as_bytes());
    assert!(
        matches!(config_error(&error), ConfigError::InvalidNumber { field, .. } if field == "api.readTimeoutMs"),
        "{error:?}"
    );
    let (_dir, error) = build(
        complete("")
            .replace("http://127.0.0.1:1/api", "not a url")
            .as_bytes(),
    );
    assert!(
        matches!(config_error(&error), ConfigError::InvalidUrl { field, .. } if field == "api.lusidUrl"),
        "{error:?}"
    );
    let (_dir, error) = build(
        format!(r#"{{"api": {{"lusidUrl": "http://127.0.0.1:1/api", "password": "{SECRET}"}}}}"#)
            .as_bytes(),
    );
    match config_error(&error) {
        ConfigError::MissingFields { fields, .. } => {
            assert!(fields.contains(&"api.tokenUrl".to_owned()), "{fields:?}");
            assert!(
                fields.contains(&"api.clientSecret".to_owned()),
                "{fields:?}"
            );
        }
        other => panic!("expected MissingFields, got {other:?}"),
    }
}
