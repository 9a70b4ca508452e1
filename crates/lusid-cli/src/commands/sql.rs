//! `lusid sql`: a Luminesce query, built on the Luminesce operation table
//! of `lusid api --service luminesce`.
//!
//! A query runs with PutByQueryCsv (`--format csv`) or PutByQueryJson
//! (`json`, `table`), which answer when it has finished. With
//! `--background` it is started with StartQuery, GetProgressOf is polled
//! until its status is `RanToCompletion` (`Faulted` and `Canceled` end it
//! with the progress text, a status Luminesce does not list with an error
//! naming it), and the result is fetched with
//! FetchQueryResultCsv or FetchQueryResultJson: for queries that outlast
//! one HTTP request.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::invoke::{self, Invoker};
use crate::api::request::Payload;
use crate::cli::{SqlArgs, SqlFormat};
use crate::error::CliError;
use crate::output::Output;
use crate::session::Session;

/// How often `--background` asks for progress.
const POLL: Duration = Duration::from_millis(500);

/// The `TaskStatus` values of a query still on its way (Luminesce's
/// specification); `RanToCompletion`, `Faulted` and `Canceled` end it, and
/// any other status stops the wait with an error rather than polling for
/// ever.
const STILL_RUNNING: &[&str] = &[
    "Created",
    "WaitingForActivation",
    "WaitingToRun",
    "Running",
    "WaitingForChildrenToComplete",
];

/// The SQL text the arguments name: the query argument, `--file`, or
/// stdin for `-`.
///
/// # Errors
/// [`CliError::Usage`] for neither or both, or an empty query;
/// [`CliError::BodyFile`] for an unreadable file.
pub fn query_text(args: &SqlArgs, stdin: &mut dyn Read) -> Result<String, CliError> {
    let mut read = |path: &std::path::Path| -> Result<String, CliError> {
        let mut text = String::new();
        let result = if path == std::path::Path::new("-") {
            stdin.read_to_string(&mut text).map(drop)
        } else {
            std::fs::read_to_string(path).map(|t| text = t)
        };
        result.map_err(|source| CliError::BodyFile {
            path: path.to_owned(),
            source,
        })?;
        Ok(text)
    };
    let text = match (&args.query, &args.file) {
        (Some(_), Some(_)) => {
            return Err(CliError::Usage(
                "give the query as an argument or with --file, not both".to_owned(),
            ));
        }
        (None, None) => {
            return Err(CliError::Usage(
                "no query: `lusid sql \"select ...\"`, `lusid sql --file query.sql`, or `lusid sql -` to read stdin".to_owned(),
            ));
        }
        (Some(query), None) if query == "-" => read(std::path::Path::new("-"))?,
        (Some(query), None) => query.clone(),
        (None, Some(path)) => read(path)?,
    };
    if text.trim().is_empty() {
        return Err(CliError::Usage("the query is empty".to_owned()));
    }
    Ok(text)
}

/// The format asked for, or `table` on a terminal and `csv` elsewhere.
pub fn format(args: &SqlArgs) -> SqlFormat {
    args.format.unwrap_or_else(|| {
        if args.output.is_none() && std::io::stdout().is_terminal() {
            SqlFormat::Table
        } else {
            SqlFormat::Csv
        }
    })
}

/// StartQuery's answer.
#[derive(Debug, Deserialize)]
struct Started {
    #[serde(rename = "executionId")]
    execution_id: Option<String>,
}

/// GetProgressOf's answer.
#[derive(Debug, Deserialize)]
struct Progress {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    progress: Option<String>,
}

/// `lusid sql`: an error status without problem details shows the text
/// Luminesce sent (its SQL errors are often plain text).
pub async fn run(session: &Session, args: &SqlArgs, sql: String) -> Result<(), CliError> {
    query(session, args, sql)
        .await
        .map_err(|error| match error {
            CliError::Api(api) if api.problem().is_none() => match api.body_excerpt() {
                Some(excerpt) if !excerpt.trim().is_empty() => {
                    CliError::Query(format!("{api}: {}", excerpt.trim()))
                }
                _ => CliError::Api(api),
            },
            other => other,
        })
}

/// Runs the query and writes its result.
async fn query(session: &Session, args: &SqlArgs, sql: String) -> Result<(), CliError> {
    let format = format(args);
    let output = Output::open(args.output.as_deref()).map_err(|source| CliError::Output {
        path: args.output.clone(),
        source,
    })?;
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let luminesce = Invoker::open(session, "luminesce")?;
    let payload = Payload::bytes(sql, "text/plain");
    let mut params = Vec::new();
    if let Some(seconds) = args.timeout_seconds {
        params.push(format!("timeoutSeconds={seconds}"));
    }
    let response = if args.background {
        let started: Started = luminesce
            .json_as("StartQuery", &params, Some(&payload))
            .await?;
        let id = started
            .execution_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                CliError::Unsupported("StartQuery answered without an executionId".to_owned())
            })?;
        loop {
            let progress: Progress = luminesce
                .json_as("GetProgressOf", &[format!("executionId={id}")], None)
                .await?;
            match progress.status.as_deref() {
                Some("RanToCompletion") => break,
                Some(status @ ("Faulted" | "Canceled")) => {
                    return Err(CliError::Query(format!(
                        "query {id} {}: {}",
                        status.to_ascii_lowercase(),
                        progress.progress.unwrap_or_default().trim()
                    )));
                }
                Some(status) if STILL_RUNNING.contains(&status) => {
                    tokio::time::sleep(POLL).await;
                }
                other => {
                    return Err(CliError::Query(format!(
                        "query {id} has status '{}', which is not one of Luminesce's TaskStatus values; stopped waiting for it",
                        other.unwrap_or("(none)")
                    )));
                }
            }
        }
        let fetch = match format {
            SqlFormat::Csv => "FetchQueryResultCsv",
            SqlFormat::Json | SqlFormat::Table => "FetchQueryResultJson",
        };
        luminesce
            .raw(fetch, &[format!("executionId={id}")], None)
            .await?
    } else {
        let operation = match format {
            SqlFormat::Csv => "PutByQueryCsv",
            SqlFormat::Json | SqlFormat::Table => "PutByQueryJson",
        };
        luminesce.raw(operation, &params, Some(&payload)).await?
    };
    let mut out = output.writer().map_err(output_error)?;
    match format {
        SqlFormat::Csv | SqlFormat::Json => {
            invoke::copy_body(response, out.as_mut(), &output_error).await?;
        }
        SqlFormat::Table => {
            let body = invoke::body_bytes(response).await?;
            let text = table(&body)?;
            out.write_all(text.as_bytes()).map_err(output_error)?;
        }
    }
    out.flush().map_err(output_error)?;
    drop(out);
    output.commit().map_err(output_error)
}

/// One row: (column, value as JSON text), in the order sent.
struct Row(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Row;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a row object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut cells = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    cells.push(entry);
                }
                Ok(Row(cells))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// A cell as shown: a string's text (control characters escaped, so a
/// value cannot drive the terminal or break its row), `null` as empty,
/// anything else (numbers exactly as sent) as its JSON.
fn cell(value: &RawValue) -> String {
    let text = value.get();
    if text.starts_with('"') {
        let text = serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_owned());
        crate::output::printable(&text)
    } else if text == "null" {
        String::new()
    } else {
        text.to_owned()
    }
}

/// A JSON array of row objects as aligned columns (the first row's
/// columns, then any new ones), a header line and a rule under it.
///
/// # Errors
/// [`CliError::Decode`] when the result is not an array of objects.
pub fn table(json: &[u8]) -> Result<String, CliError> {
    let rows: Vec<Row> = serde_json::from_slice(json).map_err(|source| CliError::Decode {
        position: 1,
        source,
    })?;
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for (name, _) in &row.0 {
            let name = crate::output::printable(name);
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|column| {
                    row.0
                        .iter()
                        .find(|(name, _)| crate::output::printable(name) == *column)
                        .map_or_else(String::new, |(_, value)| cell(value))
                })
                .collect()
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|row| row[i].chars().count())
            .chain(std::iter::once(columns[i].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns.len()).map(width).collect();
    let line = |values: &[String]| {
        let mut text = values
            .iter()
            .zip(&widths)
            .map(|(value, width)| format!("{value:width$}"))
            .collect::<Vec<_>>()
            .join("  ");
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    let mut text = line(&columns);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    text.push_str(&line(&rule));
    for row in &cells {
        text.push_str(&line(row));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_table_aligns_columns_and_keeps_numbers_as_sent() {
        let json = br#"[{"Name":"Apple","Price":1.10000000000000000001,"Note":null},{"Name":"Kiwi","Price":2,"Extra":"x"}]"#;
        let text = super::table(json).expect("a table");
        assert_eq!(
            text,
            "Name   Price                   Note  Extra\n\
             -----  ----------------------  ----  -----\n\
             Apple  1.10000000000000000001\n\
             Kiwi   2                             x\n"
        );
        assert!(super::table(b"{\"not\":\"rows\"}").is_err());
    }
}
