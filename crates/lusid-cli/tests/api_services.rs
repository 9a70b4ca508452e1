//! `lusid api --service NAME` for every service besides LUSID: `list`,
//! `describe`, and a `--dry-run` of one operation per HTTP method going to
//! the service's URL derived from the LUSID URL (`https://acme.lusid.com`
//! with the service's base path), the flag given before or after the
//! command. (Every operation of every service is dry-run by the unit test
//! `every_operation_of_every_other_service_goes_to_its_derived_base_path`.)

mod common;

use common::text;
use serde_json::Value;

/// (service, base path) as `lusid_auth::Service` has them.
const SERVICES: [(&str, &str); 10] = [
    ("access", "/access"),
    ("configuration", "/configuration"),
    ("drive", "/drive"),
    ("horizon", "/horizon"),
    ("identity", "/identity"),
    ("insights", "/insights"),
    ("luminesce", "/honeycomb"),
    ("notifications", "/notification"),
    ("scheduler", "/scheduler2"),
    ("workflow", "/workflow"),
];

fn lusid(args: &[&str]) -> std::process::Output {
    common::command(args)
        .env("FBN_LUSID_URL", "https://acme.lusid.com/api")
        .env("FBN_ACCESS_TOKEN", "never-sent")
        .output()
        .unwrap()
}

/// `lusid api --service NAME list`: (id, method, path) per line.
fn operations(service: &str) -> Vec<(String, String, String)> {
    let out = lusid(&["api", "--service", service, "list"]);
    assert!(out.status.success(), "{service}: {}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            let mut next = || words.next().unwrap_or_default().to_owned();
            (next(), next(), next())
        })
        .collect()
}

/// A value for a required parameter `describe` shows.
fn sample(kind: &str) -> &'static str {
    match kind {
        "integer" => "1",
        "number" => "1.5",
        "boolean" => "true",
        "date-time" => "2026-01-01T00:00:00Z",
        _ => "x",
    }
}

#[test]
fn every_service_lists_describes_and_dry_runs_one_operation_per_method() {
    for (service, base_path) in SERVICES {
        let listed = operations(service);
        assert!(!listed.is_empty(), "{service}");
        // The flag after the command means the same.
        let after = lusid(&["api", "list", "--service", service]);
        assert_eq!(
            text(&after.stdout).lines().count(),
            listed.len(),
            "{service}"
        );

        let mut methods_seen = Vec::new();
        for (id, method, path) in &listed {
            if methods_seen.contains(method) {
                continue;
            }
            let out = lusid(&["api", "--service", service, "describe", id]);
            assert!(
                out.status.success(),
                "{service} {id}: {}",
                text(&out.stderr)
            );
            let described = text(&out.stdout);
            assert!(
                described.starts_with(&format!("{id}: {method} {path}\n")),
                "{described}"
            );
            // A required JSON body needs a sample of its schema: those
            // operations are dry-run by the unit test.
            if described.contains("body (application/json, required)") {
                continue;
            }
            let mut args: Vec<String> = ["api", "--service", service, id.as_str(), "--dry-run"]
                .map(str::to_owned)
                .to_vec();
            let params = described
                .lines()
                .filter(|l| l.starts_with("  ") && !l.starts_with("   "));
            // Content-Length is the body's size, which the CLI sends (a
            // sample one would not match the body and be refused).
            let required = params.filter(|l| {
                l.contains("  required") && !l.trim_start().starts_with("Content-Length ")
            });
            for line in required {
                let mut words = line.split_whitespace();
                let (name, _location, kind) = (
                    words.next().unwrap(),
                    words.next(),
                    words.next().unwrap_or("string"),
                );
                args.push("-p".to_owned());
                args.push(format!("{name}={}", sample(kind)));
            }
            let dir = tempfile::tempdir().unwrap();
            if described.contains(", required)") {
                let body = dir.path().join("body");
                std::fs::write(&body, "select 1").unwrap();
                args.push("--body".to_owned());
                args.push(body.to_str().unwrap().to_owned());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = lusid(&args);
            assert!(
                out.status.success(),
                "{service} {id}: {}",
                text(&out.stderr)
            );
            let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(printed["method"], method.as_str());
            let url = printed["url"].as_str().unwrap();
            let prefix = format!(
                "https://acme.lusid.com{base_path}{}",
                path.split('{').next().unwrap()
            );
            assert!(
                url.starts_with(&prefix),
                "{service} {id}: {url} (expected {prefix}...)"
            );
            assert!(printed["headers"].get("authorization").is_none());
            methods_seen.push(method.clone());
        }
        assert!(
            methods_seen.iter().any(|m| m == "GET"),
            "{service}: {methods_seen:?}"
        );
    }
}

#[test]
fn a_configured_service_url_wins_over_the_derived_one() {
    let out = common::command(&["api", "--service", "drive", "GetRootFolder", "--dry-run"])
        .env("FBN_LUSID_URL", "https://acme.lusid.com/api")
        .env("FBN_ACCESS_TOKEN", "never-sent")
        .env("FBN_DRIVE_URL", "https://files.example.com/drive")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed["url"],
        "https://files.example.com/drive/api/folders"
    );
}

#[test]
fn an_unknown_service_is_a_usage_error_listing_the_services() {
    for args in [
        &["api", "--service", "dirve", "list"][..],
        &["api", "describe", "GetFile", "--service", "dirve"],
        &["api", "--service", "dirve", "GetFile", "--dry-run"],
    ] {
        let out = lusid(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("no service \"dirve\": the services are lusid, access, configuration, drive, horizon, identity, insights, luminesce, notifications, scheduler, workflow"),
            "{stderr}"
        );
    }
}

#[test]
fn an_octet_stream_body_is_streamed_with_its_length_and_shown_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q4.csv");
    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let out = lusid(&[
        "api",
        "--service",
        "drive",
        "CreateFile",
        "-p",
        "x-lusid-drive-filename=q4.csv",
        "-p",
        "x-lusid-drive-path=/reports",
        "--body",
        file.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["url"], "https://acme.lusid.com/drive/api/files");
    assert_eq!(
        printed["headers"]["content-type"],
        "application/octet-stream"
    );
    assert_eq!(printed["headers"]["content-length"], "8");
    assert_eq!(printed["headers"]["x-lusid-drive-path"], "/reports");
    assert_eq!(
        printed["body"],
        format!("<8 bytes streamed from {}>", file.display())
    );
    let out = lusid(&[
        "api",
        "--service",
        "drive",
        "CreateFile",
        "-p",
        "x-lusid-drive-filename=q4.csv",
        "-p",
        "x-lusid-drive-path=/reports",
        "--body",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("it is a directory, not a file"));
}
