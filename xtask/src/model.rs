//! The model of each selected schema: a struct, an open enum or raw JSON.

use crate::json::Json;

use crate::error::{Context, Result, bail};
use crate::naming::{pascal_case, snake_ident};
use crate::selection::{Selection, Usage, is_polymorphic};
use crate::spec::{Spec, flag, opt_str, str_list};
use crate::types::{EnumDef, RustType, enum_def, map_schema};

/// One generated schema.
pub struct Model {
    /// The schema name, which is also the Rust type name.
    pub name: String,
    /// Which selected operations use it.
    pub usage: Usage,
    /// What is generated.
    pub kind: ModelKind,
}

/// What a schema becomes.
pub enum ModelKind {
    /// A plain object: a struct, plus the open enums of its fields.
    Struct {
        /// The properties in wire order.
        fields: Vec<Field>,
        /// Enums for fields with value lists.
        enums: Vec<EnumDef>,
    },
    /// A polymorphic schema kept as raw JSON for now.
    Raw {
        /// Why, for the documentation: the discriminator or `oneOf`.
        reason: String,
    },
    /// A standalone string enum schema.
    Enum(EnumDef),
}

/// One property of a struct.
pub struct Field {
    /// The JSON name.
    pub wire: String,
    /// The Rust field name.
    pub ident: String,
    /// The Rust type, without the `Option` of an optional or nullable field.
    pub ty: RustType,
    /// Whether the property is in the schema's `required` list.
    pub required: bool,
    /// Whether the property may be `null`.
    pub nullable: bool,
    /// The schema of the property, for documentation details.
    pub schema: Json,
}

impl Field {
    /// Whether the field is an `Option`: when it may be absent or `null`.
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

/// Builds the model of every selected schema, sorted by name.
pub fn build_models(spec: &Spec, selection: &Selection<'_>) -> Result<Vec<Model>> {
    selection
        .schemas
        .iter()
        .map(|(name, usage)| {
            let schema = spec.schema(name)?;
            let kind =
                build_kind(spec, name, schema).with_context(|| format!("schema `{name}`"))?;
            Ok(Model {
                name: name.clone(),
                usage: usage.clone(),
                kind,
            })
        })
        .collect()
}

/// Decides what a schema becomes and builds it.
fn build_kind(spec: &Spec, name: &str, schema: &Json) -> Result<ModelKind> {
    if let Some(discriminator) = schema.get("discriminator") {
        let property = opt_str(discriminator, "propertyName").unwrap_or("?");
        let shape = if schema.get("oneOf").is_some() {
            "`oneOf` union"
        } else {
            "base"
        };
        return Ok(ModelKind::Raw {
            reason: format!("polymorphic {shape} discriminated by `{property}`"),
        });
    }
    if is_polymorphic(schema) {
        return Ok(ModelKind::Raw {
            reason: "`oneOf` union".to_owned(),
        });
    }
    if schema.get("allOf").is_some() {
        bail!("allOf subtypes are not supported yet");
    }
    match opt_str(schema, "type") {
        Some("object") => build_struct(spec, name, schema),
        Some("string") if schema.get("enum").is_some() => Ok(ModelKind::Enum(enum_def(
            name,
            format!("schema `{name}`"),
            schema,
        )?)),
        other => bail!("unsupported top-level schema type {other:?}"),
    }
}

/// Builds a struct from an object schema's properties.
fn build_struct(spec: &Spec, name: &str, schema: &Json) -> Result<ModelKind> {
    let required = str_list(schema, "required")?;
    let mut fields: Vec<Field> = Vec::new();
    let mut enums = Vec::new();
    if let Some(Json::Object(properties)) = schema.get("properties") {
        for (wire, property) in properties {
            let mut enum_name = format!("{name}{}", pascal_case(wire));
            if spec.has_schema(&enum_name) {
                enum_name.push_str("Value");
            }
            let owner = format!("field `{wire}` of `{name}`");
            let ty = map_schema(spec, property, &enum_name, &owner, &mut enums)
                .with_context(|| format!("property `{wire}`"))?;
            let ident = snake_ident(wire);
            if fields.iter().any(|field| field.ident == ident) {
                bail!("two properties map to the Rust field `{ident}`");
            }
            fields.push(Field {
                wire: wire.clone(),
                ident,
                ty,
                required: required.contains(&wire.as_str()),
                nullable: flag(property, "nullable"),
                schema: property.clone(),
            });
        }
    }
    Ok(ModelKind::Struct { fields, enums })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instrument_fields_keep_wire_order_and_get_open_enums() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/lusid.json");
        let spec = Spec::load(&root).expect("spec loads");
        let selection = Selection::new(&spec).expect("selection");
        let models = build_models(&spec, &selection).expect("models");
        let instrument = models
            .iter()
            .find(|model| model.name == "Instrument")
            .expect("Instrument");
        let ModelKind::Struct { fields, enums } = &instrument.kind else {
            panic!("Instrument is a struct");
        };
        let wire: Vec<&str> = fields.iter().map(|field| field.wire.as_str()).collect();
        assert_eq!(
            &wire[..4],
            ["href", "scope", "lusidInstrumentId", "version"]
        );
        let state = fields
            .iter()
            .find(|field| field.wire == "state")
            .expect("state");
        assert_eq!(state.ty, RustType::Enum("InstrumentState".to_owned()));
        assert!(state.required && !state.is_option());
        let names: Vec<&str> = enums
            .iter()
            .map(|definition| definition.name.as_str())
            .collect();
        assert_eq!(names, ["InstrumentState", "InstrumentAssetClass"]);

        let raw = models
            .iter()
            .find(|model| model.name == "LusidInstrument")
            .expect("LusidInstrument");
        assert!(matches!(raw.kind, ModelKind::Raw { .. }));
    }
}
