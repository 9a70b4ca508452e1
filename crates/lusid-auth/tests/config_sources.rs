//! Combining sources (explicit > environment > secrets file, key by key),
//! the settings the HTTP stack uses, token files, provenance, and every
//! malformed value.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use lusid_auth::retry::RetryPolicy;
use lusid_auth::secrecy::ExposeSecret;
use lusid_auth::{
    Config, ConfigError, ConfigSource, Credentials, FailureKind, HttpClient, HttpError,
};

fn file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(contents.as_bytes()).expect("write");
    file
}

/// An HTTP client for providers that must not send anything (a token read
/// from a file): every request fails.
fn no_network() -> HttpClient {
    HttpClient::new(tower::service_fn(|_: http::Request<bytes::Bytes>| async {
        Err::<http::Response<bytes::Bytes>, _>(HttpError::new(
            FailureKind::Other,
            "this test sends no request",
        ))
    }))
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

const FULL_FILE: &str = r#"{"api": {
    "tokenUrl": "https://acme.identity.lusid.com/oauth2/aus1/v1/token",
    "username": "file-user", "password": "file-password",
    "clientId": "file-client", "clientSecret": "file-secret",
    "lusidUrl": "https://file.lusid.com/api", "applicationName": "file-app",
    "totalTimeoutMs": 1800000, "connectTimeoutMs": "5000", "readTimeoutMs": 120000,
    "rateLimitRetries": 4, "clientCertificate": " /etc/certs/client.pem "
}, "proxy": {"address": "http://proxy.acme.com:8080", "username": "p-user", "password": "p-pass"}}"#;

fn password(config: &Config) -> &lusid_auth::PasswordCredentials {
    match config.credentials() {
        Credentials::Password(credentials) => credentials,
        other => panic!("expected the password flow, got {other:?}"),
    }
}

fn setting<'a>(config: &'a Config, name: &str) -> &'a lusid_auth::Setting {
    config
        .settings()
        .iter()
        .find(|s| s.name() == name)
        .unwrap_or_else(|| panic!("no setting {name}"))
}

#[test]
fn explicit_beats_environment_beats_file_key_by_key() {
    let secrets = file(FULL_FILE);
    let config = Config::builder()
        .application_name("explicit-app")
        .with_env_vars(vars(&[
            ("FBN_PASSWORD", "env-password"),
            ("FBN_APP_NAME", "env-app"),
            ("FBN_READ_TIMEOUT_MS", "30000"),
            ("FBN_CORRELATION_ID", "corr-123"),
        ]))
        .with_secrets_file(secrets.path())
        .build()
        .expect("merged");
    assert_eq!(config.application_name(), Some("explicit-app"));
    let credentials = password(&config);
    assert_eq!(credentials.password().expose_secret(), "env-password");
    assert_eq!(credentials.username(), "file-user");
    assert_eq!(credentials.client_secret().expose_secret(), "file-secret");
    assert_eq!(config.lusid_url().to_string(), "https://file.lusid.com/api");
    assert_eq!(config.read_timeout(), Some(Duration::from_secs(30)));
    assert_eq!(config.total_timeout(), Some(Duration::from_secs(1800)));
    assert_eq!(config.connect_timeout(), Some(Duration::from_secs(5)));
    assert_eq!(config.rate_limit_retries(), Some(4));
    assert_eq!(config.correlation_id(), Some("corr-123"));
    assert_eq!(
        config.client_certificate(),
        Some(std::path::Path::new("/etc/certs/client.pem"))
    );
    let proxy = config.proxy().expect("proxy");
    assert_eq!(proxy.address().to_string(), "http://proxy.acme.com:8080/");

    // Provenance, secrets masked.
    let app = setting(&config, "api.applicationName");
    assert_eq!(app.origin(), &ConfigSource::Builder);
    assert_eq!(
        app.source_description(),
        "explicit configuration (application_name)"
    );
    let pw = setting(&config, "api.password");
    assert!(pw.is_secret() && pw.value().is_none());
    assert_eq!(pw.display_value(), "****");
    assert_eq!(pw.source_description(), "environment variable FBN_PASSWORD");
    let user = setting(&config, "api.username");
    assert_eq!(
        user.source_description(),
        format!("secrets file {} (api.username)", secrets.path().display())
    );
    assert_eq!(setting(&config, "proxy.password").display_value(), "****");
    let shown = format!("{:?}", config.settings());
    for secret in ["env-password", "file-password", "file-secret", "p-pass"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn a_personal_access_token_from_the_environment_wins_over_a_password_file() {
    let secrets = file(FULL_FILE);
    let config = Config::builder()
        .with_env_vars(vars(&[("FBN_ACCESS_TOKEN", "env-pat")]))
        .with_secrets_file(secrets.path())
        .build()
        .expect("merged");
    assert!(
        matches!(config.credentials(), Credentials::AccessToken(t) if t.expose_secret() == "env-pat")
    );
    assert!(!setting(&config, "api.password").is_used());
    assert!(setting(&config, "api.accessToken").is_used());
}

#[test]
fn missing_settings_across_sources_name_every_spelling() {
    let secrets = file(r#"{"api": {"lusidUrl": "https://acme.lusid.com/api", "username": "u"}}"#);
    let error = Config::builder()
        .with_env_vars(vars(&[("FBN_PASSWORD", "pw")]))
        .with_secrets_file(secrets.path())
        .build()
        .expect_err("incomplete");
    match &error {
        ConfigError::MissingFields {
            origin,
            fields,
            pat_field,
        } => {
            assert!(matches!(origin, ConfigSource::Combined(sources) if sources.len() == 2));
            assert_eq!(
                fields,
                &[
                    "FBN_TOKEN_URL or api.tokenUrl",
                    "FBN_CLIENT_ID or api.clientId",
                    "FBN_CLIENT_SECRET or api.clientSecret"
                ]
            );
            assert_eq!(
                pat_field.as_deref(),
                Some("FBN_ACCESS_TOKEN or api.accessToken")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("configuration (environment, then secrets file")
    );
}

#[tokio::test]
async fn an_access_token_file_is_trimmed_and_re_read_when_it_changes() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("token");
    std::fs::write(&path, "  first-token\n").expect("write");
    let config = Config::builder()
        .with_env_vars(vars(&[
            ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
            ("FBN_ACCESS_TOKEN_FILE", path.to_str().expect("utf-8 path")),
        ]))
        .build()
        .expect("config");
    assert!(matches!(config.credentials(), Credentials::AccessTokenFile(f) if f.path() == path));
    let provider = lusid_auth::token_provider(&config, no_network(), RetryPolicy::default());
    let first = provider.access_token().await.expect("token");
    assert_eq!(first.expose_secret(), "first-token");

    std::fs::write(&path, "second-token-longer\n").expect("rewrite");
    assert_eq!(
        provider
            .access_token()
            .await
            .expect("token")
            .expose_secret(),
        "second-token-longer"
    );

    // The same length and (possibly) the same mtime: a 401 forces a re-read.
    std::fs::write(&path, "third-token-xxxxxxx\n").expect("rewrite");
    let current = provider.access_token().await.expect("token");
    provider.invalidate(&current);
    assert_eq!(
        provider
            .access_token()
            .await
            .expect("token")
            .expose_secret(),
        "third-token-xxxxxxx"
    );

    // A file emptied mid-rotation keeps the last token.
    std::fs::write(&path, "").expect("truncate");
    assert_eq!(
        provider
            .access_token()
            .await
            .expect("token")
            .expose_secret(),
        "third-token-xxxxxxx"
    );
}

#[test]
fn an_unreadable_or_empty_token_file_is_a_typed_error() {
    let empty = file("  \n");
    for path in [
        empty.path().to_owned(),
        std::path::PathBuf::from("/nonexistent/lusid-token"),
    ] {
        let error = Config::builder()
            .lusid_url("https://acme.lusid.com/api")
            .access_token_file(&path)
            .build()
            .expect_err("unusable token file");
        match &error {
            ConfigError::ReadTokenFile {
                origin,
                field,
                path: reported,
                ..
            } => {
                assert_eq!(origin, &ConfigSource::Builder);
                assert_eq!(field, "access_token_file");
                assert_eq!(reported, &path);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn the_higher_source_decides_between_token_and_token_file() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("token");
    std::fs::write(&path, "from-file").expect("write");
    let secrets =
        file(r#"{"api": {"lusidUrl": "https://a.lusid.com/api", "accessToken": "file-pat"}}"#);
    let config = Config::builder()
        .with_env_vars(vars(&[(
            "FBN_ACCESS_TOKEN_FILE",
            path.to_str().expect("utf-8"),
        )]))
        .with_secrets_file(secrets.path())
        .build()
        .expect("config");
    assert!(matches!(
        config.credentials(),
        Credentials::AccessTokenFile(_)
    ));
    assert!(!setting(&config, "api.accessToken").is_used());
}

fn builder_with_token_url(url: &str) -> Result<Config, ConfigError> {
    Config::builder()
        .lusid_url("https://acme.lusid.com/api")
        .token_url(url)
        .username("u")
        .password("p")
        .client_id("c")
        .client_secret("s")
        .build()
}

#[test]
fn token_urls_must_be_https_except_on_loopback() {
    for url in [
        "http://acme.okta.com/oauth2/aus1/v1/token",
        "http://10.0.0.1/token",
    ] {
        let error = builder_with_token_url(url).expect_err(url);
        assert!(
            matches!(&error, ConfigError::InvalidUrl { field, reason, .. } if field == "token_url" && reason.contains("https")),
            "{error:?}"
        );
    }
    for url in [
        "http://127.0.0.1:8080/oauth2/default/v1/token",
        "http://127.9.9.9/token",
        "http://localhost:1/token",
        "http://[::1]:8080/token",
        "https://acme.okta.com/oauth2/aus1/v1/token",
    ] {
        builder_with_token_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[test]
fn okta_issuer_urls_get_v1_token_appended() {
    for (given, expected) in [
        (
            "https://acme.okta.com/oauth2/aus1a2b3",
            "https://acme.okta.com/oauth2/aus1a2b3/v1/token",
        ),
        (
            "https://acme.okta.com/oauth2/default/",
            "https://acme.okta.com/oauth2/default/v1/token",
        ),
        (
            "https://acme.okta.com/oauth2/aus1/v1/token",
            "https://acme.okta.com/oauth2/aus1/v1/token",
        ),
        (
            "https://login.acme.com/token",
            "https://login.acme.com/token",
        ),
    ] {
        let config = builder_with_token_url(given).expect(given);
        assert_eq!(password(&config).token_url().to_string(), expected);
        assert_eq!(setting(&config, "api.tokenUrl").value(), Some(expected));
    }
}

#[test]
fn a_relative_lusid_url_is_rejected() {
    let error = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "pat"),
    ]))
    .expect_err("relative");
    assert!(
        matches!(&error, ConfigError::InvalidUrl { origin: ConfigSource::Environment, field, .. } if field == "FBN_LUSID_URL"),
        "{error:?}"
    );
}

#[test]
fn numbers_must_be_whole_and_in_range() {
    for (value, reason) in [
        ("1.5", "not an integer"),
        ("-3", "negative"),
        ("1e3", "not an integer"),
        ("true", "an integer"),
        ("\"ten\"", "whole number"),
        ("0", "whole number from 1"),
        ("\"\"", ""),
    ] {
        let secrets = file(&format!(
            r#"{{"api": {{"lusidUrl": "https://a.lusid.com/api", "accessToken": "t", "readTimeoutMs": {value}}}}}"#
        ));
        let result = Config::from_secrets_file(secrets.path());
        if value == "\"\"" {
            assert_eq!(result.expect("empty means absent").read_timeout(), None);
            continue;
        }
        let error = result.expect_err(value);
        let text = error.to_string();
        assert!(text.contains("`api.readTimeoutMs`"), "{value}: {text}");
        assert!(text.contains(reason), "{value}: {text}");
        assert!(
            matches!(
                error,
                ConfigError::InvalidNumber { .. } | ConfigError::WrongType { .. }
            ),
            "{value}: {error:?}"
        );
    }
    let error = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://a.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "t"),
        ("FBN_RATE_LIMIT_RETRIES", "three"),
    ]))
    .expect_err("not a number");
    assert!(
        matches!(&error, ConfigError::InvalidNumber { origin: ConfigSource::Environment, field, .. } if field == "FBN_RATE_LIMIT_RETRIES"),
        "{error:?}"
    );
    let error = Config::builder()
        .lusid_url("https://a.lusid.com/api")
        .access_token("t")
        .total_timeout(Duration::ZERO)
        .build()
        .expect_err("zero timeout");
    assert!(
        matches!(error, ConfigError::InvalidNumber { .. }),
        "{error:?}"
    );
}

#[test]
fn header_values_must_be_valid() {
    let error = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://a.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "t"),
        ("FBN_APP_NAME", "nightly\r\nX-Injected: 1"),
    ]))
    .expect_err("header injection");
    assert!(
        matches!(&error, ConfigError::InvalidHeaderValue { field, .. } if field == "FBN_APP_NAME"),
        "{error:?}"
    );
    let secrets = file(
        r#"{"api": {"lusidUrl": "https://a.lusid.com/api", "accessToken": "t", "correlationId": "a\u0000b"}}"#,
    );
    let error = Config::from_secrets_file(secrets.path()).expect_err("NUL");
    assert!(
        matches!(&error, ConfigError::InvalidHeaderValue { field, .. } if field == "api.correlationId"),
        "{error:?}"
    );
}

#[test]
fn a_malformed_file_fails_even_when_other_sources_are_complete() {
    let secrets = file("{\"api\": {\"lusidUrl\": \"x\",,}}");
    let error = Config::builder()
        .lusid_url("https://a.lusid.com/api")
        .access_token("t")
        .with_secrets_file(secrets.path())
        .build()
        .expect_err("bad JSON");
    assert!(
        matches!(error, ConfigError::InvalidJson { line: 1, .. }),
        "{error:?}"
    );
    let error = Config::builder()
        .with_secrets_file("/nonexistent/secrets.json")
        .build()
        .expect_err("missing file");
    assert!(matches!(error, ConfigError::ReadFile { .. }), "{error:?}");
}

#[test]
fn the_environment_proxy_is_read_with_its_credentials_split_off() {
    let config = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "pat"),
        (
            "https_proxy",
            "http://corp%5Cjane:p%40ss%3Aw%2Frd@proxy.acme.com:3128",
        ),
        ("ALL_PROXY", "http://fallback.acme.com:8080"),
        ("NO_PROXY", ".internal.acme.com,10.0.0.0/8"),
    ]))
    .expect("config");
    let proxy = config.environment_proxy().expect("a proxy");
    assert_eq!(proxy.address().to_string(), "http://proxy.acme.com:3128/");
    assert_eq!(proxy.username(), Some("corp\\jane"));
    assert_eq!(
        proxy.password().map(|p| p.expose_secret()),
        Some("p@ss:w/rd")
    );
    assert_eq!(config.no_proxy(), Some(".internal.acme.com,10.0.0.0/8"));
    assert!(config.proxy().is_none(), "no explicit proxy");

    let shown = setting(&config, "HTTPS_PROXY");
    assert_eq!(shown.field(), "https_proxy", "the variable that was set");
    assert!(shown.display_value().contains("****"), "{shown:?}");
    assert!(!shown.display_value().contains("w%2Frd"), "{shown:?}");
    assert!(!format!("{config:?}").contains("p@ss:w/rd"));
    assert_eq!(setting(&config, "NO_PROXY").field(), "NO_PROXY");
}

#[test]
fn the_environment_proxy_falls_back_to_all_proxy_and_accepts_host_port() {
    let config = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "pat"),
        ("HTTPS_PROXY", " "),
        ("all_proxy", "proxy.acme.com:3128"),
        ("no_proxy", "*"),
    ]))
    .expect("config");
    let proxy = config.environment_proxy().expect("a proxy");
    assert_eq!(proxy.address().to_string(), "http://proxy.acme.com:3128/");
    assert_eq!(proxy.username(), None);
    assert!(proxy.password().is_none());
    assert_eq!(config.no_proxy(), Some("*"));

    let none = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "pat"),
    ]))
    .expect("config");
    assert!(none.environment_proxy().is_none());
    assert!(none.no_proxy().is_none());
}

#[test]
fn an_unusable_environment_proxy_names_the_variable_but_not_its_password() {
    let error = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "pat"),
        ("HTTPS_PROXY", "socks5://jane:hunter2@proxy.acme.com:1080"),
    ]))
    .expect_err("a SOCKS proxy is not supported");
    assert!(
        matches!(&error, ConfigError::InvalidUrl { field, .. } if field == "HTTPS_PROXY"),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("HTTPS_PROXY"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn a_plain_http_lusid_url_is_refused_unless_it_is_loopback() {
    for remote in [
        "http://acme.lusid.com/api",
        "http://10.1.2.3:8080/api",
        "http://[2001:db8::1]/api",
    ] {
        let error = Config::from_env_vars(vars(&[
            ("FBN_LUSID_URL", remote),
            ("FBN_ACCESS_TOKEN", "pat"),
        ]))
        .expect_err("plain http off loopback");
        assert!(
            matches!(&error, ConfigError::InvalidUrl { field, .. } if field == "FBN_LUSID_URL"),
            "{remote}: {error:?}"
        );
        assert!(error.to_string().contains("must use https"), "{error}");
        assert!(!error.to_string().contains("pat"), "{error}");
    }
    for local in [
        "http://localhost:8080/api",
        "http://127.0.0.1:8080/api",
        "http://127.1.2.3/api",
        "http://[::1]:8080/api",
    ] {
        let config = Config::from_env_vars(vars(&[
            ("FBN_LUSID_URL", local),
            ("FBN_ACCESS_TOKEN", "pat"),
        ]))
        .unwrap_or_else(|error| panic!("{local}: {error}"));
        assert_eq!(config.lusid_url().scheme_str(), Some("http"));
    }
}
