//! Loading `spec/lusid.json` and walking it.
//!
//! The specification is read into the order-preserving [`Json`] value: the
//! generator needs only a few OpenAPI keywords plus LUSID's `x-` extensions,
//! and properties must stay in wire order.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Context, Error, Result, bail};
use crate::json::Json;

/// The parsed specification.
pub struct Spec {
    root: Json,
    /// Index of `root.components.schemas` by name.
    schemas: HashMap<String, usize>,
}

/// One operation: its path, HTTP method and the operation object.
#[derive(Clone, Copy)]
pub struct OperationRef<'a> {
    /// The path template, such as `/api/instruments/{identifierType}/{identifier}`.
    pub path: &'a str,
    /// The HTTP method in upper case, such as `GET`.
    pub method: &'static str,
    /// The OpenAPI operation object.
    pub operation: &'a Json,
}

impl OperationRef<'_> {
    /// The `operationId`.
    pub fn id(&self) -> Result<&str> {
        str_field(self.operation, "operationId")
            .with_context(|| format!("{} {}", self.method, self.path))
    }
}

/// The HTTP methods an OpenAPI path item may hold, with their upper-case names.
const METHODS: [(&str, &str); 8] = [
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("trace", "TRACE"),
];

impl Spec {
    /// Reads and parses the specification file.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let root: Json =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let schemas = schema_members(&root)?
            .iter()
            .enumerate()
            .map(|(index, (name, _))| (name.clone(), index))
            .collect();
        Ok(Self { root, schemas })
    }

    /// Every operation, in path order then method order.
    pub fn operations(&self) -> Result<Vec<OperationRef<'_>>> {
        let paths = object(&self.root, "paths")?;
        let mut operations = Vec::new();
        for (path, item) in paths {
            for (key, method) in METHODS {
                if let Some(operation) = item.get(key) {
                    operations.push(OperationRef {
                        path,
                        method,
                        operation,
                    });
                }
            }
        }
        Ok(operations)
    }

    /// The schema called `name` under `components/schemas`.
    pub fn schema(&self, name: &str) -> Result<&Json> {
        let index = self
            .schemas
            .get(name)
            .ok_or_else(|| Error::new(format!("no schema `{name}` in components/schemas")))?;
        schema_members(&self.root)?
            .get(*index)
            .map(|(_, schema)| schema)
            .ok_or_else(|| Error::new(format!("schema index of `{name}` is stale")))
    }

    /// The names of every schema, in specification order.
    pub fn schema_names(&self) -> Result<Vec<String>> {
        Ok(schema_members(&self.root)?
            .iter()
            .map(|(name, _)| name.clone())
            .collect())
    }

    /// Whether a schema called `name` exists.
    pub fn has_schema(&self, name: &str) -> bool {
        self.schemas.contains_key(name)
    }
}

/// The members of `components/schemas`.
fn schema_members(root: &Json) -> Result<&[(String, Json)]> {
    let components = root
        .get("components")
        .ok_or_else(|| Error::new("missing `components`"))?;
    object(components, "schemas")
}

/// The schema name a `$ref` object points at, if the value is a `$ref`.
pub fn ref_name(schema: &Json) -> Result<Option<&str>> {
    let Some(reference) = schema.get("$ref") else {
        return Ok(None);
    };
    let Some(reference) = reference.as_str() else {
        bail!("`$ref` is not a string");
    };
    match reference.strip_prefix("#/components/schemas/") {
        Some(name) => Ok(Some(name)),
        None => bail!("unsupported `$ref` {reference:?}: only #/components/schemas/ is handled"),
    }
}

/// The schema of a request body or response: its `application/json` content.
pub fn json_content_schema(holder: &Json) -> Option<&Json> {
    holder
        .get("content")?
        .get("application/json")?
        .get("schema")
}

/// A string member of a JSON object.
pub fn str_field<'a>(value: &'a Json, key: &str) -> Result<&'a str> {
    match value.get(key) {
        Some(Json::String(text)) => Ok(text),
        Some(_) => bail!("`{key}` is not a string"),
        None => bail!("missing `{key}`"),
    }
}

/// An optional string member of a JSON object.
pub fn opt_str<'a>(value: &'a Json, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Json::as_str)
}

/// Whether a boolean member is present and true.
pub fn flag(value: &Json, key: &str) -> bool {
    value.get(key).and_then(Json::as_bool).unwrap_or(false)
}

/// A list-of-strings member (such as `required` or `x-allowed-values`);
/// empty when absent.
pub fn str_list<'a>(value: &'a Json, key: &str) -> Result<Vec<&'a str>> {
    match value.get(key) {
        None => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| Error::new(format!("`{key}` holds a non-string item")))
            })
            .collect(),
        Some(_) => bail!("`{key}` is not an array"),
    }
}

/// The members of an object member of a JSON object.
pub fn object<'a>(value: &'a Json, key: &str) -> Result<&'a [(String, Json)]> {
    match value.get(key) {
        Some(Json::Object(members)) => Ok(members),
        Some(_) => bail!("`{key}` is not an object"),
        None => bail!("missing `{key}`"),
    }
}

impl Spec {
    /// Gives each `oneOf` union without a discriminator (Notifications'
    /// `NotificationType`) the one its members imply: a property every
    /// member declares as a single-value `enum` (`type: ["Email"]`) becomes
    /// the discriminator, mapping each value to its member. Unions whose
    /// members share no such property are left alone (and fail later,
    /// naming the schema).
    pub fn infer_discriminators(&mut self) {
        let mut additions: Vec<(String, Json)> = Vec::new();
        if let Ok(schemas) = schema_members(&self.root) {
            for (name, schema) in schemas {
                if schema.get("discriminator").is_some() {
                    continue;
                }
                let Some(members) = schema.get("oneOf").and_then(Json::as_array) else {
                    continue;
                };
                if let Some(discriminator) = self.implied_discriminator(members) {
                    additions.push((name.clone(), discriminator));
                }
            }
        }
        let Json::Object(root) = &mut self.root else {
            return;
        };
        let Some(Json::Object(components)) = root
            .iter_mut()
            .find(|(key, _)| key == "components")
            .map(|(_, value)| value)
        else {
            return;
        };
        let Some(Json::Object(schemas)) = components
            .iter_mut()
            .find(|(key, _)| key == "schemas")
            .map(|(_, value)| value)
        else {
            return;
        };
        for (name, discriminator) in additions {
            if let Some((_, Json::Object(schema))) =
                schemas.iter_mut().find(|(key, _)| *key == name)
            {
                schema.push(("discriminator".to_owned(), discriminator));
            }
        }
    }

    /// The discriminator a union's members imply, if they share one.
    fn implied_discriminator(&self, members: &[Json]) -> Option<Json> {
        let mut candidates: Option<Vec<String>> = None;
        let mut resolved = Vec::new();
        for member in members {
            let name = ref_name(member).ok()??;
            let schema = self.schema(name).ok()?;
            let properties = schema.get("properties")?.as_object()?;
            let single: Vec<String> = properties
                .iter()
                .filter(|(_, property)| {
                    property
                        .get("enum")
                        .and_then(Json::as_array)
                        .is_some_and(|values| values.len() == 1)
                })
                .map(|(key, _)| key.clone())
                .collect();
            candidates = Some(match candidates {
                None => single,
                Some(previous) => previous
                    .into_iter()
                    .filter(|key| single.contains(key))
                    .collect(),
            });
            resolved.push((name.to_owned(), schema));
        }
        let property = candidates?.into_iter().next()?;
        let mut mapping = Vec::new();
        for (name, schema) in resolved {
            let value = schema
                .get("properties")?
                .get(&property)?
                .get("enum")?
                .as_array()?
                .first()?
                .as_str()?
                .to_owned();
            mapping.push((value, Json::String(format!("#/components/schemas/{name}"))));
        }
        Some(Json::Object(vec![
            ("propertyName".to_owned(), Json::String(property)),
            ("mapping".to_owned(), Json::Object(mapping)),
        ]))
    }
}
