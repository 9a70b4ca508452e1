//! The shape of a service's operation table, as `cargo xtask codegen`
//! writes it: one generated JSON file per service under `generated/`,
//! embedded in the binary and read when `lusid api` runs.
//!
//! Schemas are kept as plain data ([`Type`]) rather than compiled models,
//! so the CLI checks request bodies against every schema of the
//! specification at no build cost (see docs/cli.md, "How bodies are
//! checked").

use serde::Deserialize;

/// One FINBOURNE service: its operations and its schemas.
#[derive(Debug, Deserialize)]
pub struct Service<'a> {
    /// The service's name for `--service`, such as `lusid`.
    pub name: String,
    /// Every operation, in specification order.
    #[serde(borrow)]
    pub operations: Vec<Operation<'a>>,
    /// Every schema of `components/schemas`, indexed by [`Type::Ref`].
    pub schemas: Vec<Schema>,
}

impl<'a> Service<'a> {
    /// The operation whose operationId is `id`.
    pub fn operation(&self, id: &str) -> Option<&Operation<'a>> {
        self.operations.iter().find(|operation| operation.id == id)
    }
}

/// One operation.
#[derive(Debug, Deserialize)]
pub struct Operation<'a> {
    /// The OpenAPI `operationId`, such as `ListPortfolios`.
    pub id: &'a str,
    /// The HTTP method in upper case.
    pub method: &'a str,
    /// The path template, such as `/api/portfolios/{scope}/{code}`.
    pub path: &'a str,
    /// The first tag, such as `Portfolios`.
    pub tag: &'a str,
    /// `x-fbn-apistatus`: `Stable`, `EarlyAccess`, `Beta`, `Experimental`, ...
    pub status: &'a str,
    /// Whether the specification marks it deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Its parameters, in specification order.
    pub params: Vec<Param>,
    /// Its request body, if it takes one.
    #[serde(default)]
    pub body: Option<Body>,
    /// The schema of its success response, if it has one.
    #[serde(default)]
    pub response: Option<Type>,
    /// How a success response whose schema is a string is written: as
    /// the bytes the service sent, never decoded as JSON.
    #[serde(default)]
    pub raw: Option<Raw>,
    /// Whether it pages: a `page` query parameter and a response with
    /// `nextPage` and `values`.
    pub paged: bool,
    /// Whether repeating it has the effect of sending it once (the retry
    /// layer retries only these after the request may have arrived).
    pub idempotent: bool,
}

impl Operation<'_> {
    /// The parameter whose wire name is `name` (a header's in any case,
    /// as HTTP compares them: `content-length` is `Content-Length`).
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|param| param.name == name)
            .or_else(|| {
                self.params.iter().find(|param| {
                    param.location == Location::Header && param.name.eq_ignore_ascii_case(name)
                })
            })
    }
}

/// A response passed through as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Raw {
    /// Text, such as Luminesce's CSV or JSON results (read whole).
    Text,
    /// Binary content (`format: binary`), such as Drive's DownloadFile:
    /// streamed, never held whole in memory.
    Binary,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

impl Location {
    /// `path`, `query` or `header`, as OpenAPI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// The type of a parameter value (of each value, for a repeated one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamKind {
    /// Any text.
    String,
    /// An RFC 3339 date-time, at most 7 fractional digits.
    DateTime,
    /// A whole number (64-bit).
    Integer,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl ParamKind {
    /// The name `describe` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::DateTime => "date-time",
            ParamKind::Integer => "integer",
            ParamKind::Number => "number",
            ParamKind::Boolean => "boolean",
        }
    }
}

/// One parameter.
#[derive(Debug, Deserialize)]
pub struct Param {
    /// The wire name, such as `asAt`.
    pub name: String,
    /// Where it goes (`in`).
    #[serde(rename = "in")]
    pub location: Location,
    /// The type of each value.
    pub kind: ParamKind,
    /// Whether it must be given.
    #[serde(default)]
    pub required: bool,
    /// Whether it takes several values (`-p name=a -p name=b`), sent as
    /// one `name=value` pair each.
    #[serde(default)]
    pub repeated: bool,
    /// The allowed values (`x-allowed-values`), empty when any value is.
    #[serde(default)]
    pub values: Vec<String>,
    /// The documented default LUSID applies when it is not given.
    #[serde(default)]
    pub default: Option<String>,
}

/// A request body.
#[derive(Debug, Deserialize)]
pub struct Body {
    /// The media type sent as `Content-Type`, such as `application/json`.
    pub media_type: String,
    /// Whether the body must be given.
    #[serde(default)]
    pub required: bool,
    /// Its schema.
    pub ty: Type,
}

/// A named schema of `components/schemas`.
#[derive(Debug, Deserialize)]
pub struct Schema {
    /// Its name, such as `InstrumentDefinition`.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// A JSON type, as the specification describes it.
#[derive(Debug, Deserialize)]
pub enum Type {
    /// Any JSON value.
    Any,
    /// A string.
    Str(Strings),
    /// A whole number.
    Integer,
    /// A number (kept as written: never parsed into a float).
    Number,
    /// `true` or `false`.
    Boolean,
    /// An array of the given items.
    Array(Box<Type>),
    /// An object whose every member has the given type.
    Map(Box<Type>),
    /// An object with named properties.
    Object(Object),
    /// The named schema at this index of [`Service::schemas`].
    Ref(u16),
    /// Every one of these types (LUSID's inheritance: the base, then the
    /// subtype's own properties).
    AllOf(Vec<Type>),
    /// One of these schemas, chosen by a discriminator.
    OneOf(OneOf),
    /// The type, or `null`.
    Nullable(Box<Type>),
}

/// The constraints of a string.
#[derive(Debug, Deserialize)]
pub struct Strings {
    /// Its format.
    #[serde(default)]
    pub format: StrFormat,
    /// The values listed for it (`enum`, or `x-allowed-values`).
    #[serde(default)]
    pub values: Vec<String>,
    /// Whether only the listed values are valid (`enum`); LUSID marks its
    /// `x-allowed-values` lists as not enforced.
    #[serde(default)]
    pub enforced: bool,
}

/// A string format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum StrFormat {
    /// Any text.
    #[default]
    Plain,
    /// An RFC 3339 date-time.
    DateTime,
    /// Binary content.
    Binary,
}

/// An object schema.
#[derive(Debug, Deserialize)]
pub struct Object {
    /// Its properties, in wire order.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// The names of the properties that must be present.
    #[serde(default)]
    pub required: Vec<String>,
    /// How its subtypes are told apart, for a polymorphic base.
    #[serde(default)]
    pub discriminator: Option<Discriminator>,
}

/// One property of an object.
#[derive(Debug, Deserialize)]
#[serde(from = "(String, Type)")]
pub struct Property {
    /// The JSON name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// How a polymorphic schema picks its subtype: by the string value of a
/// property.
#[derive(Debug, Deserialize)]
pub struct Discriminator {
    /// The JSON name of the property, such as `instrumentType`.
    pub property: String,
    /// Each value and the index of the schema it selects.
    pub mapping: Vec<(String, u16)>,
    /// Values LUSID accepts that select no schema of their own.
    #[serde(default)]
    pub without_schema: Vec<String>,
}

/// A `oneOf` schema.
#[derive(Debug, Deserialize)]
pub struct OneOf {
    /// The indexes of the member schemas.
    pub members: Vec<u16>,
    /// How a member is chosen.
    #[serde(default)]
    pub discriminator: Option<Discriminator>,
}

impl From<(String, Type)> for Property {
    fn from((name, ty): (String, Type)) -> Self {
        Self { name, ty }
    }
}
