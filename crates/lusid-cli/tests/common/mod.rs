//! Helpers the CLI test files share: the real `lusid` binary with a clean
//! environment, and an in-process emulator on its own runtime with its
//! secrets file.

#![allow(dead_code)]

pub mod fake;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use lusid_emulator::{Emulator, RunningEmulator};

/// A `lusid` command with no `FBN_*`, proxy or `RUST_LOG` variables from
/// the caller's environment.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lusid"));
    command.args(args).env_remove("RUST_LOG");
    for (name, _) in std::env::vars() {
        if name.starts_with("FBN_") || name.to_ascii_uppercase().ends_with("_PROXY") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `lusid ARGS` to completion.
pub fn lusid(args: &[&str]) -> Output {
    command(args).output().expect("the lusid binary runs")
}

/// A `lusid emulator ARGS` process, killed when dropped however the test
/// ends.
pub struct ServingEmulator {
    /// The process.
    pub child: Child,
    /// The first line it printed: its LUSID URL, with the newline.
    pub lusid_url: String,
}

impl ServingEmulator {
    /// Starts `lusid emulator ARGS` and waits for its LUSID URL.
    pub fn start(args: &[&std::ffi::OsStr]) -> Self {
        let mut child = command(&["emulator"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("lusid emulator starts");
        let mut lusid_url = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut lusid_url)
            .expect("the emulator's first line");
        Self { child, lusid_url }
    }
}

impl Drop for ServingEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An in-process emulator on its own runtime, with its secrets file in a
/// temporary directory.
pub struct Served {
    pub runtime: tokio::runtime::Runtime,
    pub emulator: RunningEmulator,
    pub secrets: PathBuf,
    pub dir: tempfile::TempDir,
}

/// An emulator with `equities` equities besides the currencies.
pub fn serve(equities: usize) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime
        .block_on(Emulator::builder().equities(equities).start())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.json");
    emulator.write_secrets(&secrets).unwrap();
    Served {
        runtime,
        emulator,
        secrets,
        dir,
    }
}

impl Served {
    /// The secrets file's path.
    pub fn secrets(&self) -> &str {
        self.secrets.to_str().unwrap()
    }

    /// `lusid --secrets <this emulator's> ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut all = vec!["--secrets", self.secrets()];
        all.extend_from_slice(args);
        command(&all).output().unwrap()
    }

    /// Creates a `system/string` property definition for each key
    /// (`Domain/scope/code`) the way a user would, with
    /// `lusid api CreatePropertyDefinition --body FILE`: the emulator, like
    /// LUSID, refuses a property value that has no definition.
    pub fn define_properties(&self, keys: &[&str]) {
        for key in keys {
            let parts: Vec<&str> = key.splitn(3, '/').collect();
            let [domain, scope, code] = parts[..] else {
                panic!("{key} is not Domain/scope/code");
            };
            let body = serde_json::json!({"domain": domain, "scope": scope, "code": code,
                "displayName": code, "dataTypeId": {"scope": "system", "code": "string"}});
            let path = self.path(&format!("definition-{}.json", key.replace('/', "-")));
            std::fs::write(&path, body.to_string()).unwrap();
            let output = self.run(&[
                "api",
                "CreatePropertyDefinition",
                "--body",
                path.to_str().unwrap(),
            ]);
            assert!(output.status.success(), "{key}: {}", text(&output.stderr));
        }
    }

    /// A path in the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}
