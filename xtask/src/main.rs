//! Project automation.
//!
//! `cargo xtask codegen` generates the wire types of `lusid-models` and the
//! endpoint methods of `lusid-api` from `spec/lusid.json`;
//! `cargo xtask codegen --check` regenerates in memory and fails, naming
//! each file, when the tree is stale.
//!
//! The pipeline: [`spec`] loads the document, [`selection`] picks the
//! operations and the schemas they reach, [`model`] and [`operation`] build
//! what to generate, [`emit_models`] and [`emit_api`] render Rust source, and
//! [`output`] formats it with rustfmt and writes or checks it.

mod docs;
mod emit_api;
mod emit_models;
mod error;
mod idempotency;
mod json;
mod model;
mod naming;
mod operation;
mod output;
mod selection;
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

const USAGE: &str = "usage: cargo xtask codegen [--check]\n\n\
    codegen          generate crates/lusid-models and crates/lusid-api from spec/lusid.json\n\
    codegen --check  fail, naming each file, when the generated files are out of date";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mode = match args.as_slice() {
        ["codegen"] => Mode::Write,
        ["codegen", "--check"] => Mode::Check,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match codegen(&workspace_root(), mode) {
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

/// Generates every file, then writes or checks them.
fn codegen(root: &Path, mode: Mode) -> Result<ExitCode> {
    let spec = spec::Spec::load(&root.join("spec/lusid.json"))?;
    let selection = selection::Selection::new(&spec).context("selecting operations")?;
    let models = model::build_models(&spec, &selection).context("building models")?;
    let operations =
        operation::build_operations(&spec, &selection, &models).context("building operations")?;

    let mut files = emit_models::render(&models)?;
    files.extend(emit_api::render(&operations)?);
    output::format_all(&mut files, root)?;

    let dirs = [emit_models::DIR, emit_api::DIR];
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
