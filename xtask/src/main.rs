//! Project automation.
//!
//! `cargo xtask codegen` generates the wire types of `lusid-models`, the
//! endpoint methods of `lusid-api` and the emulator's operation table from
//! `spec/lusid.json`;
//! `cargo xtask codegen --check` regenerates in memory and fails, naming
//! each file, when the tree is stale; `cargo xtask roundtrip SCHEMA`
//! decodes and re-encodes one value with the models, and
//! `cargo xtask roundtrip --all` every sample [`samples`] derives from the
//! specification.
//!
//! The pipeline: [`spec`] loads the document, [`selection`] picks the
//! operations and the schemas they reach, [`model`] and [`operation`] build
//! what to generate, [`emit_models`] and [`emit_api`] render Rust source, and
//! [`output`] formats it with rustfmt and writes or checks it.

mod bench;
mod docs;
mod emit_api;
mod emit_cli_operations;
mod emit_facade;
mod emit_family;
mod emit_models;
mod emit_param_enums;
mod emit_params;
mod emit_parts;
mod emit_roundtrip;
mod emit_serde;
mod emit_spec_operations;
mod emit_trait;
mod error;
mod features;
mod idempotency;
mod json;
mod model;
mod naming;
mod operation;
mod output;
mod partition;
mod roundtrip;
mod samples;
mod selection;
mod services;
#[cfg(test)]
mod snapshot_tests;
mod soak;
mod spec;
mod types;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use error::{Context, Result};

/// What to do with the generated files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Write them into the tree.
    Write,
    /// Compare them with the tree.
    Check,
}

const USAGE: &str = "usage: cargo xtask codegen [--check] [--stats] | cargo xtask roundtrip SCHEMA|--all\n\n\
    codegen           generate crates/lusid-models and crates/lusid-api from spec/lusid.json\n\
    codegen --check   fail, naming each file, when the generated files are out of date\n\
    codegen --stats   also print the operations and schemas generated against the specification\n\
    roundtrip SCHEMA  decode one JSON value of SCHEMA from stdin, print what the models encode\n\
    roundtrip --all   round-trip a minimal and a maximal sample of every schema (and each family member)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["roundtrip", "--all"] => roundtrip::all(&workspace_root()),
        ["roundtrip", schema] if !schema.starts_with('-') => {
            roundtrip::one(&workspace_root(), schema)
        }
        ["bench", rest @ ..] => return bench::main(&workspace_root(), rest),
        ["soak", rest @ ..] => return soak::main(&workspace_root(), rest),
        ["codegen", options @ ..] => return codegen_command(options),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask codegen [--check] [--stats]`.
fn codegen_command(options: &[&str]) -> ExitCode {
    let mut mode = Mode::Write;
    let mut stats = false;
    for option in options {
        match *option {
            "--check" => mode = Mode::Check,
            "--stats" => stats = true,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match codegen(&workspace_root(), mode, stats) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of the xtask crate.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Prints what was generated against what the specification holds.
fn print_stats(
    spec: &spec::Spec,
    operations: &[operation::Operation],
    models: &[model::Model],
    rendered: std::time::Duration,
    total: std::time::Duration,
) -> Result<()> {
    let spec_operations = spec.operations()?.len();
    let spec_schemas = spec.schema_names()?.len();
    let percent = |done: usize, all: usize| {
        if all == 0 {
            100.0
        } else {
            done as f64 * 100.0 / all as f64
        }
    };
    let families = models
        .iter()
        .filter(|model| matches!(model.kind, model::ModelKind::Family(_)))
        .count();
    let unreferenced = models
        .iter()
        .filter(|model| {
            model.usage.gate()
                == selection::Gate::Any(
                    [selection::UNREFERENCED_FEATURE.to_owned()]
                        .into_iter()
                        .collect(),
                )
        })
        .count();
    let tags: std::collections::BTreeSet<&str> = operations
        .iter()
        .map(|operation| operation.tag.as_str())
        .collect();
    println!(
        "operations: {} generated of {spec_operations} in the spec ({:.1} %), in {} tags",
        operations.len(),
        percent(operations.len(), spec_operations),
        tags.len()
    );
    println!(
        "schemas:    {} generated of {spec_schemas} in the spec ({:.1} %): {families} discriminated \
         families, {unreferenced} unreferenced",
        models.len(),
        percent(models.len(), spec_schemas)
    );
    println!(
        "time:       {:.2} s to render, {:.2} s with rustfmt",
        rendered.as_secs_f64(),
        total.as_secs_f64()
    );
    Ok(())
}

/// Prints each generated part crate's share of the schemas.
fn print_parts(parts: &[emit_parts::PartStats]) {
    for part in parts {
        let depends = if part.depends_on.is_empty() {
            String::new()
        } else {
            format!(", depends on {}", part.depends_on.join(", "))
        };
        println!(
            "part:       {}: {} schemas, {:.1} MB unformatted{depends}",
            part.name,
            part.schemas,
            part.bytes as f64 / 1e6
        );
    }
}

/// Generates every file, then writes or checks them.
fn codegen(root: &Path, mode: Mode, stats: bool) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let spec = spec::Spec::load(&root.join("spec/lusid.json"))?;
    let selection = selection::Selection::new(&spec).context("selecting operations")?;
    let models = model::build_models(&spec, &selection).context("building models")?;
    let mut operations =
        operation::build_operations(&spec, &selection, &models).context("building operations")?;
    operation::read_strings_as_json(&mut operations);

    let tags = operations
        .iter()
        .map(|operation| operation.feature.clone())
        .collect();
    let (mut files, parts) = emit_parts::render(root, &models, &tags)?;
    files.extend(emit_api::render(&operations)?);
    files.extend(emit_facade::render(&operations));
    files.push(emit_roundtrip::render(&models));
    files.push(emit_spec_operations::render(&spec)?);
    files.push(emit_spec_operations::render_services(root)?);
    files.extend(emit_cli_operations::render_all(root, &spec)?);
    files.extend(features::render(root, &tags)?);
    let service_crates = services::build_all(root)?;
    files.extend(services::render(root, &service_crates)?);
    files.extend(emit_facade::render_services(&service_crates));
    let rendered = started.elapsed();
    output::format_all(&mut files, root)?;
    if stats {
        print_stats(&spec, &operations, &models, rendered, started.elapsed())?;
        print_parts(&parts);
        services::print_stats(&service_crates);
    }

    let part_dirs = emit_parts::generated_dirs();
    let mut dirs = vec![
        emit_api::DIR,
        emit_facade::DIR,
        emit_spec_operations::DIR,
        emit_cli_operations::DIR,
    ];
    dirs.extend(part_dirs.iter().map(String::as_str));
    let service_dirs = services::generated_dirs();
    dirs.extend(service_dirs.iter().map(String::as_str));
    match mode {
        Mode::Write => {
            let (written, removed) = output::write(root, &dirs, &files)?;
            println!(
                "codegen: {} files for {} operations and {} schemas ({written} written, {removed} removed)",
                files.len(),
                operations.len(),
                models.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Mode::Check => {
            let problems = output::check(root, &dirs, &files)?;
            if problems.is_empty() {
                println!(
                    "codegen --check: {} generated files are up to date",
                    files.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "codegen --check: {} generated files are out of date; run `cargo xtask codegen`",
                problems.len()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
