//! `cargo xtask bench load [--instruments N] [--skip-python]`: loads N
//! instrument definitions (NDJSON written here) into `lusid emulator
//! --equities 0` (its own process) with the release `lusid instruments
//! upsert` and with the official Python SDK (`upsert_instruments`, batches
//! of 2000 on 5 threads, as lusidtools does), each a fresh emulator, each
//! client its own process under `/usr/bin/time`. Prints a table and writes
//! it to `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::path::Path;

use super::process::{self, BenchError, Emulator, Measured, Result, fail};

const USAGE: &str = "usage: cargo xtask bench load [--instruments N] [--skip-python]";

const PYTHON_LOAD: &str = r#"import json, sys
from concurrent.futures import ThreadPoolExecutor
import lusid
from lusid.extensions import SecretsFileConfigurationLoader, SyncApiClientFactory

secrets, path = sys.argv[1], sys.argv[2]
api = SyncApiClientFactory(config_loaders=[SecretsFileConfigurationLoader(secrets)]).build(lusid.InstrumentsApi)

def batches():
    batch = {}
    with open(path) as f:
        for row, line in enumerate(f, 1):
            batch[str(row)] = lusid.models.InstrumentDefinition.from_dict(json.loads(line))
            if len(batch) == 2000:
                yield batch
                batch = {}
    if batch:
        yield batch

def send(batch):
    response = api.upsert_instruments(request_body=batch)
    return len(response.values or {}), len(response.failed or {})

upserted = failed = 0
with ThreadPoolExecutor(max_workers=5) as pool:
    for values, failures in pool.map(send, batches()):
        upserted += values
        failed += failures
print(f"{upserted} upserted, {failed} failed")
"#;

/// The instrument properties of the loaded definitions.
const PROPERTY_KEYS: [(&str, &str); 2] = [("bench", "Sector"), ("bench", "Price")];

/// Creates the definitions of [`PROPERTY_KEYS`] in the emulator with
/// `lusid api CreatePropertyDefinition` (the emulator, like LUSID, refuses
/// property values without a definition). Not measured.
fn define_properties(lusid: &Path, secrets: &Path, work: &Path) -> Result<()> {
    for (scope, code) in PROPERTY_KEYS {
        let body = work.join(format!("definition-{scope}-{code}.json"));
        std::fs::write(
            &body,
            format!(
                r#"{{"domain":"Instrument","scope":"{scope}","code":"{code}","displayName":"{code}","dataTypeId":{{"scope":"system","code":"string"}}}}"#
            ),
        )?;
        let output = std::process::Command::new(lusid)
            .arg("--secrets")
            .arg(secrets)
            .args(["api", "CreatePropertyDefinition", "--body"])
            .arg(&body)
            .output()?;
        if !output.status.success() {
            return fail(format!(
                "CreatePropertyDefinition Instrument/{scope}/{code} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(())
}

/// Entry point of `cargo xtask bench load ...`.
pub fn load(root: &Path, options: &[&str]) -> Result<()> {
    let skip_python = options.contains(&super::SKIP_PYTHON);
    let options: Vec<&str> = options
        .iter()
        .copied()
        .filter(|option| *option != super::SKIP_PYTHON)
        .collect();
    let options = process::parse_options(&options, &["--instruments"])
        .map_err(|error| BenchError(format!("{error}\n{USAGE}")))?;
    let count = process::number_option(&options, "--instruments", 200_000)?;
    process::build_release(root)?;
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work)?;
    let lusid = root.join("target/release/lusid");
    let input = work.join("load.ndjson");
    write_definitions(&input, count)?;
    let input_arg = input.to_string_lossy().into_owned();

    let mut rows = Vec::new();
    eprintln!("lusid CLI ...");
    {
        let emulator = Emulator::start(
            &lusid,
            &work,
            "load-secrets",
            &["--equities".into(), "0".into()],
        )?;
        define_properties(&lusid, &emulator.secrets, &work)?;
        let report = work.join("load-report.ndjson");
        let _ = std::fs::remove_file(&report);
        let args = [
            "--secrets",
            &emulator.secrets.to_string_lossy(),
            "instruments",
            "upsert",
            "--from",
            &input_arg,
            "--report",
            &report.to_string_lossy(),
        ]
        .map(String::from);
        let (measured, stdout) = process::measure_lines(&lusid, &args, &work, "load-lusid")?;
        let expected = format!("{count} rows: {count} upserted");
        if !stdout.iter().any(|line| line.starts_with(&expected)) {
            return fail(format!("the CLI did not upsert every row: {stdout:?}"));
        }
        rows.push((
            "`lusid instruments upsert` (release, batches of 2000, 4 in flight)",
            Some(measured),
            String::new(),
        ));
    }

    eprintln!("official Python SDK ...");
    match super::python_sdk(root, skip_python) {
        Ok(python) => {
            let emulator = Emulator::start(
                &lusid,
                &work,
                "load-secrets-python",
                &["--equities".into(), "0".into()],
            )?;
            define_properties(&lusid, &emulator.secrets, &work)?;
            let script = work.join("load_official.py");
            std::fs::write(&script, PYTHON_LOAD)?;
            let args = [
                script.to_string_lossy().into_owned(),
                emulator.secrets.to_string_lossy().into_owned(),
                input_arg.clone(),
            ];
            let (measured, stdout) = process::measure_lines(&python, &args, &work, "load-python")?;
            if !stdout
                .iter()
                .any(|line| line.starts_with(&format!("{count} upserted, 0 failed")))
            {
                return fail(format!(
                    "the Python SDK did not upsert every row: {stdout:?}"
                ));
            }
            rows.push((
                "official Python SDK (`upsert_instruments`, batches of 2000 on 5 threads)",
                Some(measured),
                super::sdk_version(&python),
            ));
        }
        Err(reason) => {
            eprintln!("skipping the official Python SDK: {reason}");
            rows.push(("official Python SDK", None, format!("skipped: {reason}")));
        }
    }

    let table = render(&rows, count);
    println!("{table}");
    let flag = if skip_python {
        format!(" {}", super::SKIP_PYTHON)
    } else {
        String::new()
    };
    let section = format!(
        "## Load: `cargo xtask bench load --instruments {count}{flag}`\n\n\
         Measured {} on {}: {count} instrument definitions (NDJSON, a ClientInternal \
         identifier, a Figi and a label and a metric property each) loaded into a fresh \
         `lusid emulator --equities 0` (release, its own process on the same cores) per \
         client; each client its own process under `/usr/bin/time`.\n\n{table}\n\n\
         Command: `cargo xtask bench load --instruments {count}{flag}`",
        process::today(),
        process::machine(),
    );
    let marker = format!("bench load {count}{flag}");
    process::write_doc_section(&root.join("docs/benchmarks.md"), &marker, &section)?;
    eprintln!("written to docs/benchmarks.md");
    Ok(())
}

/// `count` definitions, one per line.
fn write_definitions(path: &Path, count: u64) -> Result<()> {
    let mut text = String::with_capacity(count as usize * 300);
    for i in 0..count {
        let _ = writeln!(
            text,
            r#"{{"name":"Load {i}","identifiers":{{"ClientInternal":{{"value":"load-{i:09}"}},"Figi":{{"value":"BBG{i:09}"}}}},"properties":[{{"key":"Instrument/bench/Sector","value":{{"labelValue":"Sector {}"}}}},{{"key":"Instrument/bench/Price","value":{{"metricValue":{{"value":{i}.125,"unit":"GBP"}}}}}}]}}"#,
            i % 11
        );
    }
    std::fs::write(path, text)?;
    Ok(())
}

fn render(rows: &[(&str, Option<Measured>, String)], count: u64) -> String {
    let mut table = String::from(
        "| client | rows | wall | rows/s | CPU (user + sys) | CPU per row | peak RSS |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (client, measured, note) in rows {
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(" ({note})")
        };
        match measured {
            Some(m) => {
                let _ = writeln!(
                    table,
                    "| {client}{note} | {count} | {:.2} s | {:.0} | {:.2} s ({:.2} + {:.2}) | {:.1} µs | {:.1} MiB |",
                    m.wall,
                    count as f64 / m.wall.max(1e-9),
                    m.cpu(),
                    m.user,
                    m.system,
                    m.cpu() * 1e6 / count as f64,
                    m.max_rss_kib as f64 / 1024.0,
                );
            }
            None => {
                let _ = writeln!(table, "| {client} | | | | | | {note} |");
            }
        }
    }
    table.trim_end().to_owned()
}
