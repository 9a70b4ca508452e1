//! LUSID's operation table, generated from `spec/lusid.json` by
//! `cargo xtask codegen` into `generated/spec_operations.rs`: which
//! operation a request is for, so that the
//! operations the emulator does not implement answer 501 naming
//! themselves, and faults and metrics can name any operation.
//!
//! Served paths are `/api` + the spec path (LUSID's base URL ends in `/api`
//! and spec paths begin with `/api/`).

use std::sync::OnceLock;

use http::Method;

#[path = "generated/spec_operations.rs"]
mod spec_operations;

use spec_operations::SPEC_OPERATIONS;

/// The operations the emulator implements.
pub(crate) const IMPLEMENTED: &[&str] = &[
    "ListInstruments",
    "GetInstrument",
    "GetInstruments",
    "UpsertInstruments",
    "DeleteInstrument",
    "CreatePropertyDefinition",
    "GetPropertyDefinition",
    "ListPropertyDefinitions",
    "DeletePropertyDefinition",
    "CreatePortfolio",
    "GetPortfolio",
    "ListPortfolios",
    "ListPortfoliosForScope",
    "DeletePortfolio",
    "UpsertTransactions",
    "GetTransactions",
    "CancelTransactions",
    "GetHoldings",
    "UpsertQuotes",
    "GetQuotes",
    "ListQuotesForScope",
];

/// The prefix served paths add to spec paths.
pub(crate) const SERVED_PREFIX: &str = "/api";

/// One path segment of a template.
#[derive(Debug)]
enum Segment {
    Literal(&'static str),
    Param,
}

/// A compiled spec route.
#[derive(Debug)]
struct Route {
    method: &'static str,
    segments: Vec<Segment>,
    operation: &'static str,
}

impl Route {
    /// How specific the template is: literal segments weigh more the
    /// earlier they appear (ASP.NET prefers literals over parameters).
    fn specificity(&self) -> u64 {
        self.segments.iter().fold(0, |acc, s| {
            (acc << 1) | u64::from(matches!(s, Segment::Literal(_)))
        })
    }

    fn matches(&self, path: &[&str]) -> bool {
        self.segments.len() == path.len()
            && self.segments.iter().zip(path).all(|(s, p)| match s {
                Segment::Literal(lit) => lit.eq_ignore_ascii_case(p),
                Segment::Param => !p.is_empty(),
            })
    }
}

fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        SPEC_OPERATIONS
            .iter()
            .map(|(method, template, operation)| Route {
                method,
                segments: template
                    .trim_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Param
                        } else {
                            Segment::Literal(s)
                        }
                    })
                    .collect(),
                operation,
            })
            .collect()
    })
}

/// What the table says about a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpecMatch {
    /// The operation with this id.
    Operation(&'static str),
    /// The path is a spec path, but not for this method.
    MethodNotAllowed,
    /// No spec path matches.
    NotFound,
}

/// Finds the spec operation for a served path (`/api/api/...`).
pub(crate) fn lookup(method: &Method, served_path: &str) -> SpecMatch {
    let Some(spec_path) = served_path.strip_prefix(SERVED_PREFIX) else {
        return SpecMatch::NotFound;
    };
    let path: Vec<&str> = spec_path.trim_matches('/').split('/').collect();
    let mut best: Option<&Route> = None;
    let mut any_method = false;
    for route in routes().iter().filter(|r| r.matches(&path)) {
        any_method = true;
        if route.method != method.as_str() {
            continue;
        }
        if best.is_none_or(|b| route.specificity() > b.specificity()) {
            best = Some(route);
        }
    }
    match best {
        Some(route) => SpecMatch::Operation(route.operation),
        None if any_method => SpecMatch::MethodNotAllowed,
        None => SpecMatch::NotFound,
    }
}

/// Whether the emulator implements `operation`.
pub(crate) fn is_implemented(operation: &str) -> bool {
    IMPLEMENTED.contains(&operation)
}

#[cfg(test)]
/// Number of operations in the table.
pub(crate) fn operation_count() -> usize {
    SPEC_OPERATIONS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_holds_the_spec_and_the_implemented_operations() {
        assert!(operation_count() > 500, "{}", operation_count());
        for op in IMPLEMENTED {
            assert!(
                SPEC_OPERATIONS.iter().any(|(_, _, id)| id == op),
                "{op} not in the spec"
            );
        }
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        assert_eq!(
            lookup(&Method::GET, "/api/api/instruments/Figi/X"),
            SpecMatch::Operation("GetInstrument")
        );
        assert_eq!(
            lookup(&Method::GET, "/api/api/instruments/identifierTypes"),
            SpecMatch::Operation("GetInstrumentIdentifierTypes")
        );
        assert_eq!(
            lookup(&Method::POST, "/api/api/instruments/$get"),
            SpecMatch::Operation("GetInstruments")
        );
        assert_eq!(
            lookup(&Method::GET, "/api/api/instruments/X/capabilities"),
            SpecMatch::Operation("GetExistingInstrumentCapabilities")
        );
        assert_eq!(
            lookup(&Method::GET, "/api/api/portfolios/s/c"),
            SpecMatch::Operation("GetPortfolio")
        );
        assert_eq!(
            lookup(&Method::PUT, "/api/api/instruments"),
            SpecMatch::MethodNotAllowed
        );
        assert_eq!(lookup(&Method::GET, "/api/api/nope"), SpecMatch::NotFound);
        assert_eq!(lookup(&Method::GET, "/elsewhere"), SpecMatch::NotFound);
    }

    #[test]
    fn every_implemented_operation_is_a_spec_operation() {
        for operation in IMPLEMENTED {
            assert!(
                SPEC_OPERATIONS.iter().any(|(_, _, op)| op == operation),
                "{operation} is not in spec/lusid.json"
            );
            assert!(is_implemented(operation));
        }
    }
}
