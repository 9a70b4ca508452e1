//! Doc-comment text: wrapping, lists of names.

/// Column at which doc text is wrapped (before indentation).
const WIDTH: usize = 88;

/// Renders paragraphs as `///` lines. Paragraphs are separated by an empty
/// `///` line; a paragraph's own lines (split on `\n`) are kept, each
/// word-wrapped, and list items (`- `) wrap with a hanging indent.
pub fn doc_comment(paragraphs: &[String]) -> String {
    let mut out = String::new();
    for (index, paragraph) in paragraphs.iter().enumerate() {
        if index > 0 {
            out.push_str("///\n");
        }
        for line in paragraph.lines() {
            let indent = if line.starts_with("- ") { "  " } else { "" };
            for wrapped in wrap(line, indent) {
                if wrapped.is_empty() {
                    out.push_str("///\n");
                } else {
                    out.push_str("/// ");
                    out.push_str(&wrapped);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Word-wraps one line at [`WIDTH`], continuing with `indent`. Words inside
/// backticks are never split, since wrapping happens only at spaces.
fn wrap(line: &str, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let prospective = current.len() + 1 + word.len();
        if !current.trim().is_empty() && prospective > WIDTH {
            lines.push(std::mem::take(&mut current));
            current.push_str(indent);
        } else if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
}

/// Joins names as code: "`A`", "`A` and `B`", "`A`, `B` and `C`"; beyond
/// `cap` names the rest are counted: "`A`, `B` and 7 more".
pub fn code_list(names: &[String], cap: usize) -> String {
    let quoted: Vec<String> = names
        .iter()
        .take(cap)
        .map(|name| format!("`{name}`"))
        .collect();
    let rest = names.len().saturating_sub(cap);
    match (quoted.as_slice(), rest) {
        ([], _) => String::new(),
        ([single], 0) => single.clone(),
        ([init @ .., last], 0) => format!("{} and {last}", init.join(", ")),
        (all, rest) => format!("{} and {rest} more", all.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_names() {
        let names: Vec<String> = ["A", "B", "C"]
            .iter()
            .map(|name| (*name).to_owned())
            .collect();
        assert_eq!(code_list(&names[..1], 8), "`A`");
        assert_eq!(code_list(&names[..2], 8), "`A` and `B`");
        assert_eq!(code_list(&names, 8), "`A`, `B` and `C`");
        assert_eq!(code_list(&names, 2), "`A`, `B` and 1 more");
    }

    #[test]
    fn wraps_long_lines_with_hanging_list_indent() {
        let long = format!("- {}", "word ".repeat(30).trim_end());
        let comment = doc_comment(&[long]);
        let lines: Vec<&str> = comment.lines().collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| line.len() <= WIDTH + 4));
        assert!(lines[1].starts_with("///   word"));
    }
}
