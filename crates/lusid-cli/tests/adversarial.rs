//! Adversarial tests of the `lusid` binary.
//!
//! Tests whose name starts with `bug_` document a defect and FAIL today;
//! the others pin behaviour that works and must keep working.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lusid_emulator::{Emulator, EmulatorCredentials, Fault, RunningEmulator};

fn lusid_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lusid"));
    command.args(args).env_remove("RUST_LOG");
    for (name, _) in std::env::vars() {
        if name.starts_with("FBN_") {
            command.env_remove(name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the lusid binary runs")
}

fn lusid(args: &[&str]) -> Output {
    lusid_with(args, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A secrets file whose LUSID and token URLs refuse connections.
fn unreachable_secrets(dir: &Path) -> PathBuf {
    let path = dir.join("unreachable.json");
    std::fs::write(
        &path,
        r#"{"api":{"tokenUrl":"http://127.0.0.1:1/oauth2/default/v1/token","username":"u","password":"pw-SECRET","clientId":"c","clientSecret":"cs-SECRET","lusidUrl":"http://127.0.0.1:1/api"}}"#,
    )
    .unwrap();
    path
}

/// An in-process emulator on its own runtime, with its secrets file.
struct Served {
    _runtime: tokio::runtime::Runtime,
    emulator: RunningEmulator,
    secrets: PathBuf,
    _dir: tempfile::TempDir,
}

fn serve(credentials: Option<EmulatorCredentials>) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut builder = Emulator::builder().equities(20);
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    let emulator = runtime.block_on(builder.start()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    emulator.write_secrets(&secrets).unwrap();
    Served {
        _runtime: runtime,
        emulator,
        secrets,
        _dir: dir,
    }
}

/// Kills a spawned process when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits up to `limit` for the child to exit.
fn wait_for(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

// ---------------------------------------------------------------- working

#[test]
fn every_format_writes_the_same_instruments() {
    for (format, expected_lines) in [("ndjson", 3), ("csv", 4), ("table", 4), ("json", 5)] {
        let output = lusid(&[
            "--emulator",
            "instruments",
            "list",
            "--format",
            format,
            "--limit",
            "3",
        ]);
        assert!(
            output.status.success(),
            "{format}: {}",
            text(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "{format}: {}",
            text(&output.stderr)
        );
        let stdout = text(&output.stdout);
        assert_eq!(stdout.lines().count(), expected_lines, "{format}: {stdout}");
        assert!(
            stdout.contains("CCY_AED") && stdout.contains("CCY_ALL"),
            "{format}"
        );
    }
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    for (args, flag) in [
        (
            vec!["instruments", "list", "--page-size", "0"],
            "--page-size",
        ),
        (
            vec!["instruments", "list", "--page-size", "5001"],
            "--page-size",
        ),
        (
            vec!["instruments", "list", "--as-at", "yesterday"],
            "--as-at",
        ),
        (vec!["instruments", "list", "--format", "xml"], "--format"),
        (vec!["instruments", "list", "--limit", "many"], "--limit"),
    ] {
        let mut full = vec!["--emulator"];
        full.extend(args);
        let output = lusid(&full);
        assert_eq!(output.status.code(), Some(2), "{full:?}");
        assert!(
            text(&output.stderr).contains(flag),
            "{full:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn an_unwritable_output_path_is_named() {
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--output",
        "/nonexistent-dir/x.csv",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("/nonexistent-dir/x.csv"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn secrets_file_problems_name_the_file_and_field_without_values() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        // Issue 11: an empty file says it is empty.
        ("empty.json", "", "is empty"),
        ("garbage.json", "nope {", "not valid JSON"),
        ("array.json", "[1]", "must be an object"),
        (
            "numbers.json",
            r#"{"api":{"lusidUrl":"http://h/api","accessToken":42}}"#,
            "api.accessToken",
        ),
        (
            "relative.json",
            r#"{"api":{"lusidUrl":"/api","accessToken":"t-SECRET"}}"#,
            "api.lusidUrl",
        ),
        (
            "userinfo.json",
            r#"{"api":{"lusidUrl":"http://me:url-SECRET@h/api","accessToken":"t-SECRET"}}"#,
            "api.lusidUrl",
        ),
        (
            "only-token.json",
            r#"{"api":{"accessToken":"t-SECRET"}}"#,
            "api.lusidUrl",
        ),
        (
            "partial.json",
            r#"{"api":{"lusidUrl":"http://h/api","password":"p-SECRET"}}"#,
            "api.clientSecret",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let output = lusid(&["--secrets", path.to_str().unwrap(), "instruments", "list"]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!stderr.contains("SECRET"), "{name}: {stderr}");
    }
    for path in ["/nonexistent.json", "/tmp"] {
        let output = lusid(&["--secrets", path, "token"]);
        assert_eq!(output.status.code(), Some(1));
        assert!(text(&output.stderr).contains(path));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn partial_environment_lists_every_missing_variable() {
    let output = lusid_with(
        &["instruments", "list"],
        &[
            ("FBN_LUSID_URL", "http://127.0.0.1:1/api"),
            ("FBN_PASSWORD", "env-SECRET"),
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    for name in [
        "FBN_TOKEN_URL",
        "FBN_USERNAME",
        "FBN_CLIENT_ID",
        "FBN_CLIENT_SECRET",
    ] {
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(!stderr.contains("env-SECRET"));
}

#[test]
fn secrets_with_odd_characters_authenticate_and_never_leak_even_at_trace() {
    let served = serve(Some(EmulatorCredentials {
        username: "us er+&=%/?@:ü".into(),
        password: "p+a&s=s%2F/?@: wörd€-PW-SECRET".into(),
        client_id: "cl+i&d=%/?@: ñ".into(),
        client_secret: "se+c&r=e%t/?@: ü-CS-SECRET".into(),
    }));
    let secrets = served.secrets.to_str().unwrap();
    let trace = [("RUST_LOG", "trace")];

    let token = lusid_with(&["--secrets", secrets, "token"], &trace);
    assert!(token.status.success(), "{}", text(&token.stderr));
    let token_value = text(&token.stdout).trim().to_owned();
    assert!(token_value.len() >= 16);

    let list = lusid_with(
        &[
            "--secrets",
            secrets,
            "instruments",
            "list",
            "--format",
            "csv",
        ],
        &trace,
    );
    assert!(list.status.success(), "{}", text(&list.stderr));
    let get = lusid_with(
        &[
            "--secrets",
            secrets,
            "instruments",
            "get",
            "Currency",
            "GBP",
        ],
        &trace,
    );
    assert!(get.status.success(), "{}", text(&get.stderr));

    // A failing call after the token is revoked and the password is wrong.
    let wrong = served.secrets.with_file_name("wrong.json");
    let content = std::fs::read_to_string(&served.secrets)
        .unwrap()
        .replace("-PW-SECRET", "-PW-SECRET-wrong");
    std::fs::write(&wrong, content).unwrap();
    let failed = lusid_with(
        &["--secrets", wrong.to_str().unwrap(), "instruments", "list"],
        &trace,
    );
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        text(&failed.stderr).contains("invalid_grant"),
        "{}",
        text(&failed.stderr)
    );

    let mut everything = text(&token.stderr);
    for output in [&list, &get, &failed] {
        everything.push_str(&text(&output.stdout));
        everything.push_str(&text(&output.stderr));
    }
    assert!(!everything.contains("SECRET"), "a credential was printed");
    assert!(!everything.contains(&token_value), "the token was printed");
    assert!(
        !everything.to_lowercase().contains("bearer "),
        "an Authorization header was printed"
    );
}

#[test]
fn unknown_enum_values_are_printed_verbatim() {
    let served = serve(None);
    for format in ["ndjson", "csv", "table", "json"] {
        served.emulator.faults().push_api(Fault::Response {
            status: 200,
            headers: vec![],
            body: one_instrument_page(""),
        });
        let output = lusid(&[
            "--secrets",
            served.secrets.to_str().unwrap(),
            "instruments",
            "list",
            "--format",
            format,
        ]);
        assert!(
            output.status.success(),
            "{format}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stdout).contains("Frozen"),
            "{format}: {}",
            text(&output.stdout)
        );
    }
}

fn one_instrument_page(extra: &str) -> String {
    format!(
        r#"{{"values":[{{"lusidInstrumentId":"LUID_TEST0001","version":{{"effectiveFrom":"0001-01-01T00:00:00.0000000+00:00","asAtDate":"2024-01-01T00:00:00.0000000+00:00"}},"name":"X","identifiers":{{"Figi":"BBG000000001"}},"state":"Frozen"{extra}}}]}}"#
    )
}

#[test]
fn a_list_reader_that_goes_away_before_the_first_byte_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["--emulator", "instruments", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

// ------------------------------------------------ regressions found in review

/// Regression (found in review): `instruments list --output FILE` creates (truncates) FILE before
/// the first request, so a run that fails to authenticate destroys the
/// previous good extraction and leaves `[]` in its place.
#[test]
fn a_failed_extraction_keeps_the_existing_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = unreachable_secrets(dir.path());
    let out = dir.path().join("instruments.json");
    std::fs::write(&out, "yesterday's good extraction\n").unwrap();

    let output = lusid(&[
        "--secrets",
        secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "yesterday's good extraction\n"
    );
}

/// Regression (found in review): when the very first page fails, `--format json` still writes a
/// complete, valid, empty JSON array `[]` to stdout: a consumer that reads
/// stdout (ignoring the exit code, e.g. in a pipeline) sees "no
/// instruments" instead of a broken document.
#[test]
fn a_failed_json_extraction_never_prints_a_complete_array() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = unreachable_secrets(dir.path());
    let output = lusid(&[
        "--secrets",
        secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        serde_json::from_str::<serde_json::Value>(&stdout).is_err(),
        "a failed extraction printed a valid JSON document: {stdout:?}"
    );
}

/// Regression (found in review): when the *output* fails (disk full), the error says "extraction
/// stopped after 3 instruments (all of them written)" although nothing
/// was written.
#[test]
fn an_output_failure_is_reported_as_such() {
    let output = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["--emulator", "instruments", "list", "--limit", "3"])
        .env_remove("RUST_LOG")
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");
    assert!(
        !stderr.contains("all of them written"),
        "false claim: {stderr}"
    );
}

/// Regression (found in review): the CLI error for a bad `--filter` (and any validation problem)
/// omits LUSID's field message (`errors.filter`), which is the only place
/// that says what is wrong with the filter.
#[test]
fn a_bad_filter_says_what_is_wrong() {
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--filter",
        "Colour eq 'red'",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("Colour"), "the reason is missing: {stderr}");
}

/// Regression (found in review): `lusid emulator --password X` (without --username etc.) is
/// accepted and silently ignored: the emulator serves the default
/// credentials. Only `--username` requires the other three.
#[test]
fn emulator_credentials_come_all_four_or_none() {
    let child = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["emulator", "--equities", "1", "--password", "mine"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let status = wait_for(&mut child.0, Duration::from_secs(2));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(2),
        "--password without --username should be a usage error, not ignored"
    );
}

/// Regression (found in review): `instruments get ... | head -1` fails with "cannot write to
/// stdout: Broken pipe" (exit 1), unlike `instruments list`, which treats
/// a reader going away as success.
#[test]
fn get_into_a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["--emulator", "instruments", "get", "Currency", "GBP"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// Regression (found in review): with no matching instruments, `--format csv` prints nothing at all,
/// not even the header row, so a CSV consumer cannot tell the columns.
#[test]
fn csv_with_no_rows_still_has_its_header() {
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--format",
        "csv",
        "--scope",
        "empty-scope",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("lusidInstrumentId,"),
        "{:?}",
        text(&output.stdout)
    );
}

/// Regression (found in review): `--limit N` with N a multiple of the page size requests one page
/// more than needed (the limit is checked only when the next page's first
/// item arrives), so `--limit 5 --page-size 5` makes 2 ListInstruments
/// calls, and fails if that unneeded call fails.
#[test]
fn limit_fetches_no_page_more_than_needed() {
    let served = serve(None);
    let output = lusid(&[
        "--secrets",
        served.secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--limit",
        "5",
        "--page-size",
        "5",
        "--format",
        "ndjson",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 5);
    assert_eq!(served.emulator.metrics().api_total("ListInstruments"), 1);
}

/// Regression (found in review): `--format ndjson` is documented as "one instrument per line, as
/// LUSID sends it", but fields the generated model does not know are
/// dropped (see also tests/tests/adversarial.rs).
#[test]
fn ndjson_keeps_fields_lusid_adds() {
    let served = serve(None);
    served.emulator.faults().push_api(Fault::Response {
        status: 200,
        headers: vec![],
        body: one_instrument_page(r#","newLusidField":{"a":1}"#),
    });
    let output = lusid(&[
        "--secrets",
        served.secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--format",
        "ndjson",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("newLusidField"),
        "{}",
        text(&output.stdout)
    );
}

/// Regression (found in review): log lines carry ANSI colour escapes even when stderr is a
/// file or pipe, so `2> lusid.log` is full of `\x1b[2m` sequences.
#[test]
fn logs_have_no_ansi_escapes_when_stderr_is_not_a_terminal() {
    let output = lusid_with(
        &["--emulator", "instruments", "list", "--limit", "1"],
        &[("RUST_LOG", "lusid=debug,lusid_http=debug")],
    );
    assert!(output.status.success());
    let stderr = text(&output.stderr);
    assert!(!stderr.is_empty());
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

/// Regression (found in review): a port in use is reported with the OS message twice:
/// "could not bind ...: Address already in use (os error 98)" and again as
/// "caused by: Address already in use (os error 98)".
#[test]
fn a_used_port_is_reported_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let output = lusid(&["emulator", "--equities", "1", "--addr", &addr]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&addr), "{stderr}");
    assert_eq!(
        stderr.matches("Address already in use").count(),
        1,
        "{stderr}"
    );
}

/// Regression (found in review): `lusid emulator --write-secrets` writes the password and
/// client secret (which the user may have chosen) world-readable (0644
/// under the usual umask); a secrets file should be 0600.
#[cfg(unix)]
#[test]
fn written_secrets_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("s.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args([
            "emulator",
            "--equities",
            "1",
            "--write-secrets",
            secrets.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _child = Killed(child);
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

/// Regression (found in review): when stderr is a closed pipe, reporting an error panics
/// (`eprintln!`) and the process exits 101 instead of 1.
#[test]
fn a_closed_stderr_does_not_turn_an_error_into_a_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lusid"))
        .args(["--secrets", "/nonexistent/secrets.json", "token"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

/// A failure after the first page: the `--output` file keeps its earlier
/// content, the complete records are kept beside it as `.partial`, and the
/// error says how far the extraction got.
#[test]
fn a_failure_mid_extraction_keeps_the_complete_records_beside_the_output() {
    let served = serve(None);
    let faults = served.emulator.faults();
    faults.push_api(Fault::Delay(Duration::ZERO));
    // A 400 is never retried (a 500 on this idempotent read would be).
    faults.push_api(Fault::status(400));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("instruments.ndjson");
    std::fs::write(&out, "earlier\n").unwrap();

    let output = lusid(&[
        "--secrets",
        served.secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--page-size",
        "5",
        "--format",
        "ndjson",
        "--output",
        out.to_str().unwrap(),
    ]);

    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stopped after 5 instruments"), "{stderr}");
    assert!(stderr.contains("instruments.ndjson.partial"), "{stderr}");
    assert!(stderr.contains("400"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier\n");
    let partial = std::fs::read_to_string(dir.path().join("instruments.ndjson.partial")).unwrap();
    let lines: Vec<serde_json::Value> = partial
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["lusidInstrumentId"], "CCY_AED");
}

/// A successful run replaces the `--output` file and leaves no temporary
/// file behind.
#[test]
fn a_successful_extraction_replaces_the_output_file() {
    let served = serve(None);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("instruments.json");
    std::fs::write(&out, "earlier\n").unwrap();

    let output = lusid(&[
        "--secrets",
        served.secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);

    assert!(output.status.success(), "{}", text(&output.stderr));
    let array: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(array.len() > 20);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("instruments.json")]
    );
}
