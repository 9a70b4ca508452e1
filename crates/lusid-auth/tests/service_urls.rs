//! The URLs of the FINBOURNE services that share LUSID's sign-in: read as
//! the official SDKs read them (current and older names, variables and
//! secrets-file keys), derived from the LUSID URL when not configured, and
//! checked as the LUSID URL is.

use std::collections::HashMap;
use std::io::Write;

use lusid_auth::{Config, ConfigError, ConfigSource, Service};

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

const PAT: (&str, &str) = ("FBN_ACCESS_TOKEN", "pat-not-shown");

fn secrets_file(api: serde_json::Value) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let json = serde_json::json!({ "api": api });
    file.write_all(json.to_string().as_bytes()).unwrap();
    file
}

#[test]
fn unconfigured_services_are_derived_from_the_lusid_url_origin() {
    let config = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        PAT,
    ]))
    .unwrap();
    let expected = [
        (Service::Lusid, "https://acme.lusid.com/api", false),
        (Service::Access, "https://acme.lusid.com/access", true),
        (Service::Horizon, "https://acme.lusid.com/horizon", true),
        (Service::Identity, "https://acme.lusid.com/identity", true),
        (Service::Insights, "https://acme.lusid.com/insights", true),
        (Service::Luminesce, "https://acme.lusid.com/honeycomb", true),
        (
            Service::Configuration,
            "https://acme.lusid.com/configuration",
            true,
        ),
        (Service::Drive, "https://acme.lusid.com/drive", true),
        (
            Service::Notifications,
            "https://acme.lusid.com/notification",
            true,
        ),
        (
            Service::Scheduler,
            "https://acme.lusid.com/scheduler2",
            true,
        ),
        (Service::Workflow, "https://acme.lusid.com/workflow", true),
    ];
    for (service, url, derived) in expected {
        let resolved = config.service_url(service);
        assert_eq!(resolved.url(), url, "{service}");
        assert_eq!(resolved.is_derived(), derived, "{service}");
    }
    // `config show` lists the derived ones as derived, naming where from.
    let drive = config
        .settings()
        .iter()
        .find(|setting| setting.name() == "api.driveUrl")
        .unwrap();
    assert_eq!(drive.origin(), &ConfigSource::Derived);
    assert_eq!(drive.display_value(), "https://acme.lusid.com/drive");
    assert_eq!(
        drive.source_description(),
        "derived from the LUSID URL (FBN_LUSID_URL)"
    );
}

#[test]
fn variables_current_names_win_over_older_ones() {
    let config = Config::from_env_vars(vars(&[
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_DRIVE_URL", "https://drive.acme.example/drive"),
        ("FBN_LUSID_DRIVE_API_URL", "https://old.acme.example/drive"),
        (
            "FBN_LUSID_SCHEDULER_API_URL",
            "https://old.acme.example/scheduler2",
        ),
        (
            "FBN_LUMINESCE_API_URL",
            "https://old.acme.example/honeycomb",
        ),
        PAT,
    ]))
    .unwrap();
    let drive = config.service_url(Service::Drive);
    assert_eq!(drive.url(), "https://drive.acme.example/drive");
    assert!(!drive.is_derived());
    assert_eq!(
        config.service_url(Service::Scheduler).url(),
        "https://old.acme.example/scheduler2"
    );
    assert_eq!(
        config.service_url(Service::Luminesce).url(),
        "https://old.acme.example/honeycomb"
    );
    let scheduler = config
        .settings()
        .iter()
        .find(|setting| setting.name() == "api.schedulerUrl")
        .unwrap();
    assert_eq!(scheduler.field(), "FBN_LUSID_SCHEDULER_API_URL");
    assert_eq!(scheduler.origin(), &ConfigSource::Environment);
}

#[test]
fn secrets_file_keys_current_names_win_over_older_ones() {
    let file = secrets_file(serde_json::json!({
        "lusidUrl": "https://acme.lusid.com/api",
        "accessToken": "pat-not-shown",
        "driveUrl": "https://drive.acme.example/drive",
        "lusid_driveUrl": "https://old.acme.example/drive",
        "lusid_workflowUrl": "https://old.acme.example/workflow",
        "finbourne_accessUrl": "https://old.acme.example/access",
        "luminesceUrl": "https://sql.acme.example/honeycomb",
    }));
    let config = Config::from_secrets_file(file.path()).unwrap();
    assert_eq!(
        config.service_url(Service::Drive).url(),
        "https://drive.acme.example/drive"
    );
    assert_eq!(
        config.service_url(Service::Workflow).url(),
        "https://old.acme.example/workflow"
    );
    assert_eq!(
        config.service_url(Service::Access).url(),
        "https://old.acme.example/access"
    );
    assert_eq!(
        config.service_url(Service::Luminesce).url(),
        "https://sql.acme.example/honeycomb"
    );
    assert!(config.service_url(Service::Horizon).is_derived());
    let workflow = config
        .settings()
        .iter()
        .find(|setting| setting.name() == "api.workflowUrl")
        .unwrap();
    assert_eq!(workflow.field(), "api.lusid_workflowUrl");
}

#[test]
fn the_builder_sets_a_service_url_and_explicit_wins_over_the_environment() {
    let config = Config::builder()
        .with_env_vars(vars(&[
            ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
            ("FBN_DRIVE_URL", "https://env.acme.example/drive"),
            PAT,
        ]))
        .service_url(Service::Drive, "https://explicit.acme.example/drive")
        .build()
        .unwrap();
    assert_eq!(
        config.service_url(Service::Drive).url(),
        "https://explicit.acme.example/drive"
    );
}

#[test]
fn a_service_url_is_checked_as_the_lusid_url_and_named() {
    for (value, reason) in [
        ("http://drive.acme.example/drive", "must use https"),
        ("drive.acme.example/drive", "relative URL"),
        (
            "https://user:pw@drive.acme.example/drive",
            "user name or password",
        ),
        ("https://drive.acme.example/drive?x=1", "query"),
    ] {
        let error = Config::from_env_vars(vars(&[
            ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
            ("FBN_DRIVE_URL", value),
            PAT,
        ]))
        .unwrap_err();
        match &error {
            ConfigError::InvalidUrl { field, .. } => assert_eq!(field, "FBN_DRIVE_URL"),
            other => panic!("{value}: expected InvalidUrl, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains(reason), "{value}: {message}");
        assert!(!message.contains("pw@"), "{message}");
        assert!(
            !message.contains("lusid.com/api"),
            "a Drive URL's example is not the LUSID API's: {message}"
        );
    }
    // A loopback service URL may be plain http, as the LUSID URL may.
    let config =
        Config::from_env_vars(vars(&[("FBN_LUSID_URL", "http://127.0.0.1:5000/api"), PAT]))
            .unwrap();
    assert_eq!(
        config.service_url(Service::Drive).url(),
        "http://127.0.0.1:5000/drive"
    );
}

#[test]
fn every_service_is_read_from_the_names_it_documents() {
    for service in Service::ALL {
        let url = format!(
            "https://{}.acme.example{}",
            service.name(),
            service.base_path()
        );
        for variable in [service.env_var(), service.older_env_var()] {
            let mut pairs = vec![PAT, (variable, url.as_str())];
            if service != Service::Lusid {
                pairs.push(("FBN_LUSID_URL", "https://acme.lusid.com/api"));
            }
            let config = Config::from_env_vars(vars(&pairs)).unwrap();
            assert_eq!(
                config.service_url(service).url(),
                url.as_str(),
                "{variable}"
            );
        }
        let keys = [Some(service.secrets_key()), service.older_secrets_key()];
        for key in keys.into_iter().flatten() {
            let mut api = serde_json::json!({
                "lusidUrl": "https://acme.lusid.com/api",
                "accessToken": "pat-not-shown",
            });
            if service == Service::Lusid {
                api.as_object_mut().unwrap().remove("lusidUrl");
            }
            api[key] = serde_json::Value::String(url.clone());
            let file = secrets_file(api);
            let config = Config::from_secrets_file(file.path()).unwrap();
            assert_eq!(config.service_url(service).url(), url.as_str(), "{key}");
        }
    }
}
