//! Reading a `Config` from secrets files, environment variables and the
//! builder.

use std::collections::HashMap;
use std::io::Write;

use lusid_auth::secrecy::ExposeSecret;
use lusid_auth::{Config, ConfigError, ConfigSource, Credentials};

const PASSWORD: &str = "Pa55+w&rd=%/?@: ü";
const CLIENT_SECRET: &str = "cl1ent-s3cret-XYZ";
const ACCESS_TOKEN: &str = "pat-eyJhbGciOiJSUzI1NiJ9.payload.sig";
const PROXY_PASSWORD: &str = "proxy-pw-777";

/// Every secret value used in these tests; none may appear in any output.
const SECRETS: [&str; 4] = [PASSWORD, CLIENT_SECRET, ACCESS_TOKEN, PROXY_PASSWORD];

fn write_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(contents.as_bytes()).expect("write");
    file
}

fn full_api(lusid_url_key: &str) -> serde_json::Value {
    serde_json::json!({
        "api": {
            "tokenUrl": "https://acme.identity.lusid.com/oauth2/aus123/v1/token",
            "username": "jane@acme.com",
            "password": PASSWORD,
            "clientId": "0oa-client",
            "clientSecret": CLIENT_SECRET,
            lusid_url_key: "https://acme.lusid.com/api",
            "applicationName": "nightly-load",
            "driveUrl": "https://acme.lusid.com/drive"
        }
    })
}

fn from_json(value: &serde_json::Value) -> (tempfile::NamedTempFile, Result<Config, ConfigError>) {
    let file = write_file(&value.to_string());
    let result = Config::from_secrets_file(file.path());
    (file, result)
}

fn assert_no_secrets(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "secret leaked into: {text}");
    }
}

fn assert_error_is_clean(error: &ConfigError) {
    assert_no_secrets(&error.to_string());
    assert_no_secrets(&format!("{error:?}"));
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        assert_no_secrets(&inner.to_string());
        source = inner.source();
    }
}

fn password_credentials(config: &Config) -> &lusid_auth::PasswordCredentials {
    match config.credentials() {
        Credentials::Password(credentials) => credentials,
        other => panic!("expected password credentials, got {other:?}"),
    }
}

#[test]
fn reads_a_full_secrets_file_with_lusid_url() {
    let (_file, config) = from_json(&full_api("lusidUrl"));
    let config = config.expect("valid file");
    assert_eq!(config.lusid_url().to_string(), "https://acme.lusid.com/api");
    assert_eq!(config.application_name(), Some("nightly-load"));
    assert!(config.proxy().is_none());
    let credentials = password_credentials(&config);
    assert_eq!(
        credentials.token_url().to_string(),
        "https://acme.identity.lusid.com/oauth2/aus123/v1/token"
    );
    assert_eq!(credentials.username(), "jane@acme.com");
    assert_eq!(credentials.password().expose_secret(), PASSWORD);
    assert_eq!(credentials.client_id(), "0oa-client");
    assert_eq!(credentials.client_secret().expose_secret(), CLIENT_SECRET);

    let debug = format!("{config:?}");
    assert_no_secrets(&debug);
    assert!(debug.contains("[REDACTED]"), "{debug}");
    assert!(debug.contains("jane@acme.com"), "{debug}");
}

#[test]
fn accepts_api_url_as_the_older_name() {
    let (_file, config) = from_json(&full_api("apiUrl"));
    assert_eq!(
        config.expect("valid file").lusid_url().to_string(),
        "https://acme.lusid.com/api"
    );
}

#[test]
fn lusid_url_wins_over_api_url() {
    let mut value = full_api("lusidUrl");
    value["api"]["apiUrl"] = "https://old.lusid.com/api".into();
    let (_file, config) = from_json(&value);
    assert_eq!(
        config.expect("valid file").lusid_url().to_string(),
        "https://acme.lusid.com/api"
    );
}

#[test]
fn empty_lusid_url_falls_back_to_api_url() {
    let mut value = full_api("apiUrl");
    value["api"]["lusidUrl"] = "".into();
    let (_file, config) = from_json(&value);
    assert_eq!(
        config.expect("valid file").lusid_url().to_string(),
        "https://acme.lusid.com/api"
    );
}

#[test]
fn access_token_alone_is_enough() {
    let value = serde_json::json!({
        "api": { "lusidUrl": "https://acme.lusid.com/api", "accessToken": ACCESS_TOKEN }
    });
    let (_file, config) = from_json(&value);
    let config = config.expect("PAT-only file");
    match config.credentials() {
        Credentials::AccessToken(token) => assert_eq!(token.expose_secret(), ACCESS_TOKEN),
        other => panic!("expected a PAT, got {other:?}"),
    }
    assert_eq!(config.application_name(), None);
    assert_no_secrets(&format!("{config:?}"));
}

#[test]
fn access_token_wins_over_the_password_flow() {
    let mut value = full_api("lusidUrl");
    value["api"]["accessToken"] = ACCESS_TOKEN.into();
    let (_file, config) = from_json(&value);
    assert!(matches!(
        config.expect("valid file").credentials(),
        Credentials::AccessToken(_)
    ));
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let file = write_file(
        "{\n  \"api\": {\n    \"username\": \"jane\"\n    \"password\": \"x\"\n  }\n}\n",
    );
    let error = Config::from_secrets_file(file.path()).expect_err("bad JSON");
    match &error {
        ConfigError::InvalidJson {
            path, line, column, ..
        } => {
            assert_eq!(path, file.path());
            assert_eq!((*line, *column), (4, 5));
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("line 4, column 5"), "{message}");
}

#[test]
fn missing_client_secret_is_named_with_the_file() {
    let mut value = full_api("lusidUrl");
    value["api"]
        .as_object_mut()
        .expect("object")
        .remove("clientSecret");
    let (file, config) = from_json(&value);
    let error = config.expect_err("missing clientSecret");
    match &error {
        ConfigError::MissingFields { origin, fields, .. } => {
            assert_eq!(origin, &ConfigSource::SecretsFile(file.path().to_owned()));
            assert_eq!(fields, &["api.clientSecret"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("api.clientSecret"), "{message}");
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("api.accessToken"), "{message}");
    assert_error_is_clean(&error);
}

#[test]
fn all_missing_fields_are_listed_and_empty_strings_count_as_missing() {
    let value = serde_json::json!({
        "api": { "username": "jane", "password": "", "clientId": null }
    });
    let (_file, config) = from_json(&value);
    match config.expect_err("mostly empty") {
        ConfigError::MissingFields {
            fields, pat_field, ..
        } => {
            assert_eq!(
                fields,
                [
                    "api.lusidUrl",
                    "api.tokenUrl",
                    "api.password",
                    "api.clientId",
                    "api.clientSecret"
                ]
            );
            assert_eq!(pat_field.as_deref(), Some("api.accessToken"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn pat_without_lusid_url_names_only_lusid_url() {
    let value = serde_json::json!({ "api": { "accessToken": ACCESS_TOKEN } });
    let (_file, config) = from_json(&value);
    let error = config.expect_err("no URL");
    match &error {
        ConfigError::MissingFields {
            fields, pat_field, ..
        } => {
            assert_eq!(fields, &["api.lusidUrl"]);
            assert_eq!(pat_field, &None);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_error_is_clean(&error);
}

#[test]
fn wrong_type_is_named_without_the_value() {
    let mut value = full_api("lusidUrl");
    value["api"]["username"] = 42.into();
    let (file, config) = from_json(&value);
    let error = config.expect_err("number username");
    match &error {
        ConfigError::WrongType {
            origin,
            field,
            expected,
            found,
        } => {
            assert_eq!(origin, &ConfigSource::SecretsFile(file.path().to_owned()));
            assert_eq!(field, "api.username");
            assert_eq!(*expected, "a string");
            assert_eq!(*found, "a number");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("`api.username` must be a string, found a number")
    );

    // A secret of the wrong type is not quoted either.
    let mut value = full_api("lusidUrl");
    value["api"]["password"] = serde_json::json!([PASSWORD]);
    let (_file, config) = from_json(&value);
    let error = config.expect_err("array password");
    assert!(error.to_string().contains("api.password"));
    assert_error_is_clean(&error);

    let (_file, config) = from_json(&serde_json::json!({ "api": "nope" }));
    assert!(matches!(
        config.expect_err("api not an object"),
        ConfigError::WrongType { field, .. } if field == "api"
    ));
}

#[test]
fn invalid_urls_are_named() {
    let mut value = full_api("lusidUrl");
    value["api"]["lusidUrl"] = "acme.lusid.com/api".into();
    let (_file, config) = from_json(&value);
    match config.expect_err("relative lusidUrl") {
        ConfigError::InvalidUrl { field, reason, .. } => {
            assert_eq!(field, "api.lusidUrl");
            assert!(reason.contains("relative URL"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    let mut value = full_api("apiUrl");
    value["api"]["apiUrl"] = "/api".into();
    let (_file, config) = from_json(&value);
    assert!(matches!(
        config.expect_err("relative apiUrl"),
        ConfigError::InvalidUrl { field, .. } if field == "api.apiUrl"
    ));

    let mut value = full_api("lusidUrl");
    value["api"]["tokenUrl"] = "ftp://acme.identity.lusid.com/token".into();
    let (_file, config) = from_json(&value);
    let error = config.expect_err("ftp tokenUrl");
    match &error {
        ConfigError::InvalidUrl { field, reason, .. } => {
            assert_eq!(field, "api.tokenUrl");
            assert!(reason.contains("http or https"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    // A secret pasted into a URL field is not echoed.
    let mut value = full_api("lusidUrl");
    value["api"]["tokenUrl"] = CLIENT_SECRET.into();
    let (_file, config) = from_json(&value);
    assert_error_is_clean(&config.expect_err("secret as URL"));
}

#[test]
fn unreadable_file_is_named_with_its_io_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("does-not-exist.json");
    let error = Config::from_secrets_file(&path).expect_err("missing file");
    match &error {
        ConfigError::ReadFile { path: p, source } => {
            assert_eq!(p, &path);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("does-not-exist.json"));
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn proxy_is_parsed_and_masked() {
    let mut value = full_api("lusidUrl");
    value["proxy"] = serde_json::json!({
        "address": "http://proxy.acme.com:8080",
        "username": "proxy-user",
        "password": PROXY_PASSWORD
    });
    let (_file, config) = from_json(&value);
    let config = config.expect("valid file");
    let proxy = config.proxy().expect("proxy");
    assert_eq!(proxy.address().to_string(), "http://proxy.acme.com:8080/");
    assert_eq!(proxy.username(), Some("proxy-user"));
    assert_eq!(
        proxy.password().map(|p| p.expose_secret()),
        Some(PROXY_PASSWORD)
    );
    assert_no_secrets(&format!("{config:?}"));

    // The web app's template has an all-empty proxy object.
    let mut value = full_api("lusidUrl");
    value["proxy"] = serde_json::json!({ "address": "", "username": "", "password": "" });
    let (_file, config) = from_json(&value);
    assert!(config.expect("valid file").proxy().is_none());

    let mut value = full_api("lusidUrl");
    value["proxy"] = serde_json::json!({ "username": "u", "password": PROXY_PASSWORD });
    let (_file, config) = from_json(&value);
    assert!(matches!(
        config.expect_err("credentials without address"),
        ConfigError::MissingFields { fields, .. } if fields == ["proxy.address"]
    ));
}

#[test]
fn skips_a_utf8_byte_order_mark() {
    let text = format!("\u{feff}{}", full_api("lusidUrl"));
    let file = write_file(&text);
    assert!(Config::from_secrets_file(file.path()).is_ok());
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

const PASSWORD_ENV: [(&str, &str); 5] = [
    (
        "FBN_TOKEN_URL",
        "https://acme.identity.lusid.com/oauth2/aus123/v1/token",
    ),
    ("FBN_USERNAME", "jane@acme.com"),
    ("FBN_PASSWORD", PASSWORD),
    ("FBN_CLIENT_ID", "0oa-client"),
    ("FBN_CLIENT_SECRET", CLIENT_SECRET),
];

#[test]
fn reads_the_password_flow_from_variables() {
    let mut vars = PASSWORD_ENV.to_vec();
    vars.push(("FBN_LUSID_URL", "https://acme.lusid.com/api"));
    vars.push(("FBN_APP_NAME", "cli"));
    let config = Config::from_env_vars(env(&vars)).expect("complete environment");
    assert_eq!(config.lusid_url().to_string(), "https://acme.lusid.com/api");
    assert_eq!(config.application_name(), Some("cli"));
    let credentials = password_credentials(&config);
    assert_eq!(credentials.username(), "jane@acme.com");
    assert_eq!(credentials.password().expose_secret(), PASSWORD);
    assert_eq!(credentials.client_secret().expose_secret(), CLIENT_SECRET);
    assert_no_secrets(&format!("{config:?}"));
}

#[test]
fn falls_back_to_fbn_lusid_api_url() {
    let mut vars = PASSWORD_ENV.to_vec();
    vars.push(("FBN_LUSID_API_URL", "https://old.lusid.com/api"));
    let config = Config::from_env_vars(env(&vars)).expect("fallback URL");
    assert_eq!(config.lusid_url().to_string(), "https://old.lusid.com/api");

    vars.push(("FBN_LUSID_URL", "https://acme.lusid.com/api"));
    let config = Config::from_env_vars(env(&vars)).expect("both URLs");
    assert_eq!(config.lusid_url().to_string(), "https://acme.lusid.com/api");

    let mut vars = PASSWORD_ENV.to_vec();
    vars.push(("FBN_LUSID_API_URL", "not a url"));
    match Config::from_env_vars(env(&vars)).expect_err("bad fallback URL") {
        ConfigError::InvalidUrl { origin, field, .. } => {
            assert_eq!(origin, ConfigSource::Environment);
            assert_eq!(field, "FBN_LUSID_API_URL");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn reads_a_personal_access_token_from_variables() {
    let config = Config::from_env_vars(env(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", ACCESS_TOKEN),
        ("FBN_PASSWORD", ""),
    ]))
    .expect("PAT environment");
    assert!(
        matches!(config.credentials(), Credentials::AccessToken(t) if t.expose_secret() == ACCESS_TOKEN)
    );
}

#[test]
fn missing_variables_are_named() {
    let error = Config::from_env_vars(env(&[
        ("FBN_USERNAME", "jane"),
        ("FBN_PASSWORD", PASSWORD),
        ("FBN_CLIENT_SECRET", ""),
    ]))
    .expect_err("incomplete");
    match &error {
        ConfigError::MissingFields {
            origin,
            fields,
            pat_field,
        } => {
            assert_eq!(origin, &ConfigSource::Environment);
            assert_eq!(
                fields,
                &[
                    "FBN_LUSID_URL",
                    "FBN_TOKEN_URL",
                    "FBN_CLIENT_ID",
                    "FBN_CLIENT_SECRET"
                ]
            );
            assert_eq!(pat_field.as_deref(), Some("FBN_ACCESS_TOKEN"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("environment: missing required setting(s): FBN_LUSID_URL")
    );
    assert_error_is_clean(&error);
}

#[test]
fn builder_applies_the_same_rules() {
    let config = Config::builder()
        .lusid_url("https://acme.lusid.com/api")
        .token_url("http://127.0.0.1:8080/token")
        .username("jane")
        .password(PASSWORD)
        .client_id("cid")
        .client_secret(CLIENT_SECRET)
        .application_name("tests")
        .build()
        .expect("complete builder");
    assert_eq!(
        password_credentials(&config).token_url().to_string(),
        "http://127.0.0.1:8080/token"
    );

    let builder = Config::builder()
        .password(PASSWORD)
        .lusid_url("https://acme.lusid.com/api");
    assert_no_secrets(&format!("{builder:?}"));
    let error = builder.build().expect_err("incomplete builder");
    match &error {
        ConfigError::MissingFields { origin, fields, .. } => {
            assert_eq!(origin, &ConfigSource::Builder);
            assert_eq!(
                fields,
                &["token_url", "username", "client_id", "client_secret"]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_error_is_clean(&error);
}

#[test]
fn secrets_never_appear_in_config_errors() {
    // Each broken variant of a file full of secrets.
    let broken: [fn(&mut serde_json::Value); 5] = [
        |v| v["api"]["lusidUrl"] = "relative/path".into(),
        |v| v["api"]["tokenUrl"] = format!("mailto:{PASSWORD}").into(),
        |v| v["api"]["clientId"] = true.into(),
        |v| v["api"]["clientSecret"] = "".into(),
        |v| v["proxy"] = serde_json::json!({"address": "x", "password": PROXY_PASSWORD}),
    ];
    for breaker in broken {
        let mut value = full_api("lusidUrl");
        breaker(&mut value);
        let (_file, config) = from_json(&value);
        let error = config.expect_err("broken file");
        assert_error_is_clean(&error);
    }
    // A syntax error right after a secret.
    let text = format!("{{\"api\": {{\"password\": \"{CLIENT_SECRET}\" x}}}}");
    let file = write_file(&text);
    let error = Config::from_secrets_file(file.path()).expect_err("bad JSON");
    assert_error_is_clean(&error);
}
