//! Property tests of configuration parsing: no secrets file, JSON value or
//! `FBN_*` variable may panic, every error about a field names that field,
//! and no error quotes a secret.

use std::collections::HashMap;
use std::io::Write;

use lusid_auth::{Config, ConfigError};
use proptest::prelude::*;

const API_KEYS: [&str; 16] = [
    "lusidUrl",
    "apiUrl",
    "tokenUrl",
    "username",
    "password",
    "clientId",
    "clientSecret",
    "applicationName",
    "accessToken",
    "accessTokenFile",
    "clientCertificate",
    "correlationId",
    "totalTimeoutMs",
    "connectTimeoutMs",
    "readTimeoutMs",
    "rateLimitRetries",
];

const ENV_KEYS: [&str; 14] = [
    "FBN_LUSID_URL",
    "FBN_LUSID_API_URL",
    "FBN_TOKEN_URL",
    "FBN_USERNAME",
    "FBN_PASSWORD",
    "FBN_CLIENT_ID",
    "FBN_CLIENT_SECRET",
    "FBN_APP_NAME",
    "FBN_ACCESS_TOKEN",
    "FBN_CORRELATION_ID",
    "FBN_TOTAL_TIMEOUT_MS",
    "FBN_CONNECT_TIMEOUT_MS",
    "FBN_READ_TIMEOUT_MS",
    "FBN_RATE_LIMIT_RETRIES",
];

/// A marker placed in every secret; no error message may contain it.
const SECRET_MARKER: &str = "s3cr3t-M4RK3R";

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        ".{0,24}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("https://acme.lusid.com/api")),
        Just(serde_json::Value::from("http://127.0.0.1:1/oauth2/token")),
        "[0-9]{1,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A secrets file whose `api` (and sometimes `proxy`) object holds known
/// keys with arbitrary values.
fn secrets_document() -> impl Strategy<Value = serde_json::Value> {
    let api = prop::collection::btree_map(prop::sample::select(&API_KEYS[..]), json_value(), 0..10);
    let proxy = prop::option::of(prop::collection::btree_map(
        prop::sample::select(&["address", "username", "password"][..]),
        json_value(),
        0..3,
    ));
    (api, proxy).prop_map(|(api, proxy)| {
        let mut root = serde_json::Map::new();
        root.insert(
            "api".into(),
            serde_json::Value::Object(api.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        );
        if let Some(proxy) = proxy {
            root.insert(
                "proxy".into(),
                serde_json::Value::Object(
                    proxy.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                ),
            );
        }
        serde_json::Value::Object(root)
    })
}

fn load(bytes: &[u8]) -> Result<Config, ConfigError> {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write");
    Config::from_secrets_file(file.path())
}

/// The field an error is about, when it is about one field.
fn field_of(error: &ConfigError) -> Option<&str> {
    match error {
        ConfigError::WrongType { field, .. }
        | ConfigError::InvalidUrl { field, .. }
        | ConfigError::InvalidNumber { field, .. }
        | ConfigError::InvalidHeaderValue { field, .. }
        | ConfigError::ReadTokenFile { field, .. } => Some(field),
        _ => None,
    }
}

fn assert_names_its_field(error: &ConfigError, known: &[&str]) {
    let message = error.to_string();
    if let Some(field) = field_of(error) {
        assert!(message.contains(field), "{message} does not name {field}");
        assert!(
            known.iter().any(|key| field.contains(key)),
            "{field} is not a known setting ({message})"
        );
    }
    if let ConfigError::MissingFields { fields, .. } = error {
        assert!(!fields.is_empty(), "{message}");
        for field in fields {
            assert!(message.contains(field.as_str()), "{message}");
        }
    }
    assert!(
        !message.contains(SECRET_MARKER),
        "a secret leaked: {message}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(error) = load(&bytes) {
            let _ = error.to_string();
        }
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        if let Err(error) = load(value.to_string().as_bytes()) {
            assert_names_its_field(&error, &["(top level)", "api", "proxy"]);
        }
    }

    #[test]
    fn every_field_error_names_the_field(document in secrets_document()) {
        let mut document = document;
        // Secrets carry the marker, so a leak is visible.
        if let Some(api) = document.get_mut("api").and_then(|api| api.as_object_mut()) {
            for key in ["password", "clientSecret", "accessToken"] {
                if let Some(value) = api.get_mut(key) {
                    if let Some(text) = value.as_str() {
                        *value = serde_json::Value::from(format!("{text}{SECRET_MARKER}"));
                    }
                }
            }
        }
        let mut known: Vec<&str> = API_KEYS.to_vec();
        known.extend(["api", "proxy", "address", "username", "password"]);
        match load(document.to_string().as_bytes()) {
            Ok(config) => {
                let debug = format!("{config:?}");
                prop_assert!(!debug.contains(SECRET_MARKER), "{}", debug);
            }
            Err(error) => assert_names_its_field(&error, &known),
        }
    }

    #[test]
    fn arbitrary_environment_values_never_panic(
        vars in prop::collection::btree_map(prop::sample::select(&ENV_KEYS[..]), ".{0,40}", 0..8)
    ) {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(key, value)| {
                let value = if key.contains("PASSWORD") || key.contains("SECRET") {
                    format!("{value}{SECRET_MARKER}")
                } else {
                    value
                };
                (key.to_owned(), value)
            })
            .collect();
        if let Err(error) = Config::from_env_vars(|key| vars.get(key).cloned()) {
            assert_names_its_field(&error, &ENV_KEYS);
            if let Some(field) = field_of(&error) {
                prop_assert!(field.starts_with("FBN_"), "{}", field);
            }
        }
    }
}
