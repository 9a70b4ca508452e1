//! `lusid api`: every operation of a FINBOURNE service from the command
//! line, driven by the operation table `cargo xtask codegen` generates
//! (one JSON file per service under `generated/`, embedded in the binary
//! and read when a command needs it).

pub mod capture;
pub mod file_body;
pub mod invoke;
pub mod params;
pub mod raw;
pub mod request;
pub mod table;
pub mod validate;

use table::Service;

/// The table of each service: (name for `--service`, embedded JSON).
/// The names are `lusid_auth::Service::name`'s.
const TABLES: &[(&str, &str)] = &[
    ("lusid", include_str!("generated/lusid.json")),
    ("access", include_str!("generated/access.json")),
    (
        "configuration",
        include_str!("generated/configuration.json"),
    ),
    ("drive", include_str!("generated/drive.json")),
    ("horizon", include_str!("generated/horizon.json")),
    ("identity", include_str!("generated/identity.json")),
    ("insights", include_str!("generated/insights.json")),
    ("luminesce", include_str!("generated/luminesce.json")),
    (
        "notifications",
        include_str!("generated/notifications.json"),
    ),
    ("scheduler", include_str!("generated/scheduler.json")),
    ("workflow", include_str!("generated/workflow.json")),
];

/// Why a service's table cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// No service of that name.
    #[error("no service {name:?}: the services are {}", known())]
    UnknownService {
        /// The name given.
        name: String,
    },
    /// The embedded table does not parse (a build from an edited table).
    #[error("the operation table of {name} is corrupt; regenerate it with `cargo xtask codegen`")]
    Corrupt {
        /// The service.
        name: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
}

/// The names of every service.
pub fn service_names() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|(name, _)| *name)
}

fn known() -> String {
    service_names().collect::<Vec<_>>().join(", ")
}

/// Reads the table of the service called `name`.
///
/// # Errors
/// [`TableError::UnknownService`] for a name not in [`service_names`].
pub fn service(name: &str) -> Result<Service<'static>, TableError> {
    let (name, json) = TABLES
        .iter()
        .find(|(known, _)| *known == name)
        .ok_or_else(|| TableError::UnknownService {
            name: name.to_owned(),
        })?;
    serde_json::from_str(json).map_err(|source| TableError::Corrupt { name, source })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_table_parses_and_names_every_operation_once() {
        for name in super::service_names() {
            let service = super::service(name).expect("the table parses");
            assert_eq!(service.name, name);
            let mut ids: Vec<&str> = service.operations.iter().map(|o| o.id).collect();
            ids.sort_unstable();
            let count = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), count, "operation ids are unique");
        }
        assert_eq!(
            super::service("lusid").expect("lusid").operations.len(),
            898
        );
        assert!(super::service("nope").is_err());
        assert_eq!(super::service_names().count(), 11);
        for name in super::service_names() {
            let parsed: lusid::auth::Service = name.parse().expect("a lusid_auth service name");
            assert_eq!(parsed.name(), name);
        }
    }
}
