//! `lusid instruments upsert`: every row accounted for, through faults,
//! dry runs, resumes and a round trip of an extracted master. Every test
//! runs the real `lusid` binary against an in-process emulator (its own
//! runtime) on an ephemeral loopback port.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{Served, command, serve, text};

/// Extraction helpers of these tests.
trait Listing {
    fn instruments(&self, extra: &[&str]) -> Vec<Value>;
    fn client_internal_count(&self) -> usize;
}

impl Listing for Served {
    /// Every instrument of scope `default`, as NDJSON records.
    fn instruments(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["instruments", "list", "--format", "ndjson"];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn client_internal_count(&self) -> usize {
        self.instruments(&[])
            .iter()
            .filter(|i| i["identifiers"].get("ClientInternal").is_some())
            .count()
    }
}

fn report(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("a complete report line"))
        .collect()
}

/// A 10,000-row CSV (id column `Ref`, name, ClientInternal, Isin and a
/// metric and a label property) with 37 bad rows at known lines; returns
/// the file and line → the expected reason's text.
fn ten_thousand_rows(dir: &Path) -> (PathBuf, BTreeMap<u64, &'static str>) {
    let mut csv = String::from("Ref,Security,ClientInternal,Isin,Price,Sector\n");
    let mut bad = BTreeMap::new();
    for i in 0..10_000u64 {
        let line = i + 2;
        let kind = if i % 270 == 7 && bad.len() < 37 {
            (bad.len() % 6) + 1
        } else {
            0
        };
        let row = match kind {
            1 => {
                bad.insert(line, "name is missing");
                format!("r{i},,ci-{i},,1.5,Tech")
            }
            2 => {
                bad.insert(line, "no unique identifier");
                format!("r{i},Row {i},,US{i:010},1.5,Tech")
            }
            3 => {
                bad.insert(line, "is not a number");
                format!("r{i},Row {i},ci-{i},,1.5x,Tech")
            }
            4 => {
                bad.insert(line, "is also used by row 2");
                format!("r0,Row {i},ci-{i},,1.5,Tech")
            }
            5 => {
                bad.insert(line, "correlation id is empty");
                format!(",Row {i},ci-{i},,1.5,Tech")
            }
            6 => {
                bad.insert(line, "fields where the header has 6");
                format!("r{i},Row {i},ci-{i},,1.5,Tech,extra")
            }
            _ => format!("r{i},Row {i},ci-{i},,{i}.0000000001,Sector {}", i % 7),
        };
        writeln!(csv, "{row}").unwrap();
    }
    let path = dir.join("rows.csv");
    std::fs::write(&path, csv).unwrap();
    (path, bad)
}

/// The instrument properties these tests load (defined first, as LUSID
/// needs).
const PROPERTY_KEYS: &[&str] = &["Instrument/ibor/Price", "Instrument/ibor/Sector"];

fn mapping(dir: &Path) -> PathBuf {
    let path = dir.join("mapping.json");
    std::fs::write(
        &path,
        r#"{"columns": {"Security": "name", "Price": "property:Instrument/ibor/Price",
                        "Sector": "property:Instrument/ibor/Sector"},
            "id": "Ref", "metrics": {"property:Instrument/ibor/Price": "GBP"}}"#,
    )
    .unwrap();
    path
}

#[test]
fn ten_thousand_rows_with_37_bad_ones_through_faults_load_exactly_the_good_ones() {
    let served = serve(0);
    let (csv, bad) = ten_thousand_rows(served.dir.path());
    assert_eq!(bad.len(), 37);
    let mapping = mapping(served.dir.path());
    served.define_properties(PROPERTY_KEYS);
    served
        .emulator
        .faults()
        .push_api_script("503,429:0.05,drop,200,503,drop")
        .unwrap();
    let report_path = served.path("report.ndjson");

    let output = served.run(&[
        "--attempt-timeout",
        "20s",
        "instruments",
        "upsert",
        "--from",
        csv.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--batch-size",
        "500",
        "--report",
        report_path.to_str().unwrap(),
    ]);

    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("10000 rows: 9963 upserted, 0 staged, 0 failed, 37 invalid, 0 not sent"),
        "{stdout}"
    );
    assert!(stderr.contains("37 rows were not loaded"), "{stderr}");
    let lines = report(&report_path);
    assert_eq!(lines.len(), 10_000);
    let rows: std::collections::BTreeSet<u64> =
        lines.iter().map(|l| l["row"].as_u64().unwrap()).collect();
    assert_eq!(rows.len(), 10_000, "each row exactly once");
    for line in &lines {
        let row = line["row"].as_u64().unwrap();
        match bad.get(&row) {
            Some(reason) => {
                assert_eq!(line["outcome"], "invalid", "{line}");
                assert!(
                    line["reason"].as_str().unwrap().contains(reason),
                    "{line} {reason}"
                );
            }
            None => {
                assert_eq!(line["outcome"], "upserted", "{line}");
                assert!(line["luid"].as_str().unwrap().starts_with("LUID_"));
            }
        }
    }
    let metric_line = lines.iter().find(|l| l["row"] == 3).unwrap();
    assert_eq!(metric_line["id"], "r1");
    assert_eq!(served.client_internal_count(), 9_963, "nothing duplicated");
    // Exact numbers end to end: the metric comes back digit for digit.
    let listed = served.instruments(&["--property-keys", "Instrument/ibor/Price"]);
    let price = listed
        .iter()
        .find(|i| i["identifiers"]["ClientInternal"] == "ci-9999")
        .and_then(|i| i["properties"].as_array().cloned())
        .unwrap();
    assert!(
        serde_json::to_string(&price)
            .unwrap()
            .contains("9999.0000000001"),
        "{price:?}"
    );
}

#[test]
fn a_dry_run_reports_every_row_and_sends_nothing() {
    let served = serve(0);
    let (csv, bad) = ten_thousand_rows(served.dir.path());
    let mapping = mapping(served.dir.path());
    let report_path = served.path("dry.ndjson");
    let output = served.run(&[
        "instruments",
        "upsert",
        "--from",
        csv.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--dry-run",
        "--report",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("10000 rows, 9963 valid, 37 invalid; nothing was sent"),
        "{}",
        text(&output.stdout)
    );
    let lines = report(&report_path);
    assert_eq!(lines.len(), 10_000);
    let invalid: Vec<u64> = lines
        .iter()
        .filter(|l| l["outcome"] == "invalid")
        .map(|l| l["row"].as_u64().unwrap())
        .collect();
    assert_eq!(invalid, bad.keys().copied().collect::<Vec<_>>());
    let no_name = lines
        .iter()
        .find(|l| l["row"] == *bad.keys().next().unwrap())
        .unwrap();
    assert_eq!(no_name["column"], "name");
    assert_eq!(served.client_internal_count(), 0, "nothing was sent");
}

#[cfg(unix)]
#[test]
fn resume_after_sigint_completes_the_load_without_resending_upserted_rows() {
    let served = serve(0);
    served
        .emulator
        .faults()
        .set_api_latency(Duration::from_millis(100));
    let mut ndjson = String::new();
    for i in 0..3_000 {
        writeln!(
            ndjson,
            r#"{{"name":"Row {i}","identifiers":{{"ClientInternal":{{"value":"ci-{i}"}}}}}}"#
        )
        .unwrap();
    }
    let input = served.path("rows.ndjson");
    std::fs::write(&input, ndjson).unwrap();
    let report_path = served.path("report.ndjson");
    let args = |extra: &[&str]| {
        let mut args = vec![
            "--secrets".to_owned(),
            served.secrets.to_str().unwrap().to_owned(),
            "instruments".into(),
            "upsert".into(),
            "--from".into(),
            input.to_str().unwrap().to_owned(),
            "--batch-size".into(),
            "50".into(),
            "--concurrency".into(),
            "2".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let first = args(&["--report", report_path.to_str().unwrap()]);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let child: Child = command(&first)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::metadata(&report_path).map_or(0, |m| m.len()) < 2_000 {
        assert!(started.elapsed() < Duration::from_secs(30), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let after_first = report(&report_path);
    assert!(after_first.len() < 3_000, "interrupted midway");
    assert_eq!(after_first.len() % 50, 0, "whole batches only");
    let upserted_first: std::collections::BTreeSet<String> = after_first
        .iter()
        .filter(|l| l["outcome"] == "upserted")
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();

    served.emulator.faults().set_api_latency(Duration::ZERO);
    let second = args(&["--resume", report_path.to_str().unwrap()]);
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let output = command(&second).output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains(&format!("{} skipped", upserted_first.len())),
        "{}",
        text(&output.stdout)
    );
    let all = report(&report_path);
    let resent: Vec<&Value> = all[after_first.len()..]
        .iter()
        .filter(|l| upserted_first.contains(l["id"].as_str().unwrap()))
        .collect();
    assert!(resent.is_empty(), "{resent:?}");
    let ids: std::collections::BTreeSet<&str> = all
        .iter()
        .filter(|l| l["outcome"] == "upserted")
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3_000);
    assert_eq!(served.client_internal_count(), 3_000);
}

#[test]
fn an_extracted_master_with_properties_loads_back_unchanged() {
    let source = serve(300);
    let extracted = source.path("master.ndjson");
    let extract = |served: &Served, to: &Path| {
        let output = served.run(&[
            "instruments",
            "list",
            "--format",
            "ndjson",
            "--property-keys",
            "Instrument/ibor/Sector,Instrument/ibor/Price",
            "--output",
            to.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
    };
    extract(&source, &extracted);
    source.define_properties(PROPERTY_KEYS);
    // Give 200 of the equities a label and an exact metric property, by
    // loading the extraction back into the source itself.
    let mut decorated = String::new();
    for (i, line) in std::fs::read_to_string(&extracted)
        .unwrap()
        .lines()
        .enumerate()
    {
        // Raw values keep numbers digit for digit.
        let mut record: BTreeMap<String, Box<serde_json::value::RawValue>> =
            serde_json::from_str(line).unwrap();
        if (178..378).contains(&i) {
            let properties = format!(
                r#"[{{"key":"Instrument/ibor/Sector","value":{{"labelValue":"Sector {}"}}}},{{"key":"Instrument/ibor/Price","value":{{"metricValue":{{"value":{i}.123456789012345678,"unit":"GBP"}}}}}}]"#,
                i % 5
            );
            record.insert(
                "properties".into(),
                serde_json::value::RawValue::from_string(properties).unwrap(),
            );
        }
        writeln!(decorated, "{}", serde_json::to_string(&record).unwrap()).unwrap();
    }
    let decorated_path = source.path("decorated.ndjson");
    std::fs::write(&decorated_path, decorated).unwrap();
    let output = source.run(&[
        "instruments",
        "upsert",
        "--from",
        decorated_path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    extract(&source, &extracted);

    let target = serve(0);
    // Without the property definitions in the target, as in LUSID, the
    // rows with properties fail (PropertyNotDefined) and the others load.
    let refused = target.path("refused.ndjson");
    let output = target.run(&[
        "instruments",
        "upsert",
        "--from",
        extracted.to_str().unwrap(),
        "--report",
        refused.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert!(
        text(&output.stdout).contains("478 rows: 278 upserted, 0 staged, 200 failed"),
        "{}",
        text(&output.stdout)
    );
    let failed: Vec<Value> = report(&refused)
        .into_iter()
        .filter(|l| l["outcome"] == "failed")
        .collect();
    assert_eq!(failed.len(), 200);
    assert!(
        failed.iter().all(|l| l["type"] == "PropertyNotDefined"
            && l["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Instrument/ibor/"))),
        "{:?}",
        failed[0]
    );
    // Defined, the whole master loads.
    target.define_properties(PROPERTY_KEYS);
    let output = target.run(&[
        "instruments",
        "upsert",
        "--from",
        extracted.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert!(
        text(&output.stdout).contains("478 rows: 478 upserted, 0 staged, 0 failed"),
        "{}",
        text(&output.stdout)
    );
    let reloaded = target.path("reloaded.ndjson");
    extract(&target, &reloaded);

    // Name, identifiers other than the LUID, and properties, in a stable order.
    let comparable = |path: &Path| {
        let mut records: Vec<String> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|line| {
                let record: BTreeMap<String, Box<serde_json::value::RawValue>> =
                    serde_json::from_str(line).unwrap();
                let mut identifiers: BTreeMap<String, String> =
                    serde_json::from_str(record["identifiers"].get()).unwrap();
                identifiers.remove("LusidInstrumentId");
                format!(
                    "{} {identifiers:?} {}",
                    record["name"].get(),
                    record.get("properties").map_or("-", |p| p.get())
                )
            })
            .collect();
        records.sort();
        records
    };
    let before = comparable(&extracted);
    let after = comparable(&reloaded);
    assert_eq!(before.len(), 478);
    assert_eq!(
        before
            .iter()
            .filter(|r| r.contains("Instrument/ibor/Price"))
            .count(),
        200
    );
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a);
    }
    assert_eq!(before.len(), after.len());
    assert!(
        before.iter().any(|r| r.contains("200.123456789012345678")),
        "exact numbers"
    );
}

#[test]
fn limits_and_inputs_have_clear_messages() {
    let served = serve(0);
    let output = served.run(&[
        "instruments",
        "upsert",
        "--from",
        "x.csv",
        "--batch-size",
        "2001",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("2000"),
        "{}",
        text(&output.stderr)
    );
    let output = served.run(&["instruments", "list", "--page-size", "5000"]);
    assert_eq!(output.status.code(), Some(2));
    let unknown = served.path("rows.txt");
    std::fs::write(&unknown, "x").unwrap();
    let output = served.run(&["instruments", "upsert", "--from", unknown.to_str().unwrap()]);
    assert!(
        text(&output.stderr).contains("--input-format"),
        "{}",
        text(&output.stderr)
    );
    let json = served.path("rows.json");
    std::fs::write(
        &json,
        r#"[{"name":"A","identifiers":{"ClientInternal":{"value":"a"}}},
            {"name":"B","identifiers":{"Bloomberg":{"value":"b"}}}]"#,
    )
    .unwrap();
    let report_path = served.path("report.ndjson");
    let output = served.run(&[
        "instruments",
        "upsert",
        "--from",
        json.to_str().unwrap(),
        "--report",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let lines = report(&report_path);
    assert_eq!(lines[0]["outcome"], "invalid");
    assert_eq!(lines[0]["row"], 2);
    assert_eq!(lines[0]["column"], "Bloomberg");
    assert_eq!(lines[1]["outcome"], "upserted");
    // stdin
    let mut child = command(&[
        "--secrets",
        served.secrets.to_str().unwrap(),
        "instruments",
        "upsert",
        "--from",
        "-",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        br#"{"name":"C","identifiers":{"ClientInternal":{"value":"c"}}}"#,
    )
    .unwrap();
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(
        text(&output.stdout).contains("1 row: 1 upserted"),
        "{}",
        text(&output.stdout)
    );
}

/// The cases a fresh reviewer found, kept as tests.
mod review {
    use super::*;

    fn upsert(served: &Served, args: &[&str]) -> Output {
        let mut all = vec!["instruments", "upsert"];
        all.extend_from_slice(args);
        served.run(&all)
    }

    fn write(served: &Served, name: &str, text: &str) -> PathBuf {
        let path = served.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_report_or_resume_that_is_the_input_is_refused_and_the_input_is_untouched() {
        let served = serve(0);
        let input = write(
            &served,
            "rows.ndjson",
            "{\"name\":\"A\",\"identifiers\":{\"ClientInternal\":{\"value\":\"a\"}}}\n",
        );
        let before = std::fs::read(&input).unwrap();
        for flag in ["--report", "--resume"] {
            let output = upsert(
                &served,
                &[
                    "--from",
                    input.to_str().unwrap(),
                    flag,
                    input.to_str().unwrap(),
                ],
            );
            assert_eq!(
                output.status.code(),
                Some(2),
                "{flag}: {}",
                text(&output.stderr)
            );
            assert!(
                text(&output.stderr).contains("is the input file"),
                "{}",
                text(&output.stderr)
            );
        }
        assert_eq!(std::fs::read(&input).unwrap(), before);
        assert_eq!(served.client_internal_count(), 0);
    }

    #[test]
    fn report_paths_that_would_mix_runs_are_refused() {
        let served = serve(0);
        let input = write(
            &served,
            "rows.ndjson",
            "{\"name\":\"A\",\"identifiers\":{\"ClientInternal\":{\"value\":\"a\"}}}\n",
        );
        let from = input.to_str().unwrap();
        let missing = served.path("missing.ndjson");
        let output = upsert(
            &served,
            &["--from", from, "--resume", missing.to_str().unwrap()],
        );
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr).contains("no such report file"),
            "{}",
            text(&output.stderr)
        );
        assert!(!missing.exists(), "a missing resume report is not created");
        let garbage = write(&served, "garbage.ndjson", "name,Figi\nA,B\n");
        let output = upsert(
            &served,
            &["--from", from, "--resume", garbage.to_str().unwrap()],
        );
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr).contains("is not a report"),
            "{}",
            text(&output.stderr)
        );
        let used = write(
            &served,
            "used.ndjson",
            "{\"row\":1,\"id\":\"1\",\"outcome\":\"upserted\"}\n",
        );
        let output = upsert(
            &served,
            &["--from", from, "--report", used.to_str().unwrap()],
        );
        assert_eq!(output.status.code(), Some(2));
        assert!(
            text(&output.stderr).contains("already has lines"),
            "{}",
            text(&output.stderr)
        );
        let output = upsert(&served, &["--from", from, "--report", "-"]);
        assert_eq!(output.status.code(), Some(2));
        let output = upsert(
            &served,
            &[
                "--from",
                from,
                "--dry-run",
                "--resume",
                used.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(served.client_internal_count(), 0);
        let empty = write(&served, "empty.ndjson", "");
        let output = upsert(&served, &["--from", empty.to_str().unwrap()]);
        assert_ne!(output.status.code(), Some(0));
        assert!(
            text(&output.stderr).contains("has no rows"),
            "{}",
            text(&output.stderr)
        );
    }

    #[test]
    fn resume_matches_rows_not_just_ids_and_a_new_report_accounts_for_every_row() {
        let served = serve(0);
        let csv = write(
            &served,
            "dup.csv",
            "Ref,name,ClientInternal\nr1,A,DUP-A\nr2,B,DUP-B\nr1,C,DUP-C\nr3,D,DUP-A\n",
        );
        let mapping = write(&served, "mapping.json", r#"{"id": "Ref"}"#);
        let first = served.path("first.ndjson");
        let output = upsert(
            &served,
            &[
                "--from",
                csv.to_str().unwrap(),
                "--mapping",
                mapping.to_str().unwrap(),
                "--report",
                first.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(1));
        let lines = report(&first);
        let outcome = |row: u64| lines.iter().find(|l| l["row"] == row).unwrap().clone();
        assert_eq!(outcome(2)["outcome"], "upserted");
        assert_eq!(outcome(4)["outcome"], "invalid", "a reused correlation id");
        assert_eq!(
            outcome(5)["outcome"],
            "invalid",
            "a unique identifier of row 2 again"
        );
        assert_eq!(outcome(5)["column"], "ClientInternal");
        assert!(
            outcome(5)["reason"]
                .as_str()
                .unwrap()
                .contains("also used by row 2")
        );

        let second = served.path("second.ndjson");
        let output = upsert(
            &served,
            &[
                "--from",
                csv.to_str().unwrap(),
                "--mapping",
                mapping.to_str().unwrap(),
                "--resume",
                first.to_str().unwrap(),
                "--report",
                second.to_str().unwrap(),
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "rows 4 and 5 are still not loaded"
        );
        assert!(
            text(&output.stdout).contains("2 skipped"),
            "{}",
            text(&output.stdout)
        );
        let lines = report(&second);
        let rows: Vec<u64> = {
            let mut rows: Vec<u64> = lines.iter().map(|l| l["row"].as_u64().unwrap()).collect();
            rows.sort();
            rows
        };
        assert_eq!(rows, [2, 3, 4, 5], "every row has a line in the new report");
        assert_eq!(served.client_internal_count(), 2);
    }

    #[test]
    fn crlf_csv_rows_are_numbered_by_their_lines() {
        let served = serve(0);
        let csv = write(
            &served,
            "crlf.csv",
            "name,ClientInternal\r\nA,CR1\r\n\r\nB,CR2\r\nC,CR3\r\n",
        );
        let report_path = served.path("report.ndjson");
        let output = upsert(
            &served,
            &[
                "--from",
                csv.to_str().unwrap(),
                "--report",
                report_path.to_str().unwrap(),
            ],
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        let mut rows: Vec<u64> = report(&report_path)
            .iter()
            .map(|l| l["row"].as_u64().unwrap())
            .collect();
        rows.sort();
        assert_eq!(rows, [2, 4, 5]);
    }

    #[test]
    fn mapping_entries_that_match_nothing_are_refused_before_sending() {
        let served = serve(0);
        let csv = write(&served, "rows.csv", "name,ClientInternal,Px\nA,a,abc\n");
        let mapping = write(
            &served,
            "mapping.json",
            r#"{"columns": {"Px": "property:Instrument/ibor/Price"}, "metrics": {"Instrument/ibor/Price": "GBP"}}"#,
        );
        let output = upsert(
            &served,
            &[
                "--from",
                csv.to_str().unwrap(),
                "--mapping",
                mapping.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr).contains("`Instrument/ibor/Price` is not used"),
            "{}",
            text(&output.stderr)
        );
        assert_eq!(served.client_internal_count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn sigint_during_the_check_pass_stops_with_nothing_sent() {
        signal_during_the_check_pass("-INT", 130);
    }

    #[cfg(unix)]
    #[test]
    fn sigterm_during_the_check_pass_stops_with_nothing_sent() {
        signal_during_the_check_pass("-TERM", 143);
    }

    #[cfg(unix)]
    fn signal_during_the_check_pass(signal: &str, code: i32) {
        let served = serve(0);
        let mut ndjson = String::new();
        for i in 0..300_000 {
            writeln!(
                ndjson,
                r#"{{"name":"R{i}","identifiers":{{"ClientInternal":{{"value":"c{i}"}}}}}}"#
            )
            .unwrap();
        }
        let input = write(&served, "big.ndjson", &ndjson);
        let child = command(&[
            "--secrets",
            served.secrets.to_str().unwrap(),
            "instruments",
            "upsert",
            "--from",
            input.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains("the upsert stopped after 0 rows"),
            "{}",
            text(&output.stderr)
        );
        assert_eq!(served.client_internal_count(), 0);
    }

    #[test]
    fn input_format_and_scope_are_used() {
        let served = serve(0);
        let input = write(
            &served,
            "rows.txt",
            "{\"name\":\"Scoped\",\"identifiers\":{\"ClientInternal\":{\"value\":\"s1\"}}}\n",
        );
        let output = upsert(
            &served,
            &[
                "--from",
                input.to_str().unwrap(),
                "--input-format",
                "ndjson",
                "--scope",
                "desk-a",
            ],
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(served.client_internal_count(), 0, "not in scope default");
        let listed = served.run(&[
            "instruments",
            "list",
            "--format",
            "ndjson",
            "--scope",
            "desk-a",
        ]);
        assert!(
            text(&listed.stdout).contains("\"name\":\"Scoped\""),
            "{}",
            text(&listed.stdout)
        );
        assert!(
            text(&listed.stdout).contains("\"scope\":\"desk-a\""),
            "{}",
            text(&listed.stdout)
        );
    }
}
