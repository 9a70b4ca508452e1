//! Second adversarial review of the `lusid` binary.
//!
//! Tests whose name starts with `bug_` document a defect and FAIL today
//! (the comment above each names the bug); the others pin behaviour that
//! works and must keep working. Emulators run on ephemeral loopback ports.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lusid::models::{InstrumentDefinition, InstrumentIdValue};
use lusid_emulator::{Emulator, EmulatorCredentials, RunningEmulator};

const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Runs `lusid` with no `FBN_*`, proxy or `RUST_LOG` variables from the
/// caller's environment, plus `env`.
fn lusid_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lusid"));
    command.args(args).env_remove("RUST_LOG");
    for (name, _) in std::env::vars() {
        if name.starts_with("FBN_") {
            command.env_remove(name);
        }
    }
    for name in PROXY_VARIABLES {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the lusid binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An in-process emulator on its own runtime, with its secrets file.
struct Served {
    runtime: tokio::runtime::Runtime,
    _emulator: RunningEmulator,
    secrets: PathBuf,
    dir: tempfile::TempDir,
}

fn serve(credentials: Option<EmulatorCredentials>) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut builder = Emulator::builder().equities(5);
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    let emulator = runtime.block_on(builder.start()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    emulator.write_secrets(&secrets).unwrap();
    Served {
        runtime,
        _emulator: emulator,
        secrets,
        dir,
    }
}

impl Served {
    /// Upserts one instrument with this name and ClientInternal id.
    fn upsert(&self, name: &str, client_internal: &str) {
        let config = lusid::auth::Config::from_secrets_file(&self.secrets).unwrap();
        let client = lusid::Client::builder().config(config).build().unwrap();
        let mut identifiers = BTreeMap::new();
        identifiers.insert(
            "ClientInternal".to_owned(),
            InstrumentIdValue::new(client_internal),
        );
        let mut body = BTreeMap::new();
        body.insert(
            "item".to_owned(),
            InstrumentDefinition::new(name, identifiers),
        );
        let response = self
            .runtime
            .block_on(client.instruments().upsert_instruments(body).send())
            .unwrap();
        assert!(
            response.failed.as_ref().is_none_or(BTreeMap::is_empty),
            "{response:?}"
        );
    }
}

/// A "proxy" on an ephemeral port that accepts connections and closes them
/// at once, so anything sent through it fails quickly.
fn broken_proxy() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            match listener.accept() {
                Ok((stream, _)) => drop(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (address, handle)
}

/// Kills a spawned process when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

fn spawn_emulator(args: &[&str], secrets: &Path) -> (Killed, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lusid"));
    command
        .arg("emulator")
        .args(args)
        .args(["--write-secrets", secrets.to_str().unwrap()])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Killed(command.spawn().unwrap());
    let stdout = child.0.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let started = Instant::now();
    while !secrets.exists() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, first.trim().to_owned())
}

// ---------------------------------------------------------------- bugs

// Regression (found in review): `lusid --emulator …` (the README's first command) fails whenever
// HTTPS_PROXY/HTTP_PROXY is set, as on most corporate machines: the
// in-process emulator's loopback API calls are sent to the proxy (the
// token call is not, so the failure is "tunnel error" on the first API
// call). Traffic to an emulator this process started on 127.0.0.1 must
// never go through a proxy.
#[test]
fn the_embedded_emulator_is_reached_directly_despite_an_environment_proxy() {
    let (proxy, _thread) = broken_proxy();
    let output = lusid_with(
        &[
            "--emulator",
            "instruments",
            "list",
            "--limit",
            "1",
            "--format",
            "ndjson",
        ],
        &[("HTTPS_PROXY", &proxy), ("HTTP_PROXY", &proxy)],
    );
    assert!(
        output.status.success(),
        "the embedded emulator should be reached directly: {}",
        text(&output.stderr)
    );
    assert_eq!(text(&output.stdout).lines().count(), 1);
}

// Regression (found in review): the CSV `identifiers` column joins `Type=value` pairs with `;`
// without escaping, so an identifier value containing `;` or `=` forges
// another identifier: ClientInternal `x;Figi=BBGFAKE` reads back as
// ClientInternal=x plus Figi=BBGFAKE in any consumer that splits the
// column (there is no other way to read it).
#[test]
fn csv_identifiers_column_cannot_be_forged_by_a_value() {
    let served = serve(None);
    served.upsert("Forged Ltd", "x;Figi=BBGFAKE");
    let output = lusid_with(
        &[
            "--secrets",
            served.secrets.to_str().unwrap(),
            "instruments",
            "list",
            "--format",
            "csv",
            "--filter",
            "Name eq 'Forged Ltd'",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    let column = header
        .iter()
        .position(|name| name == "identifiers")
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let identifiers: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&rows[0][column]).unwrap();
    assert_eq!(
        identifiers.get("ClientInternal").map(String::as_str),
        Some("x;Figi=BBGFAKE")
    );
    assert!(
        !identifiers.contains_key("Figi"),
        "the instrument has no FIGI, but its CSV row says it has: {identifiers:?}"
    );
}

// Regression (found in review): `--format table` (the default, "aligned columns for reading")
// writes names exactly as LUSID returns them: an ESC sequence in an
// instrument name reaches the terminal (escape injection), and a newline
// splits the row in two.
#[test]
fn table_output_escapes_terminal_controls_and_newlines() {
    let served = serve(None);
    served.upsert("Evil\u{1b}[31mRED\nsecond line", "R2-EVIL");
    let output = lusid_with(
        &[
            "--secrets",
            served.secrets.to_str().unwrap(),
            "instruments",
            "list",
            "--filter",
            "Identifiers[ClientInternal] eq 'R2-EVIL'",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(!stdout.contains('\u{1b}'), "raw ESC written: {stdout:?}");
    assert_eq!(
        stdout.lines().count(),
        2,
        "a header and one row: {stdout:?}"
    );
}

// Regression (found in review): `lusid emulator --token-ttl 0` is accepted and serves an emulator
// whose every token is already expired, so every client fails with
// `401 The access token expired` (the fraction and script flags are all
// validated by clap; this one is not). It should be a usage error.
#[test]
fn emulator_rejects_a_zero_token_lifetime() {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_lusid"))
            .args(["emulator", "--equities", "1", "--token-ttl", "0"])
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let status = wait_for(&mut child.0, Duration::from_secs(3));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(2),
        "--token-ttl 0 should be rejected as a usage error"
    );
}

// ---------------------------------------------------------------- working

#[test]
fn config_show_masks_every_secret_and_marks_the_ignored_password_flow() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("s.json");
    std::fs::write(
        &secrets,
        r#"{"api":{"tokenUrl":"https://acme.okta.com/oauth2/aus1","username":"u","password":"PW-r2-SECRET",
            "clientId":"cid","clientSecret":"CS-r2-SECRET","lusidUrl":"https://acme.lusid.com/api"},
           "proxy":{"address":"http://proxy.acme.com:8080","username":"pu","password":"PP-r2-SECRET"}}"#,
    )
    .unwrap();
    let output = lusid_with(
        &["--secrets", secrets.to_str().unwrap(), "config", "show"],
        &[
            ("FBN_ACCESS_TOKEN", "PAT-r2-SECRET"),
            ("FBN_READ_TIMEOUT_MS", " 5000 "),
        ],
    );
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for secret in [
        "PW-r2-SECRET",
        "CS-r2-SECRET",
        "PP-r2-SECRET",
        "PAT-r2-SECRET",
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret}"
        );
    }
    assert!(stdout.starts_with("credentials: personal access token"));
    let line = |name: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {stdout}"))
    };
    assert!(line("api.password").ends_with("[ignored]"), "{stdout}");
    assert!(line("api.clientSecret").ends_with("[ignored]"), "{stdout}");
    assert!(line("api.accessToken").contains("FBN_ACCESS_TOKEN"));
    assert!(line("proxy.password").contains("****"));
    assert!(line("api.readTimeoutMs").contains("FBN_READ_TIMEOUT_MS"));
}

#[test]
fn invalid_numbers_and_header_values_are_named_without_values() {
    let base = [
        ("FBN_LUSID_URL", "https://acme.lusid.com/api"),
        ("FBN_ACCESS_TOKEN", "PAT-r2-SECRET"),
    ];
    for (name, value) in [
        ("FBN_READ_TIMEOUT_MS", "0"),
        ("FBN_TOTAL_TIMEOUT_MS", "-5"),
        ("FBN_CONNECT_TIMEOUT_MS", "ten"),
        ("FBN_RATE_LIMIT_RETRIES", "1001"),
        ("FBN_APP_NAME", "bad\r\nX-Injected: 1"),
        ("FBN_CORRELATION_ID", "bad\u{7f}"),
    ] {
        let mut env = base.to_vec();
        env.push((name, value));
        let output = lusid_with(&["config", "show"], &env);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}={value:?}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(!stderr.contains("PAT-r2-SECRET"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn no_secret_in_any_output_at_trace_for_failing_and_succeeding_commands() {
    let credentials = EmulatorCredentials {
        username: "r2 user".to_owned(),
        password: "P@ss+w&rd=R2SEKRIT".to_owned(),
        client_id: "r2-client".to_owned(),
        client_secret: "C/S?R2SEKRIT2".to_owned(),
    };
    let served = serve(Some(credentials));
    let mut secrets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&served.secrets).unwrap()).unwrap();
    let good = served.secrets.to_str().unwrap().to_owned();
    secrets["api"]["password"] = "WRONG-R2SEKRIT3".into();
    let wrong = served.dir.path().join("wrong.json");
    std::fs::write(&wrong, secrets.to_string()).unwrap();
    let trace = [("RUST_LOG", "trace")];
    let token = lusid_with(&["--secrets", &good, "token"], &[]);
    assert!(token.status.success(), "{}", text(&token.stderr));
    let token = text(&token.stdout).trim().to_owned();
    assert!(token.len() > 20);

    let runs = [
        (
            vec![
                "--secrets",
                good.as_str(),
                "instruments",
                "list",
                "--page-size",
                "50",
            ],
            true,
        ),
        (
            vec![
                "--secrets",
                good.as_str(),
                "instruments",
                "get",
                "Figi",
                "BBG000NOPE01",
            ],
            false,
        ),
        (
            vec!["--secrets", wrong.to_str().unwrap(), "instruments", "list"],
            false,
        ),
        (vec!["--secrets", wrong.to_str().unwrap(), "token"], false),
        (vec!["--secrets", good.as_str(), "config", "show"], true),
    ];
    for (args, succeeds) in runs {
        let output = lusid_with(&args, &trace);
        assert_eq!(
            output.status.success(),
            succeeds,
            "{args:?}: {}",
            text(&output.stderr)
        );
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        for secret in ["R2SEKRIT", "R2SEKRIT2", "R2SEKRIT3", token.as_str()] {
            assert!(!all.contains(secret), "{args:?} printed a secret");
        }
        assert!(!all.to_ascii_lowercase().contains("authorization: basic"));
    }
}

#[test]
fn a_token_endpoint_script_of_429s_and_503_is_waited_out() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    let (_emulator, url) = spawn_emulator(
        &[
            "--equities",
            "2",
            "--token-script",
            "429:0.2,429:0.2,503,200",
        ],
        &secrets,
    );
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/api"),
        "{url}"
    );
    let started = Instant::now();
    let output = lusid_with(
        &[
            "--secrets",
            secrets.to_str().unwrap(),
            "instruments",
            "list",
            "--limit",
            "1",
            "--format",
            "ndjson",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(text(&output.stdout).contains("CCY_AED"));
}
