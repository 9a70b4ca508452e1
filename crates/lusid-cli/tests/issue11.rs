//! Issue 11 (the CLI part): output safety, signals, timeouts and retries,
//! progress and logs, messages, the instrument commands, the emulator's
//! secrets file, exact numbers and fault details. Every test runs the real
//! `lusid` binary; emulators run in the test process or as `lusid
//! emulator` children, on ephemeral loopback ports.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lusid::models::{InstrumentDefinition, InstrumentIdValue};

mod common;

use common::{Served, command, lusid, serve, text};

/// Test set-up of this file.
trait Seeding {
    fn upsert(&self, name: &str, client_internal: &str, properties: &str);
}

impl Seeding for Served {
    /// Upserts one instrument; `properties` is JSON for its `properties`.
    fn upsert(&self, name: &str, client_internal: &str, properties: &str) {
        let client = lusid::Client::builder()
            .secrets_file(&self.secrets)
            .build()
            .unwrap();
        let mut identifiers = BTreeMap::new();
        identifiers.insert(
            "ClientInternal".to_owned(),
            InstrumentIdValue::new(client_internal),
        );
        let mut definition = InstrumentDefinition::new(name, identifiers);
        definition.properties = Some(serde_json::from_str(properties).unwrap());
        let body = BTreeMap::from([("item".to_owned(), definition)]);
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

/// Starts `lusid emulator ARGS --write-secrets SECRETS` and returns it
/// once it serves.
fn spawn_emulator(args: &[&str], secrets: &Path) -> Killed {
    let mut child = command(&["emulator"])
        .args(args)
        .args(["--write-secrets", secrets.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("http://127.0.0.1:"), "{first}");
    Killed(child)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The mode new files get in this process (0666 less the umask).
#[cfg(unix)]
fn umask_mode(dir: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join(".probe");
    std::fs::File::create(&probe).unwrap();
    let mode = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    std::fs::remove_file(&probe).unwrap();
    mode
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ------------------------------------------------------------ output safety

#[cfg(target_os = "linux")]
#[test]
fn output_to_a_device_is_written_in_place_and_the_device_stays_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--limit",
        "3",
        "--output",
        "/dev/full",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");
    assert!(!stderr.contains(".lusid-output"), "{stderr}");
    let meta = std::fs::metadata("/dev/full").unwrap();
    assert!(meta.file_type().is_char_device(), "/dev/full was replaced");

    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--limit",
        "3",
        "--output",
        "/dev/null",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let target = real.join("instruments.ndjson");
    std::fs::write(&target, "earlier\n").unwrap();
    let link = dir.path().join("latest.ndjson");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--limit",
        "4",
        "--format",
        "ndjson",
        "--output",
        link.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 4);
    assert_eq!(names_in(&real), ["instruments.ndjson"]);

    // A dangling link: its target is created.
    let dangling = dir.path().join("dangling.ndjson");
    let created = real.join("new.ndjson");
    std::os::unix::fs::symlink(&created, &dangling).unwrap();
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--limit",
        "2",
        "--format",
        "ndjson",
        "--output",
        dangling.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        std::fs::read_to_string(&created).unwrap().lines().count(),
        2
    );
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn dev_stdout_and_dash_are_stdout() {
    let dir = tempfile::tempdir().unwrap();
    for path in ["/dev/stdout", "-"] {
        let output = command(&[
            "--emulator",
            "instruments",
            "list",
            "--limit",
            "2",
            "--format",
            "ndjson",
            "--output",
            path,
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
        assert!(output.status.success(), "{path}: {}", text(&output.stderr));
        assert_eq!(text(&output.stdout).lines().count(), 2, "{path}");
        assert!(text(&output.stdout).contains("CCY_AED"), "{path}");
    }
    assert!(
        names_in(dir.path()).is_empty(),
        "no file named '-' or other"
    );

    // Into a file the shell opened as stdout, also for `get`.
    let file = dir.path().join("shell.json");
    let output = command(&[
        "--emulator",
        "instruments",
        "get",
        "Currency",
        "GBP",
        "--output",
        "/dev/stdout",
    ])
    .stdout(std::fs::File::create(&file).unwrap())
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["lusidInstrumentId"], "CCY_GBP");
}

#[cfg(unix)]
#[test]
fn an_overwritten_file_keeps_its_mode_and_a_new_file_gets_the_umask_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("shared.csv");
    std::fs::write(&existing, "earlier\n").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o640)).unwrap();
    let fresh = dir.path().join("fresh.csv");
    for path in [&existing, &fresh] {
        let output = lusid(&[
            "--emulator",
            "instruments",
            "list",
            "--limit",
            "2",
            "--format",
            "csv",
            "--output",
            path.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(
            std::fs::read_to_string(path)
                .unwrap()
                .starts_with("lusidInstrumentId,")
        );
    }
    assert_eq!(mode_of(&existing), 0o640);
    assert_eq!(mode_of(&fresh), umask_mode(dir.path()));
}

#[test]
fn output_errors_never_show_temporary_file_names() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file in a directory where nothing can be created.
    for path in [
        "/proc/version",
        dir.path().to_str().unwrap(),
        "/nonexistent/x.csv",
    ] {
        let output = lusid(&["--emulator", "instruments", "list", "--output", path]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{path}: {stderr}");
        assert!(stderr.contains(path), "{path}: {stderr}");
        assert!(!stderr.contains(".lusid-output"), "{path}: {stderr}");
        assert!(!stderr.contains("at path"), "{path}: {stderr}");
        assert!(output.stdout.is_empty());
    }
    assert!(names_in(dir.path()).is_empty());
}

// ------------------------------------------------------------------ signals

/// Runs an extraction to `--output` against a slow emulator, sends
/// `signal` once records are being written, and checks what is left.
#[cfg(unix)]
fn interrupt_extraction(signal: &str, expected_code: i32, name: &str) {
    let served = serve(1000);
    served
        .emulator
        .faults()
        .set_api_latency(Duration::from_millis(150));
    let out = served.dir.path().join("instruments.ndjson");
    std::fs::write(&out, "earlier\n").unwrap();
    let child = command(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "list",
        "--page-size",
        "10",
        "--format",
        "ndjson",
        "--output",
        out.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut child = Killed(child);
    // Wait until a few pages are in the temporary file.
    let started = Instant::now();
    loop {
        let temporary = std::fs::read_dir(served.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .find(|entry| {
                entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".lusid-output-")
            });
        if temporary.is_some_and(|entry| entry.metadata().unwrap().len() > 5_000) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no progress");
        assert!(child.0.try_wait().unwrap().is_none(), "exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_for(&mut child.0, Duration::from_secs(10)).expect("stops soon");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr).unwrap();

    assert_eq!(status.code(), Some(expected_code), "{stderr}");
    assert!(
        stderr.contains(&format!("interrupted by {name}")),
        "{stderr}"
    );
    assert!(stderr.contains("instruments.ndjson.partial"), "{stderr}");
    assert!(!stderr.contains(".lusid-output"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier\n");
    let partial =
        std::fs::read_to_string(served.dir.path().join("instruments.ndjson.partial")).unwrap();
    assert!(partial.ends_with('\n'));
    let lines: Vec<serde_json::Value> = partial
        .lines()
        .map(|line| serde_json::from_str(line).expect("a complete record"))
        .collect();
    assert!(lines.len() >= 10 && lines.len() < 1178, "{}", lines.len());
    assert_eq!(lines.len() % 10, 0, "whole pages only");
    assert!(
        stderr.contains(&format!("stopped after {} instruments", lines.len())),
        "{stderr}"
    );
    assert_eq!(
        names_in(served.dir.path()),
        [
            "instruments.ndjson",
            "instruments.ndjson.partial",
            "secrets.json"
        ],
        "no temporary file is left"
    );
}

#[cfg(unix)]
#[test]
fn sigint_mid_extraction_keeps_complete_records_says_so_and_exits_130() {
    interrupt_extraction("-INT", 130, "SIGINT");
}

#[cfg(unix)]
#[test]
fn sigterm_mid_extraction_keeps_complete_records_says_so_and_exits_143() {
    interrupt_extraction("-TERM", 143, "SIGTERM");
}

#[cfg(unix)]
#[test]
fn sigint_while_waiting_for_a_slow_get_leaves_no_temporary_file() {
    let served = serve(1);
    served
        .emulator
        .faults()
        .set_api_latency(Duration::from_secs(30));
    let out = served.dir.path().join("gbp.json");
    let mut child = Killed(
        command(&[
            "--secrets",
            served.secrets(),
            "instruments",
            "get",
            "Currency",
            "GBP",
            "--output",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(800));
    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait_for(&mut child.0, Duration::from_secs(10)).expect("stops soon");
    assert_eq!(status.code(), Some(130));
    assert_eq!(names_in(served.dir.path()), ["secrets.json"]);
}

// ------------------------------------------------- timeouts, retries, logs

#[test]
fn a_hung_server_fails_after_the_timeout_instead_of_ten_minutes() {
    let served = serve(1);
    served
        .emulator
        .faults()
        .set_api_latency(Duration::from_secs(60));
    let started = Instant::now();
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "list",
        "--timeout",
        "1s",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15), "{stderr}");
    assert!(stderr.contains("timeout of 1s"), "{stderr}");

    // Per attempt, with one retry: two attempts, then the error.
    let output = lusid(&[
        "instruments",
        "get",
        "Currency",
        "GBP",
        "--secrets",
        served.secrets(),
        "--attempt-timeout",
        "300ms",
        "--retries",
        "1",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("attempt timeout of 300ms"), "{stderr}");
    assert!(stderr.contains("after 2 attempt(s)"), "{stderr}");
}

#[test]
fn retries_zero_reports_the_first_outage() {
    let served = serve(1);
    served.emulator.faults().push_api_script("503,503").unwrap();
    let output = lusid(&["--secrets", served.secrets(), "--retries", "0", "token"]);
    assert!(output.status.success(), "the token endpoint is not faulted");
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "--retries",
        "0",
        "instruments",
        "get",
        "Currency",
        "GBP",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");
    // The default retries outages of reads.
    served.emulator.faults().push_api_script("503").unwrap();
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "get",
        "Currency",
        "GBP",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn durations_and_numbers_have_one_clear_message_each() {
    for (args, flag, message) in [
        (vec!["--timeout", "30"], "--timeout", "has no unit"),
        (vec!["--timeout", "-5s"], "--timeout", "negative"),
        (vec!["--timeout", "soon"], "--timeout", "30s, 500ms, 2m"),
        (
            vec!["--attempt-timeout", "0ms"],
            "--attempt-timeout",
            "zero",
        ),
        (
            vec!["--retries", "-1"],
            "--retries",
            "negative numbers are not accepted",
        ),
        (
            vec!["--limit", "-5"],
            "--limit",
            "negative numbers are not accepted",
        ),
        (
            vec!["--page-size", "-1"],
            "--page-size",
            "negative numbers are not accepted",
        ),
        (vec!["--limit", "0"], "--limit", "0 is not allowed"),
    ] {
        let mut full = vec!["--emulator", "instruments", "list"];
        full.extend(&args);
        let output = lusid(&full);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
    let output = lusid(&["emulator", "--api-throttle", "-0.5"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("negative numbers are not accepted"));
    let output = lusid(&["emulator", "--equities", "-3"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("negative numbers are not accepted"));
}

#[test]
fn global_flags_work_before_or_after_the_command() {
    for args in [
        vec![
            "--emulator",
            "-v",
            "instruments",
            "list",
            "--limit",
            "1",
            "--format",
            "ndjson",
        ],
        vec![
            "instruments",
            "list",
            "--limit",
            "1",
            "--format",
            "ndjson",
            "--emulator",
            "-v",
        ],
        vec![
            "instruments",
            "-v",
            "list",
            "--emulator",
            "--limit",
            "1",
            "--format",
            "ndjson",
        ],
    ] {
        let output = lusid(&args);
        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert_eq!(text(&output.stdout).lines().count(), 1, "{args:?}");
        assert!(stderr.contains("INFO"), "-v logs at info: {stderr}");
        assert!(!stderr.contains("DEBUG"), "{stderr}");
        assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    }
    let output = lusid(&["--emulator", "-vv", "instruments", "list", "--limit", "1"]);
    assert!(text(&output.stderr).contains("DEBUG"));
}

#[test]
fn subcommand_help_lists_global_options_under_their_own_heading() {
    for args in [
        vec!["instruments", "list", "--help"],
        vec!["instruments", "get", "--help"],
        vec!["config", "show", "--help"],
    ] {
        let output = lusid(&args);
        assert!(output.status.success());
        let help = text(&output.stdout);
        let heading = help
            .find("Global options")
            .unwrap_or_else(|| panic!("{args:?}: {help}"));
        for flag in [
            "--timeout",
            "--attempt-timeout",
            "--retries",
            "--verbose",
            "--secrets",
            "--emulator",
        ] {
            let at = help.find(flag).unwrap_or_else(|| panic!("{flag}: {help}"));
            assert!(
                at > heading,
                "{args:?}: {flag} is listed as the command's own: {help}"
            );
        }
    }
}

#[test]
fn progress_and_a_summary_go_to_stderr_only_with_output_or_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all.ndjson");
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--format",
        "ndjson",
        "--output",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("wrote 1,178 instruments to") && stderr.contains("/s)"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "no terminal codes: {stderr:?}");
    // To stdout with stderr not a terminal: nothing on stderr.
    let output = lusid(&["--emulator", "instruments", "list", "--format", "ndjson"]);
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
}

// ----------------------------------------------------------------- messages

#[test]
fn no_configuration_names_secrets_emulator_and_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    let output = command(&["instruments", "list"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for expected in [
        "--secrets",
        "--emulator",
        "FBN_LUSID_URL",
        "FBN_ACCESS_TOKEN",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn config_show_shows_what_is_missing_instead_of_failing() {
    let output = lusid(&["config", "show"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(stdout.starts_with("credentials: incomplete"), "{stdout}");
    for name in ["api.lusidUrl", "api.tokenUrl", "api.clientSecret"] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {stdout}"));
        assert!(line.contains("(missing)"), "{line}");
    }
    assert!(stdout.contains("--emulator"), "{stdout}");
    assert!(
        !stdout.contains("missing.invalid"),
        "no placeholder shown: {stdout}"
    );

    let output = command(&["config", "show"])
        .env("FBN_LUSID_URL", "https://acme.lusid.com/api")
        .env("FBN_PASSWORD", "pw-SECRET")
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let line = |name: &str| {
        stdout
            .lines()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name}: {stdout}"))
            .to_owned()
    };
    assert!(line("api.lusidUrl").contains("https://acme.lusid.com/api"));
    assert!(line("api.lusidUrl").contains("FBN_LUSID_URL"));
    assert!(line("api.password").contains("****"));
    assert!(line("api.username").contains("(missing)"));
    assert!(line("api.username").contains("FBN_USERNAME"));
    assert!(!stdout.contains("pw-SECRET"));
}

#[test]
fn a_lusid_url_without_api_gets_a_hint_on_404() {
    let served = serve(1);
    let mut secrets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&served.secrets).unwrap()).unwrap();
    let base = served.emulator.base_url().to_string();
    secrets["api"]["lusidUrl"] = base.clone().into();
    secrets["api"]["apiUrl"] = base.clone().into();
    let path = served.dir.path().join("no-api.json");
    std::fs::write(&path, secrets.to_string()).unwrap();
    let output = lusid(&["--secrets", path.to_str().unwrap(), "instruments", "list"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("404"), "{stderr}");
    assert!(
        stderr.contains("hint:") && stderr.contains("/api"),
        "{stderr}"
    );
    // A correct URL's 404 (an unknown instrument) has no such hint.
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "get",
        "Figi",
        "BBG000NOTHERE1",
    ]);
    assert!(!text(&output.stderr).contains("hint:"));
}

#[test]
fn the_readme_get_by_figi_works_against_the_emulator() {
    let output = lusid(&["--emulator", "instruments", "get", "Figi", "BBG000BLNNH6"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let instrument: serde_json::Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    assert_eq!(instrument["name"], "International Business Machines Corp");
    assert_eq!(instrument["identifiers"]["Figi"], "BBG000BLNNH6");
    assert_eq!(instrument["identifiers"]["Isin"], "US4592001014");
    // CCY_AED still comes first.
    let output = lusid(&[
        "--emulator",
        "instruments",
        "list",
        "--limit",
        "1",
        "--format",
        "csv",
    ]);
    assert!(
        text(&output.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("CCY_AED,")
    );
}

#[test]
fn as_at_and_effective_at_are_checked_before_sending_with_the_same_kind_of_message() {
    for (flag, value) in [
        ("--as-at", "yesterday"),
        ("--as-at", "2024-01-31"),
        ("--effective-at", "yesterday"),
        ("--effective-at", "2024-02-30"),
    ] {
        for command in [
            vec!["instruments", "list"],
            vec!["instruments", "get", "Currency", "GBP"],
        ] {
            let mut args = vec!["--emulator"];
            args.extend(&command);
            args.extend([flag, value]);
            let output = lusid(&args);
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("invalid value '{value}' for '{flag} <DATETIME>'")),
                "{args:?}: {stderr}"
            );
            assert!(
                stderr.contains("expected an RFC 3339 date-time such as 2024-01-31T00:00:00Z"),
                "{stderr}"
            );
        }
    }
    let output = lusid(&[
        "--emulator",
        "instruments",
        "get",
        "Currency",
        "GBP",
        "--as-at",
        "2024-06-30T00:00:00Z",
        "--effective-at",
        "2024-06-30",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn an_empty_secrets_file_says_it_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    for content in ["", "  \n"] {
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, content).unwrap();
        let output = lusid(&["--secrets", path.to_str().unwrap(), "token"]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("secrets.json is empty"), "{stderr}");
    }
}

// ---------------------------------------------------- instrument commands

#[test]
fn get_takes_format_output_and_property_keys_and_numbers_stay_exact() {
    let served = serve(3);
    served.define_properties(&["Instrument/test/Price", "Instrument/test/Sector"]);
    served.upsert(
        "Exact Holdings",
        "EXACT-1",
        r#"[{"key": "Instrument/test/Price",
            "value": {"metricValue": {"value": 1234.5678901234567890, "unit": "GBP"}}},
           {"key": "Instrument/test/Sector", "value": {"labelValue": "Energy"}}]"#,
    );
    let keys = "Instrument/test/Price,Instrument/test/Sector";
    let get = |format: &str| {
        let output = lusid(&[
            "--secrets",
            served.secrets(),
            "instruments",
            "get",
            "ClientInternal",
            "EXACT-1",
            "--property-keys",
            keys,
            "--format",
            format,
        ]);
        assert!(
            output.status.success(),
            "{format}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    let json = get("json");
    assert!(json.contains("1234.5678901234567890"), "{json}");
    assert!(!json.contains("1234.567890123457"), "{json}");
    let instrument: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(instrument["name"], "Exact Holdings");
    assert_eq!(get("ndjson").lines().count(), 1);
    let csv = get("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "lusidInstrumentId",
            "name",
            "scope",
            "state",
            "effectiveFrom",
            "asAtDate",
            "Instrument/test/Price",
            "Instrument/test/Sector",
            "identifiers"
        ]
    );
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[6], "1234.5678901234567890 GBP");
    assert_eq!(&row[7], "Energy");
    let table = get("table");
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("1234.5678901234567890 GBP"), "{table}");

    // Without --property-keys, no properties.
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "get",
        "ClientInternal",
        "EXACT-1",
    ]);
    assert!(!text(&output.stdout).contains("1234.5678901234567890"));

    // --output, --as-at (before the upsert: not found), --effective-at.
    let out = served.dir.path().join("exact.json");
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "get",
        "ClientInternal",
        "EXACT-1",
        "--property-keys",
        keys,
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("1234.5678901234567890")
    );
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "get",
        "ClientInternal",
        "EXACT-1",
        "--as-at",
        "2020-01-01T00:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("404"));
}

#[test]
fn list_takes_sort_by_and_property_keys_and_table_and_csv_show_the_same_columns() {
    let served = serve(5);
    served.define_properties(&["Instrument/test/Price"]);
    served.upsert(
        "Zeta Metric plc",
        "Z-1",
        r#"[{"key": "Instrument/test/Price", "value": {"metricValue": {"value": 0.1000000000000000000001}}}]"#,
    );
    let list = |format: &str, extra: &[&str]| {
        let mut args = vec![
            "--secrets",
            served.secrets(),
            "instruments",
            "list",
            "--filter",
            "State eq 'Active' and AssetClass neq 'Money'",
            "--format",
            format,
        ];
        args.extend(extra);
        let output = lusid(&args);
        assert!(
            output.status.success(),
            "{format}: {}",
            text(&output.stderr)
        );
        text(&output.stdout)
    };
    let sorted = list("ndjson", &["--sort-by", "-Name"]);
    let names: Vec<String> = sorted
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names.len(), 6);
    let mut expected = names.clone();
    expected.sort();
    expected.reverse();
    assert_eq!(names, expected);
    assert_eq!(names[0], "Zeta Metric plc");

    let keyed = [
        "--property-keys",
        "Instrument/test/Price",
        "--sort-by",
        "-Name",
    ];
    let csv = list("csv", &keyed);
    let table = list("table", &keyed);
    let csv_header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let table_header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(csv_header, table_header, "{csv}\n{table}");
    assert!(csv_header.contains(&"Instrument/test/Price"));
    assert_eq!(csv.lines().count(), table.lines().count());
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains(",0.1000000000000000000001,"),
        "{csv}"
    );
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .contains("0.1000000000000000000001"),
        "{table}"
    );
    let ndjson = list("ndjson", &keyed);
    assert!(ndjson.contains("0.1000000000000000000001"), "{ndjson}");
}

#[test]
fn delete_removes_an_instrument_and_later_gets_are_404() {
    let served = serve(3);
    served.upsert("Doomed Ltd", "DOOMED-1", "[]");
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "delete",
        "ClientInternal",
        "DOOMED-1",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let response: serde_json::Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    assert!(response["asAt"].is_string(), "{response}");
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "get",
        "ClientInternal",
        "DOOMED-1",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("404"));
    // Currencies cannot be deleted; a custom scope is passed on.
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "delete",
        "Currency",
        "GBP",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("400"));
    let output = lusid(&[
        "--secrets",
        served.secrets(),
        "instruments",
        "delete",
        "ClientInternal",
        "EMU-EQ-000001",
        "--scope",
        "elsewhere",
    ]);
    assert_eq!(output.status.code(), Some(1), "not in that scope");
    assert_eq!(served.emulator.metrics().api_total("DeleteInstrument"), 3);
}

#[test]
fn the_emulator_command_refuses_flags_for_reaching_lusid() {
    for (args, expected) in [
        (vec!["--emulator", "emulator"], "drop --emulator"),
        (vec!["emulator", "--emulator"], "drop --emulator"),
        (vec!["--secrets", "s.json", "emulator"], "--write-secrets"),
        (vec!["emulator", "--timeout", "5s"], "--timeout"),
    ] {
        let mut child = Killed(
            command(&args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let status = wait_for(&mut child.0, Duration::from_secs(5));
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.and_then(|s| s.code()), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

// ------------------------------------------------------ emulator secrets

#[cfg(unix)]
#[test]
fn write_secrets_writes_where_told_replaces_files_and_refuses_links() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    // Relative to the current directory.
    let mut child = command(&[
        "emulator",
        "--equities",
        "1",
        "--write-secrets",
        "conf/s.json",
    ])
    .current_dir(dir.path())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let mut child = Killed(child);
    let relative = dir.path().join("conf/s.json");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&relative).unwrap()).unwrap();
    assert_eq!(written["api"]["lusidUrl"], first.trim());
    assert_eq!(mode_of(&relative), 0o600);
    // The emulator stops on SIGTERM, gracefully.
    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait_for(&mut child.0, Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains(&relative.display().to_string()),
        "the absolute path: {stderr}"
    );

    // Absolute, over an earlier file (0644): replaced, 0600.
    let absolute = dir.path().join("secrets.json");
    std::fs::write(&absolute, "stale").unwrap();
    let _child = spawn_emulator(&["--equities", "1"], &absolute);
    assert!(
        std::fs::read_to_string(&absolute)
            .unwrap()
            .contains("lusidUrl")
    );
    assert_eq!(mode_of(&absolute), 0o600);

    // Through a symbolic link: refused, the target untouched.
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let output = lusid(&[
        "emulator",
        "--equities",
        "1",
        "--write-secrets",
        link.to_str().unwrap(),
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(stderr.contains("link.json"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    // A missing directory is named.
    let output = lusid(&[
        "emulator",
        "--equities",
        "1",
        "--write-secrets",
        "/nonexistent/s.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("/nonexistent/s.json"));
}

// --------------------------------------------------------- emulator faults

#[test]
fn random_faults_say_so_and_an_extraction_under_five_percent_server_errors_completes() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    let _emulator = spawn_emulator(
        &["--api-server-errors", "0.05", "--fault-seed", "3"],
        &secrets,
    );
    let output = lusid(&[
        "--secrets",
        secrets.to_str().unwrap(),
        "instruments",
        "list",
        "--page-size",
        "20",
        "--format",
        "ndjson",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 178 + 1000);

    // Every request faulted, no retries: the problem says which fault.
    let always = dir.path().join("always.json");
    let _always = spawn_emulator(&["--equities", "1", "--api-server-errors", "1"], &always);
    let output = lusid(&[
        "--secrets",
        always.to_str().unwrap(),
        "--retries",
        "0",
        "instruments",
        "list",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Random fault"), "{stderr}");
    assert!(stderr.contains("--api-server-errors 1"), "{stderr}");
    assert!(!stderr.contains("Scripted"), "{stderr}");

    let scripted = dir.path().join("scripted.json");
    let _scripted = spawn_emulator(&["--equities", "1", "--api-script", "400"], &scripted);
    let output = lusid(&[
        "--secrets",
        scripted.to_str().unwrap(),
        "instruments",
        "list",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Scripted fault"), "{stderr}");
    assert!(stderr.contains("--api-script"), "{stderr}");
}
