//! Rust names for wire names: snake_case fields, parameters, methods and
//! modules; PascalCase types and enum variants; keyword escaping.

/// Rust keywords (strict, reserved and edition-2024 ones). A name equal to
/// one gets a trailing underscore (`type` → `type_`), which also works for
/// `self`, `super` and `crate`, unlike raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Splits a wire name into words at separators and case changes:
/// `lusidInstrumentId` → `lusid Instrument Id`, `BBGId` → `BBG Id`,
/// `ASX_10Year` → `ASX 10Year`.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (index, &ch) in chars.iter().enumerate() {
        if !ch.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if ch.is_ascii_uppercase() && !current.is_empty() {
            let previous = chars[index - 1];
            let next_is_lower = chars.get(index + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_is_lower);
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(ch);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Adds a trailing underscore to Rust keywords.
pub fn escape_keyword(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

/// The snake_case form of a wire name, without keyword escaping:
/// `lusidInstrumentId` → `lusid_instrument_id`.
pub fn snake_case(name: &str) -> String {
    let mut snake = words(name)
        .iter()
        .map(|word| word.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if snake.starts_with(|ch: char| ch.is_ascii_digit()) || snake.is_empty() {
        snake.insert(0, 'n');
    }
    snake
}

/// A snake_case identifier for a field, parameter, method or module, with
/// keywords escaped: `type` → `type_`.
pub fn snake_ident(name: &str) -> String {
    escape_keyword(snake_case(name))
}

/// The PascalCase form of a wire name. All-capital words become
/// capitalised (`FX` → `Fx`, as Rust style asks); an underscore stays between
/// two numbers (`Act365_25`); a leading digit gets a `V` (`30` → `V30`) and an
/// empty name becomes `Empty`.
pub fn pascal_case(name: &str) -> String {
    let mut pascal = String::new();
    for word in words(name) {
        let ends_with_digit = pascal.ends_with(|ch: char| ch.is_ascii_digit());
        if ends_with_digit && word.starts_with(|ch: char| ch.is_ascii_digit()) {
            pascal.push('_');
        }
        let all_caps = word.chars().all(|ch| !ch.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            pascal.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            if all_caps {
                pascal.push_str(&rest.to_ascii_lowercase());
            } else {
                pascal.push_str(&rest);
            }
        }
    }
    if pascal.is_empty() {
        return "Empty".to_owned();
    }
    if pascal.starts_with(|ch: char| ch.is_ascii_digit()) {
        pascal.insert(0, 'V');
    }
    escape_keyword(pascal)
}

/// The file (and module) name of a schema or tag: `PagedResourceListOfInstrument`
/// → `paged_resource_list_of_instrument`. `mod` would clash with `mod.rs`
/// and is a keyword anyway, so it is escaped like every keyword.
pub fn module_name(name: &str) -> String {
    snake_ident(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases_wire_names() {
        let cases = [
            ("lusidInstrumentId", "lusid_instrument_id"),
            ("asAt", "as_at"),
            ("BBGId", "bbg_id"),
            ("ICECode", "ice_code"),
            ("RIC", "ric"),
            ("LusidInstrumentId", "lusid_instrument_id"),
            (
                "PagedResourceListOfInstrument",
                "paged_resource_list_of_instrument",
            ),
            ("ResultValue0D", "result_value0_d"),
            ("x-y", "x_y"),
        ];
        for (wire, expected) in cases {
            assert_eq!(snake_case(wire), expected, "{wire}");
        }
    }

    #[test]
    fn escapes_keywords() {
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("override"), "override_");
        assert_eq!(snake_ident("self"), "self_");
        assert_eq!(snake_ident("name"), "name");
    }

    #[test]
    fn pascal_cases_values() {
        let cases = [
            ("Active", "Active"),
            ("FX", "Fx"),
            ("InterestRates", "InterestRates"),
            ("ASX_10Year", "Asx10Year"),
            ("Act365_25", "Act365_25"),
            ("30", "V30"),
            ("", "Empty"),
            ("state", "State"),
            ("B3_DI1", "B3Di1"),
        ];
        for (wire, expected) in cases {
            assert_eq!(pascal_case(wire), expected, "{wire:?}");
        }
    }
}
