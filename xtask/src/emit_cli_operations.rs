//! The CLI's operation table for `lusid api`: every operation of the
//! specification with its parameters, request body, response, paging and
//! idempotency, plus a compact table of every schema (types, required
//! fields, enums, formats, nested objects, arrays and maps, `$ref`s,
//! `allOf`, `oneOf` and discriminators) that the CLI's own validator checks
//! request bodies against, so the CLI compiles no model.
//!
//! One data file per service (`crates/lusid-cli/src/api/generated/<service>.json`,
//! compact JSON the CLI embeds and reads at run time, so no table is
//! compiled); the table's types live in the CLI
//! (`crates/lusid-cli/src/api/table.rs`).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::error::{Context, Error, Result, bail};
use crate::idempotency::idempotency;
use crate::json::Json;
use crate::output::GeneratedFile;
use crate::spec::{Spec, flag, json_content_schema, opt_str, ref_name, str_list};

/// The directory of the CLI's generated tables.
pub const DIR: &str = "crates/lusid-cli/src/api/generated";

/// The services besides LUSID: (name for `--service`, specification file
/// under `spec/`). The name is `lusid_auth::Service::name`'s.
pub const SERVICES: &[(&str, &str)] = &[
    ("access", "finbourne_access.json"),
    ("configuration", "lusid_configuration.json"),
    ("drive", "lusid_drive.json"),
    ("horizon", "finbourne_horizon.json"),
    ("identity", "finbourne_identity.json"),
    ("insights", "finbourne_insights.json"),
    ("luminesce", "luminesce.json"),
    ("notifications", "lusid_notifications.json"),
    ("scheduler", "lusid_scheduler.json"),
    ("workflow", "lusid_workflow.json"),
];

/// Every service's table: LUSID's from `lusid` (already loaded), then one
/// per file of [`SERVICES`], loaded from `root/spec/`.
///
/// # Errors
/// A specification that does not load, or an operation or schema the
/// table cannot describe (named with its service).
pub fn render_all(root: &std::path::Path, lusid: &Spec) -> Result<Vec<GeneratedFile>> {
    let mut files = vec![render(lusid)?];
    for (name, file) in SERVICES {
        let spec = Spec::load(&root.join("spec").join(file))?;
        files.push(render_service(&spec, name, file).with_context(|| format!("spec/{file}"))?);
    }
    Ok(files)
}

/// `lusid.json`: the LUSID service's table, one operation or schema per
/// line (compact JSON, read by the CLI at run time, so the table costs the
/// CLI's build nothing).
pub fn render(spec: &Spec) -> Result<GeneratedFile> {
    render_service(spec, "lusid", "lusid.json")
}

/// `<name>.json`: the table of the service called `name`, from
/// `spec/<file>`.
fn render_service(spec: &Spec, name: &str, file: &str) -> Result<GeneratedFile> {
    let names = spec.schema_names()?;
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let emitter = Emitter {
        spec,
        index: &index,
    };
    let mut out = format!(
        "{{\"name\":{},\n\"generated\":\"by `cargo xtask codegen` from spec/{file}; do not edit by hand\",\n\"operations\":[\n",
        q(name)
    );
    for (i, operation) in spec.operations()?.into_iter().enumerate() {
        let id = operation.id()?;
        let text = emitter
            .operation(operation.method, operation.path, id, operation.operation)
            .with_context(|| format!("operation {id}"))?;
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&text);
    }
    out.push_str("\n],\n\"schemas\":[\n");
    for (i, schema_name) in names.iter().enumerate() {
        let schema = spec.schema(schema_name)?;
        let ty = emitter
            .ty(schema)
            .with_context(|| format!("schema {schema_name}"))?;
        if i > 0 {
            out.push_str(",\n");
        }
        let _ = write!(out, "{{\"name\":{},\"ty\":{ty}}}", q(schema_name));
    }
    out.push_str("\n]}\n");
    Ok(GeneratedFile::verbatim(format!("{DIR}/{name}.json"), out))
}

/// A JSON string literal.
fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

/// A JSON array of string literals.
fn qs(texts: &[&str]) -> String {
    format!(
        "[{}]",
        texts.iter().map(|t| q(t)).collect::<Vec<_>>().join(",")
    )
}

/// Renders table entries.
struct Emitter<'a> {
    spec: &'a Spec,
    index: &'a HashMap<&'a str, usize>,
}

impl Emitter<'_> {
    /// One operation object.
    fn operation(&self, method: &str, path: &str, id: &str, operation: &Json) -> Result<String> {
        let tag = operation
            .get("tags")
            .and_then(Json::as_array)
            .and_then(|tags| tags.first())
            .and_then(Json::as_str)
            .unwrap_or("");
        let status = opt_str(operation, "x-fbn-apistatus").unwrap_or("");
        let mut params = Vec::new();
        let mut has_page = false;
        for param in operation
            .get("parameters")
            .and_then(Json::as_array)
            .unwrap_or(&[])
        {
            let name =
                opt_str(param, "name").ok_or_else(|| Error::new("parameter without name"))?;
            let location = match opt_str(param, "in") {
                Some(location @ ("path" | "query" | "header")) => location,
                other => bail!("parameter {name}: unsupported location {other:?}"),
            };
            let schema = param
                .get("schema")
                .ok_or_else(|| Error::new(format!("parameter {name} has no schema")))?;
            let (repeated, scalar) = match opt_str(schema, "type") {
                Some("array") => (
                    true,
                    schema.get("items").ok_or_else(|| {
                        Error::new(format!("parameter {name}: array without items"))
                    })?,
                ),
                _ => (false, schema),
            };
            // An object-valued query parameter (Luminesce's
            // `scalarParameters`) is given as one string, as written.
            let kind = match (opt_str(scalar, "type"), opt_str(scalar, "format")) {
                (Some("object"), _) if location == "query" => "string",
                (Some("string"), Some("date-time")) => "date-time",
                (Some("string"), _) => "string",
                (Some("integer"), _) => "integer",
                (Some("number"), _) => "number",
                (Some("boolean"), _) => "boolean",
                other => bail!("parameter {name}: unsupported type {other:?}"),
            };
            if name == "page" && location == "query" && kind == "string" {
                has_page = true;
            }
            let mut text = format!(
                "{{\"name\":{},\"in\":\"{location}\",\"kind\":\"{kind}\"",
                q(name)
            );
            if flag(param, "required") {
                text.push_str(",\"required\":true");
            }
            if repeated {
                text.push_str(",\"repeated\":true");
            }
            let values = str_list(scalar, "x-allowed-values")?;
            if !values.is_empty() {
                let _ = write!(text, ",\"values\":{}", qs(&values));
            }
            let default = match schema
                .get("x-documented-default")
                .or_else(|| schema.get("default"))
            {
                Some(Json::String(text)) => Some(text.clone()),
                Some(Json::Number(text)) => Some(text.clone()),
                Some(Json::Bool(value)) => Some(value.to_string()),
                _ => None,
            };
            if let Some(default) = default {
                let _ = write!(text, ",\"default\":{}", q(&default));
            }
            text.push('}');
            params.push(text);
        }
        let mut out = format!(
            "{{\"id\":{},\"method\":\"{method}\",\"path\":{},\"tag\":{},\"status\":{}",
            q(id),
            q(path),
            q(tag),
            q(status)
        );
        if flag(operation, "deprecated") {
            out.push_str(",\"deprecated\":true");
        }
        let _ = write!(out, ",\"params\":[{}]", params.join(","));
        if let Some(body) = operation.get("requestBody") {
            let content = body
                .get("content")
                .and_then(Json::as_object)
                .ok_or_else(|| Error::new("request body without content"))?;
            let (media_type, media) = content
                .iter()
                .find(|(media, _)| media == "application/json")
                .or_else(|| content.first())
                .map(|(media, value)| (media.as_str(), value))
                .ok_or_else(|| Error::new("request body without a media type"))?;
            let ty = match media.get("schema") {
                Some(schema) => self.ty(schema)?,
                None => "\"Any\"".to_owned(),
            };
            let _ = write!(
                out,
                ",\"body\":{{\"media_type\":{},\"required\":{},\"ty\":{ty}}}",
                q(media_type),
                flag(body, "required")
            );
        }
        let success = operation
            .get("responses")
            .and_then(Json::as_object)
            .and_then(|responses| {
                responses
                    .iter()
                    .find(|(code, _)| code.starts_with('2'))
                    .map(|(_, response)| response)
            });
        let response_schema = success.and_then(json_content_schema).or_else(|| {
            success
                .and_then(|r| r.get("content"))
                .and_then(|c| c.get("application/octet-stream"))
                .and_then(|m| m.get("schema"))
        });
        if let Some(schema) = response_schema {
            let _ = write!(out, ",\"response\":{}", self.ty(schema)?);
            // A string response (Luminesce's CSV or JSON text, Drive's
            // file contents) is passed through as bytes, never decoded.
            match (opt_str(schema, "type"), opt_str(schema, "format")) {
                (Some("string"), Some("binary")) => out.push_str(",\"raw\":\"binary\""),
                (Some("string"), _) => out.push_str(",\"raw\":\"text\""),
                _ => {}
            }
        }
        let paged = has_page && response_schema.is_some_and(|schema| self.is_page(schema));
        let (idempotent, _) = idempotency(method, path, id);
        let _ = write!(out, ",\"paged\":{paged},\"idempotent\":{idempotent}}}");
        Ok(out)
    }

    /// Whether a response schema is a page: an object with a string
    /// `nextPage` and an array `values`.
    fn is_page(&self, schema: &Json) -> bool {
        let schema = match ref_name(schema) {
            Ok(Some(name)) => match self.spec.schema(name) {
                Ok(schema) => schema,
                Err(_) => return false,
            },
            _ => schema,
        };
        let property = |name: &str| schema.get("properties").and_then(|p| p.get(name));
        property("nextPage").and_then(|p| opt_str(p, "type")) == Some("string")
            && property("values").and_then(|p| opt_str(p, "type")) == Some("array")
    }

    /// The JSON of a schema's `Type`.
    fn ty(&self, schema: &Json) -> Result<String> {
        let inner = self.bare(schema)?;
        Ok(if flag(schema, "nullable") {
            format!("{{\"Nullable\":{inner}}}")
        } else {
            inner
        })
    }

    /// The JSON of a schema's `Type`, ignoring `nullable`.
    fn bare(&self, schema: &Json) -> Result<String> {
        if let Some(name) = ref_name(schema)? {
            return Ok(format!("{{\"Ref\":{}}}", self.reference(name)?));
        }
        if let Some(members) = schema.get("allOf").and_then(Json::as_array) {
            let parts = members
                .iter()
                .map(|member| self.ty(member))
                .collect::<Result<Vec<_>>>()?;
            return Ok(format!("{{\"AllOf\":[{}]}}", parts.join(",")));
        }
        if let Some(members) = schema.get("oneOf").and_then(Json::as_array) {
            let mut indices = Vec::new();
            for member in members {
                let name = ref_name(member)?
                    .ok_or_else(|| Error::new("a oneOf member that is not a $ref"))?;
                indices.push(self.reference(name)?.to_string());
            }
            let mut out = format!("{{\"OneOf\":{{\"members\":[{}]", indices.join(","));
            if let Some(discriminator) = self.discriminator(schema)? {
                let _ = write!(out, ",\"discriminator\":{discriminator}");
            }
            out.push_str("}}");
            return Ok(out);
        }
        Ok(match opt_str(schema, "type") {
            Some("string") => {
                let mut out = String::from("{\"Str\":{");
                let mut fields = Vec::new();
                match opt_str(schema, "format") {
                    Some("date-time") => fields.push("\"format\":\"DateTime\"".to_owned()),
                    Some("binary") => fields.push("\"format\":\"Binary\"".to_owned()),
                    _ => {}
                }
                let (values, enforced) = match schema.get("enum") {
                    Some(_) => (str_list(schema, "enum")?, true),
                    None => (str_list(schema, "x-allowed-values")?, false),
                };
                if !values.is_empty() {
                    fields.push(format!("\"values\":{}", qs(&values)));
                }
                if enforced {
                    fields.push("\"enforced\":true".to_owned());
                }
                out.push_str(&fields.join(","));
                out.push_str("}}");
                out
            }
            Some("integer") => "\"Integer\"".to_owned(),
            Some("number") => "\"Number\"".to_owned(),
            Some("boolean") => "\"Boolean\"".to_owned(),
            Some("array") => {
                let items = schema
                    .get("items")
                    .ok_or_else(|| Error::new("array without items"))?;
                format!("{{\"Array\":{}}}", self.ty(items)?)
            }
            Some("object") | None => {
                let properties = schema.get("properties").and_then(Json::as_object);
                match (properties, schema.get("additionalProperties")) {
                    (None, Some(Json::Bool(true))) => "{\"Map\":\"Any\"}".to_owned(),
                    (None, Some(values @ Json::Object(_))) => {
                        format!("{{\"Map\":{}}}", self.ty(values)?)
                    }
                    (None, _) if opt_str(schema, "type").is_none() => "\"Any\"".to_owned(),
                    (properties, _) => {
                        let mut props = Vec::new();
                        for (name, property) in properties.unwrap_or(&[]) {
                            let ty = self
                                .ty(property)
                                .with_context(|| format!("property {name}"))?;
                            props.push(format!("[{},{ty}]", q(name)));
                        }
                        let mut out =
                            format!("{{\"Object\":{{\"properties\":[{}]", props.join(","));
                        let required = str_list(schema, "required")?;
                        if !required.is_empty() {
                            let _ = write!(out, ",\"required\":{}", qs(&required));
                        }
                        if let Some(discriminator) = self.discriminator(schema)? {
                            let _ = write!(out, ",\"discriminator\":{discriminator}");
                        }
                        out.push_str("}}");
                        out
                    }
                }
            }
            Some(other) => bail!("unsupported type {other:?}"),
        })
    }

    /// The JSON of a schema's `Discriminator`, if it has one.
    fn discriminator(&self, schema: &Json) -> Result<Option<String>> {
        let Some(discriminator) = schema.get("discriminator") else {
            return Ok(None);
        };
        let property = opt_str(discriminator, "propertyName")
            .ok_or_else(|| Error::new("discriminator without propertyName"))?;
        let mut mapping = Vec::new();
        for (value, target) in discriminator
            .get("mapping")
            .and_then(Json::as_object)
            .unwrap_or(&[])
        {
            let target = target
                .as_str()
                .and_then(|target| target.strip_prefix("#/components/schemas/"))
                .ok_or_else(|| {
                    Error::new(format!(
                        "discriminator mapping {value}: not a schema reference"
                    ))
                })?;
            mapping.push(format!("[{},{}]", q(value), self.reference(target)?));
        }
        let mut out = format!(
            "{{\"property\":{},\"mapping\":[{}]",
            q(property),
            mapping.join(",")
        );
        let without = str_list(schema, "x-discriminator-values-without-schema")?;
        if !without.is_empty() {
            let _ = write!(out, ",\"without_schema\":{}", qs(&without));
        }
        out.push('}');
        Ok(Some(out))
    }

    /// The index of a named schema.
    fn reference(&self, name: &str) -> Result<usize> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| Error::new(format!("$ref to unknown schema {name}")))
    }
}

#[cfg(test)]
mod tests {
    use super::{SERVICES, render, render_all};
    use crate::spec::Spec;

    #[test]
    fn renders_one_table_per_service_with_text_and_binary_bodies() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let lusid = Spec::load(&root.join("spec/lusid.json")).expect("the specification");
        let files = render_all(&root, &lusid).expect("the tables");
        assert_eq!(files.len(), 1 + SERVICES.len());
        let table = |name: &str| -> serde_json::Value {
            let path = format!("crates/lusid-cli/src/api/generated/{name}.json");
            let file = files.iter().find(|f| f.path == path).expect("the file");
            serde_json::from_str(&file.contents).expect("JSON")
        };
        let find = |table: &serde_json::Value, id: &str| {
            table["operations"]
                .as_array()
                .and_then(|ops| ops.iter().find(|op| op["id"] == id).cloned())
                .unwrap_or_else(|| panic!("{id}"))
        };
        let drive = table("drive");
        assert_eq!(drive["name"], "drive");
        assert_eq!(drive["operations"].as_array().map(Vec::len), Some(16));
        let create = find(&drive, "CreateFile");
        assert_eq!(create["body"]["media_type"], "application/octet-stream");
        assert_eq!(find(&drive, "DownloadFile")["raw"], "binary");
        assert_eq!(find(&drive, "GetRootFolder")["paged"], true);
        let luminesce = table("luminesce");
        let put = find(&luminesce, "PutByQueryJson");
        assert_eq!(put["body"]["media_type"], "text/plain");
        assert_eq!(put["raw"], "text");
        assert_eq!(put["params"][0]["name"], "scalarParameters");
        assert!(find(&luminesce, "GetProgressOf").get("raw").is_none());
    }

    #[test]
    fn renders_every_operation_and_schema_as_json() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let spec = Spec::load(&root.join("spec/lusid.json")).expect("the specification");
        let file = render(&spec).expect("the table");
        assert_eq!(file.path, "crates/lusid-cli/src/api/generated/lusid.json");
        let table: serde_json::Value = serde_json::from_str(&file.contents).expect("JSON");
        let operations = table["operations"].as_array().expect("operations");
        assert_eq!(operations.len(), 898);
        assert_eq!(table["schemas"].as_array().map(Vec::len), Some(2004));
        let find = |id: &str| {
            operations
                .iter()
                .find(|op| op["id"] == id)
                .unwrap_or_else(|| panic!("{id}"))
        };
        let list = find("ListPortfolios");
        assert_eq!(list["paged"], true);
        assert_eq!(list["idempotent"], true);
        assert_eq!(list["params"][1]["name"], "asAt");
        assert_eq!(list["params"][1]["kind"], "date-time");
        let create = find("CreatePortfolio");
        assert_eq!(create["paged"], false);
        assert_eq!(create["idempotent"], false);
        assert_eq!(create["body"]["required"], true);
        let get = find("GetInstrument");
        assert_eq!(get["params"][0]["in"], "path");
        assert_eq!(get["params"][0]["required"], true);
    }
}
