//! Mapping JSON schemas to Rust types.

use crate::json::Json;

use crate::error::{Context, Result, bail};
use crate::naming::pascal_case;
use crate::spec::{Spec, flag, opt_str, ref_name, str_list};

/// The Rust type of a schema, independent of the crate it is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustType {
    /// `string` → `String`.
    String,
    /// `integer` (no width in the specification) → `i64`.
    Integer,
    /// `boolean` → `bool`.
    Boolean,
    /// `number` → the lossless `Number`.
    Number,
    /// `string` with `format: date-time` → `time::OffsetDateTime`.
    DateTime,
    /// An untyped value (`{}`) → `RawJson`.
    Json,
    /// A named schema → the generated type of the same name.
    Schema(String),
    /// A string with a value list → a generated open enum.
    Enum(String),
    /// `array` → `Vec<T>`.
    Array(Box<RustType>),
    /// `additionalProperties` → `BTreeMap<String, T>`.
    Map(Box<RustType>),
    /// A nullable array item or map value → `Option<T>`.
    Nullable(Box<RustType>),
}

/// Where a type is written: the path of the models crate there.
#[derive(Debug, Clone, Copy)]
pub enum Crate {
    /// Inside `lusid-models`: `crate::Instrument`.
    Models,
    /// Inside `lusid-api`: `lusid_models::Instrument`.
    Api,
}

impl Crate {
    fn models_path(self) -> &'static str {
        match self {
            Crate::Models => "crate",
            Crate::Api => "lusid_models",
        }
    }
}

impl RustType {
    /// The Rust source of the type as written in `krate`.
    pub fn render(&self, krate: Crate) -> String {
        let models = krate.models_path();
        match self {
            RustType::String => "String".to_owned(),
            RustType::Integer => "i64".to_owned(),
            RustType::Boolean => "bool".to_owned(),
            RustType::Number => format!("{models}::Number"),
            RustType::DateTime => "time::OffsetDateTime".to_owned(),
            RustType::Json => format!("{models}::RawJson"),
            RustType::Schema(name) | RustType::Enum(name) => format!("{models}::{name}"),
            RustType::Array(item) => format!("Vec<{}>", item.render(krate)),
            RustType::Map(value) => {
                format!(
                    "std::collections::BTreeMap<String, {}>",
                    value.render(krate)
                )
            }
            RustType::Nullable(inner) => format!("Option<{}>", inner.render(krate)),
        }
    }

    /// Whether a date-time appears anywhere in the type, which then needs
    /// one of the `datetime` serde adapters.
    pub fn has_datetime(&self) -> bool {
        match self {
            RustType::DateTime => true,
            RustType::Array(inner) | RustType::Map(inner) | RustType::Nullable(inner) => {
                inner.has_datetime()
            }
            _ => false,
        }
    }

    /// A short description of the wire type for documentation.
    pub fn describe(&self) -> String {
        match self {
            RustType::String => "string".to_owned(),
            RustType::Integer => "integer".to_owned(),
            RustType::Boolean => "boolean".to_owned(),
            RustType::Number => "number, kept as its exact literal".to_owned(),
            RustType::DateTime => "date-time".to_owned(),
            RustType::Json => "any JSON value, kept as raw text".to_owned(),
            RustType::Schema(name) => format!("object `{name}`"),
            RustType::Enum(_) => "string from an open list".to_owned(),
            RustType::Array(item) => format!("array of {}", item.describe()),
            RustType::Map(value) => format!("object mapping strings to {}", value.describe()),
            RustType::Nullable(inner) => format!("{} or null", inner.describe()),
        }
    }
}

/// An open string enum: the listed values plus an `Other(String)` fallback.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// The Rust type name, such as `InstrumentState`.
    pub name: String,
    /// `(wire value, variant name)` in specification order.
    pub variants: Vec<(String, String)>,
    /// What the enum is for, for its documentation, such as
    /// "field `state` of `Instrument`".
    pub owner: String,
    /// Whether the values were mined from description text rather than
    /// from an SDK validator (`x-allowed-values-source: description`).
    pub from_description: bool,
}

/// The value list of a string schema: `x-allowed-values` (open) or `enum`.
pub fn allowed_values(schema: &Json) -> Result<Vec<&str>> {
    let mut values = str_list(schema, "x-allowed-values")?;
    if values.is_empty() {
        values = str_list(schema, "enum")?;
    }
    Ok(values)
}

/// Builds an [`EnumDef`] named `name` for the values of a string schema.
pub fn enum_def(name: &str, owner: String, schema: &Json) -> Result<EnumDef> {
    let mut variants: Vec<(String, String)> = Vec::new();
    for value in allowed_values(schema)? {
        let mut variant = pascal_case(value);
        if variant == "Other" {
            variant.push_str("Value");
        }
        let base = variant.clone();
        let mut counter = 2;
        while variants.iter().any(|(_, existing)| *existing == variant) {
            variant = format!("{base}{counter}");
            counter += 1;
        }
        variants.push((value.to_owned(), variant));
    }
    Ok(EnumDef {
        name: name.to_owned(),
        variants,
        owner,
        from_description: opt_str(schema, "x-allowed-values-source") == Some("description"),
    })
}

/// Maps a property, item or parameter schema to a Rust type.
///
/// `enum_name` is the name a value list in `schema` gets (nested value lists,
/// for array items and map values, share it); each such list is pushed on
/// `enums`. `owner` describes the place for documentation.
pub fn map_schema(
    spec: &Spec,
    schema: &Json,
    enum_name: &str,
    owner: &str,
    enums: &mut Vec<EnumDef>,
) -> Result<RustType> {
    if let Some(name) = ref_name(schema)? {
        spec.schema(name)?;
        return Ok(RustType::Schema(name.to_owned()));
    }
    if let Some(Json::Array(parts)) = schema.get("allOf") {
        if let [single] = parts.as_slice() {
            return map_schema(spec, single, enum_name, owner, enums).context("allOf");
        }
        bail!("inline allOf with {} parts is not supported", parts.len());
    }
    if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
        return Ok(RustType::Json);
    }
    match opt_str(schema, "type") {
        Some("string") => map_string(schema, enum_name, owner, enums),
        Some("integer") => Ok(RustType::Integer),
        Some("boolean") => Ok(RustType::Boolean),
        Some("number") => Ok(RustType::Number),
        Some("array") => {
            let Some(items) = schema.get("items") else {
                bail!("array without `items`");
            };
            let item = map_schema(spec, items, enum_name, owner, enums).context("items")?;
            Ok(RustType::Array(Box::new(nullable(items, item))))
        }
        Some("object") => match schema.get("additionalProperties") {
            Some(value @ Json::Object(_)) => {
                let mapped = map_schema(spec, value, enum_name, owner, enums)
                    .context("additionalProperties")?;
                Ok(RustType::Map(Box::new(nullable(value, mapped))))
            }
            Some(Json::Bool(true)) => Ok(RustType::Map(Box::new(RustType::Json))),
            _ if schema.get("properties").is_some() => {
                bail!("inline object schemas with properties are not supported; name the schema")
            }
            _ => Ok(RustType::Json),
        },
        None => Ok(RustType::Json),
        Some(other) => bail!("unsupported schema type {other:?}"),
    }
}

/// Maps a `string` schema: date-time, an open enum or a plain string.
fn map_string(
    schema: &Json,
    enum_name: &str,
    owner: &str,
    enums: &mut Vec<EnumDef>,
) -> Result<RustType> {
    match opt_str(schema, "format") {
        Some("date-time") => return Ok(RustType::DateTime),
        // Binary content inside a JSON body (`FileResponse.fileStream`) is
        // a JSON string on the wire.
        Some("binary") => return Ok(RustType::String),
        _ => {}
    }
    if allowed_values(schema)?.is_empty() {
        return Ok(RustType::String);
    }
    if !enums.iter().any(|existing| existing.name == enum_name) {
        enums.push(enum_def(enum_name, owner.to_owned(), schema)?);
    }
    Ok(RustType::Enum(enum_name.to_owned()))
}

/// Wraps a nested type in `Option` when its schema is nullable.
fn nullable(schema: &Json, mapped: RustType) -> RustType {
    if flag(schema, "nullable") {
        RustType::Nullable(Box::new(mapped))
    } else {
        mapped
    }
}
