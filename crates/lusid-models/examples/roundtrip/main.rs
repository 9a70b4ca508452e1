//! Decodes JSON as one schema's type and writes what the models encode:
//! the engine of `cargo xtask roundtrip` (see docs/codegen.md). Needs the
//! `full` feature, which compiles every schema.
//!
//! - `roundtrip SCHEMA`: one JSON value on stdin, its re-encoding on stdout;
//!   exit 1 with the JSON path when it does not decode, 2 for an unknown
//!   schema.
//! - `roundtrip --batch`: lines `SCHEMA<TAB>JSON` on stdin, one line
//!   `ok<TAB>JSON` or `error<TAB>MESSAGE` on stdout for each.
#![deny(missing_docs)]

mod dispatch;

use std::io::{BufRead, Read, Write};
use std::process::ExitCode;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a value did not round-trip.
pub struct Failure {
    /// Where in the JSON it failed, such as `values[0].name`.
    path: String,
    /// The serde_json error.
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// Decodes `json` as `T` (the whole text: trailing characters fail) and
/// encodes it again.
fn run<T: DeserializeOwned + Serialize>(json: &str) -> Result<String, Failure> {
    let value: T = serde_json::from_str(json).map_err(|error| Failure {
        path: lusid_models::json_path::path_at_line_column(json, error.line(), error.column()),
        message: error.to_string(),
    })?;
    serde_json::to_string(&value).map_err(|error| Failure {
        path: ".".to_owned(),
        message: format!("encoding failed: {error}"),
    })
}

/// Round-trips `json` as `schema`; `None` for an unknown schema name.
fn roundtrip(schema: &str, json: &str) -> Option<Result<String, Failure>> {
    dispatch::SCHEMAS
        .iter()
        .find(|(name, _)| *name == schema)
        .map(|(_, roundtrip)| roundtrip(json))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--batch" => batch(),
        [schema] => one(schema),
        _ => {
            eprintln!("usage: roundtrip SCHEMA < value.json | roundtrip --batch < lines");
            ExitCode::from(2)
        }
    }
}

/// One value of `schema` from stdin.
fn one(schema: &str) -> ExitCode {
    let mut json = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut json) {
        eprintln!("error: reading stdin: {error}");
        return ExitCode::FAILURE;
    }
    match roundtrip(schema, json.trim_end()) {
        Some(Ok(encoded)) => {
            println!("{encoded}");
            ExitCode::SUCCESS
        }
        Some(Err(failure)) => {
            eprintln!("error: the input is not a valid `{schema}` {failure}");
            ExitCode::FAILURE
        }
        None => {
            eprintln!("error: unknown schema `{schema}`");
            ExitCode::from(2)
        }
    }
}

/// `SCHEMA<TAB>JSON` lines from stdin.
fn batch() -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = match line {
            Ok(line) => line,
            Err(error) => {
                eprintln!("error: reading stdin: {error}");
                return ExitCode::FAILURE;
            }
        };
        let reply = match line.split_once('\t') {
            None => "error\texpected SCHEMA<TAB>JSON".to_owned(),
            Some((schema, json)) => match roundtrip(schema, json) {
                Some(Ok(encoded)) => format!("ok\t{encoded}"),
                Some(Err(failure)) => format!("error\t{failure}"),
                None => format!("error\tunknown schema `{schema}`"),
            },
        };
        if let Err(error) = writeln!(out, "{reply}") {
            eprintln!("error: writing stdout: {error}");
            return ExitCode::FAILURE;
        }
    }
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: writing stdout: {error}");
            ExitCode::FAILURE
        }
    }
}
