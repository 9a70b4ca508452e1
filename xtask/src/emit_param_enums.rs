//! The open enums of parameters with a documented value list
//! (`x-allowed-values`): `membershipType` → `lusid_api::params::MembershipType`
//! with `All`, `Member`, `Candidate` and `Other(String)`.
//!
//! One enum per distinct (parameter name, value list), shared by every
//! operation with that parameter; compiled under the features of the tags
//! using it. When two different value lists share a parameter name, the one
//! met first in specification order keeps the plain name and the others are
//! numbered (`Name2`, `Name3`, ...).

use std::collections::{BTreeMap, BTreeSet};

use crate::docs::{code_list, doc_comment};
use crate::error::{Result, bail};
use crate::naming::pascal_case;
use crate::operation::Operation;
use crate::output::{GeneratedFile, HEADER};
use crate::selection::Gate;

/// The generated file, relative to the workspace root.
pub const PATH: &str = "crates/lusid-api/src/generated/params.rs";

/// One generated parameter enum.
pub struct ParamEnum {
    /// The Rust type name, such as `MembershipType`.
    pub name: String,
    /// The parameter's wire name, such as `membershipType`.
    pub wire: String,
    /// The documented values, in specification order.
    pub values: Vec<String>,
    /// The operations taking it, in specification order.
    pub operations: Vec<String>,
    /// The features of those operations' tags.
    pub features: BTreeSet<String>,
}

/// Gives every parameter with a value list its enum name (setting
/// [`Param::enum_type`](crate::operation::Param::enum_type)); called by
/// [`build_operations`](crate::operation::build_operations).
pub fn assign(operations: &mut [Operation]) -> Result<()> {
    let mut by_key: BTreeMap<(String, Vec<String>), String> = BTreeMap::new();
    let mut names_taken: BTreeSet<String> = BTreeSet::new();
    for operation in operations.iter_mut() {
        for param in &mut operation.params {
            if param.allowed_values.is_empty() {
                continue;
            }
            variants(&param.allowed_values).map_err(|error| {
                crate::error::Error::new(format!("parameter `{}`: {error}", param.wire))
            })?;
            let key = (param.wire.clone(), param.allowed_values.clone());
            let name = by_key.entry(key).or_insert_with(|| {
                let base = pascal_case(&param.wire);
                let mut name = base.clone();
                let mut number = 2;
                while names_taken.contains(&name) {
                    name = format!("{base}{number}");
                    number += 1;
                }
                names_taken.insert(name.clone());
                name
            });
            param.enum_type = Some(name.clone());
        }
    }
    Ok(())
}

/// The enums [`assign`] named, in order of first use, with the operations
/// and features using each.
pub fn collect(operations: &[Operation]) -> Vec<ParamEnum> {
    let mut enums: Vec<ParamEnum> = Vec::new();
    for operation in operations {
        for param in &operation.params {
            let Some(name) = &param.enum_type else {
                continue;
            };
            let index = match enums.iter().position(|entry| entry.name == *name) {
                Some(index) => index,
                None => {
                    enums.push(ParamEnum {
                        name: name.clone(),
                        wire: param.wire.clone(),
                        values: param.allowed_values.clone(),
                        operations: Vec::new(),
                        features: BTreeSet::new(),
                    });
                    enums.len() - 1
                }
            };
            let entry = &mut enums[index];
            if !entry.operations.contains(&operation.id) {
                entry.operations.push(operation.id.clone());
            }
            entry.features.insert(operation.feature.clone());
        }
    }
    enums
}

/// The variant name of each value: PascalCase, `Other` → `OtherValue` (the
/// fallback variant is `Other`), duplicates after case folding numbered.
fn variants(values: &[String]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let mut folded: BTreeSet<String> = BTreeSet::new();
    for value in values {
        let mut base = pascal_case(value);
        if base == "Other" {
            base = "OtherValue".to_owned();
        }
        let mut name = base.clone();
        let mut number = 2;
        while folded.contains(&name.to_ascii_lowercase()) {
            name = format!("{base}{number}");
            number += 1;
        }
        folded.insert(name.to_ascii_lowercase());
        names.push(name);
    }
    if names.is_empty() {
        bail!("an empty value list");
    }
    Ok(names)
}

/// `params.rs`: every parameter enum, each behind the features of its tags.
pub fn render(operations: &[Operation]) -> Result<GeneratedFile> {
    let enums = collect(operations);
    let module_doc = doc_comment(&[
        "The open enums of the parameters with a documented value list \
         (`x-allowed-values`), such as `MembershipType` for `membershipType`: one per \
         parameter name and value list, each compiled with the tags whose operations take it."
            .to_owned(),
        "Setters take `impl Into<TheEnum>`, so a variant, a `&str` or a `String` all work; \
         known strings become their variant, other strings `Other` (LUSID adds values over \
         time), sent verbatim."
            .to_owned(),
    ])
    .replace("///", "//!");
    let mut out = format!("{HEADER}\n{module_doc}\n");
    for entry in &enums {
        out.push_str(&render_enum(entry)?);
    }
    Ok(GeneratedFile::new(PATH.to_owned(), out))
}

/// One enum and its conversions, in a private module (so the whole is
/// gated once) re-exported under the same gate.
fn render_enum(entry: &ParamEnum) -> Result<String> {
    let name = &entry.name;
    let names = variants(&entry.values)?;
    let gate = Gate::Any(entry.features.clone()).attribute();
    let module = crate::naming::snake_ident(name);
    let mut out = format!(
        "{gate}mod {module} {{
"
    );
    out.push_str(&doc_comment(&[
        format!(
            "Values of the `{}` parameter of {}: an open list, so a value LUSID adds later is \
             sent and kept as [`{name}::Other`].",
            entry.wire,
            code_list(&entry.operations, 6)
        ),
        "Converts from `&str` and `String` (a known value always becomes its variant) and is \
         serialised as the plain string."
            .to_owned(),
    ]));
    out.push_str(&format!(
        "#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum {name} {{\n"
    ));
    let mut as_str = String::new();
    let mut known = String::new();
    for (value, variant) in entry.values.iter().zip(&names) {
        out.push_str(&format!("/// The value `{value}`.\n{variant},\n"));
        as_str.push_str(&format!("Self::{variant} => {value:?},\n"));
        known.push_str(&format!("{value:?} => Some(Self::{variant}),\n"));
    }
    out.push_str(
        "/// A value not in the list when this crate was generated, sent verbatim.\nOther(String),\n}\n\n",
    );
    out.push_str(&format!(
        "impl {name} {{\n/// The wire value.\npub fn as_str(&self) -> &str {{\nmatch self {{\n\
         {as_str}Self::Other(value) => value,\n}}\n}}\n\n\
         /// The variant of a listed value.\nfn known(value: &str) -> Option<Self> {{\nmatch value {{\n\
         {known}_ => None,\n}}\n}}\n}}\n\n\
         impl std::fmt::Display for {name} {{\nfn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         f.write_str(self.as_str())\n}}\n}}\n\n\
         impl std::str::FromStr for {name} {{\ntype Err = std::convert::Infallible;\n\n\
         fn from_str(value: &str) -> Result<Self, Self::Err> {{\nOk(Self::from(value))\n}}\n}}\n\n\
         impl From<&str> for {name} {{\nfn from(value: &str) -> Self {{\n\
         Self::known(value).unwrap_or_else(|| Self::Other(value.to_owned()))\n}}\n}}\n\n\
         impl From<String> for {name} {{\nfn from(value: String) -> Self {{\n\
         Self::known(&value).unwrap_or(Self::Other(value))\n}}\n}}\n\n\
         impl serde::Serialize for {name} {{\nfn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n\
         serializer.serialize_str(self.as_str())\n}}\n}}\n\n\
         impl<'de> serde::Deserialize<'de> for {name} {{\nfn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
         <String as serde::Deserialize>::deserialize(deserializer).map(Self::from)\n}}\n}}\n\n\
         impl crate::request::ParamValue for {name} {{\nfn to_param(&self) -> Result<std::borrow::Cow<'_, str>, String> {{\n\
         Ok(std::borrow::Cow::Borrowed(self.as_str()))\n}}\n}}\n}}\n\n\
         {gate}pub use {module}::{name};\n\n"
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_owned()).collect()
    }

    #[test]
    fn names_variants_without_clashes() {
        let names = variants(&strings(&["shared", "Shared", "Other", "30"])).expect("variants");
        assert_eq!(names, ["Shared", "Shared2", "OtherValue", "V30"]);
        assert!(variants(&[]).is_err());
    }
}
