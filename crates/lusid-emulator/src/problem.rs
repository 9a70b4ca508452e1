//! LUSID problem-details error responses.
//!
//! Names and codes come from LUSID's published error-code table:
//! `InstrumentNotFound` 104, `ApiRateLimitViolation` 103, `ValidationError`
//! 132, `InvalidIdentityToken` 187, `SortFieldDoesNotExist` 411,
//! `CurrencyInstrumentCannotBeDeleted` 403 and code 689 ("The supplied
//! pagination token is invalid", emitted with the name `InvalidPageToken`,
//! which is the emulator's choice: the table gives only the description).
//! Errors with no LUSID equivalent (unknown route, method not allowed,
//! injected faults) use code -1 ("Unknown error").

use std::collections::BTreeMap;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use lusid_models::{LusidProblemDetails, LusidValidationProblemDetails};

use crate::faults::FaultOrigin;

/// Error code of `InstrumentNotFound`.
pub(crate) const CODE_INSTRUMENT_NOT_FOUND: i64 = 104;
/// Error code of `ApiRateLimitViolation`.
pub(crate) const CODE_RATE_LIMIT: i64 = 103;
/// Error code of `ValidationError`.
pub(crate) const CODE_VALIDATION: i64 = 132;
/// Error code of `InvalidIdentityToken`.
pub(crate) const CODE_INVALID_IDENTITY_TOKEN: i64 = 187;
/// Error code of `SortFieldDoesNotExist`.
pub(crate) const CODE_SORT_FIELD: i64 = 411;
/// Error code of `CurrencyInstrumentCannotBeDeleted`.
pub(crate) const CODE_CURRENCY_CANNOT_BE_DELETED: i64 = 403;
/// Error code of an invalid pagination token.
pub(crate) const CODE_INVALID_PAGE_TOKEN: i64 = 689;
/// LUSID's "Unknown error" code.
pub(crate) const CODE_UNKNOWN: i64 = -1;

/// A problem to render as `application/problem+json`-style JSON.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    pub(crate) name: String,
    pub(crate) code: i64,
    pub(crate) title: String,
    pub(crate) detail: String,
    pub(crate) errors: Option<BTreeMap<String, Vec<String>>>,
    pub(crate) error_details: Vec<BTreeMap<String, String>>,
    pub(crate) headers: Vec<(header::HeaderName, String)>,
}

impl Problem {
    /// A problem with no `errors` map.
    pub(crate) fn new(
        status: StatusCode,
        name: &str,
        code: i64,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            name: name.to_owned(),
            code,
            title: title.into(),
            detail: detail.into(),
            errors: None,
            error_details: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// 404 `InstrumentNotFound` for `kind = value`.
    pub(crate) fn instrument_not_found(kind: &str, value: &str) -> Self {
        let mut problem = Self::new(
            StatusCode::NOT_FOUND,
            "InstrumentNotFound",
            CODE_INSTRUMENT_NOT_FOUND,
            "Could not find the instrument",
            format!("Could not find an instrument with identifier {kind} '{value}'."),
        );
        problem.error_details.push(BTreeMap::from([
            ("identifierType".to_owned(), kind.to_owned()),
            ("identifier".to_owned(), value.to_owned()),
        ]));
        problem
    }

    /// 400 `ValidationError` naming the offending parameters.
    pub(crate) fn validation(errors: BTreeMap<String, Vec<String>>) -> Self {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        let mut problem = Self::new(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            CODE_VALIDATION,
            "One or more validation errors occurred.",
            format!("Invalid value(s) for: {}.", fields.join(", ")),
        );
        problem.errors = Some(errors);
        problem
    }

    /// 400 `ValidationError` for one parameter.
    pub(crate) fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    /// 400 invalid page token (code 689).
    pub(crate) fn invalid_page_token(detail: impl Into<String>) -> Self {
        let mut problem = Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidPageToken",
            CODE_INVALID_PAGE_TOKEN,
            "The supplied pagination token is invalid",
            detail,
        );
        problem.errors = Some(BTreeMap::from([(
            "page".to_owned(),
            vec!["The supplied pagination token is invalid.".to_owned()],
        )]));
        problem
    }

    /// 400 `SortFieldDoesNotExist`.
    pub(crate) fn sort_field(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "SortFieldDoesNotExist",
            CODE_SORT_FIELD,
            "Sorting by the specified field is not supported",
            detail,
        )
    }

    /// 401 `InvalidIdentityToken`, with `WWW-Authenticate`.
    pub(crate) fn unauthorized(challenge: String, detail: impl Into<String>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidIdentityToken",
            CODE_INVALID_IDENTITY_TOKEN,
            "Unauthorized",
            detail,
        );
        problem.headers.push((header::WWW_AUTHENTICATE, challenge));
        problem
    }

    /// 404 for a path the emulator does not serve.
    pub(crate) fn route_not_found(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            CODE_UNKNOWN,
            "Not found",
            format!("The emulator does not serve {method} {path}."),
        )
    }

    /// 405 for a served path with another method.
    pub(crate) fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            CODE_UNKNOWN,
            "Method not allowed",
            format!("{method} is not allowed on {path}."),
        )
    }

    /// 501 for a spec operation the emulator does not implement.
    pub(crate) fn not_implemented(
        service: &str,
        operation: &str,
        method: &str,
        path: &str,
    ) -> Self {
        let (title, detail) = if service == crate::spec_routes::LUSID {
            (
                format!("{operation} is not implemented by the emulator"),
                format!(
                    "The LUSID operation {operation} ({method} {path}) is part of LUSID's API but not of the emulator, which serves the instrument master, property definitions, portfolios, transactions, holdings and quotes only (see docs/emulator.md)."
                ),
            )
        } else {
            (
                format!("{service} {operation} is not implemented by the emulator"),
                format!(
                    "The {service} operation {operation} ({method} {path}) is part of FINBOURNE's {service} API but not of the emulator, which serves LUSID's instrument master, portfolios, transactions, holdings and quotes, and Drive's folders and files (see docs/emulator.md)."
                ),
            )
        };
        let mut problem = Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            CODE_UNKNOWN,
            title,
            detail,
        );
        problem.error_details.push(BTreeMap::from([
            ("operationId".to_owned(), operation.to_owned()),
            ("service".to_owned(), service.to_owned()),
        ]));
        problem
    }

    /// An injected fault's problem for `status`; the detail says whether
    /// it was scripted or drawn at random, and from which setting.
    pub(crate) fn fault(status: StatusCode, origin: &FaultOrigin) -> Self {
        let reason = status.canonical_reason().unwrap_or("Error");
        let origin = origin.describe();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Self::new(
                status,
                "ApiRateLimitViolation",
                CODE_RATE_LIMIT,
                "Too many requests",
                format!("The request rate limit was exceeded. {origin}"),
            );
        }
        Self::new(
            status,
            &reason.replace(' ', ""),
            CODE_UNKNOWN,
            reason,
            origin,
        )
    }

    /// The problem body; `instance` links to the request's log entry.
    pub(crate) fn body(&self, base_url: &str, request_id: &str) -> serde_json::Value {
        let code = self.code;
        let kind = Some(format!(
            "https://docs.lusid.com/#section/Error-Codes/{code}"
        ));
        let instance = Some(format!("{base_url}/app/insights/logs/{request_id}"));
        let status = Some(i64::from(self.status.as_u16()));
        let value = match &self.errors {
            Some(errors) => {
                let mut body = LusidValidationProblemDetails::new(self.name.clone(), code);
                body.error_details = Some(self.error_details.clone());
                body.errors = Some(errors.clone());
                body.type_ = kind;
                body.title = Some(self.title.clone());
                body.status = status;
                body.detail = Some(self.detail.clone());
                body.instance = instance;
                serde_json::to_value(body)
            }
            None => {
                let mut body = LusidProblemDetails::new(self.name.clone(), code);
                body.error_details = Some(self.error_details.clone());
                body.type_ = kind;
                body.title = Some(self.title.clone());
                body.status = status;
                body.detail = Some(self.detail.clone());
                body.instance = instance;
                serde_json::to_value(body)
            }
        };
        value.unwrap_or_default()
    }

    /// Renders the problem as a response.
    pub(crate) fn render(self, base_url: &str, request_id: &str) -> Response {
        let mut response = json_response(self.status, &self.body(base_url, request_id));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

impl From<Box<Problem>> for Problem {
    fn from(problem: Box<Problem>) -> Self {
        *problem
    }
}

/// A JSON response (`application/json; charset=utf-8`).
pub(crate) fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "failed to serialise a response body");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
