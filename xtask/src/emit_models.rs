//! Renders one generated file per schema (`emit_parts` places them in the
//! `lusid-models-part-*` crates), and the gated `mod.rs` of a directory.

use std::collections::BTreeMap;

use crate::docs::{code_list, doc_comment};
use crate::model::{Field, Model, ModelKind};
use crate::output::HEADER;
use crate::selection::{Gate, Usage};
use crate::types::{Crate, EnumDef, RustType};

/// How many operation names a usage line lists before counting the rest.
const USAGE_CAP: usize = 8;

/// The date-time wording shared by fields and parameters.
pub const DATE_TIME_DOC: &str = "date-time: a UTC instant with 100 ns precision, sent by LUSID as \
     `2024-01-31T09:30:00.0000000+00:00`";

/// A `mod.rs` declaring and re-exporting modules, grouped by their gate
/// through the `gated!` macro so that each `cfg` is written once.
pub fn gated_module_file(doc: &str, modules: &[(Gate, String)]) -> String {
    let mut out = format!(
        "{HEADER}\n//! {doc}\n\n\
         /// Declares modules and re-exports their items, under one `cfg`.\n\
         macro_rules! gated {{\n\
         ($cfg:meta; $($module:ident),* $(,)?) => {{\n\
         $(#[cfg($cfg)] mod $module; #[cfg($cfg)] pub use $module::*;)*\n}};\n\
         (private $($module:ident),* $(,)?) => {{\n$(mod $module;)*\n}};\n\
         ($($module:ident),* $(,)?) => {{\n$(mod $module; pub use $module::*;)*\n}};\n}}\n\n"
    );
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (gate, module) in modules {
        let key = match gate {
            Gate::Always => String::new(),
            Gate::Any(features) => {
                let list: Vec<String> = features
                    .iter()
                    .map(|feature| format!("feature = {feature:?}"))
                    .collect();
                if list.len() == 1 {
                    list[0].clone()
                } else {
                    format!("any({})", list.join(", "))
                }
            }
        };
        groups.entry(key).or_default().push(module);
    }
    for (cfg, names) in groups {
        if cfg.is_empty() {
            out.push_str(&format!("gated!({});\n", names.join(", ")));
        } else {
            out.push_str(&format!("gated!({cfg}; {});\n", names.join(", ")));
        }
    }
    out
}

/// Renders one schema's file (placed in a part crate by `emit_parts`).
pub fn render_model(model: &Model) -> String {
    let mut out = format!("{HEADER}\n");
    match &model.kind {
        ModelKind::Struct {
            fields,
            enums,
            parents,
        } => {
            out.push_str(&render_struct(model, fields, enums, parents));
            for definition in enums {
                out.push_str(&render_enum(definition));
            }
        }
        ModelKind::Family(family) => {
            out.push_str(&crate::emit_family::render_family(model, family));
            for definition in &family.enums {
                out.push_str(&render_enum(definition));
            }
        }
        ModelKind::Enum(definition) => out.push_str(&render_enum(definition)),
    }
    out
}

/// The "Returned by ..." paragraphs of a schema.
pub fn usage_paragraphs(usage: &Usage) -> Vec<String> {
    let mut lines = Vec::new();
    if !usage.returned_by.is_empty() {
        lines.push(format!(
            "Returned by {}.",
            code_list(&usage.returned_by, USAGE_CAP)
        ));
    }
    if !usage.sent_by.is_empty() {
        lines.push(format!("Sent by {}.", code_list(&usage.sent_by, USAGE_CAP)));
    }
    if !usage.error_of.is_empty() {
        lines.push(format!(
            "Error body of {}.",
            code_list(&usage.error_of, USAGE_CAP)
        ));
    }
    if lines.is_empty() {
        lines.push(
            "Not referenced by any operation (behind the `unreferenced` feature), unless LUSID \
             returns it as an error body."
                .to_owned(),
        );
    }
    vec![lines.join("\n")]
}

/// Renders a struct, its serde attributes and its constructor.
fn render_struct(model: &Model, fields: &[Field], enums: &[EnumDef], parents: &[String]) -> String {
    let name = &model.name;
    let mut paragraphs = vec![format!("Wire type `{name}` (JSON object).")];
    if !parents.is_empty() {
        let links: Vec<String> = parents
            .iter()
            .map(|parent| format!("[`{parent}`](crate::{parent})"))
            .collect();
        paragraphs.push(format!(
            "A subtype (`allOf`) of {}: the inherited fields come first.",
            links.join(", which is a subtype of ")
        ));
    }
    paragraphs.extend(usage_paragraphs(&model.usage));
    paragraphs.push(
        "Fields keep the wire order. An optional field reads as `None` when it is absent or \
         `null`, and is left out of the JSON when `None`."
            .to_owned(),
    );
    let constructor_args: Vec<&Field> = fields.iter().filter(|field| !field.is_option()).collect();
    paragraphs.push(if constructor_args.is_empty() {
        "Every field is optional: start from `Default::default()`.".to_owned()
    } else {
        "Build one with [`new`](Self::new) and set optional fields afterwards; the struct is \
         `#[non_exhaustive]` because LUSID adds fields over time."
            .to_owned()
    });
    let mut out = doc_comment(&paragraphs);
    let default = if constructor_args.is_empty() {
        ", Default"
    } else {
        ""
    };
    out.push_str(&format!(
        "#[derive(Debug, Clone, PartialEq{default})]\n#[non_exhaustive]\npub struct {name} {{\n"
    ));
    for field in fields {
        let mut doc = field_doc(field, enums);
        if field.declared_by != *name {
            doc.push_str(&format!(
                " Inherited from [`{0}`](crate::{0}).",
                field.declared_by
            ));
        }
        out.push_str(&doc_comment(&[doc]));
        let ty = field.ty.render(Crate::Models);
        let ty = if field.is_option() {
            format!("Option<{ty}>")
        } else {
            ty
        };
        out.push_str(&format!("pub {}: {ty},\n", field.ident));
    }
    if model.preserve_unknown {
        out.push_str(
            "/// Keys this crate does not know, kept as LUSID sent them and written back after \
             the known fields (the specification marks the schema \
             `x-sdk-unknown-fields: preserve`).\n\
             pub unknown_fields: std::collections::BTreeMap<String, crate::RawJson>,\n",
        );
    }
    out.push_str("}\n\n");
    if !constructor_args.is_empty() {
        out.push_str(&render_constructor(model, fields, &constructor_args));
    }
    if !model.usage.sent_by.is_empty() {
        out.push_str(&render_setters(name, fields));
    }
    out.push_str(&crate::emit_serde::render_struct_serde(
        name,
        fields,
        model.preserve_unknown,
    ));
    out
}

/// Documents one field: wire name, presence, type details and values.
fn field_doc(field: &Field, enums: &[EnumDef]) -> String {
    let presence = match (field.required, field.nullable) {
        (true, false) => "required",
        (true, true) => "required, nullable (`None` is sent as `null`)",
        (false, false) => "optional",
        (false, true) => "optional, nullable",
    };
    let mut text = format!(
        "JSON `{}`: {presence}; {}.",
        field.wire,
        type_doc(&field.ty)
    );
    if let RustType::Enum(enum_name) = innermost(&field.ty) {
        if let Some(definition) = enums
            .iter()
            .find(|definition| definition.name == *enum_name)
        {
            text.push_str(&format!(" {}", values_doc(definition)));
        }
    }
    if let Some(default) = field
        .schema
        .get("x-documented-default")
        .or_else(|| field.schema.get("default"))
    {
        text.push_str(&format!(" Documented default: `{default}`."));
    }
    text
}

/// The type part of a field doc, linking generated types.
fn type_doc(ty: &RustType) -> String {
    match ty {
        RustType::DateTime => DATE_TIME_DOC.to_owned(),
        RustType::Number => {
            "a number, kept as its exact literal ([`Number`](crate::Number))".to_owned()
        }
        RustType::Integer => "an integer (the specification gives no width; `i64`)".to_owned(),
        RustType::Json => "any JSON value, kept as text ([`RawJson`](crate::RawJson))".to_owned(),
        RustType::Schema(name) => format!("[`{name}`](crate::{name})"),
        RustType::Enum(name) => format!("a string from an open list ([`{name}`](crate::{name}))"),
        RustType::Array(item) => format!("an array of {}", type_doc(item)),
        RustType::Map(value) => format!("an object mapping strings to {}", type_doc(value)),
        RustType::Nullable(inner) => format!("{} or null", type_doc(inner)),
        other => other.describe(),
    }
}

/// The type inside arrays, maps and nullables.
fn innermost(ty: &RustType) -> &RustType {
    match ty {
        RustType::Array(inner) | RustType::Map(inner) | RustType::Nullable(inner) => {
            innermost(inner)
        }
        other => other,
    }
}

/// "Known values: `A`, `B`; ..." for an open enum.
fn values_doc(definition: &EnumDef) -> String {
    let values: Vec<String> = definition
        .variants
        .iter()
        .map(|(value, _)| value.clone())
        .collect();
    let source = if definition.from_description {
        " (listed in LUSID's documentation, which may be incomplete)"
    } else {
        ""
    };
    format!(
        "Known values{source}: {}; any other value is kept in `{}::Other`.",
        code_list(&values, usize::MAX),
        definition.name
    )
}

/// Renders `new(required fields...)`.
fn render_constructor(model: &Model, fields: &[Field], arguments: &[&Field]) -> String {
    let name = &model.name;
    let parameters: Vec<String> = arguments
        .iter()
        .map(|field| format!("{}: {}", field.ident, argument_type(&field.ty)))
        .collect();
    let mut initialisers: Vec<String> = fields
        .iter()
        .map(|field| {
            if field.is_option() {
                format!("{}: None", field.ident)
            } else if matches!(field.ty, RustType::String | RustType::Enum(_)) {
                format!("{0}: {0}.into()", field.ident)
            } else {
                field.ident.clone()
            }
        })
        .collect();
    if model.preserve_unknown {
        initialisers.push("unknown_fields: std::collections::BTreeMap::new()".to_owned());
    }
    let allow = if arguments.len() > 7 {
        "#[allow(clippy::too_many_arguments)]\n"
    } else {
        ""
    };
    let nullable_note = if fields.iter().any(|field| field.required && field.nullable) {
        " Required fields that may be `null` start as `None`."
    } else {
        ""
    };
    format!(
        "impl {name} {{\n/// Creates a `{name}` from its required fields; every optional field is `None`.{nullable_note}\n\
         {allow}pub fn new({}) -> Self {{\nSelf {{ {} }}\n}}\n}}\n\n",
        parameters.join(", "),
        initialisers.join(", ")
    )
}

/// Chainable `with_<field>` setters for the optional fields of a request
/// model (a schema some operation sends), each documented with its JSON name.
fn render_setters(name: &str, fields: &[Field]) -> String {
    let setters: String = fields
        .iter()
        .filter(|field| field.is_option())
        .map(|field| {
            let ident = &field.ident;
            let method = format!("with_{}", ident.trim_end_matches('_'));
            let ty = field.ty.render(Crate::Models);
            format!(
                "/// Sets JSON `{}` ([`{ident}`](Self::{ident})) and returns the value, for chaining.\n\
                 #[must_use]\n\
                 pub fn {method}(mut self, value: impl Into<{ty}>) -> Self {{\n\
                 self.{ident} = Some(value.into());\nself\n}}\n\n",
                field.wire
            )
        })
        .collect();
    if setters.is_empty() {
        String::new()
    } else {
        format!("impl {name} {{\n{setters}}}\n\n")
    }
}

/// The constructor parameter type: strings and enums take `impl Into<_>`.
fn argument_type(ty: &RustType) -> String {
    match ty {
        RustType::String => "impl Into<String>".to_owned(),
        RustType::Enum(name) => format!("impl Into<crate::{name}>"),
        other => other.render(Crate::Models),
    }
}

/// Renders an open enum with its conversions and serde implementations.
pub fn render_enum(definition: &EnumDef) -> String {
    let name = &definition.name;
    let mut out = doc_comment(&[
        format!(
            "Values of {}: an open list, so values LUSID adds later are kept in [`{name}::Other`] \
             and written back unchanged.",
            definition.owner
        ),
        "Serialised as the plain string. Convert from text with `From<&str>` (or `parse`, which \
         never fails), so known values always become their variant."
            .to_owned(),
    ]);
    out.push_str(&format!(
        "#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum {name} {{\n"
    ));
    for (value, variant) in &definition.variants {
        out.push_str(&format!("/// The value `{value}`.\n{variant},\n"));
    }
    out.push_str("/// A value not in the list when this crate was generated, kept verbatim.\nOther(String),\n}\n\n");

    let as_str_arms: String = definition
        .variants
        .iter()
        .map(|(value, variant)| format!("Self::{variant} => {value:?},\n"))
        .collect();
    let known_arms: String = definition
        .variants
        .iter()
        .map(|(value, variant)| format!("{value:?} => Some(Self::{variant}),\n"))
        .collect();
    out.push_str(&format!(
        "impl {name} {{\n\
         /// The wire value.\n\
         pub fn as_str(&self) -> &str {{\nmatch self {{\n{as_str_arms}Self::Other(value) => value,\n}}\n}}\n\n\
         /// The variant of a listed value.\n\
         fn known(value: &str) -> Option<Self> {{\nmatch value {{\n{known_arms}_ => None,\n}}\n}}\n}}\n\n\
         impl std::fmt::Display for {name} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\nf.write_str(self.as_str())\n}}\n}}\n\n\
         impl std::str::FromStr for {name} {{\n\
         type Err = std::convert::Infallible;\n\n\
         fn from_str(value: &str) -> Result<Self, Self::Err> {{\nOk(Self::from(value))\n}}\n}}\n\n\
         impl From<&str> for {name} {{\n\
         fn from(value: &str) -> Self {{\nSelf::known(value).unwrap_or_else(|| Self::Other(value.to_owned()))\n}}\n}}\n\n\
         impl From<String> for {name} {{\n\
         fn from(value: String) -> Self {{\nSelf::known(&value).unwrap_or(Self::Other(value))\n}}\n}}\n\n\
         impl serde::Serialize for {name} {{\n\
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\nserializer.serialize_str(self.as_str())\n}}\n}}\n\n\
         impl<'de> serde::Deserialize<'de> for {name} {{\n\
         fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
         crate::de::open_enum(deserializer, Self::known, Self::Other)\n}}\n}}\n\n"
    ));
    out
}
