//! Which operations are idempotent: sending them twice has the effect of
//! sending them once, so the HTTP stack may retry them after a failure that
//! happened after the request left.
//!
//! The rule:
//!
//! 1. `GET`, `HEAD`, `OPTIONS`, `PUT` and `DELETE` are idempotent (HTTP
//!    semantics; LUSID's `PUT`s replace and its `DELETE`s remove).
//! 2. `PATCH` is not.
//! 3. `POST` is idempotent when it is an upsert or a read-only query:
//!    - its operationId starts with `Upsert`, `Get`, `List` or `Query`; or
//!    - its last path segment is a LUSID action starting with `$get`,
//!      `$query`, `$list`, `$upsert` or `$batchUpsert` (case-insensitive),
//!      such as `/api/instruments/$get`.
//! 4. Every other `POST` (create, batch, run, cancel, ...) is not.

/// Whether an operation is idempotent, and the reason shown in its docs.
pub fn idempotency(method: &str, path: &str, operation_id: &str) -> (bool, &'static str) {
    match method {
        "GET" | "HEAD" | "OPTIONS" => (true, "a read"),
        "PUT" => (true, "PUT replaces"),
        "DELETE" => (true, "DELETE"),
        "POST" => post(path, operation_id),
        _ => (false, "not an upsert or read-only query"),
    }
}

/// Rule 3 for `POST`.
fn post(path: &str, operation_id: &str) -> (bool, &'static str) {
    const READ_VERBS: [&str; 3] = ["Get", "List", "Query"];
    const ACTIONS: [&str; 5] = ["$get", "$query", "$list", "$upsert", "$batchupsert"];
    if operation_id.starts_with("Upsert") {
        return (true, "an upsert");
    }
    if READ_VERBS
        .iter()
        .any(|verb| starts_with_word(operation_id, verb))
    {
        return (true, "a read-only POST");
    }
    let last = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    if ACTIONS.iter().any(|action| last.starts_with(action)) {
        return (true, "a read-only or upsert action");
    }
    (
        false,
        "a POST that is neither an upsert nor a read-only query",
    )
}

/// Whether `id` starts with the word `verb` followed by a new word
/// (`GetInstruments`, not `Getaway`).
fn starts_with_word(id: &str, verb: &str) -> bool {
    id.strip_prefix(verb)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(|ch: char| ch.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::idempotency;

    #[test]
    fn applies_the_documented_rule() {
        let cases = [
            ("GET", "/api/instruments", "ListInstruments", true),
            (
                "DELETE",
                "/api/instruments/{a}/{b}",
                "DeleteInstrument",
                true,
            ),
            ("PUT", "/api/x", "SetX", true),
            ("PATCH", "/api/x", "PatchX", false),
            ("POST", "/api/instruments", "UpsertInstruments", true),
            ("POST", "/api/instruments/$get", "GetInstruments", true),
            (
                "POST",
                "/api/instruments/$query",
                "QueryInstrumentEvents",
                true,
            ),
            ("POST", "/api/x/$batchUpsert", "BatchUpsertX", true),
            ("POST", "/api/portfolios", "CreatePortfolio", false),
            ("POST", "/api/x/$delete", "DeleteXs", false),
            ("POST", "/api/x/$run", "RunCheck", false),
        ];
        for (method, path, id, expected) in cases {
            assert_eq!(
                idempotency(method, path, id).0,
                expected,
                "{method} {path} {id}"
            );
        }
    }
}
