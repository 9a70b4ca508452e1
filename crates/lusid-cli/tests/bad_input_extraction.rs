//! The bad-input catalogue, through the `lusid` binary: a page that cannot
//! be used part-way through an extraction to stdout leaves only complete
//! lines, and the error says how many instruments were written and why it
//! stopped.

use std::process::{Command, Output};

use lusid_emulator::{Emulator, Fault, RunningEmulator};

struct Served {
    _runtime: tokio::runtime::Runtime,
    emulator: RunningEmulator,
    secrets: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn serve() -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let emulator = runtime
        .block_on(Emulator::builder().equities(20).start())
        .expect("the emulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let secrets = dir.path().join("secrets.json");
    emulator.write_secrets(&secrets).expect("secrets");
    Served {
        _runtime: runtime,
        emulator,
        secrets,
        _dir: dir,
    }
}

fn list(served: &Served) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lusid"));
    command.env_remove("RUST_LOG");
    for (name, _) in std::env::vars() {
        if name.starts_with("FBN_") {
            command.env_remove(name);
        }
    }
    command
        .args(["--secrets"])
        .arg(&served.secrets)
        .args([
            "instruments",
            "list",
            "--page-size",
            "4",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("the lusid binary runs")
}

/// Every stdout line is a whole instrument; returns their LUIDs.
fn complete_lines(output: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.is_empty() || stdout.ends_with('\n'),
        "a cut line: {stdout:?}"
    );
    stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
            value["lusidInstrumentId"]
                .as_str()
                .expect("a LUID")
                .to_owned()
        })
        .collect()
}

fn json_response(body: String) -> Fault {
    Fault::Response {
        status: 200,
        headers: vec![],
        body,
    }
}

#[test]
fn a_truncated_third_page_leaves_eight_complete_lines_and_says_so() {
    let served = serve();
    let faults = served.emulator.faults();
    faults.push_api(Fault::Pass);
    faults.push_api(Fault::Pass);
    faults.push_api(json_response(
        r#"{"values":[{"lusidInstrumentId":"LUID_"#.to_owned(),
    ));
    let output = list(&served);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let ids = complete_lines(&output);
    assert_eq!(ids.len(), 8);
    assert_eq!(ids[0], "CCY_AED");
    assert!(stderr.contains("stopped after 8 instruments"), "{stderr}");
    assert!(stderr.contains("decode"), "{stderr}");
}

#[test]
fn an_html_page_from_a_proxy_mid_extraction_is_reported_with_its_status() {
    let served = serve();
    let faults = served.emulator.faults();
    faults.push_api(Fault::Pass);
    faults.push_api(Fault::Response {
        status: 403,
        headers: vec![("content-type".into(), "text/html".into())],
        body: "<html><body>Forbidden by proxy</body></html>".into(),
    });
    let output = list(&served);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(complete_lines(&output).len(), 4);
    assert!(stderr.contains("stopped after 4 instruments"), "{stderr}");
    assert!(stderr.contains("403"), "{stderr}");
}

#[test]
fn a_repeated_page_token_ends_the_extraction_instead_of_looping() {
    let served = serve();
    let page = |first: usize| {
        let values: Vec<String> = (first..first + 2)
            .map(|i| format!(r#"{{"lusidInstrumentId":"LUID_{i:08}","version":{{}},"name":"n","identifiers":{{}},"state":"Active"}}"#))
            .collect();
        format!(r#"{{"values":[{}],"nextPage":"loop"}}"#, values.join(","))
    };
    let faults = served.emulator.faults();
    faults.push_api(json_response(page(0)));
    faults.push_api(json_response(page(2)));
    let output = list(&served);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        complete_lines(&output),
        [
            "LUID_00000000",
            "LUID_00000001",
            "LUID_00000002",
            "LUID_00000003"
        ]
    );
    assert!(stderr.contains("stopped after 4 instruments"), "{stderr}");
    assert!(stderr.contains("\"loop\""), "{stderr}");
}
