//! `lusid sql` against a fake Luminesce (axum on a loopback port, base
//! path `/honeycomb` as the derived URL has it) that answers
//! PutByQueryJson/Csv, StartQuery, GetProgressOf and FetchQueryResult*
//! as the specification shapes them.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use common::fake::{self, Fake, authorised};
use common::text;

const ROWS_JSON: &str =
    r#"[{"Name":"Apple","Price":1.10000000000000000001},{"Name":"Kiwi","Price":2}]"#;
const ROWS_CSV: &str = "Name,Price\nApple,1.10000000000000000001\nKiwi,2\n";

/// How many progress polls the fake has answered.
#[derive(Clone, Default)]
struct Polls(Arc<AtomicUsize>);

/// Checks the token and a text/plain SQL body; a query with `bad` in it
/// is the 400 Luminesce sends for a SQL error.
fn check(headers: &HeaderMap, body: &Bytes) -> Option<Response> {
    if !authorised(headers) {
        return Some((StatusCode::UNAUTHORIZED, "no token").into_response());
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("text/plain") {
        return Some((StatusCode::UNSUPPORTED_MEDIA_TYPE, "text/plain").into_response());
    }
    if String::from_utf8_lossy(body).contains("plain") {
        return Some((StatusCode::BAD_REQUEST, "Unknown column 'plain'").into_response());
    }
    if String::from_utf8_lossy(body).contains("bad") {
        let problem = serde_json::json!({"name": "QueryParsingFailed", "code": 1001,
            "title": "Query parsing failed", "status": 400,
            "detail": "near \"bad\": syntax error (line 1, column 8)"});
        return Some(
            (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                problem.to_string(),
            )
                .into_response(),
        );
    }
    None
}

fn json(text: &'static str) -> Response {
    ([("content-type", "application/json")], text).into_response()
}

async fn by_json(headers: HeaderMap, body: Bytes) -> Response {
    check(&headers, &body).unwrap_or_else(|| json(ROWS_JSON))
}

async fn by_csv(headers: HeaderMap, body: Bytes) -> Response {
    check(&headers, &body)
        .unwrap_or_else(|| ([("content-type", "text/csv")], ROWS_CSV).into_response())
}

async fn start(headers: HeaderMap, body: Bytes) -> Response {
    if let Some(response) = check(&headers, &body) {
        return response;
    }
    let sql = String::from_utf8_lossy(&body);
    let id = if sql.contains("fail") {
        "q-fail"
    } else if sql.contains("odd") {
        "q-odd"
    } else {
        "q-1"
    };
    let text = serde_json::json!({"executionId": id}).to_string();
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        text,
    )
        .into_response()
}

async fn progress(
    State(polls): State<Polls>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&headers) {
        return (StatusCode::UNAUTHORIZED, "no token").into_response();
    }
    let n = polls.0.fetch_add(1, Ordering::SeqCst);
    let (status, state) = match (id.as_str(), n) {
        ("q-fail", _) => ("Faulted", "Errored"),
        ("q-odd", _) => ("Suspended", "Waiting"),
        (_, 0) => ("Running", "Running"),
        _ => ("RanToCompletion", "Loaded"),
    };
    let text = serde_json::json!({"hasData": true, "rowCount": 2, "status": status, "state": state,
        "progress": if id == "q-fail" { "Table 'Nope' not found" } else { "" }})
    .to_string();
    ([("content-type", "application/json")], text).into_response()
}

async fn fetch_json(headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&headers) || id != "q-1" {
        return StatusCode::NOT_FOUND.into_response();
    }
    json(ROWS_JSON)
}

async fn fetch_csv(headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&headers) || id != "q-1" {
        return StatusCode::NOT_FOUND.into_response();
    }
    ([("content-type", "text/csv")], ROWS_CSV).into_response()
}

fn luminesce() -> (Fake, Polls) {
    let polls = Polls::default();
    let router = Router::new()
        .route("/honeycomb/api/Sql/json", put(by_json))
        .route("/honeycomb/api/Sql/csv", put(by_csv))
        .route("/honeycomb/api/SqlBackground", put(start))
        .route("/honeycomb/api/SqlBackground/{id}", get(progress))
        .route("/honeycomb/api/SqlBackground/{id}/json", get(fetch_json))
        .route("/honeycomb/api/SqlBackground/{id}/csv", get(fetch_csv))
        .with_state(polls.clone());
    (fake::start(router), polls)
}

fn run(fake: &Fake, args: &[&str]) -> std::process::Output {
    fake.command(args).output().unwrap()
}

#[test]
fn csv_json_and_table_formats() {
    let (fake, _) = luminesce();
    let out = run(&fake, &["sql", "select * from fruit", "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), ROWS_CSV);
    let out = run(&fake, &["sql", "select * from fruit", "--format", "json"]);
    assert_eq!(text(&out.stdout), ROWS_JSON, "as sent, numbers unchanged");
    let out = run(&fake, &["sql", "select * from fruit", "--format", "table"]);
    assert_eq!(
        text(&out.stdout),
        "Name   Price\n-----  ----------------------\nApple  1.10000000000000000001\nKiwi   2\n"
    );
    // Not a terminal: csv by default.
    let out = run(&fake, &["sql", "select * from fruit"]);
    assert_eq!(text(&out.stdout), ROWS_CSV);
}

#[test]
fn the_query_comes_from_a_file_or_stdin_and_output_goes_to_a_file() {
    let (fake, _) = luminesce();
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("query.sql");
    std::fs::write(&query, "select * from fruit\n").unwrap();
    let result = dir.path().join("out.json");
    let out = run(
        &fake,
        &[
            "sql",
            "--file",
            query.to_str().unwrap(),
            "--format",
            "json",
            "--output",
            result.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&result).unwrap(), ROWS_JSON);

    let mut child = fake
        .command(&["sql", "-", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"select * from fruit")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), ROWS_CSV);

    let out = run(&fake, &["sql"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no query"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &fake,
        &["sql", "select 1", "--file", query.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_sql_error_is_shown_with_luminesce_s_detail() {
    let (fake, _) = luminesce();
    let out = run(&fake, &["sql", "select bad from fruit", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("PutByQueryCsv"), "{stderr}");
    assert!(stderr.contains("400"), "{stderr}");
    assert!(
        stderr.contains("syntax error (line 1, column 8)"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // A 400 without problem details: its text is shown.
    let out = run(
        &fake,
        &["sql", "select plain from fruit", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("PutByQueryJson: HTTP 400"), "{stderr}");
    assert!(stderr.contains("Unknown column 'plain'"), "{stderr}");
}

#[test]
fn background_queries_poll_progress_then_fetch() {
    let (fake, polls) = luminesce();
    let out = run(
        &fake,
        &[
            "sql",
            "select * from fruit",
            "--background",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), ROWS_CSV);
    assert_eq!(
        polls.0.load(Ordering::SeqCst),
        2,
        "Running, then RanToCompletion"
    );
    let out = run(
        &fake,
        &[
            "sql",
            "select * from fruit",
            "--background",
            "--format",
            "table",
        ],
    );
    assert!(text(&out.stdout).starts_with("Name   Price\n"));

    let out = run(&fake, &["sql", "select * from fail", "--background"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("query q-fail faulted: Table 'Nope' not found"),
        "{stderr}"
    );

    // A status Luminesce's TaskStatus does not list ends the wait (it was
    // polled for ever).
    let out = run(&fake, &["sql", "select * from odd", "--background"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("query q-odd has status 'Suspended'"),
        "{stderr}"
    );
}

#[test]
fn lusid_api_sends_a_sql_file_as_text_plain() {
    let (fake, _) = luminesce();
    let dir = tempfile::tempdir().unwrap();
    let query = dir.path().join("query.sql");
    // Not JSON, and not checked as JSON.
    std::fs::write(&query, "select * from fruit -- {not json\n").unwrap();
    let out = run(
        &fake,
        &[
            "api",
            "--service",
            "luminesce",
            "PutByQueryJson",
            "--body",
            query.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), ROWS_JSON);
}
