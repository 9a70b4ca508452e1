//! Processes for `cargo xtask bench export` and `cargo xtask soak`: the
//! release build, an emulator in its own process, and a client run under
//! `/usr/bin/time` for its wall time, CPU and peak resident set.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a benchmark step failed.
#[derive(Debug)]
pub struct BenchError(pub String);

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for BenchError {
    fn from(error: std::io::Error) -> Self {
        BenchError(error.to_string())
    }
}

pub type Result<T> = std::result::Result<T, BenchError>;

/// Shorthand for a failure with a message.
pub fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(BenchError(message.into()))
}

/// `cargo build --release` of the CLI and the baseline package (the bare
/// baseline and the typed SDK binary).
pub fn build_release(root: &Path) -> Result<()> {
    eprintln!("building the release CLI and baseline ...");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "lusid-cli",
            "-p",
            "lusid-bench-baseline",
        ])
        .status()?;
    if !status.success() {
        return fail("cargo build --release failed");
    }
    Ok(())
}

/// `lusid emulator` running in its own process; killed when dropped.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT` (no `/api`).
    pub base_url: String,
    /// The secrets file it wrote.
    pub secrets: PathBuf,
}

impl Emulator {
    /// Starts `lusid emulator --write-secrets DIR/NAME.json ARGS` and waits
    /// until it serves.
    pub fn start(lusid: &Path, dir: &Path, name: &str, args: &[String]) -> Result<Self> {
        let secrets = dir.join(format!("{name}.json"));
        let _ = std::fs::remove_file(&secrets);
        let mut child = Command::new(lusid)
            .arg("emulator")
            .arg("--write-secrets")
            .arg(&secrets)
            .args(args)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout).read_line(&mut line)?;
        }
        let lusid_url = line.trim().to_owned();
        let Some(base_url) = lusid_url.strip_suffix("/api").map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            return fail(format!("the emulator printed {line:?}, not its LUSID URL"));
        };
        let started = Instant::now();
        while !secrets.exists() && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self {
            child,
            base_url,
            secrets,
        })
    }

    /// `GET /emulator/metrics` as JSON.
    pub fn metrics(&self) -> Result<serde_json::Value> {
        let authority = self.base_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority)?;
        write!(
            stream,
            "GET /emulator/metrics HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        serde_json::from_str(body)
            .map_err(|error| BenchError(format!("metrics are not JSON ({error}): {body:.200}")))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one measured process used.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Wall-clock seconds.
    pub wall: f64,
    /// User CPU seconds.
    pub user: f64,
    /// System CPU seconds.
    pub system: f64,
    /// Peak resident set, KiB.
    pub max_rss_kib: u64,
}

impl Measured {
    /// User plus system CPU seconds.
    pub fn cpu(&self) -> f64 {
        self.user + self.system
    }
}

/// Runs `program args` under `/usr/bin/time` (report and stderr in
/// `work/name.*`), reading its NDJSON stdout as it comes; returns the
/// figures and the LUIDs in order. Fails when it exits unsuccessfully
/// (quoting the end of its stderr).
pub fn measure(
    program: &Path,
    args: &[String],
    work: &Path,
    name: &str,
) -> Result<(Measured, Vec<String>)> {
    measure_with(program, args, work, name, |reader| luids(reader, name))
}

/// [`measure`] with `read` consuming the program's stdout.
fn measure_with(
    program: &Path,
    args: &[String],
    work: &Path,
    name: &str,
    read: impl FnOnce(BufReader<std::process::ChildStdout>) -> Result<Vec<String>>,
) -> Result<(Measured, Vec<String>)> {
    let report = work.join(format!("{name}.time"));
    let errors = work.join(format!("{name}.stderr"));
    let mut command = Command::new("/usr/bin/time");
    command
        .arg("-f")
        .arg("%e %U %S %M")
        .arg("-o")
        .arg(&report)
        .arg(program)
        .args(args)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&errors)?);
    let mut child = command.spawn().map_err(|error| {
        BenchError(format!(
            "cannot run /usr/bin/time (install the `time` package): {error}"
        ))
    })?;
    // The output is read here, not written to disk (a million instruments
    // is over a gigabyte of NDJSON).
    let read = match child.stdout.take() {
        Some(stdout) => read(BufReader::with_capacity(1 << 20, stdout)),
        None => fail("no stdout"),
    };
    let status = child.wait()?;
    let stderr = std::fs::read_to_string(&errors).unwrap_or_default();
    if !status.success() {
        let tail: String = stderr
            .chars()
            .rev()
            .take(2000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return fail(format!("{} failed ({status}):\n{tail}", program.display()));
    }
    let text = std::fs::read_to_string(&report)?;
    let fields: Vec<&str> = text
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let number = |index: usize| -> Result<f64> {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .ok_or_else(|| BenchError(format!("unreadable /usr/bin/time report: {text:?}")))
    };
    let measured = Measured {
        wall: number(0)?,
        user: number(1)?,
        system: number(2)?,
        max_rss_kib: number(3)? as u64,
    };
    Ok((measured, read?))
}

/// Runs `program args` under `/usr/bin/time` as [`measure`] does, keeping
/// its stdout lines (a summary, not an extraction).
pub fn measure_lines(
    program: &Path,
    args: &[String],
    work: &Path,
    name: &str,
) -> Result<(Measured, Vec<String>)> {
    measure_with(program, args, work, name, |reader| {
        reader
            .lines()
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(Into::into)
    })
}

/// The LUIDs of an NDJSON extraction, in order, read by substring (fast
/// enough for a million lines in a debug build).
fn luids(reader: impl BufRead, name: &str) -> Result<Vec<String>> {
    const KEY: &str = "\"lusidInstrumentId\"";
    let mut ids = Vec::new();
    for line in reader.lines() {
        let line = line?;
        // `"lusidInstrumentId":"X"`, or `"lusidInstrumentId": "X"` (Python).
        let value = line
            .find(KEY)
            .map(|at| line[at + KEY.len()..].trim_start_matches([':', ' ']))
            .and_then(|rest| rest.strip_prefix('"'));
        let Some(value) = value else {
            return fail(format!(
                "a line of the {name} output has no lusidInstrumentId"
            ));
        };
        ids.push(value[..value.find('"').unwrap_or(value.len())].to_owned());
    }
    Ok(ids)
}

/// `2 cores, 24 GiB, Linux x86_64 (model name)`.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_default();
    format!(
        "{cores} cores, {mem_gib:.0} GiB, {} {} ({model})",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() / 86_400) as i64;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Replaces the text between `<!-- {marker} begin -->` and
/// `<!-- {marker} end -->` in `path` with `section`, or appends it.
pub fn write_doc_section(path: &Path, marker: &str, section: &str) -> Result<()> {
    let begin = format!("<!-- {marker} begin -->");
    let end = format!("<!-- {marker} end -->");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{begin}\n{}\n{end}", section.trim_end());
    let updated = match (doc.find(&begin), doc.find(&end)) {
        (Some(start), Some(stop)) if stop > start => {
            format!("{}{block}{}", &doc[..start], &doc[stop + end.len()..])
        }
        _ => format!("{}\n{block}\n", doc.trim_end()),
    };
    std::fs::write(path, updated)?;
    Ok(())
}

/// Reads `--name VALUE` options; anything else is a usage error.
pub fn parse_options(options: &[&str], known: &[&str]) -> Result<Vec<(String, String)>> {
    let mut parsed = Vec::new();
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        let (name, value) = match option.split_once('=') {
            Some((name, value)) => (name, value.to_owned()),
            None => match rest.next() {
                Some(value) => (*option, (*value).to_owned()),
                None => return fail(format!("{option} needs a value")),
            },
        };
        if !known.contains(&name) {
            return fail(format!("unknown option {name}"));
        }
        parsed.push((name.to_owned(), value));
    }
    Ok(parsed)
}

/// The value of `--name` as a number, or `default`.
pub fn number_option(options: &[(String, String)], name: &str, default: u64) -> Result<u64> {
    match options.iter().rev().find(|(key, _)| key == name) {
        Some((_, value)) => value
            .replace('_', "")
            .parse()
            .map_err(|_| BenchError(format!("{name} must be a whole number, not {value:?}"))),
        None => Ok(default),
    }
}
