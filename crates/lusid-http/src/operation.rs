/// Which LUSID operation a request belongs to, carried in the request's
/// extensions (`request.extensions().get::<Operation>()`).
///
/// The generated API crate inserts one into every request it builds, so the
/// layers can name the operation in spans and errors and decide whether a
/// failed attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The OpenAPI `operationId`, such as `ListInstruments`.
    pub id: &'static str,
    /// The path template from the specification, such as
    /// `/api/instruments/{identifierType}/{identifier}`.
    pub path_template: &'static str,
    /// Whether repeating the request has the same effect as sending it once:
    /// true for GET, HEAD, PUT and DELETE, and for POSTs the generator marks
    /// as upserts or read-only queries (`$get`, `$query`).
    pub idempotent: bool,
}
