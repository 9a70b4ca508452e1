//! Where in a JSON document a decoding error happened, found by scanning
//! the text up to the error's position: no second, path-tracking decode
//! (which would compile every model's decoding a second time).

/// The JSON path (`values[3].version.effectiveFrom`; `.` for the whole
/// document) of the innermost value open at `line`/`column` (1-based, as
/// `serde_json::Error` reports them) in `text`.
pub fn path_at_line_column(text: &str, line: usize, column: usize) -> String {
    let mut offset = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            offset += column.min(line_text.len());
            return path_at(text, offset);
        }
        offset += line_text.len();
    }
    path_at(text, text.len())
}

/// The JSON path of the innermost value open at byte `offset` of `text`.
pub fn path_at(text: &str, offset: usize) -> String {
    enum Frame<'a> {
        Object {
            key: Option<&'a str>,
            awaiting_key: bool,
        },
        Array {
            index: usize,
        },
    }
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'"' => {
                let end = crate::scan::string_end(bytes, i);
                if let Some(Frame::Object { key, awaiting_key }) = stack.last_mut() {
                    if *awaiting_key {
                        *key = text.get(i + 1..end.saturating_sub(1).max(i + 1));
                        *awaiting_key = false;
                    }
                }
                // Past the closing quote (the loop adds one).
                i = end - 1;
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                awaiting_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { awaiting_key, .. }) => *awaiting_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    // An error detected right after a `{` or `[` is about the value that
    // bracket opens (an array where an object belongs), not inside it.
    let last = bytes[..end]
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map(|at| bytes[at]);
    if matches!(last, Some(b'[' | b'{')) {
        stack.pop();
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => break,
            Frame::Array { index } => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path serde_json's error position gives for `T` decoding `text`.
    fn path_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        let error = serde_json::from_str::<T>(text).unwrap_err();
        path_at_line_column(text, error.line(), error.column())
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Version {
        #[serde(rename = "asAtVersionNumber")]
        number: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        version: Version,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        values: Vec<Item>,
    }

    #[test]
    fn wrong_types_are_located() {
        let text = r#"{"values":[{"name":"a","version":{"asAtVersionNumber":1}},
            {"name":"b","version":{"asAtVersionNumber":"two"}}]}"#;
        assert_eq!(path_of::<Page>(text), "values[1].version.asAtVersionNumber");
        let text = r#"{"values":[{"name":7}]}"#;
        assert_eq!(path_of::<Page>(text), "values[0].name");
    }

    #[test]
    fn missing_fields_name_the_object() {
        let text = r#"{"values":[{"name":"a","version":{"asAtVersionNumber":1}},{"name":"b"}]}"#;
        assert_eq!(path_of::<Page>(text), "values[1]");
    }

    #[test]
    fn a_container_of_the_wrong_kind_is_the_value_itself() {
        assert_eq!(
            path_of::<Page>(r#"{"values":[{"name":[1]}]}"#),
            "values[0].name"
        );
        assert_eq!(path_of::<Page>(r#"{"values":{"a":1}}"#), "values");
    }

    #[test]
    fn the_whole_document_is_a_dot() {
        assert_eq!(path_of::<Page>("\"x\""), ".");
        assert_eq!(path_at("{\"a\":1} x", 9), ".");
    }

    #[test]
    fn strings_with_brackets_and_escapes_do_not_confuse_it() {
        let text = r#"{"values":[{"name":"a],{\"b","version":{"asAtVersionNumber":"x"}}]}"#;
        assert_eq!(path_of::<Page>(text), "values[0].version.asAtVersionNumber");
    }
}
