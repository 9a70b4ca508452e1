//! Secrets files as users hand them to the client.

use std::io::Write;

use futures_util::TryStreamExt;
use lusid::BuildError;
use lusid::auth::ConfigError;
use lusid_emulator::Emulator;
use lusid_integration_tests::start;

fn secrets_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

#[tokio::test]
async fn the_emulators_secrets_file_drives_a_whole_extraction() {
    let emulator = start(Emulator::builder().equities(25)).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    emulator.write_secrets(file.path()).unwrap();

    let client = lusid::Client::builder()
        .secrets_file(file.path())
        .build()
        .unwrap();
    let instruments: Vec<_> = client
        .instruments()
        .list_instruments()
        .into_stream()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(
        instruments
            .iter()
            .filter(|i| i.lusid_instrument_id.starts_with("LUID_"))
            .count(),
        25
    );
}

#[test]
fn a_missing_field_is_named_with_the_file() {
    let file = secrets_file(
        r#"{"api": {"tokenUrl": "https://acme.okta.com/oauth2/abc/v1/token",
                    "username": "jane", "password": "hunter2-secret",
                    "clientId": "client", "lusidUrl": "https://acme.lusid.com/api"}}"#,
    );

    let error = lusid::Client::builder()
        .secrets_file(file.path())
        .build()
        .unwrap_err();

    let message = error.to_string();
    assert!(
        matches!(&error, BuildError::Config(ConfigError::MissingFields { fields, .. }) if fields.iter().any(|f| f.contains("clientSecret"))),
        "{error:?}"
    );
    assert!(message.contains("api.clientSecret"), "{message}");
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(!format!("{message} {error:?}").contains("hunter2-secret"));
}

#[test]
fn malformed_json_is_located_by_line_and_column() {
    let file = secrets_file("{\n  \"api\": {\n    \"username\": \"jane\",\n  }\n}\n");

    let error = lusid::Client::builder()
        .secrets_file(file.path())
        .build()
        .unwrap_err();

    match &error {
        BuildError::Config(ConfigError::InvalidJson { line, column, .. }) => {
            assert_eq!((*line, *column), (4, 3), "{error}");
        }
        other => panic!("expected InvalidJson, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains(&file.path().display().to_string())
    );
}

#[test]
fn a_missing_file_is_a_read_error_naming_it() {
    let error = lusid::Client::builder()
        .secrets_file("/nonexistent/secrets.json")
        .build()
        .unwrap_err();

    assert!(
        matches!(&error, BuildError::Config(ConfigError::ReadFile { .. })),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("/nonexistent/secrets.json"),
        "{error}"
    );
}
