//! The model of each schema: a struct, a discriminated family (enum), or a
//! standalone open enum.

use crate::json::Json;

use crate::error::{Context, Result, bail};
use crate::naming::{pascal_case, snake_ident};
use crate::selection::{Selection, Usage, discriminator_property};
use crate::spec::{Spec, flag, opt_str, ref_name, str_list};
use crate::types::{EnumDef, RustType, enum_def, map_schema};

/// One generated schema.
pub struct Model {
    /// The schema name, which is also the Rust type name.
    pub name: String,
    /// Which operations use it, and its features.
    pub usage: Usage,
    /// What is generated.
    pub kind: ModelKind,
    /// Whether the SDK keeps unknown keys (`x-sdk-unknown-fields: preserve`).
    pub preserve_unknown: bool,
}

/// What a schema becomes.
pub enum ModelKind {
    /// A plain object or an `allOf` subtype (parents' properties first): a
    /// struct, plus the open enums of the fields it declares itself.
    Struct {
        /// The properties in wire order.
        fields: Vec<Field>,
        /// Enums for the fields this schema declares with value lists.
        enums: Vec<EnumDef>,
        /// The `allOf` parents, nearest first, for documentation.
        parents: Vec<String>,
    },
    /// A discriminated family root (allOf base or `oneOf` union): an enum
    /// with one variant per member schema and an unknown fallback.
    Family(Family),
    /// A standalone string enum schema.
    Enum(EnumDef),
}

/// A discriminated family.
pub struct Family {
    /// The discriminator's wire name, such as `instrumentType`.
    pub property: String,
    /// The members, in mapping order.
    pub variants: Vec<Variant>,
    /// The name of the fallback variant (`Unknown`, unless a member has
    /// that name).
    pub unknown: String,
    /// Whether the family is a `oneOf` union (else allOf inheritance).
    pub one_of: bool,
    /// Enums of the properties the root declares (shared by the members).
    pub enums: Vec<EnumDef>,
    /// Tag values the specification lists without a schema.
    pub without_schema: Vec<String>,
}

/// One member of a family.
pub struct Variant {
    /// The member schema, also the variant name.
    pub schema: String,
    /// The discriminator values that select it.
    pub tags: Vec<String>,
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
    /// The schema that declares the property (itself or an `allOf` parent).
    pub declared_by: String,
}

impl Field {
    /// Whether the field is an `Option`: when it may be absent or `null`.
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

/// Builds the model of every schema, sorted by name.
pub fn build_models(spec: &Spec, selection: &Selection<'_>) -> Result<Vec<Model>> {
    let models: Vec<Model> = selection
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
                preserve_unknown: opt_str(schema, "x-sdk-unknown-fields") == Some("preserve"),
            })
        })
        .collect::<Result<_>>()?;
    check_unique_type_names(&models)?;
    Ok(models)
}

/// Fails when two generated types (schemas and field enums) share a name.
fn check_unique_type_names(models: &[Model]) -> Result<()> {
    let mut seen = std::collections::BTreeMap::new();
    for model in models {
        let mut names = vec![model.name.clone()];
        let enums = match &model.kind {
            ModelKind::Struct { enums, .. } => enums.as_slice(),
            ModelKind::Family(family) => family.enums.as_slice(),
            ModelKind::Enum(_) => &[],
        };
        names.extend(enums.iter().map(|definition| definition.name.clone()));
        for name in names {
            if let Some(other) = seen.insert(name.clone(), model.name.clone()) {
                bail!(
                    "the type name `{name}` is generated twice (schemas `{other}` and `{}`)",
                    model.name
                );
            }
        }
    }
    Ok(())
}

/// Decides what a schema becomes and builds it.
fn build_kind(spec: &Spec, name: &str, schema: &Json) -> Result<ModelKind> {
    if discriminator_property(schema).is_some() {
        return build_family(spec, name, schema).map(ModelKind::Family);
    }
    if schema.get("oneOf").is_some() {
        bail!("`oneOf` without a discriminator is not supported");
    }
    if schema.get("allOf").is_some() || opt_str(schema, "type") == Some("object") {
        let mut fields = Vec::new();
        let mut enums = Vec::new();
        let mut parents = Vec::new();
        collect_fields(
            spec,
            name,
            schema,
            &mut fields,
            &mut enums,
            &mut parents,
            true,
        )?;
        return Ok(ModelKind::Struct {
            fields,
            enums,
            parents,
        });
    }
    match opt_str(schema, "type") {
        Some("string") if schema.get("enum").is_some() => Ok(ModelKind::Enum(enum_def(
            name,
            format!("schema `{name}`"),
            schema,
        )?)),
        other => bail!("unsupported top-level schema type {other:?}"),
    }
}

/// Builds a family from a root's discriminator mapping (plus, for `oneOf`,
/// the class names the SDK also dispatches on).
fn build_family(spec: &Spec, name: &str, schema: &Json) -> Result<Family> {
    let Some(discriminator) = schema.get("discriminator") else {
        bail!("no discriminator");
    };
    let property = opt_str(discriminator, "propertyName")
        .ok_or_else(|| crate::error::Error::new("discriminator without propertyName"))?
        .to_owned();
    let mut variants: Vec<Variant> = Vec::new();
    let mut add = |tag: &str, target: &Json| -> Result<()> {
        let Some(target) = target.as_str() else {
            bail!("mapping `{tag}` is not a string");
        };
        let Some(member) = target.strip_prefix("#/components/schemas/") else {
            bail!("mapping `{tag}` points outside components/schemas: {target}");
        };
        spec.schema(member)
            .with_context(|| format!("mapping `{tag}`"))?;
        match variants.iter_mut().find(|variant| variant.schema == member) {
            Some(variant) if !variant.tags.iter().any(|known| known == tag) => {
                variant.tags.push(tag.to_owned());
            }
            Some(_) => {}
            None => variants.push(Variant {
                schema: member.to_owned(),
                tags: vec![tag.to_owned()],
            }),
        }
        Ok(())
    };
    if let Some(Json::Object(mapping)) = discriminator.get("mapping") {
        for (tag, target) in mapping {
            add(tag, target)?;
        }
    }
    if let Some(Json::Object(extra)) = schema.get("x-sdk-also-dispatches") {
        for (tag, target) in extra {
            add(tag, target).context("x-sdk-also-dispatches")?;
        }
    }
    let mut unknown = "Unknown".to_owned();
    while variants.iter().any(|variant| variant.schema == unknown) {
        unknown.push_str("Tag");
    }
    // The root's own properties (the discriminator, with its value list)
    // give the members' shared enums.
    let mut fields = Vec::new();
    let mut enums = Vec::new();
    let mut parents = Vec::new();
    collect_fields(
        spec,
        name,
        schema,
        &mut fields,
        &mut enums,
        &mut parents,
        true,
    )?;
    Ok(Family {
        property,
        variants,
        unknown,
        one_of: schema.get("oneOf").is_some(),
        enums,
        without_schema: str_list(schema, "x-discriminator-values-without-schema")?
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// Collects the properties of `schema` (named `name`), parents first.
/// Enums of properties declared by the schema being generated (`own`) go
/// into `enums`; inherited ones are generated with their parent.
fn collect_fields(
    spec: &Spec,
    name: &str,
    schema: &Json,
    fields: &mut Vec<Field>,
    enums: &mut Vec<EnumDef>,
    parents: &mut Vec<String>,
    own: bool,
) -> Result<()> {
    if let Some(Json::Array(parts)) = schema.get("allOf") {
        for part in parts {
            if let Some(parent) = ref_name(part)? {
                parents.push(parent.to_owned());
                let parent_schema = spec.schema(parent)?;
                let mut scratch = Vec::new();
                collect_fields(
                    spec,
                    parent,
                    parent_schema,
                    fields,
                    &mut scratch,
                    parents,
                    false,
                )
                .with_context(|| format!("allOf parent `{parent}`"))?;
            } else {
                collect_fields(spec, name, part, fields, enums, parents, own)
                    .context("allOf part")?;
            }
        }
    }
    let required = str_list(schema, "required")?;
    let Some(Json::Object(properties)) = schema.get("properties") else {
        return Ok(());
    };
    let mut scratch = Vec::new();
    let sink = if own { &mut *enums } else { &mut scratch };
    for (wire, property) in properties {
        let mut enum_name = format!("{name}{}", pascal_case(wire));
        if spec.has_schema(&enum_name) {
            enum_name.push_str("Value");
        }
        let owner = format!("field `{wire}` of `{name}`");
        let ty = map_schema(spec, property, &enum_name, &owner, sink)
            .with_context(|| format!("property `{wire}`"))?;
        let field = Field {
            wire: wire.clone(),
            ident: snake_ident(wire),
            ty,
            required: required.contains(&wire.as_str()),
            nullable: flag(property, "nullable"),
            schema: property.clone(),
            declared_by: name.to_owned(),
        };
        if let Some(existing) = fields.iter_mut().find(|existing| existing.wire == *wire) {
            *existing = field;
            continue;
        }
        if fields.iter().any(|existing| existing.ident == field.ident) {
            bail!("two properties map to the Rust field `{}`", field.ident);
        }
        fields.push(field);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> Vec<Model> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/lusid.json");
        let spec = Spec::load(&root).expect("spec loads");
        let selection = Selection::new(&spec).expect("selection");
        build_models(&spec, &selection).expect("models")
    }

    #[test]
    fn instrument_fields_keep_wire_order_and_families_become_enums() {
        let models = models();
        let instrument = models
            .iter()
            .find(|model| model.name == "Instrument")
            .expect("Instrument");
        let ModelKind::Struct { fields, enums, .. } = &instrument.kind else {
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

        let family = models
            .iter()
            .find(|model| model.name == "LusidInstrument")
            .expect("LusidInstrument");
        let ModelKind::Family(family) = &family.kind else {
            panic!("LusidInstrument is a family");
        };
        assert_eq!(family.property, "instrumentType");
        assert!(
            family
                .variants
                .iter()
                .any(|variant| variant.schema == "Bond")
        );
        assert_eq!(family.enums[0].name, "LusidInstrumentInstrumentType");
    }

    #[test]
    fn subtypes_inherit_parent_fields_first() {
        let models = models();
        let fixed_leg = models
            .iter()
            .find(|model| model.name == "FixedLeg")
            .expect("FixedLeg");
        let ModelKind::Struct {
            fields, parents, ..
        } = &fixed_leg.kind
        else {
            panic!("FixedLeg is a struct");
        };
        assert_eq!(fields[0].wire, "instrumentType");
        assert_eq!(fields[0].declared_by, "LusidInstrument");
        assert_eq!(parents, &["InstrumentLeg", "LusidInstrument"]);
        assert!(fixed_leg.preserve_unknown);
    }
}
