//! A reviewer's attacks on `lusid api --service`, `lusid drive` and
//! `lusid emulator --drive-dir`, each kept as a test: octet-stream bodies
//! from stdin and with a wrong `Content-Length`, a missing body, the
//! problem of a failed download, names Drive cannot hold, error messages
//! naming the right path and command, and a damaged Drive directory.

mod common;

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{Served, command, serve, text};
use serde_json::Value;

/// `lusid --secrets … ARGS` with `input` on stdin.
fn run_with_stdin(served: &Served, args: &[&str], input: &[u8]) -> Output {
    let mut all = vec!["--secrets", served.secrets()];
    all.extend_from_slice(args);
    let mut child = command(&all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// `lusid drive ls PATH`'s names (folders with their `/`).
fn ls(served: &Served, path: &str) -> Vec<String> {
    let output = served.run(&["drive", "ls", path]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .filter_map(|line| line.rsplit('\t').next().map(str::to_owned))
        .collect()
}

fn assert_exit(output: &Output, code: i32, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}: stdout {} stderr {}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn create_file_takes_its_body_from_stdin_with_its_length() {
    // docs/cli.md: "`--body -` reads stdin whole first, since the length
    // must be known"; it failed with "CreateFile requires Content-Length"
    // (exit 2).
    let served = serve(0);
    let output = run_with_stdin(
        &served,
        &[
            "api",
            "--service",
            "drive",
            "CreateFile",
            "-p",
            "x-lusid-drive-filename=stdin.txt",
            "-p",
            "x-lusid-drive-path=/",
            "--body",
            "-",
        ],
        b"from stdin\n",
    );
    assert_exit(&output, 0, "CreateFile --body -");
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(created["size"], 11, "{created}");
    let copy = served.path("copy.txt");
    let output = served.run(&["drive", "download", "/stdin.txt", copy.to_str().unwrap()]);
    assert_exit(&output, 0, "download");
    assert_eq!(std::fs::read(&copy).unwrap(), b"from stdin\n");
}

#[test]
fn a_dry_run_of_binary_stdin_shows_its_size_not_its_bytes() {
    // The dry run printed the bytes read from stdin as (lossy) text.
    let served = serve(0);
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    let output = run_with_stdin(
        &served,
        &[
            "api",
            "--service",
            "drive",
            "CreateFile",
            "-p",
            "x-lusid-drive-filename=r.bin",
            "-p",
            "x-lusid-drive-path=/",
            "--body",
            "-",
            "--dry-run",
        ],
        &binary,
    );
    assert_exit(&output, 0, "dry run");
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["body"], "<256 bytes from stdin>", "{printed}");
    assert_eq!(printed["headers"]["content-length"], "256", "{printed}");
}

#[test]
fn a_content_length_other_than_the_body_size_is_refused_before_sending() {
    // `-p Content-Length=3` with a 5-byte file created a 3-byte file
    // (silently cut), and `-p Content-Length=10` left the emulator waiting
    // for 5 bytes that never came until the 2-minute attempt timeout.
    let served = serve(0);
    let body = served.path("five.txt");
    std::fs::write(&body, b"hello").unwrap();
    for declared in ["3", "10"] {
        let started = Instant::now();
        let output = served.run(&[
            "--timeout",
            "30s",
            "api",
            "--service",
            "drive",
            "CreateFile",
            "-p",
            &format!("x-lusid-drive-filename=f{declared}.txt"),
            "-p",
            "x-lusid-drive-path=/",
            "-p",
            &format!("Content-Length={declared}"),
            "--body",
            body.to_str().unwrap(),
        ]);
        assert_exit(&output, 2, &format!("Content-Length={declared}"));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&format!("Content-Length={declared}")) && stderr.contains("5 bytes"),
            "{stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
    assert!(ls(&served, "/").is_empty(), "nothing was created");
    // The right length is accepted.
    let output = served.run(&[
        "api",
        "--service",
        "drive",
        "CreateFile",
        "-p",
        "x-lusid-drive-filename=ok.txt",
        "-p",
        "x-lusid-drive-path=/",
        "-p",
        "Content-Length=5",
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_exit(&output, 0, "Content-Length=5");
    assert_eq!(ls(&served, "/"), ["ok.txt"]);
}

#[test]
fn create_file_without_a_body_says_the_body_is_missing() {
    // It said "CreateFile requires Content-Length", a header the user
    // never gives by hand.
    let served = serve(0);
    let output = served.run(&[
        "api",
        "--service",
        "drive",
        "CreateFile",
        "-p",
        "x-lusid-drive-filename=a.txt",
        "-p",
        "x-lusid-drive-path=/",
    ]);
    assert_exit(&output, 2, "CreateFile without --body");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("requires a request body"), "{stderr}");
    assert!(stderr.contains("--body"), "{stderr}");
}

#[test]
fn a_failed_download_names_the_problem_and_keeps_the_existing_file() {
    // A streamed (binary) response's error reached the SDK unread: the
    // message was only "DownloadFile: HTTP 404 Not Found".
    let served = serve(0);
    let kept = served.path("kept.txt");
    std::fs::write(&kept, b"original").unwrap();
    let output = served.run(&[
        "api",
        "--service",
        "drive",
        "DownloadFile",
        "-p",
        "id=no-such-file",
        "--output",
        kept.to_str().unwrap(),
    ]);
    assert_exit(&output, 1, "DownloadFile of a missing id");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("404"), "{stderr}");
    assert!(
        stderr.contains("FileNotFound") && stderr.contains("no-such-file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&kept).unwrap(), b"original");
    let left: Vec<_> = std::fs::read_dir(served.dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "kept.txt" && name != "secrets.json")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn mkdir_through_a_file_names_the_files_path() {
    // The message read "/reports/2026q4.csv is a file in Drive".
    let served = serve(0);
    let local = served.path("q4.csv");
    std::fs::write(&local, b"a,b\n").unwrap();
    let output = served.run(&[
        "drive",
        "upload",
        local.to_str().unwrap(),
        "/reports/2026/q4.csv",
    ]);
    assert_exit(&output, 0, "upload");
    let output = served.run(&["drive", "mkdir", "/reports/2026/q4.csv/sub"]);
    assert_exit(&output, 2, "mkdir under a file");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("/reports/2026/q4.csv is a file in Drive"),
        "{stderr}"
    );
}

#[test]
fn upload_and_mkdir_refuse_names_drive_cannot_hold_before_sending_anything() {
    // "/x/ lead.txt" was stored as "lead.txt" (HTTP drops a header's
    // leading space), so the path given found nothing afterwards; and
    // "/a/../b.txt" created folder "a" before CreateFolder refused "..".
    let served = serve(0);
    let local = served.path("h.txt");
    std::fs::write(&local, b"hello").unwrap();
    for (path, bad) in [
        ("/x/ lead.txt", " lead.txt"),
        ("/x/trail.txt ", "trail.txt "),
        ("/a/../b.txt", ".."),
        ("/a/./b.txt", "."),
    ] {
        let output = served.run(&["drive", "upload", local.to_str().unwrap(), path]);
        assert_exit(&output, 2, path);
        let stderr = text(&output.stderr);
        assert!(stderr.contains(&format!("{bad:?}")), "{path}: {stderr}");
    }
    let output = served.run(&["drive", "mkdir", "/m/../n"]);
    assert_exit(&output, 2, "mkdir /m/../n");
    assert!(ls(&served, "/").is_empty(), "no folder was made");
}

#[test]
fn an_unknown_operation_of_a_service_points_at_that_services_list() {
    // The hint was `lusid api list --search WORD`, which lists LUSID's
    // operations, not Drive's.
    let output = common::lusid(&["api", "--service", "drive", "Nope"]);
    assert_exit(&output, 2, "unknown operation");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`lusid api --service drive list --search WORD`"),
        "{stderr}"
    );
    let output = common::lusid(&["api", "Nope"]);
    assert!(
        text(&output.stderr).contains("`lusid api list --search WORD`"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_damaged_drive_directory_is_a_start_up_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("drive.json"), b"{\"items\": ").unwrap();
    let output = common::lusid(&["emulator", "--drive-dir", dir.path().to_str().unwrap()]);
    assert_exit(&output, 1, "a damaged drive.json");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(dir.path().to_str().unwrap()) && stderr.contains("drive.json"),
        "{stderr}"
    );
    // A file where the directory should be.
    let file = dir.path().join("drive.json");
    let output = common::lusid(&["emulator", "--drive-dir", file.to_str().unwrap()]);
    assert_exit(&output, 1, "a file as --drive-dir");
    assert!(
        text(&output.stderr).contains("drive.json"),
        "{}",
        text(&output.stderr)
    );
}

/// A Drive where another client creates folder `/new` between this
/// client's listing of the root and its CreateFolder: the root lists
/// nothing until CreateFolder was tried, which answers 409.
fn racing_drive() -> common::fake::Fake {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use serde_json::json;

    type Made = Arc<AtomicBool>;
    fn reply(value: serde_json::Value) -> Response {
        ([("content-type", "application/json")], value.to_string()).into_response()
    }
    let folder = || {
        json!({"id": "f1", "name": "new", "path": "/", "type": "Folder",
            "createdBy": "u", "createdOn": "2026-01-01T00:00:00.0000000+00:00",
            "updatedBy": "u", "updatedOn": "2026-01-01T00:00:00.0000000+00:00"})
    };
    let root = move |State(made): State<Made>, headers: HeaderMap| async move {
        if !common::fake::authorised(&headers) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let values = if made.load(Ordering::SeqCst) {
            vec![folder()]
        } else {
            Vec::new()
        };
        reply(json!({"values": values})).into_response()
    };
    let create_folder = |State(made): State<Made>| async move {
        made.store(true, Ordering::SeqCst);
        (
            StatusCode::CONFLICT,
            reply(json!({"name": "ItemAlreadyExists", "status": 409,
                "title": "Item already exists",
                "detail": "The folder / already holds an item named new."})),
        )
            .into_response()
    };
    let contents = || async { reply(json!({"values": []})) };
    let create_file = |headers: HeaderMap| async move {
        let path = headers
            .get("x-lusid-drive-path")
            .and_then(|v| v.to_str().ok());
        if path != Some("/new") {
            return (StatusCode::NOT_FOUND, "no such folder").into_response();
        }
        let file = json!({"id": "file1", "name": "a.csv", "path": "/new", "type": "File",
            "size": 5, "createdBy": "u", "createdOn": "2026-01-01T00:00:00.0000000+00:00",
            "updatedBy": "u", "updatedOn": "2026-01-01T00:00:00.0000000+00:00"});
        (StatusCode::CREATED, reply(file)).into_response()
    };
    let router = axum::Router::new()
        .route("/drive/api/folders", get(root).post(create_folder))
        .route("/drive/api/folders/f1/contents", get(contents))
        .route("/drive/api/files", post(create_file))
        .with_state(Made::default());
    common::fake::start(router)
}

#[test]
fn an_upload_uses_a_folder_another_client_created_meanwhile() {
    // Two uploads into the same new folder (`lusid drive upload` run in
    // parallel) raced: the one whose CreateFolder came second failed with
    // 409 ItemAlreadyExists instead of using the folder now there.
    let fake = racing_drive();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("a.csv");
    std::fs::write(&local, b"a,b\n1").unwrap();
    let output = fake
        .command(&["drive", "upload", local.to_str().unwrap(), "/new/a.csv"])
        .output()
        .unwrap();
    assert_exit(&output, 0, "upload into a folder made meanwhile");
    assert_eq!(text(&output.stdout), "file1\n");
}

/// A server on a loopback port answering every request with a download
/// that announces 10 bytes and sends 5 before closing: its origin.
fn cut_off_server() -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\
                  content-length: 10\r\nconnection: close\r\n\r\nhello",
            );
        }
    });
    origin
}

#[test]
fn a_download_cut_off_mid_way_names_the_operation_and_url_and_keeps_the_file() {
    // The error read "request: request to  failed (the connection
    // broke)": no operation, an empty URL.
    let origin = cut_off_server();
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept.txt");
    std::fs::write(&kept, b"original").unwrap();
    let output = command(&[
        "--retries",
        "0",
        "api",
        "--service",
        "drive",
        "DownloadFile",
        "-p",
        "id=f1",
        "--output",
        kept.to_str().unwrap(),
    ])
    .env("FBN_LUSID_URL", format!("{origin}/api"))
    .env("FBN_ACCESS_TOKEN", "t")
    .output()
    .unwrap();
    assert_exit(&output, 1, "a download cut off");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("DownloadFile"), "{stderr}");
    assert!(
        stderr.contains(&format!("{origin}/drive/api/files/f1/contents")),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&kept).unwrap(), b"original");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only kept.txt: {left:?}");
}

#[test]
fn an_upload_answered_429_is_sent_again_after_retry_after() {
    // An upload's body was a one-shot stream, so the stack never retried
    // it: a 429 on CreateFile failed `lusid drive upload` at once. The file
    // is now opened again for the retry.
    let served = serve(0);
    served.emulator.faults().push_api_for(
        "CreateFile",
        lusid_emulator::Fault::status_with_retry_after(429, "0"),
    );
    let local = served.path("a.txt");
    std::fs::write(&local, b"hello").unwrap();
    let output = served.run(&["drive", "upload", local.to_str().unwrap(), "/a.txt"]);
    assert_exit(&output, 0, "upload after a 429");
    assert_eq!(ls(&served, "/"), ["a.txt"]);
    let uploads: Vec<_> = served
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.uri.starts_with("/drive/api/files"))
        .collect();
    assert_eq!(uploads.len(), 2, "the 429'd attempt and its retry");
    assert!(
        uploads
            .iter()
            .all(|r| r.header("content-length") == Some("5")),
        "each attempt announced the whole file"
    );
    let back = served.path("back.txt");
    let output = served.run(&["drive", "download", "/a.txt", back.to_str().unwrap()]);
    assert_exit(&output, 0, "download");
    assert_eq!(
        std::fs::read(&back).unwrap(),
        b"hello",
        "the retry sent the whole file"
    );
}

#[test]
fn sql_table_escapes_control_characters_in_values_and_columns() {
    // `instruments list --format table` escapes control characters, but
    // `sql --format table` printed Luminesce's values raw: an ESC sequence
    // reached the terminal and a newline broke the row in two.
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    let rows = r#"[{"Name":"\u001b[2Jred\nline","Co\tde":"x"}]"#;
    let by_json = move |headers: HeaderMap| async move {
        if !common::fake::authorised(&headers) {
            return axum::http::StatusCode::UNAUTHORIZED.into_response();
        }
        ([("content-type", "application/json")], rows).into_response()
    };
    let router = axum::Router::new().route("/honeycomb/api/Sql/json", axum::routing::put(by_json));
    let fake = common::fake::start(router);
    let output = fake
        .command(&["sql", "select 1", "--format", "table"])
        .output()
        .unwrap();
    assert_exit(&output, 0, "sql --format table");
    let table = text(&output.stdout);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\t'),
        "{table:?}"
    );
    assert_eq!(table.lines().count(), 3, "header, rule, one row: {table:?}");
    assert!(table.contains("\\u{1b}[2Jred\\nline"), "{table:?}");
    assert!(table.contains("Co\\tde"), "{table:?}");
}

#[test]
fn drive_ls_escapes_control_characters_in_names() {
    // Names were printed raw: a tab added a column, a newline a line, an
    // ESC sequence reached the terminal.
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    let page = r#"{"values":[{"id":"f1","name":"a\u001b[2J\tb\nc","path":"/","type":"File","size":1,
        "createdBy":"u","createdOn":"2026-01-01T00:00:00.0000000+00:00",
        "updatedBy":"u","updatedOn":"2026-01-01T00:00:00.0000000+00:00"}]}"#;
    let root = move |headers: HeaderMap| async move {
        if !common::fake::authorised(&headers) {
            return axum::http::StatusCode::UNAUTHORIZED.into_response();
        }
        ([("content-type", "application/json")], page).into_response()
    };
    let router = axum::Router::new().route("/drive/api/folders", axum::routing::get(root));
    let fake = common::fake::start(router);
    let output = fake.command(&["drive", "ls", "/"]).output().unwrap();
    assert_exit(&output, 0, "drive ls");
    let listed = text(&output.stdout);
    assert_eq!(listed.lines().count(), 1, "{listed:?}");
    assert_eq!(listed.matches('\t').count(), 3, "{listed:?}");
    assert!(listed.ends_with("\ta\\u{1b}[2J\\tb\\nc\n"), "{listed:?}");
}

#[test]
fn an_error_carrying_service_text_does_not_drive_the_terminal() {
    // A problem's title and detail were printed to stderr as sent: an ESC
    // sequence (or a carriage return rewriting the line) reached the
    // terminal.
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    let problem = r#"{"name":"FileNotFound","code":-1,"errorDetails":[],"status":404,"title":"gone","detail":"\u001b[2Jno\rfile"}"#;
    let get_file = move |headers: HeaderMap| async move {
        if !common::fake::authorised(&headers) {
            return axum::http::StatusCode::UNAUTHORIZED.into_response();
        }
        (
            axum::http::StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            problem,
        )
            .into_response()
    };
    let router = axum::Router::new().route("/drive/api/files/{id}", axum::routing::get(get_file));
    let fake = common::fake::start(router);
    let output = fake
        .command(&["api", "--service", "drive", "GetFile", "-p", "id=x"])
        .output()
        .unwrap();
    assert_exit(&output, 1, "GetFile of a missing file");
    let stderr = text(&output.stderr);
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\r'),
        "{stderr:?}"
    );
    assert!(stderr.contains("404"), "{stderr:?}");
    assert!(
        stderr.contains("FileNotFound") && stderr.contains("\\u{1b}[2Jno\\rfile"),
        "{stderr:?}"
    );
}

#[test]
fn header_parameters_are_named_in_any_case() {
    // `-p content-length=5` was "CreateFile has no parameter
    // \"content-length\"", though HTTP header names ignore case.
    let served = serve(0);
    let body = served.path("five.txt");
    std::fs::write(&body, b"hello").unwrap();
    let output = served.run(&[
        "api",
        "--service",
        "drive",
        "CreateFile",
        "-p",
        "X-LUSID-DRIVE-FILENAME=upper.txt",
        "-p",
        "x-lusid-drive-path=/",
        "-p",
        "content-length=5",
        "--body",
        body.to_str().unwrap(),
    ]);
    assert_exit(&output, 0, "header names in other cases");
    assert_eq!(ls(&served, "/"), ["upper.txt"]);
    // Query and path parameters keep their exact names.
    let output = served.run(&[
        "api",
        "--service",
        "drive",
        "GetRootFolder",
        "-p",
        "LIMIT=1",
    ]);
    assert_exit(&output, 2, "a query parameter in another case");
}

#[test]
fn describe_says_content_length_comes_from_the_body() {
    // `describe CreateFile` listed Content-Length as a required parameter
    // with no word that --body sets it.
    let output = common::lusid(&["api", "--service", "drive", "describe", "CreateFile"]);
    assert_exit(&output, 0, "describe");
    let described = text(&output.stdout);
    let line = described
        .lines()
        .find(|line| line.trim_start().starts_with("Content-Length "))
        .unwrap_or_else(|| panic!("{described}"));
    assert!(line.contains("--body's size"), "{line}");
}

#[test]
fn a_listing_whose_next_page_never_changes_is_an_error_not_a_short_listing() {
    // A Drive answering the page token it was given as `nextPage` again
    // made `drive ls` stop there and print the first page as if complete
    // (exit 0).
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    let page = r#"{"values":[{"id":"f1","name":"first.txt","path":"/","type":"File","size":1,
        "createdBy":"u","createdOn":"2026-01-01T00:00:00.0000000+00:00",
        "updatedBy":"u","updatedOn":"2026-01-01T00:00:00.0000000+00:00"}],"nextPage":"again"}"#;
    let root = move |headers: HeaderMap| async move {
        if !common::fake::authorised(&headers) {
            return axum::http::StatusCode::UNAUTHORIZED.into_response();
        }
        ([("content-type", "application/json")], page).into_response()
    };
    let router = axum::Router::new().route("/drive/api/folders", axum::routing::get(root));
    let fake = common::fake::start(router);
    let output = fake.command(&["drive", "ls", "/"]).output().unwrap();
    assert_exit(&output, 1, "a page token that never changes");
    assert!(
        text(&output.stderr).contains("GetRootFolder"),
        "{}",
        text(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
}
