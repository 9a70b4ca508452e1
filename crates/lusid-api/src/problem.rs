//! [`ProblemDetails`]: LUSID's error bodies.

use std::collections::BTreeMap;

use lusid_models::{LusidProblemDetails, LusidValidationProblemDetails};
use serde::Deserialize;

/// The problem details LUSID sends with an error status (RFC 7807 plus
/// LUSID's `name`, `code` and `errorDetails`).
///
/// A validation failure (usually HTTP 400) carries per-field `errors`;
/// other failures (such as 404 `InstrumentNotFound`) do not.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProblemDetails {
    /// A validation failure with per-field messages.
    Validation(LusidValidationProblemDetails),
    /// Any other problem.
    Problem(LusidProblemDetails),
}

impl ProblemDetails {
    /// Reads problem details from a JSON body, if it is one (it must have at
    /// least LUSID's `name` and `code`).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        Self::from_json(&value)
    }

    /// Reads problem details from a JSON value already parsed (the
    /// response's [`lusid_http::ResponseMetadata::problem`]): a validation
    /// problem when it has `errors`, any other problem otherwise.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        if value.get("errors").is_some_and(|errors| !errors.is_null()) {
            if let Ok(validation) = LusidValidationProblemDetails::deserialize(value) {
                return Some(Self::Validation(validation));
            }
        }
        LusidProblemDetails::deserialize(value)
            .ok()
            .map(Self::Problem)
    }

    /// LUSID's error name, such as `InstrumentNotFound`.
    pub fn name(&self) -> &str {
        match self {
            Self::Validation(problem) => &problem.name,
            Self::Problem(problem) => &problem.name,
        }
    }

    /// LUSID's numeric error code.
    pub fn code(&self) -> i64 {
        match self {
            Self::Validation(problem) => problem.code,
            Self::Problem(problem) => problem.code,
        }
    }

    /// The short, human-readable summary.
    pub fn title(&self) -> Option<&str> {
        match self {
            Self::Validation(problem) => problem.title.as_deref(),
            Self::Problem(problem) => problem.title.as_deref(),
        }
    }

    /// The explanation specific to this occurrence.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Validation(problem) => problem.detail.as_deref(),
            Self::Problem(problem) => problem.detail.as_deref(),
        }
    }

    /// The URI of this occurrence (LUSID points it at the request's logs).
    pub fn instance(&self) -> Option<&str> {
        match self {
            Self::Validation(problem) => problem.instance.as_deref(),
            Self::Problem(problem) => problem.instance.as_deref(),
        }
    }

    /// The per-field validation messages, for [`ProblemDetails::Validation`].
    pub fn errors(&self) -> Option<&BTreeMap<String, Vec<String>>> {
        match self {
            Self::Validation(problem) => problem.errors.as_ref(),
            Self::Problem(_) => None,
        }
    }

    /// The request id in [`instance`](Self::instance): its last path segment.
    pub fn request_id(&self) -> Option<&str> {
        let instance = self.instance()?.trim_end_matches('/');
        let id = instance.rsplit('/').next()?;
        (!id.is_empty()).then_some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_validation_failures_from_other_problems() {
        let validation = br#"{"name":"ValidationError","code":107,"errors":{"limit":["too large"]},"instance":"https://x.lusid.com/app/insights/logs/0HABC:1"}"#;
        let problem = ProblemDetails::parse(validation).expect("validation problem");
        assert!(matches!(problem, ProblemDetails::Validation(_)));
        assert_eq!(problem.errors().map(BTreeMap::len), Some(1));
        assert_eq!(problem.request_id(), Some("0HABC:1"));

        let other = br#"{"name":"InstrumentNotFound","code":151,"detail":"no such instrument"}"#;
        let problem = ProblemDetails::parse(other).expect("problem");
        assert!(matches!(problem, ProblemDetails::Problem(_)));
        assert_eq!(problem.name(), "InstrumentNotFound");
        assert_eq!(problem.code(), 151);
        assert_eq!(problem.detail(), Some("no such instrument"));
        assert_eq!(problem.request_id(), None);

        assert_eq!(ProblemDetails::parse(b"<html>Bad gateway</html>"), None);
        assert_eq!(
            ProblemDetails::parse(br#"{"message":"no name or code"}"#),
            None
        );
    }
}
