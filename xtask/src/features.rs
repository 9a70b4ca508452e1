//! The Cargo features of `lusid-models` and `lusid-api`, generated into
//! their `Cargo.toml` between marker lines.
//!
//! - one feature per API tag (its module name, such as `instruments`); in
//!   `lusid-api` it enables the tag's module and the same feature of
//!   `lusid-models`, which forwards it to every `lusid-models-part-*` crate,
//!   where it enables every schema the tag's operations reach;
//! - `unreferenced`: the schemas no operation reaches (in `lusid-models`);
//! - `full`: everything; `default`: `instruments`.
//!
//! Text outside the markers is kept, so hand-written features (`mock`,
//! `rust_decimal`) sit after the generated block.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::{Context, Result, bail};
use crate::output::GeneratedFile;
use crate::selection::UNREFERENCED_FEATURE;

/// The line opening the generated block.
pub const BEGIN: &str = "# @generated features begin: `cargo xtask codegen` writes this block";
/// The line closing the generated block.
pub const END: &str = "# @generated features end";

/// The feature on by default.
pub const DEFAULT_FEATURE: &str = "instruments";

/// Both manifests with their feature blocks regenerated.
pub fn render(root: &Path, tags: &BTreeSet<String>) -> Result<Vec<GeneratedFile>> {
    for reserved in [
        "default",
        "full",
        UNREFERENCED_FEATURE,
        "mock",
        "roundtrip",
        "rust_decimal",
        "blocking",
    ] {
        if tags.contains(reserved) {
            bail!("the tag feature `{reserved}` clashes with a fixed feature");
        }
    }
    if !tags.contains(DEFAULT_FEATURE) {
        bail!("no tag gives the default feature `{DEFAULT_FEATURE}`");
    }
    let quoted = |items: &mut dyn Iterator<Item = String>| -> String {
        items
            .map(|item| format!("\"{item}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };

    let mut models = format!("default = [\"{DEFAULT_FEATURE}\"]\n");
    models.push_str(&format!(
        "full = [{}]\n",
        quoted(
            &mut tags
                .iter()
                .cloned()
                .chain([UNREFERENCED_FEATURE.to_owned()])
        )
    ));
    let parts = crate::emit_parts::part_names();
    let forward = |feature: &str| -> String {
        quoted(&mut parts.iter().map(|part| format!("{part}/{feature}")))
    };
    models.push_str(&format!(
        "{UNREFERENCED_FEATURE} = [{}]\n",
        forward(UNREFERENCED_FEATURE)
    ));
    for tag in tags {
        models.push_str(&format!("{tag} = [{}]\n", forward(tag)));
    }

    let mut api = format!("default = [\"{DEFAULT_FEATURE}\"]\n");
    api.push_str(&format!(
        "full = [{}]\n",
        quoted(&mut std::iter::once("lusid-models/full".to_owned()).chain(tags.iter().cloned()))
    ));
    for tag in tags {
        api.push_str(&format!("{tag} = [\"lusid-models/{tag}\"]\n"));
    }

    let mut facade = format!("default = [\"{DEFAULT_FEATURE}\"]\n");
    facade.push_str("full = [\"lusid-api/full\", \"lusid-models/full\"]\n");
    for tag in tags {
        facade.push_str(&format!(
            "{tag} = [\"lusid-api/{tag}\", \"lusid-models/{tag}\"]\n"
        ));
    }

    Ok(vec![
        models_manifest(root, &models)?,
        splice(root, "crates/lusid-api/Cargo.toml", BEGIN, END, &api)?,
        splice(root, "crates/lusid/Cargo.toml", BEGIN, END, &facade)?,
    ])
}

/// `lusid-models`' manifest: its features, and its dependencies on the
/// parts.
fn models_manifest(root: &Path, features: &str) -> Result<GeneratedFile> {
    let path = "crates/lusid-models/Cargo.toml";
    let file = splice(root, path, BEGIN, END, features)?;
    let (begin, end, block) = crate::emit_parts::dependencies_block();
    let contents = splice_text(&file.contents, path, begin, end, &block)?;
    Ok(GeneratedFile::verbatim(path.to_owned(), contents))
}

/// The manifest at `path` with the text between the marker lines
/// `begin_marker` and `end_marker` replaced by `block`.
fn splice(
    root: &Path,
    path: &str,
    begin_marker: &str,
    end_marker: &str,
    block: &str,
) -> Result<GeneratedFile> {
    let text =
        std::fs::read_to_string(root.join(path)).with_context(|| format!("reading {path}"))?;
    let contents = splice_text(&text, path, begin_marker, end_marker, block)?;
    Ok(GeneratedFile::verbatim(path.to_owned(), contents))
}

/// `text` (the manifest at `path`) with the text between the marker lines
/// replaced by `block`.
fn splice_text(
    text: &str,
    path: &str,
    begin_marker: &str,
    end_marker: &str,
    block: &str,
) -> Result<String> {
    let (Some(begin), Some(end)) = (text.find(begin_marker), text.find(end_marker)) else {
        bail!("{path} lacks the marker lines `{begin_marker}` and `{end_marker}`");
    };
    if end < begin {
        bail!("{path}: the end marker comes before the begin marker");
    }
    Ok(format!(
        "{}{begin_marker}\n{block}{}",
        &text[..begin],
        &text[end..]
    ))
}
