//! Drive end to end: a 50 MiB file uploaded and downloaded back
//! byte-identical against `lusid emulator --drive-dir` running in its own
//! process, once through the CLI (`lusid drive upload|download`) and once
//! through the SDK (`lusid::Client::drive()`, in a child process of its
//! own), each client's peak resident set well under the file's size: the
//! file streams through the client and the emulator, never held whole.

mod common;

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{ServingEmulator, command};

/// The file's size: 50 MiB.
const FILE_SIZE: usize = 50 * 1024 * 1024;

/// The most a process may hold resident beyond what it holds without the
/// file, in KiB: 8 MiB, where holding the file would take over 50 MiB.
const GROWTH_KIB: u64 = 8 * 1024;

/// The most any client process may hold resident, in KiB: under two
/// thirds of the file.
const PEAK_RSS_KIB: u64 = 32 * 1024;

/// Writes `size` bytes of a deterministic pseudo-random pattern.
fn write_pattern(path: &Path, size: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 1 << 16];
    let mut left = size;
    while left > 0 {
        for byte in chunk.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    file.flush().unwrap();
}

/// Whether two files hold the same bytes (read in chunks).
fn same_bytes(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (
        BufReader::new(std::fs::File::open(a).unwrap()),
        BufReader::new(std::fs::File::open(b).unwrap()),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x).unwrap();
        if n == 0 {
            return b.read(&mut y).unwrap() == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

/// Runs `command` to its end: whether it succeeded, its stderr, and its
/// peak resident set in KiB (`getrusage`'s `ru_maxrss` via `wait4`).
#[allow(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, not Child::wait"
)]
fn run_measured(command: &mut Command) -> (bool, String, u64) {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut status = 0;
    // SAFETY: `rusage` is plain data, and `wait4` writes it for our own
    // child, which nothing else waits for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let text = reader.join().unwrap();
    let succeeded = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (succeeded, text, usage.ru_maxrss as u64)
}

/// The emulator's peak resident set so far, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn a_50_mib_file_round_trips_through_the_cli_and_the_sdk_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    let drive_dir = dir.path().join("drive");
    let emulator = ServingEmulator::start(&[
        "--equities".as_ref(),
        "0".as_ref(),
        "--drive-dir".as_ref(),
        drive_dir.as_os_str(),
        "--write-secrets".as_ref(),
        secrets.as_os_str(),
    ]);
    assert!(
        emulator.lusid_url.ends_with("/api\n"),
        "{}",
        emulator.lusid_url
    );

    let big = dir.path().join("big.bin");
    write_pattern(&big, FILE_SIZE);

    // What the CLI and the emulator hold resident without the file.
    let (ok, stderr, cli_baseline) = run_measured(
        command(&["--secrets"])
            .arg(&secrets)
            .args(["drive", "ls", "/"]),
    );
    assert!(ok, "ls: {stderr}");
    let emulator_baseline = peak_rss_kib(emulator.child.id());

    // The CLI, each command its own process.
    let (ok, stderr, upload_rss) = run_measured(
        command(&["--secrets"])
            .arg(&secrets)
            .args(["drive", "upload"])
            .arg(&big)
            .arg("/e2e/cli.bin"),
    );
    assert!(ok, "upload: {stderr}");
    let cli_back = dir.path().join("cli-back.bin");
    let (ok, stderr, download_rss) = run_measured(
        command(&["--secrets"])
            .arg(&secrets)
            .args(["drive", "download", "/e2e/cli.bin"])
            .arg(&cli_back),
    );
    assert!(ok, "download: {stderr}");
    assert!(same_bytes(&big, &cli_back), "the CLI's copy differs");

    // The SDK, in this test binary run again as a child process.
    let sdk_back = dir.path().join("sdk-back.bin");
    let mut sdk = Command::new(std::env::current_exe().unwrap());
    // As `common::command` does for `lusid`: no `FBN_*` or proxy settings
    // of the caller's, which would win over the secrets file.
    for (name, _) in std::env::vars() {
        if name.starts_with("FBN_") || name.to_ascii_uppercase().ends_with("_PROXY") {
            sdk.env_remove(name);
        }
    }
    let (ok, stderr, sdk_rss) = run_measured(
        sdk.args([
            "sdk_round_trip_in_a_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("LUSID_E2E_SECRETS", &secrets)
        .env("LUSID_E2E_FILE", &big)
        .env("LUSID_E2E_BACK", &sdk_back),
    );
    assert!(ok, "SDK round trip: {stderr}");
    assert!(same_bytes(&big, &sdk_back), "the SDK's copy differs");

    let emulator_rss = peak_rss_kib(emulator.child.id());
    eprintln!(
        "peak RSS (KiB): cli ls {cli_baseline}, upload {upload_rss}, download {download_rss}; \
         sdk round trip {sdk_rss}; emulator before {emulator_baseline}, after {emulator_rss}"
    );
    for (what, rss, baseline) in [
        ("lusid drive upload", upload_rss, cli_baseline),
        ("lusid drive download", download_rss, cli_baseline),
        ("the emulator", emulator_rss, emulator_baseline),
    ] {
        assert!(
            rss < baseline + GROWTH_KIB,
            "{what} peaked at {rss} KiB ({baseline} KiB without the file) for a {} KiB file",
            FILE_SIZE / 1024
        );
    }
    for (what, rss) in [
        ("lusid drive upload", upload_rss),
        ("lusid drive download", download_rss),
        ("the SDK round trip", sdk_rss),
    ] {
        assert!(
            rss < PEAK_RSS_KIB,
            "{what} peaked at {rss} KiB for a {} KiB file",
            FILE_SIZE / 1024
        );
    }
    // Both uploads are in the emulator's directory, whole.
    let stored: Vec<PathBuf> = std::fs::read_dir(drive_dir.join("objects"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(stored.len(), 2, "{stored:?}");
    for path in &stored {
        assert!(same_bytes(&big, path), "{} differs", path.display());
    }
}

#[test]
fn the_embedded_emulator_serves_drive_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("a.txt");
    std::fs::write(&local, b"abc").unwrap();
    // Each command has its own embedded emulator: Drive starts empty.
    let upload = common::lusid(&[
        "--emulator",
        "drive",
        "upload",
        local.to_str().unwrap(),
        "/x/a.txt",
    ]);
    assert!(upload.status.success(), "{}", common::text(&upload.stderr));
    assert_eq!(common::text(&upload.stdout).trim().len(), 36, "a GUID");
    let ls = common::lusid(&["--emulator", "drive", "ls", "/"]);
    assert!(ls.status.success(), "{}", common::text(&ls.stderr));
    assert_eq!(common::text(&ls.stdout), "");
    let missing = common::lusid(&["--emulator", "drive", "download", "/x/a.txt", "-"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        common::text(&missing.stderr).contains("no file or folder /x/a.txt in Drive"),
        "{}",
        common::text(&missing.stderr)
    );
}

/// The SDK half of the test above, run in its own process by it (and
/// skipped otherwise): uploads `LUSID_E2E_FILE` as `/e2e/sdk.bin` and
/// downloads it to `LUSID_E2E_BACK`, streaming both ways.
#[test]
#[ignore = "run in a child process by a_50_mib_file_round_trips_through_the_cli_and_the_sdk_streaming"]
fn sdk_round_trip_in_a_child_process() {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    let (Some(secrets), Some(file), Some(back)) = (
        var("LUSID_E2E_SECRETS"),
        var("LUSID_E2E_FILE"),
        var("LUSID_E2E_BACK"),
    ) else {
        panic!("run by a_50_mib_file_round_trips_through_the_cli_and_the_sdk_streaming");
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = lusid::Client::builder()
            .secrets_file(secrets)
            .build()
            .unwrap();
        let source = tokio::fs::File::open(&file).await.unwrap();
        let length = source.metadata().await.unwrap().len();
        // The folder first: Drive uploads into an existing folder.
        client
            .drive()
            .folders()
            .create_folder(lusid::drive::models::CreateFolder::new("/", "e2e-sdk"))
            .send()
            .await
            .unwrap();
        let created = client
            .drive()
            .files()
            .create_file(
                "sdk.bin",
                "/e2e-sdk",
                lusid::drive::UploadBody::from_reader(source, length),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(created.size, Some(length as i64));
        let mut download = client
            .drive()
            .files()
            .download_file(created.id)
            .send()
            .await
            .unwrap();
        let mut copy = tokio::fs::File::create(&back).await.unwrap();
        let copied = tokio::io::copy(&mut download, &mut copy).await.unwrap();
        assert_eq!(copied, length);
    });
}
