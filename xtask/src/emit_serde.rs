//! Renders the serde implementations of a generated struct, instead of
//! `#[derive(Serialize, Deserialize)]`, to keep the models cheap to build:
//!
//! - `Deserialize` goes through `crate::de::FromMap`: one `visit_map` that
//!   matches the key text (borrowed when possible) against the wire names,
//!   with no field-identifier enum or visitor and no `visit_seq`. Unknown
//!   keys are skipped, or kept in `unknown_fields` in the same pass when
//!   the schema preserves them. A repeated key, a missing required field
//!   and a wrong type fail as the derive would (`duplicate field`,
//!   `missing field`), and the errors keep their JSON path.
//! - `Serialize` writes one map: the fields in wire order (an optional
//!   `None` is left out, a required nullable `None` is `null`), then the
//!   unknown keys.
//!
//! Date-times go through `crate::datetime::nested` (`DateTimesIn`,
//! `DateTimesOut`), which handles a date-time inside any `Option`, `Vec`
//! or map.

use crate::model::Field;
use crate::types::Crate;

/// The `FromMap`, `Deserialize` and `Serialize` implementations of `name`.
pub fn render_struct_serde(name: &str, fields: &[Field], preserve_unknown: bool) -> String {
    format!(
        "{}{}",
        render_deserialize(name, fields, preserve_unknown),
        render_serialize(name, fields, preserve_unknown)
    )
}

/// The local variable holding a field while the map is read.
fn local(field: &Field) -> String {
    format!("f_{}", field.ident.trim_start_matches("r#"))
}

/// The field's Rust type, with the `Option` of an optional field.
fn field_type(field: &Field) -> String {
    let ty = field.ty.render(Crate::Models);
    if field.is_option() {
        format!("Option<{ty}>")
    } else {
        ty
    }
}

fn render_deserialize(name: &str, fields: &[Field], preserve_unknown: bool) -> String {
    let mut locals = String::new();
    let mut arms = String::new();
    let mut inits = String::new();
    for field in fields {
        let ty = field_type(field);
        let local = local(field);
        let wire = &field.wire;
        locals.push_str(&format!("let mut {local}: Option<{ty}> = None;\n"));
        let value = if field.ty.has_datetime() {
            format!("map.next_value::<crate::datetime::nested::DateTimesIn<{ty}>>()?.0")
        } else {
            "map.next_value()?".to_owned()
        };
        arms.push_str(&format!(
            "{wire:?} => crate::de::set(&mut {local}, {value}, {wire:?})?,\n"
        ));
        if field.is_option() {
            inits.push_str(&format!("{}: {local}.flatten(),\n", field.ident));
        } else {
            inits.push_str(&format!(
                "{}: crate::de::required({local}, {wire:?})?,\n",
                field.ident
            ));
        }
    }
    let (unknown_local, other_arm, unknown_init) = if preserve_unknown {
        (
            "let mut unknown_fields = std::collections::BTreeMap::new();\n",
            "_ => {\nlet value = map.next_value()?;\nunknown_fields.insert(key.into_string(), value);\n}\n",
            "unknown_fields,\n",
        )
    } else {
        (
            "",
            "_ => {\nmap.next_value::<serde::de::IgnoredAny>()?;\n}\n",
            "",
        )
    };
    format!(
        "impl<'de> crate::de::FromMap<'de> for {name} {{\n\
         const NAME: &'static str = {name:?};\n\n\
         fn from_map<A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {{\n\
         {locals}{unknown_local}\
         while let Some(key) = map.next_key::<crate::de::Key<'de>>()? {{\n\
         match key.as_str() {{\n{arms}{other_arm}}}\n}}\n\
         Ok(Self {{\n{inits}{unknown_init}}})\n}}\n}}\n\n\
         impl<'de> serde::Deserialize<'de> for {name} {{\n\
         fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
         crate::de::deserialize(deserializer)\n}}\n}}\n\n"
    )
}

fn render_serialize(name: &str, fields: &[Field], preserve_unknown: bool) -> String {
    let mut entries = String::new();
    for field in fields {
        let wire = &field.wire;
        let ident = &field.ident;
        let wrap = |value: &str| {
            if field.ty.has_datetime() {
                format!("&crate::datetime::nested::DateTimesOut({value})")
            } else {
                value.to_owned()
            }
        };
        if field.required {
            entries.push_str(&format!(
                "map.serialize_entry({wire:?}, {})?;\n",
                wrap(&format!("&self.{ident}"))
            ));
        } else {
            entries.push_str(&format!(
                "if let Some(value) = &self.{ident} {{\nmap.serialize_entry({wire:?}, {})?;\n}}\n",
                wrap("value")
            ));
        }
    }
    if preserve_unknown {
        entries.push_str(
            "for (key, value) in &self.unknown_fields {\nmap.serialize_entry(key, value)?;\n}\n",
        );
    }
    let binding = if entries.is_empty() { "" } else { "mut " };
    format!(
        "impl serde::Serialize for {name} {{\n\
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n\
         use serde::ser::SerializeMap as _;\n\
         let {binding}map = serializer.serialize_map(None)?;\n{entries}map.end()\n}}\n}}\n\n"
    )
}
