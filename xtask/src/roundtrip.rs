//! `cargo xtask roundtrip`: decode and re-encode JSON with the generated
//! models, through the `roundtrip` example of `lusid-models` (built with the
//! `full` feature in the shared target directory, so codegen itself never
//! compiles the models).
//!
//! - `roundtrip SCHEMA`: one value on stdin, its re-encoding on stdout.
//! - `roundtrip --all`: every sample of [`crate::samples`] must come back
//!   byte for byte.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use crate::error::{Context, Error, Result, bail};

/// The command running the example with `args`.
fn example(root: &Path, args: &[&str]) -> Command {
    example_of(root, "lusid-models", args)
}

/// The roundtrip example's name in `package`: `roundtrip` in lusid-models,
/// `roundtrip_<crate>` in a service crate (example names are unique in a
/// workspace: cargo writes every example into the one `target/*/examples`).
pub fn example_name(package: &str) -> String {
    if package == "lusid-models" {
        "roundtrip".to_owned()
    } else {
        format!("roundtrip_{}", package.replace('-', "_"))
    }
}

/// `cargo run` of the roundtrip example of `package` (with `full`).
fn example_of(root: &Path, package: &str, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "run",
        "--quiet",
        "--package",
        package,
        "--features",
        "full",
        "--example",
    ]);
    command.arg(example_name(package)).arg("--");
    command.args(args);
    command
}

/// `roundtrip SCHEMA`: stdin and stdout go straight to the example.
pub fn one(root: &Path, schema: &str) -> Result<ExitCode> {
    let spec = crate::spec::Spec::load(&root.join("spec/lusid.json"))?;
    if !spec.has_schema(schema) {
        bail!("unknown schema `{schema}`: spec/lusid.json has no such schema");
    }
    let status = example(root, &[schema])
        .status()
        .context("running the roundtrip example")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// `roundtrip --all`: every sample through one `--batch` process.
pub fn all(root: &Path) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let spec = crate::spec::Spec::load(&root.join("spec/lusid.json"))?;
    let selection = crate::selection::Selection::new(&spec).context("selecting operations")?;
    let models = crate::model::build_models(&spec, &selection).context("building models")?;
    let mut failures = Vec::new();
    let mut sample_count = 0;
    let mut schemas = models.len();
    batch(
        root,
        "lusid-models",
        &models,
        &mut failures,
        &mut sample_count,
    )?;
    // The service crates' schemas, each through its crate's own example.
    for generated in crate::services::build_all(root)? {
        schemas += generated.models.len();
        batch(
            root,
            generated.service.crate_name,
            &generated.models,
            &mut failures,
            &mut sample_count,
        )?;
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    let seconds = started.elapsed().as_secs_f64();
    if failures.is_empty() {
        println!(
            "roundtrip --all: {sample_count} samples of {schemas} schemas (LUSID's and the 10 \
             services') re-encoded byte for byte ({seconds:.1} s)"
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "roundtrip --all: {} of {sample_count} samples did not round-trip",
            failures.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

/// Sends every sample of `models` through `package`'s example, adding what
/// did not come back byte for byte to `failures`.
fn batch(
    root: &Path,
    package: &str,
    models: &[crate::model::Model],
    failures: &mut Vec<String>,
    sample_count: &mut usize,
) -> Result<()> {
    let samples = crate::samples::samples(models)?;
    *sample_count += samples.len();
    let mut child = example_of(root, package, &["--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running the roundtrip example")?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        bail!("the roundtrip example has no pipes");
    };
    let input: String = samples
        .iter()
        .map(|sample| format!("{}\t{}\n", sample.schema, sample.json))
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut replies = BufReader::new(stdout).lines();
    for sample in &samples {
        let reply = match replies.next() {
            Some(reply) => reply.context("reading the roundtrip example")?,
            None => bail!(
                "the roundtrip example of {package} stopped before `{}`",
                sample.schema
            ),
        };
        let problem = match reply.split_once('\t') {
            Some(("ok", encoded)) if encoded == sample.json => continue,
            Some(("ok", encoded)) => format!(
                "re-encoded differently:\n  in:  {}\n  out: {encoded}",
                sample.json
            ),
            Some((_, message)) => format!("{message}\n  in:  {}", sample.json),
            None => format!("unexpected reply {reply:?}"),
        };
        failures.push(format!(
            "{package}: {} ({}): {problem}",
            sample.schema, sample.case
        ));
    }
    writer
        .join()
        .map_err(|_| Error::new("the stdin writer panicked"))?
        .context("writing to the roundtrip example")?;
    let status = child.wait().context("waiting for the roundtrip example")?;
    if !status.success() {
        bail!("the roundtrip example of {package} failed: {status}");
    }
    Ok(())
}
