//! Which part of the specification is generated.
//!
//! The selection is data: the list of operationIds in [`OPERATIONS`] (plus
//! [`EXTRA_SCHEMAS`]). Everything else is derived: the schemas are those
//! reachable from the selected operations through `$ref`, and each schema
//! remembers which operations send or return it, for its documentation.

use std::collections::{BTreeMap, BTreeSet};

use crate::json::Json;

use crate::error::{Context, Result, bail};
use crate::spec::{OperationRef, Spec, json_content_schema, ref_name};

/// The operations to generate, by `operationId`.
pub const OPERATIONS: &[&str] = &[
    "ListInstruments",
    "GetInstrument",
    "GetInstruments",
    "UpsertInstruments",
    "DeleteInstrument",
];

/// Schemas generated although no selected operation references them.
///
/// `LusidProblemDetails` is the body of LUSID's error responses other than
/// validation failures; the specification does not reference it but the API
/// crate's error type parses it.
pub const EXTRA_SCHEMAS: &[&str] = &["LusidProblemDetails"];

/// How the selected operations use a schema.
#[derive(Debug, Default, Clone)]
pub struct Usage {
    /// Operations whose request body contains the schema.
    pub sent_by: Vec<String>,
    /// Operations whose success response contains the schema.
    pub returned_by: Vec<String>,
    /// Operations whose error response contains the schema.
    pub error_of: Vec<String>,
}

/// The operations and schemas to generate.
pub struct Selection<'a> {
    /// The selected operations, in specification (path) order.
    pub operations: Vec<OperationRef<'a>>,
    /// Every schema to generate, by name, with its usage.
    pub schemas: BTreeMap<String, Usage>,
}

/// The role a schema plays for an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Sent,
    Returned,
    Error,
}

impl<'a> Selection<'a> {
    /// Selects [`OPERATIONS`], the schemas they reach and [`EXTRA_SCHEMAS`].
    pub fn new(spec: &'a Spec) -> Result<Self> {
        let wanted: BTreeSet<&str> = OPERATIONS.iter().copied().collect();
        let mut operations = Vec::new();
        for operation in spec.operations()? {
            if wanted.contains(operation.id()?) {
                operations.push(operation);
            }
        }
        for id in &wanted {
            let mut found = false;
            for operation in &operations {
                found |= operation.id()? == *id;
            }
            if !found {
                bail!("selected operation `{id}` is not in the specification");
            }
        }

        let mut schemas: BTreeMap<String, Usage> = BTreeMap::new();
        for operation in &operations {
            let id = operation.id()?;
            let mut reached = Vec::new();
            collect_operation(spec, operation, &mut reached)
                .with_context(|| format!("operation `{id}`"))?;
            for (name, role) in reached {
                let usage = schemas.entry(name).or_default();
                let list = match role {
                    Role::Sent => &mut usage.sent_by,
                    Role::Returned => &mut usage.returned_by,
                    Role::Error => &mut usage.error_of,
                };
                if !list.iter().any(|existing| existing == id) {
                    list.push(id.to_owned());
                }
            }
        }
        for name in EXTRA_SCHEMAS {
            spec.schema(name).context("EXTRA_SCHEMAS")?;
            schemas.entry((*name).to_owned()).or_default();
        }
        Ok(Self {
            operations,
            schemas,
        })
    }
}

/// Collects every schema an operation reaches, with the role it plays.
fn collect_operation(
    spec: &Spec,
    operation: &OperationRef<'_>,
    out: &mut Vec<(String, Role)>,
) -> Result<()> {
    if let Some(Json::Array(parameters)) = operation.operation.get("parameters") {
        for parameter in parameters {
            if let Some(schema) = parameter.get("schema") {
                reach(spec, schema, Role::Sent, out)?;
            }
        }
    }
    if let Some(schema) = operation
        .operation
        .get("requestBody")
        .and_then(json_content_schema)
    {
        reach(spec, schema, Role::Sent, out).context("request body")?;
    }
    if let Some(Json::Object(responses)) = operation.operation.get("responses") {
        for (status, response) in responses {
            let role = if status.starts_with('2') {
                Role::Returned
            } else {
                Role::Error
            };
            if let Some(schema) = json_content_schema(response) {
                reach(spec, schema, role, out).with_context(|| format!("response {status}"))?;
            }
        }
    }
    Ok(())
}

/// Adds every schema reachable from `schema` through `$ref`. Polymorphic
/// schemas (see [`is_polymorphic`]) are reached but not entered: they are
/// kept as raw JSON for now, so their members are not generated.
fn reach(spec: &Spec, schema: &Json, role: Role, out: &mut Vec<(String, Role)>) -> Result<()> {
    if let Some(name) = ref_name(schema)? {
        let already = out
            .iter()
            .any(|(seen, seen_role)| seen == name && *seen_role == role);
        if already {
            return Ok(());
        }
        out.push((name.to_owned(), role));
        let target = spec.schema(name)?;
        if !is_polymorphic(target) {
            reach(spec, target, role, out).with_context(|| format!("schema `{name}`"))?;
        }
        return Ok(());
    }
    match schema {
        Json::Object(map) => {
            for (key, value) in map {
                if key != "discriminator" {
                    reach(spec, value, role, out)?;
                }
            }
        }
        Json::Array(items) => {
            for item in items {
                reach(spec, item, role, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a schema is a discriminated base or a `oneOf` union: such schemas
/// are generated as raw JSON for now.
pub fn is_polymorphic(schema: &Json) -> bool {
    schema.get("discriminator").is_some() || schema.get("oneOf").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/lusid.json");
        Spec::load(&root).expect("spec/lusid.json loads")
    }

    #[test]
    fn selects_the_schemas_reachable_from_the_operations() {
        let spec = spec();
        let selection = Selection::new(&spec).expect("selection");
        assert_eq!(selection.operations.len(), OPERATIONS.len());
        // 28 reachable through `$ref`, plus LusidProblemDetails.
        assert_eq!(
            selection.schemas.len(),
            29,
            "{:?}",
            selection.schemas.keys()
        );
        for name in [
            "Instrument",
            "Version",
            "LusidInstrument",
            "LusidProblemDetails",
        ] {
            assert!(selection.schemas.contains_key(name), "{name}");
        }
        // Discriminator mappings are not followed.
        assert!(!selection.schemas.contains_key("Bond"));

        let instrument = &selection.schemas["Instrument"];
        assert!(
            instrument
                .returned_by
                .contains(&"ListInstruments".to_owned())
        );
        assert!(instrument.returned_by.contains(&"GetInstrument".to_owned()));
        assert!(selection.schemas["InstrumentDefinition"].sent_by == ["UpsertInstruments"]);
        assert_eq!(
            selection.schemas["LusidValidationProblemDetails"]
                .error_of
                .len(),
            5
        );
    }
}
