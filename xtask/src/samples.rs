//! Sample JSON values of every schema, derived from the models, for the
//! round-trip check (`cargo xtask roundtrip --all`).
//!
//! For each schema: a minimal value (required fields only, lists and maps
//! empty, nested values minimal) and a maximal one (lists and maps with one
//! minimal element) (every optional field, plus an unknown key
//! where the schema preserves them); for a family, one value per member
//! (selected by its first tag) and one with a tag the specification does not
//! know. Values are compact JSON in wire order with LUSID's date-time form,
//! so the models must re-serialize them byte for byte.

use std::collections::BTreeMap;

use crate::error::{Result, bail};
use crate::model::{Family, Field, Model, ModelKind};
use crate::types::{EnumDef, RustType};

/// One sample value.
pub struct Sample {
    /// The schema name.
    pub schema: String,
    /// Which sample: `minimal`, `maximal`, `member FixedLeg`, `unknown tag`.
    pub case: String,
    /// Compact JSON text.
    pub json: String,
}

/// A date-time in LUSID's 7-digit form.
const DATE_TIME: &str = "\"2024-01-31T09:30:00.1234567+00:00\"";
/// A number with more digits than an `f64` keeps.
const NUMBER: &str = "1234.5678901234567890";
/// An untyped value.
const RAW: &str = "{\"any\":[1,\"two\",null,1.10]}";
/// How deep nested values go before the generator gives up.
const MAX_DEPTH: usize = 24;

/// The samples of every model.
pub fn samples(models: &[Model]) -> Result<Vec<Sample>> {
    let generator = Generator::new(models);
    let mut samples = Vec::new();
    for model in models {
        generator
            .model_samples(model, &mut samples)
            .map_err(|error| {
                crate::error::Error::new(format!("samples of `{}`: {error}", model.name))
            })?;
    }
    Ok(samples)
}

/// Looks up models and enums by name.
struct Generator<'a> {
    models: BTreeMap<&'a str, &'a Model>,
    enums: BTreeMap<&'a str, &'a EnumDef>,
}

impl<'a> Generator<'a> {
    fn new(models: &'a [Model]) -> Self {
        let mut enums = BTreeMap::new();
        for model in models {
            let defs: Vec<&EnumDef> = match &model.kind {
                ModelKind::Struct { enums, .. } => enums.iter().collect(),
                ModelKind::Family(family) => family.enums.iter().collect(),
                ModelKind::Enum(def) => vec![def],
            };
            for def in defs {
                enums.insert(def.name.as_str(), def);
            }
        }
        Self {
            models: models
                .iter()
                .map(|model| (model.name.as_str(), model))
                .collect(),
            enums,
        }
    }

    fn model_samples(&self, model: &Model, out: &mut Vec<Sample>) -> Result<()> {
        let mut push = |case: &str, json: String| {
            out.push(Sample {
                schema: model.name.clone(),
                case: case.to_owned(),
                json,
            });
        };
        match &model.kind {
            ModelKind::Struct { fields, .. } => {
                push("minimal", self.object(model, fields, None, false, 0)?);
                push("maximal", self.object(model, fields, None, true, 0)?);
            }
            ModelKind::Family(family) => {
                for variant in &family.variants {
                    let tag = variant.tags.first().map(String::as_str);
                    for maximal in [false, true] {
                        let json = self.member(family, &variant.schema, tag, maximal, 0)?;
                        let size = if maximal { "maximal" } else { "minimal" };
                        push(&format!("{size} member {}", variant.schema), json);
                    }
                }
                push(
                    "unknown tag",
                    format!(
                        "{{{}:\"NotInTheSpecification\",\"extra\":{RAW}}}",
                        quote(&family.property)
                    ),
                );
            }
            ModelKind::Enum(def) => {
                if let Some((wire, _)) = def.variants.first() {
                    push("known value", quote(wire));
                }
                push("other value", quote("NotInTheSpecification"));
            }
        }
        Ok(())
    }

    /// A member of a family with its tag; a nested family picks its own
    /// first member under the same tag property.
    fn member(
        &self,
        family: &Family,
        schema: &str,
        tag: Option<&str>,
        maximal: bool,
        depth: usize,
    ) -> Result<String> {
        let Some(model) = self.models.get(schema) else {
            bail!("no model `{schema}`");
        };
        match &model.kind {
            ModelKind::Struct { fields, .. } => {
                let tag = tag.map(|tag| (family.property.as_str(), tag));
                self.object(model, fields, tag, maximal, depth)
            }
            ModelKind::Family(inner) => match inner.variants.first() {
                Some(variant) => self.member(
                    inner,
                    &variant.schema,
                    variant.tags.first().map(String::as_str),
                    maximal,
                    depth,
                ),
                None => bail!("family `{schema}` has no members"),
            },
            ModelKind::Enum(_) => bail!("member `{schema}` is an enum"),
        }
    }

    /// An object: required fields (all fields when `maximal`) in wire order,
    /// the discriminator set to `tag`, and an unknown key when the schema
    /// preserves them.
    fn object(
        &self,
        model: &Model,
        fields: &[Field],
        tag: Option<(&str, &str)>,
        maximal: bool,
        depth: usize,
    ) -> Result<String> {
        if depth > MAX_DEPTH {
            bail!("nesting deeper than {MAX_DEPTH} through `{}`", model.name);
        }
        let mut members = Vec::new();
        for field in fields {
            let value = match tag {
                Some((property, tag)) if field.wire == property => quote(tag),
                _ if !field.required && !maximal => continue,
                // A required nullable field: `null` in the minimal value.
                _ if field.nullable && !maximal => "null".to_owned(),
                _ => self.value(&field.ty, depth + 1, maximal).map_err(|error| {
                    crate::error::Error::new(format!("{}: {error}", field.wire))
                })?,
            };
            members.push(format!("{}:{value}", quote(&field.wire)));
        }
        if maximal && model.preserve_unknown {
            members.push(format!("\"xUnknownField\":{RAW}"));
        }
        Ok(format!("{{{}}}", members.join(",")))
    }

    /// A value of a type: nested objects minimal, lists and maps with one
    /// element when `filled`, else empty (which also ends recursion).
    fn value(&self, ty: &RustType, depth: usize, filled: bool) -> Result<String> {
        Ok(match ty {
            RustType::String => quote("text"),
            RustType::Integer => "42".to_owned(),
            RustType::Boolean => "true".to_owned(),
            RustType::Number => NUMBER.to_owned(),
            RustType::DateTime => DATE_TIME.to_owned(),
            RustType::Json => RAW.to_owned(),
            RustType::Enum(name) => match self.enums.get(name.as_str()) {
                Some(def) => match def.variants.first() {
                    Some((wire, _)) => quote(wire),
                    None => quote("NotInTheSpecification"),
                },
                None => bail!("no enum `{name}`"),
            },
            RustType::Array(_) | RustType::Map(_) if !filled => match ty {
                RustType::Array(_) => "[]".to_owned(),
                _ => "{}".to_owned(),
            },
            RustType::Array(item) => format!("[{}]", self.value(item, depth, false)?),
            RustType::Map(value) => format!("{{\"key\":{}}}", self.value(value, depth, false)?),
            RustType::Nullable(inner) => self.value(inner, depth, filled)?,
            RustType::Schema(name) => {
                let Some(model) = self.models.get(name.as_str()) else {
                    bail!("no model `{name}`");
                };
                match &model.kind {
                    ModelKind::Struct { fields, .. } => {
                        self.object(model, fields, None, false, depth)?
                    }
                    ModelKind::Family(family) => match family.variants.first() {
                        Some(variant) => self.member(
                            family,
                            &variant.schema,
                            variant.tags.first().map(String::as_str),
                            false,
                            depth,
                        )?,
                        None => bail!("family `{name}` has no members"),
                    },
                    ModelKind::Enum(def) => match def.variants.first() {
                        Some((wire, _)) => quote(wire),
                        None => quote("NotInTheSpecification"),
                    },
                }
            }
        })
    }
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}
