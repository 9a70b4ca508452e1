//! A small scanner of the top-level keys of JSON text already known to be
//! valid (a captured raw value): finds one string property without a serde
//! pass and without allocating, unless the key or the value has escapes.

use std::borrow::Cow;

/// The text is not a JSON object (the only failure: the input is valid JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotAnObject;

/// The value of the first top-level `property` of the object `text` whose
/// value is a string; `None` when there is none.
///
/// `text` must be one valid JSON value (as a captured `RawValue` is);
/// escapes in keys and in the value are decoded.
///
/// # Errors
/// [`NotAnObject`] when the value is not an object.
pub(crate) fn top_level_string<'a>(
    text: &'a str,
    property: &str,
) -> Result<Option<Cow<'a, str>>, NotAnObject> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err(NotAnObject);
    }
    at += 1;
    loop {
        at = skip_space(bytes, at);
        match bytes.get(at) {
            Some(b'"') => {}
            _ => return Ok(None),
        }
        let key_end = string_end(bytes, at);
        let is_property = key_matches(&text[at..key_end], property);
        at = skip_space(bytes, key_end);
        // The colon.
        at = skip_space(bytes, at + 1);
        let value_end = value_end(bytes, at);
        if is_property && bytes.get(at) == Some(&b'"') {
            return Ok(Some(unquote(&text[at..value_end])));
        }
        at = skip_space(bytes, value_end);
        if bytes.get(at) == Some(&b',') {
            at += 1;
        } else {
            return Ok(None);
        }
    }
}

/// Whether a quoted key equals `property` once unescaped.
fn key_matches(quoted: &str, property: &str) -> bool {
    let inner = &quoted[1..quoted.len() - 1];
    if inner.contains('\\') {
        unquote(quoted) == property
    } else {
        inner == property
    }
}

/// The unescaped contents of a quoted JSON string, borrowed when it has no
/// escapes.
fn unquote(quoted: &str) -> Cow<'_, str> {
    let inner = &quoted[1..quoted.len() - 1];
    if inner.contains('\\') {
        Cow::Owned(serde_json::from_str(quoted).unwrap_or_default())
    } else {
        Cow::Borrowed(inner)
    }
}

/// The first index at or after `at` that is not JSON whitespace.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The index just past the string starting with the quote at `at`.
pub(crate) fn string_end(bytes: &[u8], at: usize) -> usize {
    let mut index = at + 1;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'"' => return index + 1,
            b'\\' => index += 2,
            _ => index += 1,
        }
    }
    bytes.len()
}

/// The index just past the value starting at `at`.
fn value_end(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(b'"') => string_end(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut index = at;
            while let Some(&byte) = bytes.get(index) {
                match byte {
                    b'"' => {
                        index = string_end(bytes, index);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return index + 1;
                        }
                    }
                    _ => {}
                }
                index += 1;
            }
            bytes.len()
        }
        _ => {
            let mut index = at;
            while let Some(&byte) = bytes.get(index) {
                if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                index += 1;
            }
            index
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_top_level_string_property() {
        let cases = [
            (r#"{"t":"A"}"#, Some("A")),
            (
                r#" { "x" : {"t":"inner","a":[1,"}",{"t":"no"}]} , "t" : "B" } "#,
                Some("B"),
            ),
            (r#"{"t":1,"t":"second"}"#, Some("second")),
            (r#"{"a":"q\"t","t":"C\u0041"}"#, Some("CA")),
            (r#"{"\u0074":"escaped key"}"#, Some("escaped key")),
            (r#"{"a":true,"b":null,"c":-1.5e3}"#, None),
            ("{}", None),
            (r#"{"tt":"no","T":"no"}"#, None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                top_level_string(text, "t"),
                Ok(expected.map(Cow::Borrowed)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_values_that_are_not_objects() {
        for text in ["[]", r#""t""#, "1", "null", r#"[{"t":"A"}]"#] {
            assert_eq!(top_level_string(text, "t"), Err(NotAnObject), "{text}");
        }
    }
}
