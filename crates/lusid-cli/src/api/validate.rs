//! Checking a JSON request body against the schema table, naming the JSON
//! path of the first mistake. The body is only read: what is sent is the
//! user's bytes, unchanged (no re-serialisation, no number rounding).

use serde_json::Value;

use super::table::{Discriminator, Object, Service, StrFormat, Type};

/// Why a body does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body is not JSON.
    #[error("the body is not JSON: {reason} (at {path})")]
    Syntax {
        /// The JSON path where reading stopped.
        path: String,
        /// What the parser found.
        reason: String,
    },
    /// The body is empty (or only whitespace).
    #[error("the body is empty: the operation expects a JSON value")]
    Empty,
    /// The body starts with a UTF-8 byte-order mark, which JSON does not
    /// allow (RFC 8259, section 8.1); it is refused rather than dropped, so
    /// that what is sent is exactly what the file holds.
    #[error(
        "the body starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: save the file without it"
    )]
    ByteOrderMark,
    /// A number too large for any LUSID number (beyond about 1.8e308).
    #[error("the body does not fit: {path}: a number out of range (beyond about ±1.8e308)")]
    NumberOutOfRange {
        /// The JSON path of the number, such as `$[0].units`.
        path: String,
    },
    /// A value of the wrong type, or a missing required property.
    #[error("the body does not fit {schema}: {path}: expected {expected}, found {found}")]
    Mismatch {
        /// The schema of the whole body, such as `InstrumentDefinition`.
        schema: String,
        /// The JSON path of the value, such as `$.values.inst1.identifiers`.
        path: String,
        /// What the schema expects there.
        expected: String,
        /// What the body holds there.
        found: String,
    },
}

/// A mistake before the body's schema name is attached.
struct Mistake {
    path: String,
    expected: String,
    found: String,
}

/// Parses `bytes` as JSON and checks it against `ty`.
///
/// # Errors
/// [`BodyError::Empty`], [`BodyError::ByteOrderMark`],
/// [`BodyError::Syntax`] for text that is not JSON,
/// [`BodyError::NumberOutOfRange`], [`BodyError::Mismatch`] for the first
/// value that does not fit, in document order.
pub fn check(service: &Service<'_>, ty: &Type, bytes: &[u8]) -> Result<(), BodyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Empty);
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(BodyError::ByteOrderMark);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|error| {
        let text = String::from_utf8_lossy(bytes);
        let path = dollar(&lusid::models::json_path::path_at_line_column(
            &text,
            error.line(),
            error.column(),
        ));
        // serde_json reads a number beyond f64's range as a syntax error,
        // although RFC 8259 sets no range: name it for what it is.
        if error.to_string().starts_with("number out of range") {
            return BodyError::NumberOutOfRange { path };
        }
        BodyError::Syntax {
            path,
            reason: error.to_string(),
        }
    })?;
    let checker = Checker { service };
    let mut path = String::from("$");
    checker
        .check(&value, ty, &mut path, true)
        .map_err(|mistake| BodyError::Mismatch {
            schema: checker.name(ty),
            path: mistake.path,
            expected: mistake.expected,
            found: mistake.found,
        })
}

/// Walks a value and its schema together.
struct Checker<'a> {
    service: &'a Service<'a>,
}

impl<'a> Checker<'a> {
    /// Checks `value` at `path` against `ty`; `dispatch` is false for the
    /// base of an `allOf` (the subtype was already chosen).
    fn check(
        &self,
        value: &Value,
        ty: &Type,
        path: &mut String,
        dispatch: bool,
    ) -> Result<(), Mistake> {
        let mismatch = |path: &String| Mistake {
            path: path.clone(),
            expected: self.expected(ty),
            found: found(value),
        };
        match ty {
            Type::Any => Ok(()),
            Type::Nullable(inner) => match value {
                Value::Null => Ok(()),
                _ => self.check(value, inner, path, dispatch),
            },
            Type::Str(strings) => {
                let Value::String(text) = value else {
                    return Err(mismatch(path));
                };
                if strings.format == StrFormat::DateTime && !is_date_time(text) {
                    return Err(mismatch(path));
                }
                if strings.enforced && !strings.values.iter().any(|v| v == text) {
                    return Err(mismatch(path));
                }
                Ok(())
            }
            Type::Integer => match value {
                Value::Number(number) if number.is_i64() || number.is_u64() => Ok(()),
                _ => Err(mismatch(path)),
            },
            Type::Number => match value {
                Value::Number(_) => Ok(()),
                _ => Err(mismatch(path)),
            },
            Type::Boolean => match value {
                Value::Bool(_) => Ok(()),
                _ => Err(mismatch(path)),
            },
            Type::Array(items) => {
                let Value::Array(values) = value else {
                    return Err(mismatch(path));
                };
                for (index, item) in values.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{index}]"));
                    self.check(item, items, path, true)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Type::Map(values) => {
                let Value::Object(members) = value else {
                    return Err(mismatch(path));
                };
                for (key, member) in members {
                    let len = path.len();
                    push_key(path, key);
                    self.check(member, values, path, true)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Type::Object(object) => {
                let Value::Object(_) = value else {
                    return Err(mismatch(path));
                };
                if dispatch {
                    if let Some(discriminator) = &object.discriminator {
                        if let Some(target) = self.subtype(value, object, discriminator, path)? {
                            return self.check(value, target, path, true);
                        }
                    }
                }
                self.object(value, object, path)
            }
            Type::Ref(index) => match self.service.schemas.get(usize::from(*index)) {
                Some(schema) => self.check(value, &schema.ty, path, dispatch),
                None => Ok(()),
            },
            Type::AllOf(members) => {
                for member in members {
                    self.check(value, member, path, false)?;
                }
                Ok(())
            }
            Type::OneOf(one_of) => {
                if let Some(discriminator) = &one_of.discriminator {
                    let Value::Object(members) = value else {
                        return Err(mismatch(path));
                    };
                    let tag = members.get(&discriminator.property).and_then(Value::as_str);
                    if let Some(tag) = tag {
                        if let Some((_, index)) =
                            discriminator.mapping.iter().find(|(v, _)| *v == tag)
                        {
                            return self.check(value, &Type::Ref(*index), path, true);
                        }
                        if discriminator.without_schema.iter().any(|v| v == tag) {
                            return Ok(());
                        }
                    }
                    return Err(self.bad_tag(value, discriminator, path));
                }
                let mut first = None;
                for index in &one_of.members {
                    match self.check(value, &Type::Ref(*index), path, true) {
                        Ok(()) => return Ok(()),
                        Err(mistake) => {
                            first.get_or_insert(mistake);
                        }
                    }
                }
                first.map_or(Ok(()), Err)
            }
        }
    }

    /// The properties of an object: required ones present, each known one
    /// of its type (null is accepted for an optional property, as LUSID
    /// reads it as absent). Unknown properties are not checked.
    fn object(&self, value: &Value, object: &Object, path: &mut String) -> Result<(), Mistake> {
        let Value::Object(members) = value else {
            return Ok(());
        };
        for required in &object.required {
            let present = members.get(required);
            let nullable = object
                .properties
                .iter()
                .find(|p| &p.name == required)
                .is_some_and(|p| matches!(p.ty, Type::Nullable(_)));
            if present.is_none() || (present == Some(&Value::Null) && !nullable) {
                let len = path.len();
                push_key(path, required);
                let property = object.properties.iter().find(|p| &p.name == required);
                let mistake = Mistake {
                    path: path.clone(),
                    expected: format!(
                        "the required property {required}{}",
                        property.map_or(String::new(), |p| format!(" ({})", self.expected(&p.ty)))
                    ),
                    found: if present.is_some() {
                        "null".to_owned()
                    } else {
                        "nothing".to_owned()
                    },
                };
                path.truncate(len);
                return Err(mistake);
            }
        }
        for property in &object.properties {
            let Some(member) = members.get(&property.name) else {
                continue;
            };
            if member.is_null() {
                continue;
            }
            let len = path.len();
            push_key(path, &property.name);
            self.check(member, &property.ty, path, true)?;
            path.truncate(len);
        }
        Ok(())
    }

    /// The subtype a discriminator selects, if not the object itself.
    fn subtype(
        &self,
        value: &Value,
        object: &Object,
        discriminator: &Discriminator,
        path: &mut String,
    ) -> Result<Option<&'a Type>, Mistake> {
        let Some(tag) = value.get(&discriminator.property).and_then(Value::as_str) else {
            // A missing tag is reported as a missing required property.
            return Ok(None);
        };
        if let Some((_, index)) = discriminator.mapping.iter().find(|(v, _)| *v == tag) {
            let target = self.service.schemas.get(usize::from(*index)).map(|s| &s.ty);
            return Ok(match target {
                Some(Type::Object(same)) if std::ptr::eq(same, object) => None,
                other => other,
            });
        }
        if discriminator.without_schema.iter().any(|v| v == tag) || discriminator.mapping.is_empty()
        {
            return Ok(None);
        }
        Err(self.bad_tag(value, discriminator, path))
    }

    /// A discriminator with no known value.
    fn bad_tag(&self, value: &Value, discriminator: &Discriminator, path: &mut String) -> Mistake {
        let len = path.len();
        push_key(path, &discriminator.property);
        let values: Vec<&str> = discriminator
            .mapping
            .iter()
            .map(|(v, _)| v.as_str())
            .chain(discriminator.without_schema.iter().map(String::as_str))
            .collect();
        let mistake = Mistake {
            path: path.clone(),
            expected: format!("one of {}", values.join(", ")),
            found: value
                .get(&discriminator.property)
                .map_or("nothing".to_owned(), found),
        };
        path.truncate(len);
        mistake
    }

    /// What a type expects, in words.
    fn expected(&self, ty: &Type) -> String {
        match ty {
            Type::Any => "any value".to_owned(),
            Type::Nullable(inner) => format!("{} or null", self.expected(inner)),
            Type::Str(strings) => {
                let mut text = match strings.format {
                    StrFormat::DateTime => {
                        "a date-time string (RFC 3339 with at most 7 fractional digits, years 0001 to 9999, such as 2024-01-31T00:00:00Z, or a date)"
                            .to_owned()
                    }
                    _ => "a string".to_owned(),
                };
                if strings.enforced {
                    text.push_str(&format!(": one of {}", strings.values.join(", ")));
                }
                text
            }
            Type::Integer => "an integer".to_owned(),
            Type::Number => "a number".to_owned(),
            Type::Boolean => "true or false".to_owned(),
            Type::Array(items) => format!("an array of {}", self.name(items)),
            Type::Map(values) => format!("an object whose values are {}", self.name(values)),
            Type::Object(_) => "an object".to_owned(),
            Type::Ref(_) | Type::AllOf(_) | Type::OneOf(_) => {
                let name = self.name(ty);
                match self.resolve(ty) {
                    Type::Object(_) | Type::AllOf(_) | Type::OneOf(_) => {
                        format!("an object ({name})")
                    }
                    Type::Ref(_) => "an object".to_owned(),
                    other => self.expected(other),
                }
            }
        }
    }

    /// A `Ref` resolved to its schema's type.
    fn resolve<'t>(&'t self, ty: &'t Type) -> &'t Type {
        match ty {
            Type::Ref(index) => self
                .service
                .schemas
                .get(usize::from(*index))
                .map_or(ty, |schema| self.resolve(&schema.ty)),
            other => other,
        }
    }

    /// A short name of a type: the schema name for a `Ref`.
    pub fn name(&self, ty: &Type) -> String {
        name(self.service, ty)
    }
}

/// A short name of a type: the schema name for a `Ref`, `array of X`, ...
pub fn name(service: &Service<'_>, ty: &Type) -> String {
    match ty {
        Type::Any => "any".to_owned(),
        Type::Nullable(inner) => format!("{} (nullable)", name(service, inner)),
        Type::Str(strings) => match strings.format {
            StrFormat::DateTime => "date-time".to_owned(),
            StrFormat::Binary => "binary".to_owned(),
            StrFormat::Plain => "string".to_owned(),
        },
        Type::Integer => "integer".to_owned(),
        Type::Number => "number".to_owned(),
        Type::Boolean => "boolean".to_owned(),
        Type::Array(items) => format!("array of {}", name(service, items)),
        Type::Map(values) => format!("map of {}", name(service, values)),
        Type::Object(_) => "object".to_owned(),
        Type::Ref(index) => service
            .schemas
            .get(usize::from(*index))
            .map_or_else(|| "object".to_owned(), |schema| schema.name.to_owned()),
        Type::AllOf(members) => members
            .iter()
            .map(|member| name(service, member))
            .collect::<Vec<_>>()
            .join(" & "),
        Type::OneOf(one_of) => one_of
            .members
            .iter()
            .map(|index| name(service, &Type::Ref(*index)))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// What a value is, in words.
fn found(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a string".to_owned(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A path of `lusid_models::json_path` (`values[3].name`, `.` for the
/// whole document) in the `$` form the validator uses.
fn dollar(path: &str) -> String {
    match path {
        "" | "." | "$" => "$".to_owned(),
        path if path.starts_with('$') => path.to_owned(),
        path if path.starts_with('[') || path.starts_with('.') => format!("${path}"),
        path => format!("$.{path}"),
    }
}

/// Appends `.key`, or `['key']` for a key that is not a plain name.
fn push_key(path: &mut String, key: &str) {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        path.push_str("['");
        path.push_str(&key.replace('\\', "\\\\").replace('\'', "\\'"));
        path.push_str("']");
    }
}

/// An RFC 3339 date-time with at most 7 fractional digits, or a date
/// (`2024-01-31`), which LUSID reads as midnight UTC.
fn is_date_time(text: &str) -> bool {
    super::params::date_time(text).is_ok()
        || time::Date::parse(
            text,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok_and(|date| date.year() >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lusid() -> Service<'static> {
        crate::api::service("lusid").expect("the lusid service")
    }

    fn body_of<'s>(service: &'s Service<'_>, operation: &str) -> &'s Type {
        &service
            .operation(operation)
            .and_then(|o| o.body.as_ref())
            .expect("a body")
            .ty
    }

    fn schema(service: &Service<'_>, name: &str) -> Type {
        Type::Ref(
            service
                .schemas
                .iter()
                .position(|s| s.name == name)
                .and_then(|i| u16::try_from(i).ok())
                .expect("the schema"),
        )
    }

    #[test]
    fn names_the_json_path_of_a_mistake() {
        let service = lusid();
        let body = br#"{"inst1": {"name": "A", "identifiers": "Figi"}}"#;
        let error =
            check(&service, body_of(&service, "UpsertInstruments"), body).expect_err("a mismatch");
        let BodyError::Mismatch {
            path,
            expected,
            found,
            ..
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(path, "$.inst1.identifiers");
        assert_eq!(expected, "an object whose values are InstrumentIdValue");
        assert_eq!(found, "the string \"Figi\"");
    }

    #[test]
    fn reports_missing_required_properties_syntax_and_types() {
        let service = lusid();
        let upsert = body_of(&service, "UpsertInstruments");
        let error =
            check(&service, upsert, br#"{"a": {"name": "A"}}"#).expect_err("identifiers missing");
        assert!(
            error
                .to_string()
                .contains("$.a.identifiers: expected the required property identifiers"),
            "{error}"
        );
        let ok = br#"{"a": {"name": "A", "identifiers": {"ClientInternal": {"value": "x"}}}}"#;
        check(&service, upsert, ok).expect("valid");
        let error = check(&service, upsert, b"{\"a\": [1,").expect_err("syntax");
        assert!(matches!(error, BodyError::Syntax { .. }), "{error}");
        let error = check(
            &service,
            upsert,
            br#"{"a": {"name": 5, "identifiers": {}}}"#,
        )
        .expect_err("name is a string");
        assert!(
            error
                .to_string()
                .contains("$.a.name: expected a string, found the number 5"),
            "{error}"
        );
    }

    #[test]
    fn checks_integers_date_times_and_arrays() {
        let service = lusid();
        let ty = schema(&service, "ResourceListOfPortfolio");
        let bad = br#"{"values": [{"created": "yesterday"}]}"#;
        let error = check(&service, &ty, bad).expect_err("a bad date-time");
        assert!(error.to_string().contains("$.values[0]"), "{error}");
        let version = schema(&service, "Version");
        let error = check(
            &service,
            &version,
            br#"{"effectiveFrom": "2024-01-01T00:00:00Z", "asAtDate": "2024-01-01T00:00:00.12345678Z"}"#,
        )
        .expect_err("8 fractional digits");
        assert!(error.to_string().contains("$.asAtDate"), "{error}");
    }

    #[test]
    fn dispatches_on_discriminators() {
        let service = lusid();
        let ty = schema(&service, "LusidInstrument");
        let error =
            check(&service, &ty, br#"{"instrumentType": "NoSuchType"}"#).expect_err("bad tag");
        assert!(
            error
                .to_string()
                .contains("$.instrumentType: expected one of"),
            "{error}"
        );
        let error = check(&service, &ty, br#"{"instrumentType": "SimpleInstrument", "domCcy": 5, "assetClass": "Equities", "simpleInstrumentType": "x"}"#)
            .expect_err("SimpleInstrument.domCcy is a string");
        assert!(
            error
                .to_string()
                .contains("$.domCcy: expected a string, found the number 5"),
            "{error}"
        );
        let ok = br#"{"instrumentType": "SimpleInstrument", "domCcy": "GBP", "assetClass": "Equities", "simpleInstrumentType": "x"}"#;
        check(&service, &ty, ok).expect("a valid SimpleInstrument");
    }
}
