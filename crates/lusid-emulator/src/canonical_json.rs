//! A canonical text form of JSON, to tell whether two economic definitions
//! are the same document (whitespace and object key order aside) without
//! passing numbers through `f64`.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// The canonical form of the JSON text `text`: no insignificant whitespace,
/// object keys sorted, strings re-escaped the one way `serde_json` writes
/// them, numbers kept as their literal text (so `1.0` and `1.00` differ, as
/// in the text received). `None` if `text` is not JSON.
pub(crate) fn canonical_json(text: &str) -> Option<String> {
    // The recursion below goes one level per nesting level: bounded, so a
    // deep document cannot overflow the stack.
    if nesting_depth(text) > MAX_DEPTH {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    write_canonical(text, &mut out)?;
    Some(out)
}

/// The deepest nesting of JSON documents the emulator accepts: that of
/// ASP.NET Core's JSON reader (`JsonSerializerOptions.MaxDepth`, 64), which
/// LUSID answers with.
pub(crate) const MAX_DEPTH: usize = 64;

/// How deeply arrays and objects nest in the JSON text `text` (0 for a
/// scalar), found without recursion; brackets inside strings do not count.
pub(crate) fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn write_canonical(text: &str, out: &mut String) -> Option<()> {
    let trimmed = text.trim();
    match trimmed.as_bytes().first()? {
        b'{' => {
            let object: BTreeMap<String, Box<RawValue>> = serde_json::from_str(trimmed).ok()?;
            out.push('{');
            for (i, (key, value)) in object.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).ok()?);
                out.push(':');
                write_canonical(value.get(), out)?;
            }
            out.push('}');
        }
        b'[' => {
            let array: Vec<Box<RawValue>> = serde_json::from_str(trimmed).ok()?;
            out.push('[');
            for (i, value) in array.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(value.get(), out)?;
            }
            out.push(']');
        }
        b'"' => {
            let string: String = serde_json::from_str(trimmed).ok()?;
            out.push_str(&serde_json::to_string(&string).ok()?);
        }
        _ => {
            // A number, `true`, `false` or `null`: validate, keep the literal.
            let _: Box<RawValue> = serde_json::from_str(trimmed).ok()?;
            out.push_str(trimmed);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_and_key_order_do_not_matter_but_digits_do() {
        let a = canonical_json(
            r#"{"b": [1, {"y": "\u0041", "x": null}], "a": 0.10000000000000000001}"#,
        );
        let b = canonical_json(r#"{"a":0.10000000000000000001,"b":[1,{"x":null,"y":"A"}]}"#);
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some(r#"{"a":0.10000000000000000001,"b":[1,{"x":null,"y":"A"}]}"#)
        );
        let c = canonical_json(r#"{"a":0.1,"b":[1,{"x":null,"y":"A"}]}"#);
        assert_ne!(a, c);
        assert_ne!(canonical_json("[1,2]"), canonical_json("[2,1]"));
        assert_eq!(canonical_json("{\"a\": "), None);
    }

    #[test]
    fn depth_is_counted_without_recursion_and_bounded() {
        assert_eq!(nesting_depth("1"), 0);
        assert_eq!(nesting_depth(r#"{"a": [1, {"b": "]]]"}], "c": "\"["}"#), 3);
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(nesting_depth(&deep), 100_000);
        assert_eq!(canonical_json(&deep), None);
        let fine = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(canonical_json(&fine).as_deref(), Some(fine.as_str()));
    }
}
