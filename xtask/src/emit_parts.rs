//! Renders the generated `lusid-models-part-*` crates (the schemas, split
//! by [`crate::partition`]) and the glue in `lusid-models` that re-exports
//! them: each part's `Cargo.toml`, `README.md`, `src/lib.rs` and
//! `src/generated/`, and `lusid-models`' `src/parts.rs` (the dependency block
//! of its manifest is [`dependencies_block`]).

use std::collections::BTreeSet;
use std::path::Path;

use crate::emit_models::{gated_module_file, render_model};
use crate::error::{Result, bail};
use crate::model::Model;
use crate::naming::module_name;
use crate::output::{GeneratedFile, HEADER};
use crate::partition::{PARTS, Partition, SchemaFile, partition};
use crate::selection::UNREFERENCED_FEATURE;

/// The hand-written crate of the support code and value types.
pub const CORE: &str = "lusid-models-core";

/// The names the generated code takes from [`CORE`] as `crate::Name`.
const CORE_NAMES: &[&str] = &["Number", "NumberError", "RawJson"];

/// The hand-written conveniences, kept in the part that defines their types.
const CONVENIENCE_FILE: &str = "convenience.rs";

/// The re-exports of the parts inside `lusid-models`.
pub const PARTS_MODULE: &str = "crates/lusid-models/src/parts.rs";

/// The markers of the part dependencies in `lusid-models`' manifest.
const DEPENDENCIES_BEGIN: &str =
    "# @generated part dependencies begin: `cargo xtask codegen` writes this block";
const DEPENDENCIES_END: &str = "# @generated part dependencies end";

/// The package name of part `index` (0-based).
pub fn part_name(index: usize) -> String {
    format!("lusid-models-part-{}", index + 1)
}

/// The package names of every part, in order.
pub fn part_names() -> Vec<String> {
    (0..PARTS).map(part_name).collect()
}

/// The generated directories of the parts (stale files there are removed).
pub fn generated_dirs() -> Vec<String> {
    (0..PARTS)
        .map(|index| format!("crates/{}/src/generated", part_name(index)))
        .collect()
}

/// What was generated, for `cargo xtask codegen --stats`.
pub struct PartStats {
    /// The package name.
    pub name: String,
    /// How many schemas it holds.
    pub schemas: usize,
    /// The unformatted size of its generated code, in bytes.
    pub bytes: usize,
    /// The parts it depends on.
    pub depends_on: Vec<String>,
}

/// Renders every part crate and the glue in `lusid-models`.
///
/// # Errors
/// A partition error, or `convenience.rs` not in the part that needs it.
pub fn render(
    root: &Path,
    models: &[Model],
    tags: &BTreeSet<String>,
) -> Result<(Vec<GeneratedFile>, Vec<PartStats>)> {
    let schemas: Vec<SchemaFile> = models
        .iter()
        .map(|model| SchemaFile {
            module: module_name(&model.name),
            contents: render_model(model),
        })
        .collect();
    let split = partition(&schemas, CORE_NAMES)?;
    check_convenience(root, &split)?;

    let mut files = Vec::new();
    let mut stats = Vec::new();
    for part in 0..PARTS {
        let name = part_name(part);
        let dir = format!("crates/{name}");
        let mut modules = Vec::new();
        let mut bytes = 0;
        for ((model, schema), _) in models
            .iter()
            .zip(&schemas)
            .zip(&split.part_of)
            .filter(|(_, owner)| **owner == part)
        {
            modules.push((model.usage.gate(), schema.module.clone()));
            bytes += schema.contents.len();
            files.push(GeneratedFile::new(
                format!("{dir}/src/generated/{}.rs", schema.module),
                schema.contents.clone(),
            ));
        }
        files.push(GeneratedFile::new(
            format!("{dir}/src/generated/mod.rs"),
            gated_module_file(
                "Generated wire types, one module per schema; all re-exported at the crate root.\n\
                 //! A module is compiled when one of the Cargo features of the API tags that \
                 reach its schema is on (see docs/codegen.md).",
                &modules,
            ),
        ));
        let depends_on: Vec<usize> = split.depends_on[part].iter().copied().collect();
        let with_convenience = split.convenience_part == part;
        files.push(GeneratedFile::new(
            format!("{dir}/src/lib.rs"),
            part_lib(part, modules.len(), &depends_on, with_convenience),
        ));
        files.push(GeneratedFile::verbatim(
            format!("{dir}/Cargo.toml"),
            part_manifest(part, &depends_on, tags),
        ));
        files.push(GeneratedFile::verbatim(
            format!("{dir}/README.md"),
            part_readme(part, modules.len()),
        ));
        stats.push(PartStats {
            name,
            schemas: modules.len(),
            bytes,
            depends_on: depends_on.iter().map(|&dep| part_name(dep)).collect(),
        });
    }

    let mut reexports = format!(
        "{HEADER}\n//! The generated `lusid-models-part-*` crates, whose types are re-exported \
         at the crate root.\n\n"
    );
    for part in 0..PARTS {
        reexports.push_str(&format!(
            "// Empty without features.\n#[allow(unused_imports)]\npub use {}::*;\n",
            part_name(part).replace('-', "_")
        ));
    }
    files.push(GeneratedFile::new(PARTS_MODULE.to_owned(), reexports));

    Ok((files, stats))
}

/// The markers and contents of the part dependencies block in
/// `lusid-models`' manifest (spliced in by `features`).
pub fn dependencies_block() -> (&'static str, &'static str, String) {
    let mut dependencies = String::new();
    for part in 0..PARTS {
        dependencies.push_str(&format!("{}.workspace = true\n", part_name(part)));
    }
    (DEPENDENCIES_BEGIN, DEPENDENCIES_END, dependencies)
}

/// Fails unless `convenience.rs` sits in the part that defines its types.
fn check_convenience(root: &Path, split: &Partition) -> Result<()> {
    let wanted = format!(
        "crates/{}/src/{CONVENIENCE_FILE}",
        part_name(split.convenience_part)
    );
    if !root.join(&wanted).exists() {
        bail!(
            "the hand-written {CONVENIENCE_FILE} must be at {wanted}, in the part that defines \
             {}: move it there (git mv) and run `cargo xtask codegen` again",
            crate::partition::CONVENIENCE_TYPES.join(", ")
        );
    }
    Ok(())
}

/// The crate name (with underscores) of a part.
fn crate_ident(part: usize) -> String {
    part_name(part).replace('-', "_")
}

/// A part's `src/lib.rs`.
fn part_lib(part: usize, schemas: usize, depends_on: &[usize], convenience: bool) -> String {
    let mut out = format!(
        "{HEADER}\n//! Part {} of {PARTS} of the generated LUSID wire types of \
         [`lusid-models`](https://docs.rs/lusid-models): {schemas} schemas.\n//!\n\
         //! **Depend on `lusid-models` (or the `lusid` facade) instead of this crate**: \
         `lusid-models` re-exports every type here at its own root, with its documentation, \
         features and conveniences, and which part holds which schema changes with the \
         specification.\n//!\n\
         //! The schemas are split along their dependency graph by `cargo xtask codegen` (see \
         docs/codegen.md) so that no compiler process holds all of them and cargo builds the \
         parts in parallel. Each API tag is a Cargo feature (`full` for everything): a schema \
         is compiled when a tag that reaches it is on.\n\
         #![deny(missing_docs)]\n\n\
         // What the generated code names as `crate::...`: the core's support code and value \
         types, and the types of the parts this one refers to.\n\
         #[allow(unused_imports)]\nuse {}::{{Number, NumberError, RawJson, datetime, de, family}};\n",
        part + 1,
        CORE.replace('-', "_")
    );
    for &dep in depends_on {
        out.push_str(&format!(
            "#[allow(unused_imports)]\nuse {}::*;\n",
            crate_ident(dep)
        ));
    }
    if convenience {
        // Hand-written (`convenience.rs`): inherent methods of this part's
        // types. Through a macro, as `generated` below.
        out.push_str(
            "\n/// Declares the hand-written conveniences and re-exports them.\n\
             macro_rules! convenience {\n() => {\n\
             #[cfg(any(feature = \"instruments\", feature = \"search\"))]\nmod convenience;\n\
             #[cfg(any(feature = \"instruments\", feature = \"search\"))]\n\
             pub use convenience::{PropertyKeyError, identifiers};\n};\n}\n\
             convenience!();\n",
        );
    }
    // Through a macro, so that rustfmt (run on each generated file on its
    // own) does not follow the module into its files.
    out.push_str(
        "\n/// Declares the generated modules and re-exports their items.\n\
         macro_rules! generated {\n() => {\nmod generated;\n\
         // Empty without features (a part has none by default).\n\
         #[allow(unused_imports)]\npub use generated::*;\n};\n}\n\
         generated!();\n",
    );
    out
}

/// A part's `Cargo.toml`.
fn part_manifest(part: usize, depends_on: &[usize], tags: &BTreeSet<String>) -> String {
    let name = part_name(part);
    let quoted = |items: Vec<String>| -> String {
        items
            .iter()
            .map(|item| format!("\"{item}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let forward = |feature: &str| -> String {
        quoted(
            depends_on
                .iter()
                .map(|&dep| format!("{}/{feature}", part_name(dep)))
                .collect(),
        )
    };
    let mut out = format!(
        "# @generated by `cargo xtask codegen` from spec/lusid.json. Do not edit by hand.\n\
         [package]\n\
         name = \"{name}\"\n\
         description = \"Part {} of {PARTS} of the generated LUSID wire types of lusid-models; \
         depend on lusid-models or lusid instead.\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         repository.workspace = true\n\
         readme = \"README.md\"\n\
         keywords = [\"lusid\", \"finbourne\", \"investment\", \"serde\", \"models\"]\n\
         categories = [\"api-bindings\", \"finance\", \"encoding\"]\n\n\
         [package.metadata.docs.rs]\n\
         features = [\"full\"]\n\
         rustdoc-args = [\"--cfg\", \"docsrs\"]\n\n\
         [features]\n\
         # None by default: `lusid-models` turns on the features its users choose.\n\
         default = []\n",
        part + 1
    );
    let mut everything: Vec<String> = tags.iter().cloned().collect();
    everything.push(UNREFERENCED_FEATURE.to_owned());
    out.push_str(&format!("full = [{}]\n", quoted(everything)));
    out.push_str(&format!(
        "{UNREFERENCED_FEATURE} = [{}]\n",
        forward(UNREFERENCED_FEATURE)
    ));
    for tag in tags {
        out.push_str(&format!("{tag} = [{}]\n", forward(tag)));
    }
    out.push_str("\n[dependencies]\n");
    out.push_str(&format!("{CORE}.workspace = true\n"));
    for &dep in depends_on {
        out.push_str(&format!("{}.workspace = true\n", part_name(dep)));
    }
    out.push_str(
        "serde.workspace = true\n\
         serde_json = { workspace = true, features = [\"raw_value\"] }\n\
         time.workspace = true\n",
    );
    out
}

/// A part's `README.md`.
fn part_readme(part: usize, schemas: usize) -> String {
    format!(
        "<!-- @generated by `cargo xtask codegen` from spec/lusid.json. Do not edit by hand. -->\n\
         # {}\n\n\
         Part {} of {PARTS} of the generated LUSID wire types of \
         [`lusid-models`](https://crates.io/crates/lusid-models) ({schemas} schemas).\n\n\
         **Do not depend on this crate directly**: depend on `lusid-models` (or the `lusid` \
         facade), which re-exports every type here at its own root. The models are split into \
         `lusid-models-core` and several generated parts so that no compiler process holds all \
         2000 schemas and cargo builds the parts in parallel; which part holds which schema \
         changes with the specification.\n\n\
         Part of [lusid-rs](https://github.com/lusid-rs/lusid-rs); see its README and `docs/` \
         for the whole picture.\n",
        part_name(part),
        part + 1
    )
}
