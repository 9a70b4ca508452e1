//! `lusid api` and `lusid completions` as a user runs them, against an
//! in-process emulator.

mod common;

use std::collections::BTreeMap;

use common::{lusid, serve, text};
use serde_json::Value;

/// The JSON on stdout.
fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)))
}

#[test]
fn list_prints_every_operation_with_method_path_tag_and_status() {
    let output = lusid(&["api", "list"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    assert_eq!(listing.lines().count(), 898);
    let line = listing
        .lines()
        .find(|line| line.starts_with("ListPortfolios "))
        .expect("ListPortfolios is listed");
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "ListPortfolios",
            "GET",
            "/api/portfolios",
            "Portfolios",
            "Stable"
        ]
    );
    assert!(listing.lines().any(|l| l.ends_with("EarlyAccess")));

    let tagged = text(&lusid(&["api", "list", "--tag", "quotes"]).stdout);
    assert!(tagged.lines().count() >= 5, "{tagged}");
    assert!(
        tagged
            .lines()
            .all(|l| l.split_whitespace().nth(3) == Some("Quotes")),
        "{tagged}"
    );
    assert!(tagged.contains("UpsertQuotes "));

    let searched = text(&lusid(&["api", "list", "--search", "transactions"]).stdout);
    assert!(
        searched
            .lines()
            .any(|l| l.starts_with("UpsertTransactions ")),
        "{searched}"
    );
    assert!(
        searched
            .lines()
            .all(|l| l.to_ascii_lowercase().contains("transactions"))
    );
}

#[test]
fn describe_shows_parameters_body_response_paging_and_idempotency() {
    let output = lusid(&["api", "describe", "ListPortfolios"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let described = text(&output.stdout);
    assert!(
        described.starts_with("ListPortfolios: GET /api/portfolios\n"),
        "{described}"
    );
    assert!(described.contains("paged: yes"));
    assert!(described.contains("idempotent: yes"));
    assert!(described.contains("response: ResourceListOfPortfolio"));
    let as_at = described
        .lines()
        .find(|l| l.trim_start().starts_with("asAt "))
        .expect("asAt");
    assert_eq!(
        as_at.split_whitespace().collect::<Vec<_>>(),
        ["asAt", "query", "date-time"]
    );
    assert!(described.contains("sortBy") && described.contains("(repeatable)"));

    let described = text(&lusid(&["api", "describe", "GetInstrument"]).stdout);
    let line = described
        .lines()
        .find(|l| l.trim_start().starts_with("identifierType "))
        .expect("a path parameter");
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>(),
        ["identifierType", "path", "string", "required"]
    );

    let described = text(&lusid(&["api", "describe", "UpsertInstruments"]).stdout);
    assert!(
        described.contains("body (application/json, required): map of InstrumentDefinition"),
        "{described}"
    );
    assert!(described.contains("paged: no"));
    let identifiers = described
        .lines()
        .find(|l| l.trim_start().starts_with("identifiers "))
        .expect("identifiers");
    assert!(
        identifiers.ends_with("map of InstrumentIdValue  required"),
        "{identifiers}"
    );

    // Allowed values of a parameter.
    let described = text(&lusid(&["api", "describe", "DeleteAccounts"]).stdout);
    let line = described
        .lines()
        .find(|l| l.trim_start().starts_with("deleteMode "))
        .expect("deleteMode");
    assert!(
        line.ends_with("allowed: Soft, Hard  default: Soft"),
        "{line}"
    );

    // CreatePortfolio is a POST that is not an upsert.
    let described = text(&lusid(&["api", "describe", "CreatePortfolioGroup"]).stdout);
    assert!(described.contains("idempotent: no"), "{described}");

    let output = lusid(&["api", "describe", "ListPortfolio"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("did you mean"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn all_pages_over_three_pages_equals_instruments_list() {
    let served = serve(40);
    let total: usize = text(
        &served
            .run(&["instruments", "list", "--format", "ndjson"])
            .stdout,
    )
    .lines()
    .count();
    assert!(total > 100, "{total}");
    let limit = (total / 3 - 1).to_string();
    let before = served.emulator.metrics().api_count("ListInstruments", 200);
    let sent_before = served.emulator.requests().len();
    let output = served.run(&[
        "api",
        "ListInstruments",
        "--all-pages",
        "-p",
        &format!("limit={limit}"),
        "--format",
        "ndjson",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let sent = served.emulator.requests()[sent_before..].to_vec();
    let pages = served.emulator.metrics().api_count("ListInstruments", 200) - before;
    assert!(pages >= 4, "{pages} pages");
    let listed = served.run(&["instruments", "list", "--format", "ndjson"]);
    assert_eq!(text(&output.stdout), text(&listed.stdout));

    // As a JSON array, equal to instruments list's.
    let output = served.run(&[
        "api",
        "ListInstruments",
        "--all-pages",
        "-p",
        &format!("limit={limit}"),
    ]);
    let listed = served.run(&["instruments", "list", "--format", "json"]);
    assert_eq!(json(&output), json(&listed));

    // Every page after the first had the first's asAt and limit, and a page token.
    let pages: Vec<_> = sent
        .iter()
        .filter(|r| r.path() == "/api/api/instruments")
        .collect();
    assert!(pages.len() >= 4);
    let as_at = |uri: &str| {
        uri.split('&')
            .find(|p| p.contains("asAt="))
            .map(str::to_owned)
    };
    let pinned = as_at(&pages[0].uri).expect("asAt pinned on the first page");
    for page in &pages {
        assert_eq!(as_at(&page.uri).as_ref(), Some(&pinned), "{}", page.uri);
        assert!(page.uri.contains(&format!("limit={limit}")), "{}", page.uri);
    }
    assert!(!pages[0].uri.contains("page="));
    assert!(pages[1..].iter().all(|p| p.uri.contains("page=")));

    // Without --all-pages, one page: the response as LUSID sent it.
    let output = served.run(&["api", "ListInstruments", "-p", "limit=3"]);
    let page = json(&output);
    assert_eq!(page["values"].as_array().map(Vec::len), Some(3));
    assert!(page["nextPage"].is_string());
}

#[test]
fn an_upsert_via_body_then_a_get() {
    let served = serve(5);
    let body = served.path("instruments.json");
    std::fs::write(
        &body,
        r#"{"row1": {"name": "Body Test Co", "identifiers": {"ClientInternal": {"value": "BODY-1"}}}}"#,
    )
    .unwrap();
    let output = served.run(&["api", "UpsertInstruments", "--body", body.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let upserted = json(&output);
    assert_eq!(upserted["values"]["row1"]["name"], "Body Test Co");

    let out = served.path("got.json");
    let output = served.run(&[
        "api",
        "GetInstrument",
        "-p",
        "identifierType=ClientInternal",
        "-p",
        "identifier=BODY-1",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let got: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(got["name"], "Body Test Co");
    assert_eq!(got["identifiers"]["ClientInternal"], "BODY-1");

    // A failed call leaves --output as it was.
    let output = served.run(&[
        "api",
        "GetInstrument",
        "-p",
        "identifierType=ClientInternal",
        "-p",
        "identifier=NO-SUCH",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("GetInstrument: HTTP 404"), "{stderr}");
    assert!(stderr.contains("InstrumentNotFound"), "{stderr}");
    assert!(stderr.contains("request "), "{stderr}");
    let kept: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(kept["name"], "Body Test Co");

    // The same body from stdin.
    let mut child = common::command(&[
        "--secrets",
        served.secrets(),
        "api",
        "UpsertInstruments",
        "--body",
        "-",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"r": {"name": "Stdin Co", "identifiers": {"ClientInternal": {"value": "BODY-2"}}}}"#)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(json(&output)["values"]["r"]["name"], "Stdin Co");
}

/// Runs a command that must fail before sending anything: its exit code
/// and stderr; asserts the emulator saw no request at all (no token
/// request either).
fn refused(served: &common::Served, args: &[&str]) -> (Option<i32>, String) {
    let before = served.emulator.requests().len();
    let output = served.run(args);
    assert!(!output.status.success(), "{args:?} succeeded");
    assert!(
        output.stdout.is_empty(),
        "{args:?}: {}",
        text(&output.stdout)
    );
    assert_eq!(
        served.emulator.requests().len(),
        before,
        "{args:?} sent a request"
    );
    (output.status.code(), text(&output.stderr))
}

#[test]
fn each_kind_of_bad_parameter_is_refused_before_sending() {
    let served = serve(0);
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["api", "ListPortfolios", "-p", "nosuch=1"],
            &[
                "ListPortfolios has no parameter \"nosuch\"",
                "its parameters: effectiveAt (query, string), asAt (query, date-time)",
            ],
        ),
        (
            &["api", "GetInstrument", "-p", "identifierType=Figi"],
            &[
                "GetInstrument requires identifier",
                "identifierType (path, string, required)",
            ],
        ),
        (
            &["api", "ListPortfolios", "-p", "limit=ten"],
            &["parameter limit=\"ten\" is invalid: expected an integer"],
        ),
        (
            &[
                "api",
                "UpsertTransactions",
                "-p",
                "scope=s",
                "-p",
                "code=c",
                "-p",
                "preserveProperties=yes",
            ],
            &["parameter preserveProperties=\"yes\" is invalid: expected true or false"],
        ),
        (
            &["api", "ListPortfolios", "-p", "asAt=31/01/2024"],
            &["parameter asAt=\"31/01/2024\" is invalid: expected an RFC 3339 date-time"],
        ),
        (
            &[
                "api",
                "ListPortfolios",
                "-p",
                "asAt=2024-01-31T00:00:00.123456789Z",
            ],
            &["at most 7 fractional digits"],
        ),
        (
            &[
                "api",
                "DeleteAccounts",
                "-p",
                "scope=s",
                "-p",
                "code=c",
                "-p",
                "deleteMode=Sometimes",
            ],
            &[
                "DeleteAccounts: parameter deleteMode=\"Sometimes\" is invalid: expected one of Soft, Hard",
            ],
        ),
        (
            &["api", "ListPortfolios", "-p", "limit=1", "-p", "limit=2"],
            &["parameter limit takes one value, but was given 2"],
        ),
        (
            &["api", "ListPortfolios", "-p", "limit"],
            &["expected NAME=VALUE"],
        ),
        (
            &[
                "api",
                "GetInstrument",
                "-p",
                "identifierType=..",
                "-p",
                "identifier=x",
            ],
            &["a path segment"],
        ),
        (
            &["api", "ListPortfolio"],
            &[
                "has no operation \"ListPortfolio\"",
                "did you mean",
                "ListPortfolios",
            ],
        ),
        (
            &[
                "api",
                "GetInstrument",
                "-p",
                "identifierType=Figi",
                "-p",
                "identifier=x",
                "--all-pages",
            ],
            &["does not page"],
        ),
    ];
    for (args, expected) in cases {
        let (code, stderr) = refused(&served, args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        for part in *expected {
            assert!(stderr.contains(part), "{args:?}: {stderr}");
        }
    }
    assert!(served.emulator.metrics().token_grants.is_empty());
}

#[test]
fn each_kind_of_bad_body_is_refused_before_sending() {
    let served = serve(0);
    let write = |name: &str, body: &str| {
        let path = served.path(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let not_json = write("not.json", "{\"a\": {\"name\": \"A\",}}");
    let wrong_type = write(
        "type.json",
        r#"{"inst1": {"name": "A", "identifiers": "Figi"}}"#,
    );
    let missing = write("missing.json", r#"{"inst1": {"name": "A"}}"#);
    let tag = write(
        "tag.json",
        r#"{"i": {"name": "A", "identifiers": {"ClientInternal": {"value": "x"}}, "definition": {"instrumentType": "Gizmo"}}}"#,
    );
    let date = write(
        "date.json",
        r#"[{"transactionId": "t", "type": "Buy", "instrumentIdentifiers": {}, "transactionDate": "2024-01-01", "settlementDate": "2024-01-03", "units": 1, "totalConsideration": {"amount": 1, "currency": "GBP"}, "otcConfirmation": {"counterpartyAgreementId": {"scope": "s", "code": 5}}}]"#,
    );
    let array = write("array.json", r#"[{"name": "A"}]"#);
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["api", "UpsertInstruments", "--body", &not_json],
            vec!["the body is not JSON", "(at $.a"],
        ),
        (
            vec!["api", "UpsertInstruments", "--body", &wrong_type],
            vec![
                "$.inst1.identifiers: expected an object whose values are InstrumentIdValue, found the string \"Figi\"",
            ],
        ),
        (
            vec!["api", "UpsertInstruments", "--body", &missing],
            vec![
                "$.inst1.identifiers: expected the required property identifiers",
                "found nothing",
            ],
        ),
        (
            vec!["api", "UpsertInstruments", "--body", &tag],
            vec![
                "$.i.definition.instrumentType: expected one of ",
                "Bond",
                "found the string \"Gizmo\"",
            ],
        ),
        (
            vec![
                "api",
                "UpsertTransactions",
                "-p",
                "scope=s",
                "-p",
                "code=c",
                "--body",
                &date,
            ],
            vec![
                "$[0].otcConfirmation.counterpartyAgreementId.code: expected a string, found the number 5",
            ],
        ),
        (
            vec!["api", "UpsertInstruments", "--body", &array],
            vec!["$: expected an object whose values are InstrumentDefinition, found an array"],
        ),
    ];
    for (args, expected) in &cases {
        let (code, stderr) = refused(&served, args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        for part in expected {
            assert!(stderr.contains(part), "{args:?}: {stderr}");
        }
    }
    let (code, stderr) = refused(&served, &["api", "UpsertInstruments"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("UpsertInstruments requires a request body (map of InstrumentDefinition): pass --body FILE"), "{stderr}");
    let (code, stderr) = refused(&served, &["api", "ListPortfolios", "--body", &missing]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("ListPortfolios takes no request body"),
        "{stderr}"
    );
    let (code, stderr) = refused(
        &served,
        &["api", "UpsertInstruments", "--body", "/no/such/file.json"],
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("cannot read the body /no/such/file.json"),
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing_not_even_a_token_request() {
    let served = serve(0);
    let output = served.run(&[
        "api",
        "ListPortfolios",
        "-p",
        "limit=5",
        "-p",
        "sortBy=Name",
        "-p",
        "sortBy=-Code",
        "-p",
        "filter=scope eq 'a&b'",
        "--dry-run",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = json(&output);
    let keys: Vec<&String> = printed.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(printed["method"], "GET");
    assert_eq!(
        printed["url"],
        format!(
            "{}/api/portfolios?limit=5&filter=scope%20eq%20%27a%26b%27&sortBy=Name&sortBy=-Code",
            served.emulator.lusid_url()
        )
    );
    assert_eq!(printed["headers"]["accept"], "application/json");
    assert!(printed["headers"].get("authorization").is_none());
    assert!(printed["body"].is_null());
    assert!(
        served.emulator.requests().is_empty(),
        "nothing reached the emulator"
    );
    let metrics = served.emulator.metrics();
    assert!(
        metrics.token_grants.is_empty() && metrics.token_failures.is_empty(),
        "{metrics:?}"
    );
}

/// One operation of each HTTP method and parameter location: `--dry-run`
/// prints exactly what the emulator receives when the same command is sent.
/// (LUSID's specification has no header parameters.)
#[test]
fn dry_run_equals_what_the_emulator_received() {
    let served = serve(3);
    served.define_properties(&["Instrument/test/Weight"]);
    let write = |name: &str, body: &str| {
        let path = served.path(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    // Numbers that a float would round, spacing and key order as written.
    let upsert = write(
        "upsert.json",
        "{ \"r1\" : {\"name\": \"Exact\", \"identifiers\": {\"ClientInternal\": {\"value\": \"EXACT-1\"}},\n  \"properties\": [{\"key\": \"Instrument/test/Weight\", \"value\": {\"metricValue\": {\"value\": 1.10000000000000000001, \"unit\": \"GBP\"}}}]} }\n",
    );
    let update = write(
        "update.json",
        r#"{"displayName": "Renamed", "description": null}"#,
    );
    let patch = write(
        "patch.json",
        r#"[{"op": "add", "path": "/description", "value": "patched"}]"#,
    );
    let commands: Vec<Vec<&str>> = vec![
        // GET: path parameters, a date-time and a repeated query parameter.
        vec![
            "api",
            "GetInstrument",
            "-p",
            "identifierType=Currency",
            "-p",
            "identifier=GBP",
            "-p",
            "asAt=2030-01-31T09:30:00.1234567+00:00",
            "-p",
            "propertyKeys=Instrument/a/b",
            "-p",
            "propertyKeys=Instrument/c/d e",
        ],
        // POST: a query parameter and a JSON body.
        vec![
            "api",
            "UpsertInstruments",
            "-p",
            "scope=default",
            "--body",
            &upsert,
        ],
        // PUT: path parameters and a body.
        vec![
            "api",
            "UpdatePortfolio",
            "-p",
            "scope=uk equities",
            "-p",
            "code=main/1",
            "--body",
            &update,
        ],
        // PATCH: path parameters and an array body.
        vec![
            "api",
            "PatchPortfolio",
            "-p",
            "scope=uk",
            "-p",
            "code=main",
            "--body",
            &patch,
        ],
        // DELETE: path parameters and a query parameter.
        vec![
            "api",
            "DeleteInstrument",
            "-p",
            "identifierType=ClientInternal",
            "-p",
            "identifier=EXACT-1",
            "-p",
            "scope=default",
        ],
    ];
    let transport_only = ["authorization", "host", "content-length", "accept-encoding"];
    for command in &commands {
        let mut dry = command.clone();
        dry.push("--dry-run");
        let output = served.run(&dry);
        assert!(output.status.success(), "{dry:?}: {}", text(&output.stderr));
        let printed = json(&output);

        let before = served.emulator.requests().len();
        let _ = served.run(command);
        let received: Vec<_> = served.emulator.requests()[before..]
            .iter()
            .filter(|r| r.path().starts_with("/api/api/"))
            .cloned()
            .collect();
        assert_eq!(received.len(), 1, "{command:?}: {received:?}");
        let received = &received[0];
        assert_eq!(printed["method"], received.method.as_str(), "{command:?}");
        assert_eq!(
            printed["url"].as_str().unwrap(),
            format!("{}{}", served.emulator.base_url(), received.uri),
            "{command:?}"
        );
        let printed_headers: BTreeMap<String, String> = printed["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        for (name, value) in &printed_headers {
            assert_eq!(
                received.header(name),
                Some(value.as_str()),
                "{command:?}: header {name}"
            );
        }
        for (name, _) in &received.headers {
            assert!(
                printed_headers.contains_key(name) || transport_only.contains(&name.as_str()),
                "{command:?}: {name} was sent but not printed"
            );
        }
        match command.iter().position(|w| *w == "--body") {
            Some(at) => {
                let written = std::fs::read(command[at + 1]).unwrap();
                assert_eq!(
                    received.body.as_ref(),
                    written.as_slice(),
                    "{command:?}: the bytes sent are the bytes written"
                );
                let printed_body = serde_json::to_string(&printed["body"]).unwrap();
                let written_body: Value = serde_json::from_slice(&written).unwrap();
                assert_eq!(printed["body"], written_body, "{command:?}: {printed_body}");
            }
            None => {
                assert!(received.body.is_empty());
                assert!(printed["body"].is_null());
            }
        }
    }
    let methods: std::collections::BTreeSet<String> = served
        .emulator
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/api/api/"))
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods.len(), 5, "{methods:?}");
}

#[test]
fn completions_cover_commands_operations_and_parameters() {
    for shell in ["bash", "zsh", "fish"] {
        let output = lusid(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        for word in [
            "instruments",
            "describe",
            "ListPortfolios",
            "UpsertQuotes",
            "asAt=",
            "identifierType=",
            "all-pages",
            "dry-run",
        ] {
            assert!(script.contains(word), "{shell}: {word}");
        }
        assert!(script.len() < 200_000, "{shell}: {} bytes", script.len());
    }
    let output = lusid(&["completions", "powershell"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn global_options_are_accepted_after_the_operation() {
    let output = lusid(&[
        "api",
        "ListPortfolios",
        "--emulator",
        "-p",
        "limit=1",
        "--dry-run",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        json(&output)["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/api/portfolios?limit=1")
    );
}

#[test]
fn param_is_the_long_form_of_p_and_service_names_the_table() {
    let output = lusid(&[
        "api",
        "ListPortfolios",
        "--emulator",
        "--param",
        "limit=1",
        "--service",
        "lusid",
        "--format",
        "json",
        "--dry-run",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        json(&output)["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/api/portfolios?limit=1")
    );

    let output = lusid(&[
        "api",
        "ListPortfolios",
        "--emulator",
        "--service",
        "nope",
        "--dry-run",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("no service \"nope\": the services are lusid"),
        "{}",
        text(&output.stderr)
    );
    let output = lusid(&[
        "api",
        "list",
        "--service",
        "lusid",
        "--search",
        "ListPortfolios",
    ]);
    assert!(text(&output.stdout).starts_with("ListPortfolios "));
}

#[test]
fn dry_run_with_all_pages_shows_the_first_page_with_as_at_pinned() {
    let output = lusid(&[
        "--emulator",
        "api",
        "ListPortfolios",
        "--all-pages",
        "--dry-run",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let url = json(&output)["url"].as_str().unwrap().to_owned();
    assert!(url.contains("/api/api/portfolios?asAt=20"), "{url}");
    assert!(url.contains("&limit=2000"), "{url}");
}
