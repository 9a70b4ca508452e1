//! [`ResponseMetadata`]: what layers and the API crate read from a
//! response besides its status, parsed once and shared through the
//! response's extensions.

use std::sync::Arc;

use crate::Response;

/// The header carrying LUSID's id for a request, quoted in support cases.
pub const REQUEST_ID_HEADER: &str = "lusid-meta-requestId";

/// A response's LUSID request id and, for an error status, its problem
/// details as JSON, read from the response once and kept in its
/// extensions: the trace layer, user layers and the API crate's error all
/// use the same copy ([`of`](Self::of)).
#[derive(Debug, Clone, Default)]
pub struct ResponseMetadata {
    request_id: Option<String>,
    problem: Option<Arc<serde_json::Value>>,
}

impl ResponseMetadata {
    /// The metadata of `response`, read and stored in its extensions on
    /// first use. For an error status with a JSON object body the body is
    /// parsed here, once.
    pub fn of(response: &mut Response) -> &ResponseMetadata {
        if response.extensions().get::<ResponseMetadata>().is_none() {
            let metadata = Self::read(response);
            response.extensions_mut().insert(metadata);
        }
        // Inserted just above when absent.
        response
            .extensions()
            .get::<ResponseMetadata>()
            .unwrap_or(&EMPTY)
    }

    fn read(response: &Response) -> ResponseMetadata {
        let header_id = response
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty())
            .map(str::to_owned);
        if response.status().is_success() {
            return ResponseMetadata {
                request_id: header_id,
                problem: None,
            };
        }
        let problem = response
            .body()
            .as_bytes()
            .filter(|body| body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
            .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
            .filter(serde_json::Value::is_object)
            .map(Arc::new);
        let instance_id = problem
            .as_ref()
            .and_then(|problem| problem.get("instance"))
            .and_then(serde_json::Value::as_str)
            .and_then(|instance| instance.trim_end_matches('/').rsplit('/').next())
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        ResponseMetadata {
            request_id: header_id.or(instance_id),
            problem,
        }
    }

    /// LUSID's request id: the `lusid-meta-requestId` header, or else the
    /// last path segment of an error body's problem-details `instance`
    /// (`https://<domain>.lusid.com/app/insights/logs/<request id>`).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The error body as JSON, when the status is an error and the body is
    /// a JSON object (LUSID's problem details).
    pub fn problem(&self) -> Option<&serde_json::Value> {
        self.problem.as_deref()
    }
}

static EMPTY: ResponseMetadata = ResponseMetadata {
    request_id: None,
    problem: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, header: Option<&str>, body: &'static str) -> Response {
        let mut builder = http::Response::builder().status(status);
        if let Some(id) = header {
            builder = builder.header(REQUEST_ID_HEADER, id);
        }
        builder.body(crate::Body::from(body)).expect("a response")
    }

    #[test]
    fn the_request_id_comes_from_the_header_or_the_problem_instance() {
        let mut ok = response(200, Some("0HA:1"), "");
        assert_eq!(ResponseMetadata::of(&mut ok).request_id(), Some("0HA:1"));
        let problem = r#"{"name":"InstrumentNotFound","instance":"https://acme.lusid.com/app/insights/logs/0HB:2"}"#;
        let mut not_found = response(404, None, problem);
        let metadata = ResponseMetadata::of(&mut not_found);
        assert_eq!(metadata.request_id(), Some("0HB:2"));
        assert_eq!(
            metadata
                .problem()
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str()),
            Some("InstrumentNotFound")
        );
        let mut html = response(502, None, "<html>bad gateway</html>");
        assert_eq!(ResponseMetadata::of(&mut html).request_id(), None);
        let mut success = response(200, None, problem);
        assert_eq!(ResponseMetadata::of(&mut success).request_id(), None);
    }
}
