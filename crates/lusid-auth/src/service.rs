//! [`Service`]: the FINBOURNE services that share LUSID's sign-in, with the
//! names their URLs are configured under, and [`ServiceUrl`], one
//! service's resolved base URL.

use std::fmt;
use std::str::FromStr;

use http::Uri;

/// A FINBOURNE service reached with the same Okta sign-in and bearer token
/// as LUSID.
///
/// Each service has a base path on a LUSID domain (`/drive` on
/// `https://acme.lusid.com`) and is configured, as the official SDKs read
/// it, by an `FBN_*` variable and an `api` key of the secrets file, each
/// with an older name that is still accepted. A service whose URL is not
/// configured is derived from the LUSID URL's origin and the service's
/// base path (see [`Config::service_url`](crate::Config::service_url)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Service {
    /// LUSID itself (`/api`).
    Lusid,
    /// Access: policies and roles (`/access`).
    Access,
    /// Horizon: integrations and vendor data (`/horizon`).
    Horizon,
    /// Identity: users, roles and personal access tokens (`/identity`).
    Identity,
    /// Insights: request and access logs (`/insights`).
    Insights,
    /// Luminesce: SQL over LUSID data (`/honeycomb`).
    Luminesce,
    /// Configuration: configuration sets and items (`/configuration`).
    Configuration,
    /// Drive: folders and files (`/drive`).
    Drive,
    /// Notifications: subscriptions and deliveries (`/notification`).
    Notifications,
    /// Scheduler: jobs and schedules (`/scheduler2`).
    Scheduler,
    /// Workflow: tasks and workers (`/workflow`).
    Workflow,
}

/// What is configured where, per service: the name, the base path, the
/// variable and its older name, the secrets-file key and its older name.
struct Names {
    name: &'static str,
    title: &'static str,
    base_path: &'static str,
    variable: &'static str,
    older_variable: &'static str,
    secrets_key: &'static str,
    /// With its object: `api.apiUrl`.
    older_secrets_field: Option<&'static str>,
}

impl Service {
    /// The number of services, LUSID included.
    pub const COUNT: usize = 11;

    /// Every service, LUSID first.
    pub const ALL: [Service; Service::COUNT] = [
        Service::Lusid,
        Service::Access,
        Service::Horizon,
        Service::Identity,
        Service::Insights,
        Service::Luminesce,
        Service::Configuration,
        Service::Drive,
        Service::Notifications,
        Service::Scheduler,
        Service::Workflow,
    ];

    const fn names(self) -> Names {
        const fn n(
            name: &'static str,
            title: &'static str,
            base_path: &'static str,
            variable: &'static str,
            older_variable: &'static str,
            secrets_key: &'static str,
            older_secrets_field: Option<&'static str>,
        ) -> Names {
            Names {
                name,
                title,
                base_path,
                variable,
                older_variable,
                secrets_key,
                older_secrets_field,
            }
        }
        match self {
            Service::Lusid => n(
                "lusid",
                "LUSID",
                "/api",
                "FBN_LUSID_URL",
                "FBN_LUSID_API_URL",
                "lusidUrl",
                Some("api.apiUrl"),
            ),
            Service::Access => n(
                "access",
                "Access",
                "/access",
                "FBN_ACCESS_URL",
                "FBN_FINBOURNE_ACCESS_API_URL",
                "accessUrl",
                Some("api.finbourne_accessUrl"),
            ),
            Service::Horizon => n(
                "horizon",
                "Horizon",
                "/horizon",
                "FBN_HORIZON_URL",
                "FBN_FINBOURNE_HORIZON_API_URL",
                "horizonUrl",
                Some("api.finbourne_horizonUrl"),
            ),
            Service::Identity => n(
                "identity",
                "Identity",
                "/identity",
                "FBN_IDENTITY_URL",
                "FBN_FINBOURNE_IDENTITY_API_URL",
                "identityUrl",
                Some("api.finbourne_identityUrl"),
            ),
            Service::Insights => n(
                "insights",
                "Insights",
                "/insights",
                "FBN_INSIGHTS_URL",
                "FBN_FINBOURNE_INSIGHTS_API_URL",
                "insightsUrl",
                Some("api.finbourne_insightsUrl"),
            ),
            Service::Luminesce => n(
                "luminesce",
                "Luminesce",
                "/honeycomb",
                "FBN_LUMINESCE_URL",
                "FBN_LUMINESCE_API_URL",
                "luminesceUrl",
                None,
            ),
            Service::Configuration => n(
                "configuration",
                "Configuration",
                "/configuration",
                "FBN_CONFIGURATION_URL",
                "FBN_LUSID_CONFIGURATION_API_URL",
                "configurationUrl",
                Some("api.lusid_configurationUrl"),
            ),
            Service::Drive => n(
                "drive",
                "Drive",
                "/drive",
                "FBN_DRIVE_URL",
                "FBN_LUSID_DRIVE_API_URL",
                "driveUrl",
                Some("api.lusid_driveUrl"),
            ),
            Service::Notifications => n(
                "notifications",
                "Notifications",
                "/notification",
                "FBN_NOTIFICATIONS_URL",
                "FBN_LUSID_NOTIFICATIONS_API_URL",
                "notificationsUrl",
                Some("api.lusid_notificationsUrl"),
            ),
            Service::Scheduler => n(
                "scheduler",
                "Scheduler",
                "/scheduler2",
                "FBN_SCHEDULER_URL",
                "FBN_LUSID_SCHEDULER_API_URL",
                "schedulerUrl",
                Some("api.lusid_schedulerUrl"),
            ),
            Service::Workflow => n(
                "workflow",
                "Workflow",
                "/workflow",
                "FBN_WORKFLOW_URL",
                "FBN_LUSID_WORKFLOW_API_URL",
                "workflowUrl",
                Some("api.lusid_workflowUrl"),
            ),
        }
    }

    /// The service's short name in lower case, as in Cargo features and
    /// `lusid api --service`: `lusid`, `drive`, `luminesce`, ….
    pub const fn name(self) -> &'static str {
        self.names().name
    }

    /// The service's name for people: `LUSID`, `Drive`, `Luminesce`, ….
    pub const fn title(self) -> &'static str {
        self.names().title
    }

    /// The path the service is served under on a LUSID domain, without a
    /// trailing slash: `/api` for LUSID, `/drive`, `/honeycomb` for
    /// Luminesce, `/scheduler2` for Scheduler, ….
    pub const fn base_path(self) -> &'static str {
        self.names().base_path
    }

    /// The environment variable of the service's URL: `FBN_LUSID_URL`,
    /// `FBN_DRIVE_URL`, ….
    pub const fn env_var(self) -> &'static str {
        self.names().variable
    }

    /// The variable's older name, read when [`env_var`](Self::env_var) is
    /// unset or empty: `FBN_LUSID_API_URL`, `FBN_LUSID_DRIVE_API_URL`, ….
    pub const fn older_env_var(self) -> &'static str {
        self.names().older_variable
    }

    /// The secrets file's key for the URL, inside its `api` object:
    /// `lusidUrl`, `driveUrl`, ….
    pub const fn secrets_key(self) -> &'static str {
        self.names().secrets_key
    }

    /// The key's older name, read when [`secrets_key`](Self::secrets_key)
    /// is absent: `apiUrl`, `lusid_driveUrl`, …; Luminesce has none.
    pub fn older_secrets_key(self) -> Option<&'static str> {
        self.older_secrets_field()
            .map(|field| field.strip_prefix("api.").unwrap_or(field))
    }

    /// The older key as errors and `lusid config show` name it, with its
    /// object: `api.apiUrl`, `api.lusid_driveUrl`, …; Luminesce has none.
    pub const fn older_secrets_field(self) -> Option<&'static str> {
        self.names().older_secrets_field
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`Service`] from a name it does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown service `{name}`: expected one of {}", known_names())]
pub struct UnknownService {
    /// The name that was given.
    pub name: String,
}

fn known_names() -> String {
    Service::ALL
        .iter()
        .map(|service| service.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Service {
    type Err = UnknownService;

    /// Parses a [`name`](Service::name), ignoring ASCII case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Service::ALL
            .into_iter()
            .find(|service| service.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| UnknownService {
                name: name.to_owned(),
            })
    }
}

/// One service's resolved base URL, and whether it was configured or
/// derived from the LUSID URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceUrl {
    url: Uri,
    derived: bool,
}

impl ServiceUrl {
    pub(crate) fn configured(url: Uri) -> Self {
        ServiceUrl {
            url,
            derived: false,
        }
    }

    /// The LUSID URL's scheme and authority with `service`'s base path:
    /// `https://acme.lusid.com/api` gives `https://acme.lusid.com/drive`.
    pub(crate) fn derived(lusid_url: &Uri, service: Service) -> Option<Self> {
        let scheme = lusid_url.scheme()?;
        let authority = lusid_url.authority()?;
        let url = Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query(service.base_path())
            .build()
            .ok()?;
        Some(ServiceUrl { url, derived: true })
    }

    /// The base URL that request paths are appended to, e.g.
    /// `https://acme.lusid.com/drive`. Always absolute `http` or `https`
    /// (`http` only on loopback).
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// `true` when no URL was configured for the service and this one was
    /// derived from the LUSID URL's origin and the service's base path.
    pub fn is_derived(&self) -> bool {
        self.derived
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_ones_list_the_known() {
        for service in Service::ALL {
            assert_eq!(service.name().parse::<Service>(), Ok(service));
            assert!(service.base_path().starts_with('/'));
            assert!(service.env_var().starts_with("FBN_") && service.env_var().ends_with("_URL"));
        }
        assert_eq!("Drive".parse::<Service>(), Ok(Service::Drive));
        let error = "drvie".parse::<Service>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown service `drvie`: expected one of lusid, access, horizon, identity, \
             insights, luminesce, configuration, drive, notifications, scheduler, workflow"
        );
    }

    #[test]
    fn derived_url_keeps_the_origin_and_takes_the_base_path() {
        let lusid: Uri = "https://acme.lusid.com/api".parse().unwrap();
        let drive = ServiceUrl::derived(&lusid, Service::Drive).unwrap();
        assert_eq!(drive.url(), "https://acme.lusid.com/drive");
        assert!(drive.is_derived());
        let local: Uri = "http://127.0.0.1:51234/api".parse().unwrap();
        let luminesce = ServiceUrl::derived(&local, Service::Luminesce).unwrap();
        assert_eq!(luminesce.url(), "http://127.0.0.1:51234/honeycomb");
    }
}
