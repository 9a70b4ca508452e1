//! Which part of the specification is generated, and which Cargo feature
//! enables each part.
//!
//! Every operation and every schema is generated. Each schema remembers the
//! operations that send or return it and the tags (API groups) that reach
//! it through `$ref`, `allOf`, `oneOf` and discriminator mappings: the
//! generated code enables a schema when any of those tags' features is on.
//! Schemas reached from an error response (and [`EXTRA_SCHEMAS`]) are always
//! compiled, since the API crate's error type reads them; schemas no
//! operation reaches sit behind the `unreferenced` feature.

use std::collections::{BTreeMap, BTreeSet};

use crate::json::Json;

use crate::error::{Context, Result};
use crate::naming::module_name;
use crate::spec::{OperationRef, Spec, json_content_schema, opt_str, ref_name, str_list};

/// Schemas always compiled although no operation's error response
/// references them.
///
/// `LusidProblemDetails` is the body of LUSID's error responses other than
/// validation failures; the specification does not reference it but the API
/// crate's error type parses it.
pub const EXTRA_SCHEMAS: &[&str] = &["LusidProblemDetails"];

/// The feature of schemas that no operation reaches.
pub const UNREFERENCED_FEATURE: &str = "unreferenced";

/// How the operations use a schema.
#[derive(Debug, Default, Clone)]
pub struct Usage {
    /// Operations whose request body contains the schema.
    pub sent_by: Vec<String>,
    /// Operations whose success response contains the schema.
    pub returned_by: Vec<String>,
    /// Operations whose error response contains the schema.
    pub error_of: Vec<String>,
    /// Features (one per tag) of the operations that send or return it.
    pub features: BTreeSet<String>,
    /// Whether the schema is always compiled (reached by an error body).
    pub always: bool,
}

/// When a generated item is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Always.
    Always,
    /// When any of these features is on.
    Any(BTreeSet<String>),
}

impl Gate {
    /// The `#[cfg(...)]` attribute line, or nothing for [`Gate::Always`].
    pub fn attribute(&self) -> String {
        match self {
            Gate::Always => String::new(),
            Gate::Any(features) => {
                let list: Vec<String> = features
                    .iter()
                    .map(|feature| format!("feature = {feature:?}"))
                    .collect();
                if list.len() == 1 {
                    format!("#[cfg({})]\n", list[0])
                } else {
                    format!("#[cfg(any({}))]\n", list.join(", "))
                }
            }
        }
    }
}

impl Usage {
    /// When the schema is compiled.
    pub fn gate(&self) -> Gate {
        if self.always {
            Gate::Always
        } else if self.features.is_empty() {
            Gate::Any(BTreeSet::from([UNREFERENCED_FEATURE.to_owned()]))
        } else {
            Gate::Any(self.features.clone())
        }
    }
}

/// The operations and schemas to generate.
pub struct Selection<'a> {
    /// Every operation, in specification (path) order.
    pub operations: Vec<OperationRef<'a>>,
    /// Every schema, by name, with its usage.
    pub schemas: BTreeMap<String, Usage>,
}

/// The role a schema plays for an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Sent,
    Returned,
    Error,
}

/// The feature of a tag: its module name, such as `transaction_portfolios`.
pub fn tag_feature(tag: &str) -> String {
    module_name(tag)
}

/// The first tag of an operation (its API group).
pub fn operation_tag(operation: &OperationRef<'_>) -> Result<String> {
    Ok(str_list(operation.operation, "tags")?
        .first()
        .map_or_else(|| "Default".to_owned(), |tag| (*tag).to_owned()))
}

impl<'a> Selection<'a> {
    /// Selects every operation and schema and works out their features.
    pub fn new(spec: &'a Spec) -> Result<Self> {
        let operations = spec.operations()?;
        let mut schemas: BTreeMap<String, Usage> = spec
            .schema_names()?
            .into_iter()
            .map(|name| (name, Usage::default()))
            .collect();
        for operation in &operations {
            let id = operation.id()?;
            let feature = tag_feature(&operation_tag(operation)?);
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
                match role {
                    Role::Error => usage.always = true,
                    _ => {
                        usage.features.insert(feature.clone());
                    }
                }
            }
        }
        for name in EXTRA_SCHEMAS {
            spec.schema(name).context("EXTRA_SCHEMAS")?;
            let mut reached = Vec::new();
            reach(spec, &ref_to(name), Role::Error, &mut reached)?;
            for (name, _) in reached {
                schemas.entry(name).or_default().always = true;
            }
        }
        Ok(Self {
            operations,
            schemas,
        })
    }
}

/// A `{"$ref": ...}` object naming a schema.
fn ref_to(name: &str) -> Json {
    Json::Object(vec![(
        "$ref".to_owned(),
        Json::String(format!("#/components/schemas/{name}")),
    )])
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

/// Adds every schema reachable from `schema`: through `$ref` (which covers
/// `allOf` parents and `oneOf` members) and discriminator mappings (which
/// name the subtypes of a family).
fn reach(spec: &Spec, schema: &Json, role: Role, out: &mut Vec<(String, Role)>) -> Result<()> {
    if let Some(name) = ref_name(schema)? {
        return reach_name(spec, name, role, out);
    }
    match schema {
        Json::Object(map) => {
            for (key, value) in map {
                if key == "discriminator" {
                    if let Some(Json::Object(mapping)) = value.get("mapping") {
                        for (_, target) in mapping {
                            if let Some(target) = target.as_str() {
                                let name = target
                                    .strip_prefix("#/components/schemas/")
                                    .unwrap_or(target);
                                reach_name(spec, name, role, out)
                                    .context("discriminator mapping")?;
                            }
                        }
                    }
                } else if !key.starts_with("x-") {
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

/// Adds a named schema and what it reaches, once per role.
fn reach_name(spec: &Spec, name: &str, role: Role, out: &mut Vec<(String, Role)>) -> Result<()> {
    let already = out
        .iter()
        .any(|(seen, seen_role)| seen == name && *seen_role == role);
    if already {
        return Ok(());
    }
    out.push((name.to_owned(), role));
    let target = spec.schema(name)?;
    reach(spec, target, role, out).with_context(|| format!("schema `{name}`"))
}

/// The discriminator property of a family root, if it is one.
pub fn discriminator_property(schema: &Json) -> Option<&str> {
    schema
        .get("discriminator")
        .and_then(|d| opt_str(d, "propertyName"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/lusid.json");
        Spec::load(&root).expect("spec/lusid.json loads")
    }

    #[test]
    fn selects_everything_and_gates_schemas_by_tag() {
        let spec = spec();
        let selection = Selection::new(&spec).expect("selection");
        assert_eq!(selection.operations.len(), 898);
        assert_eq!(selection.schemas.len(), 2004);
        let instrument = &selection.schemas["Instrument"];
        assert!(instrument.features.contains("instruments"));
        assert!(
            instrument
                .returned_by
                .contains(&"ListInstruments".to_owned())
        );
        // Discriminator mappings are followed.
        assert!(selection.schemas["Bond"].features.contains("instruments"));
        assert_eq!(
            selection.schemas["LusidProblemDetails"].gate(),
            Gate::Always
        );
        assert_eq!(
            selection.schemas["LusidValidationProblemDetails"].gate(),
            Gate::Always
        );
    }
}
