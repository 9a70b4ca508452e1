//! The `lusid` binary as a user runs it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn lusid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the lusid binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn extracts_the_whole_master_from_the_embedded_emulator_as_ndjson() {
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--format",
        "ndjson",
        "--page-size",
        "250",
    ]);

    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["lusidInstrumentId"], "CCY_AED");
    assert_eq!(
        lines[0]["version"]["effectiveFrom"],
        "0001-01-01T00:00:00.0000000+00:00"
    );
    let equities = lines
        .iter()
        .filter(|i| {
            i["lusidInstrumentId"]
                .as_str()
                .unwrap()
                .starts_with("LUID_")
        })
        .count();
    assert_eq!(equities, lusid_emulator::DEFAULT_EQUITIES);
    let unique: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|i| i["lusidInstrumentId"].as_str().unwrap())
        .collect();
    assert_eq!(unique.len(), lines.len(), "no duplicates");
}

#[test]
fn json_is_one_array_and_limit_stops_early() {
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--format",
        "json",
        "--limit",
        "5",
    ]);

    assert!(output.status.success(), "{}", stderr(&output));
    let array: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(array.len(), 5);
    assert_eq!(array[0]["name"], "AED");
}

#[test]
fn csv_has_a_header_and_one_row_per_instrument() {
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--format",
        "csv",
        "--limit",
        "3",
    ]);

    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows[0].starts_with("lusidInstrumentId,name,"), "{text}");
    assert!(rows[1].starts_with("CCY_AED,AED,"), "{text}");
}

#[test]
fn gets_one_instrument_by_identifier() {
    let output = lusid(&["--emulator", "instruments", "get", "Currency", "GBP"]);

    assert!(output.status.success(), "{}", stderr(&output));
    let instrument: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(instrument["lusidInstrumentId"], "CCY_GBP");
}

#[test]
fn an_unknown_instrument_fails_with_the_operation_and_status() {
    let output = lusid(&["--emulator", "instruments", "get", "Figi", "BBG000NOTHERE"]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("GetInstrument"), "{message}");
    assert!(message.contains("404"), "{message}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_secrets_file_missing_a_field_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.json");
    std::fs::write(
        &path,
        r#"{"api": {"tokenUrl": "https://acme.okta.com/oauth2/x/v1/token", "username": "u",
            "password": "p4ssw0rd-do-not-print", "clientId": "c", "lusidUrl": "https://acme.lusid.com/api"}}"#,
    )
    .unwrap();

    let output = lusid(&["--secrets", path.to_str().unwrap(), "instruments", "list"]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("api.clientSecret"), "{message}");
    assert!(message.contains("secrets.json"), "{message}");
    assert!(!message.contains("p4ssw0rd-do-not-print"), "{message}");
}

#[test]
fn the_emulator_command_serves_a_secrets_file_other_commands_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    let serving = common::ServingEmulator::start(&[
        "--equities".as_ref(),
        "12".as_ref(),
        "--write-secrets".as_ref(),
        secrets.as_os_str(),
    ]);
    let first_line = serving.lusid_url.clone();
    assert!(first_line.starts_with("http://127.0.0.1:"), "{first_line}");
    assert!(first_line.trim_end().ends_with("/api"), "{first_line}");

    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&secrets).unwrap()).unwrap();
    assert_eq!(written["api"]["lusidUrl"], first_line.trim_end());
    assert_eq!(written["api"]["apiUrl"], first_line.trim_end());

    let output = lusid(&[
        "--secrets",
        secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--format",
        "ndjson",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let equities = stdout(&output)
        .lines()
        .filter(|l| l.contains("\"LUID_"))
        .count();
    assert_eq!(equities, 12);

    let token = lusid(&["--secrets", secrets.to_str().unwrap(), "token"]);
    assert!(token.status.success(), "{}", stderr(&token));
    assert!(stdout(&token).trim().len() >= 16);
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    for format in ["ndjson", "json", "csv", "table"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lusid"))
            .args(["--emulator", "instruments", "list", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first_line)
            .unwrap();
        let output = child.wait_with_output().unwrap();

        assert!(!first_line.is_empty(), "{format}");
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        assert!(stderr(&output).is_empty(), "{format}: {}", stderr(&output));
    }
}
