//! `cargo xtask bench export [--instruments N] [--page-size P] [--skip-python]`:
//! extracts the instrument master from `lusid emulator` (its own process)
//! with four clients, each its own process measured by `/usr/bin/time`: the
//! release `lusid` CLI (raw copy), the typed SDK (`lusid-bench-typed`: every
//! instrument decoded into `lusid::models::Instrument` through
//! `into_stream()`), the bare hyper + serde_json baseline, and the official
//! Python SDK (skipped with a message when Python or PyPI is missing, or
//! with `--skip-python`).
//! Prints a table and writes it to `docs/benchmarks.md`.

mod load;
pub mod process;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use process::{BenchError, Emulator, Measured, Result, fail};

/// The emulator's currencies, listed with the equities.
pub const CURRENCIES: u64 = 178;

const USAGE: &str =
    "usage: cargo xtask bench export [--instruments N] [--page-size P] [--skip-python]";

/// The flag that leaves the (slow) Python row out.
pub(crate) const SKIP_PYTHON: &str = "--skip-python";

const PYTHON_EXTRACT: &str = r#"import json, sys
import lusid
from lusid.extensions import SecretsFileConfigurationLoader, SyncApiClientFactory

secrets, page_size = sys.argv[1], int(sys.argv[2])
api = SyncApiClientFactory(config_loaders=[SecretsFileConfigurationLoader(secrets)]).build(lusid.InstrumentsApi)
out = sys.stdout
page, count = None, 0
while True:
    result = api.list_instruments(limit=page_size, page=page)
    for instrument in result.values:
        out.write(json.dumps(instrument.to_dict(), default=str))
        out.write("\n")
    count += len(result.values)
    page = result.next_page
    if not page:
        break
print(count, "instruments", file=sys.stderr)
"#;

/// Entry point of `cargo xtask bench ...`.
pub fn main(root: &Path, args: &[&str]) -> ExitCode {
    let result = match args.split_first() {
        Some((&"export", options)) => export(root, options),
        Some((&"load", options)) => load::load(root, options),
        _ => {
            eprintln!("{USAGE}\n       cargo xtask bench load [--instruments N] [--skip-python]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One measured client.
struct Row {
    client: &'static str,
    measured: Option<Measured>,
    note: String,
}

fn export(root: &Path, options: &[&str]) -> Result<()> {
    let skip_python = options.contains(&SKIP_PYTHON);
    let options: Vec<&str> = options
        .iter()
        .copied()
        .filter(|option| *option != SKIP_PYTHON)
        .collect();
    let options = process::parse_options(&options, &["--instruments", "--page-size"])
        .map_err(|error| BenchError(format!("{error}\n{USAGE}")))?;
    let equities = process::number_option(&options, "--instruments", 200_000)?;
    let page_size = process::number_option(&options, "--page-size", 2000)?;
    let expected = equities + CURRENCIES;
    process::build_release(root)?;
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work)?;
    let release = root.join("target/release");
    let lusid = release.join("lusid");
    let emulator = Emulator::start(
        &lusid,
        &work,
        "export-secrets",
        &["--equities".into(), equities.to_string()],
    )?;
    let secrets = emulator.secrets.to_string_lossy().into_owned();
    let page = page_size.to_string();

    let mut rows = Vec::new();
    eprintln!("lusid CLI ...");
    let cli_args = [
        "--secrets",
        &secrets,
        "instruments",
        "list",
        "--format",
        "ndjson",
        "--page-size",
        &page,
    ]
    .map(String::from);
    let (measured, ids) = process::measure(&lusid, &cli_args, &work, "export-lusid")?;
    check_count("lusid", &ids, expected)?;
    rows.push(Row {
        client: "`lusid instruments list --format ndjson` (release)",
        measured: Some(measured),
        note: String::new(),
    });

    eprintln!("typed SDK ...");
    let (measured, ids) = process::measure(
        &release.join("lusid-bench-typed"),
        &[secrets.clone(), page.clone()],
        &work,
        "export-typed",
    )?;
    check_count("typed SDK", &ids, expected)?;
    rows.push(Row {
        client: "typed SDK: `lusid::Client`, `list_instruments().into_stream()` into `Instrument` (`lusid-bench-typed`)",
        measured: Some(measured),
        note: String::new(),
    });

    eprintln!("baseline ...");
    let (measured, ids) = process::measure(
        &release.join("lusid-bench-baseline"),
        &[secrets.clone(), page.clone()],
        &work,
        "export-baseline",
    )?;
    check_count("baseline", &ids, expected)?;
    rows.push(Row {
        client: "bare baseline (hyper + serde_json, `lusid-bench-baseline`)",
        measured: Some(measured),
        note: String::new(),
    });

    eprintln!("official Python SDK ...");
    let python = match python_sdk(root, skip_python) {
        Ok(venv_python) => {
            let script = work.join("extract_official.py");
            std::fs::write(&script, PYTHON_EXTRACT)?;
            let args = [
                script.to_string_lossy().into_owned(),
                secrets.clone(),
                page.clone(),
            ];
            let (measured, ids) = process::measure(&venv_python, &args, &work, "export-python")?;
            check_count("Python SDK", &ids, expected)?;
            Row {
                client: "official Python SDK (`lusid-sdk`, `list_instruments` paging)",
                measured: Some(measured),
                note: sdk_version(&venv_python),
            }
        }
        Err(reason) => {
            eprintln!("skipping the official Python SDK: {reason}");
            Row {
                client: "official Python SDK",
                measured: None,
                note: format!("skipped: {reason}"),
            }
        }
    };
    rows.push(python);
    drop(emulator);

    let table = render(&rows, expected);
    println!("{table}");
    // Without Python the run gets its own section, so the last run with
    // Python stays in the document.
    let flag = if skip_python {
        format!(" {SKIP_PYTHON}")
    } else {
        String::new()
    };
    let section = format!(
        "## Export: `cargo xtask bench export --instruments {equities}{flag}`\n\n\
         Measured {} on {}, page size {page_size}; the emulator \
         (`lusid emulator --equities {equities}`, release) ran in its own process on the \
         same cores. Each client is its own process under `/usr/bin/time`, writing NDJSON \
         to a pipe read by xtask; \"vs lusid\" divides that client's CPU by the CLI's.\n\n{table}\n\n\
         Command: `cargo xtask bench export --instruments {equities} --page-size {page_size}{flag}`",
        process::today(),
        process::machine(),
    );
    let marker = format!("bench export {equities}{flag}");
    process::write_doc_section(&root.join("docs/benchmarks.md"), &marker, &section)?;
    eprintln!("written to docs/benchmarks.md");
    Ok(())
}

fn check_count(client: &str, ids: &[String], expected: u64) -> Result<()> {
    if ids.len() as u64 != expected {
        return fail(format!(
            "the {client} extraction has {} instruments, expected {expected}",
            ids.len()
        ));
    }
    Ok(())
}

fn render(rows: &[Row], instruments: u64) -> String {
    let lusid_cpu = rows
        .first()
        .and_then(|row| row.measured.as_ref())
        .map(Measured::cpu);
    let mut table = String::from(
        "| client | instruments | wall | CPU (user + sys) | CPU per instrument | peak RSS | CPU vs lusid |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for row in rows {
        match &row.measured {
            Some(m) => {
                let ratio = lusid_cpu
                    .filter(|cpu| *cpu > 0.0)
                    .map_or("".into(), |cpu| format!("{:.2}×", m.cpu() / cpu));
                let note = if row.note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", row.note)
                };
                table.push_str(&format!(
                    "| {}{note} | {instruments} | {:.2} s | {:.2} s ({:.2} + {:.2}) | {:.2} µs | {:.1} MiB | {ratio} |\n",
                    row.client,
                    m.wall,
                    m.cpu(),
                    m.user,
                    m.system,
                    m.cpu() * 1e6 / instruments as f64,
                    m.max_rss_kib as f64 / 1024.0,
                ));
            }
            None => table.push_str(&format!("| {} | | | | | | {} |\n", row.client, row.note)),
        }
    }
    table.trim_end().to_owned()
}

/// The venv's Python with `lusid-sdk` installed (the venv of
/// `tests/official-sdk/run.sh`, created if needed); an error saying why not
/// when `skip` is set or Python or the SDK is missing.
pub(crate) fn python_sdk(root: &Path, skip: bool) -> std::result::Result<PathBuf, String> {
    if skip {
        return Err(format!("{SKIP_PYTHON} was given"));
    }
    let venv = root.join("target/official-sdk/venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let created = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        if !created.is_ok_and(|status| status.success()) {
            return Err("python3 -m venv failed or Python is absent".into());
        }
    }
    let has_sdk = |python: &Path| {
        Command::new(python)
            .args(["-c", "import lusid"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has_sdk(&python) {
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "lusid-sdk",
            ])
            .status();
        if !installed.is_ok_and(|status| status.success()) || !has_sdk(&python) {
            return Err("cannot install lusid-sdk from PyPI".into());
        }
    }
    Ok(python)
}

pub(crate) fn sdk_version(python: &Path) -> String {
    Command::new(python)
        .args(["-c", "import importlib.metadata as m, sys; print('lusid-sdk', m.version('lusid-sdk') + ', Python', sys.version.split()[0])"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}
