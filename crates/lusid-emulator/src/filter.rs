//! LUSID's filter syntax (`filter=State eq 'Active' and Name startswith
//! 'A'`), parsed and evaluated once for every domain: each domain says
//! which fields exist (a field parser) and what an entity's value of a
//! field is ([`Filterable`]).
//!
//! Supported: operators `eq`, `neq` (alias `ne`), `gt`, `ge`, `lt`, `le`,
//! `startswith`, `in` and `not in` (comma-separated list, optionally in
//! parentheses), `exists` and `not exists`; `and`, `or`, `not` and
//! parentheses; every comparison ignores case, and a field that is not set
//! matches nothing but `not exists` (as LUSID documents);
//! fields with an optional key in brackets (`Identifiers[Figi]`,
//! `Properties[Instrument/default/Sector]`). Keywords are
//! case-insensitive; string literals are single-quoted with `''` for a
//! quote; two numbers compare as numbers. Anything else is a
//! [`FilterError`] (a 400 validation problem on `filter`).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

/// Why a filter could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FilterError(pub(crate) String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An entity a filter over fields `F` can be evaluated on.
pub(crate) trait Filterable<F> {
    /// The entity's value of `field` (`None`: it has none).
    fn value_of(&self, field: &F) -> Option<Cow<'_, str>>;
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `eq`.
    Eq,
    /// `neq`, `ne`.
    Neq,
    /// `gt`.
    Gt,
    /// `ge`, `gte`.
    Ge,
    /// `lt`.
    Lt,
    /// `le`, `lte`.
    Le,
    /// `startswith`, ignoring case.
    StartsWith,
}

/// A parsed filter expression over fields `F`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Filter<F> {
    /// Always true (empty filter).
    True,
    /// `field op 'value'`.
    Compare(F, Op, String),
    /// `field in ('a', 'b')`, negated for `not in`.
    In(F, Vec<String>, bool),
    /// `field exists`, negated for `field not exists`.
    Exists(F, bool),
    /// All of them (a chain `a and b and c` is one node, so a long chain
    /// does not deepen the tree).
    And(Vec<Filter<F>>),
    /// Any of them (one node per chain, as [`Filter::And`]).
    Or(Vec<Filter<F>>),
    /// Negation.
    Not(Box<Filter<F>>),
}

/// Parses a field name and its bracketed key (if any) into a domain's
/// field, or says why the domain has no such field.
pub(crate) type FieldParser<'p, F> = &'p dyn Fn(&str, Option<String>) -> Result<F, FilterError>;

impl<F> Filter<F> {
    /// Parses a filter string whose fields `field` knows; blank means
    /// "everything".
    pub(crate) fn parse_with(input: &str, field: FieldParser<'_, F>) -> Result<Self, FilterError> {
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Ok(Self::True);
        }
        let mut parser = Parser {
            tokens,
            pos: 0,
            depth: 0,
            field,
        };
        let filter = parser.or()?;
        match parser.peek() {
            None => Ok(filter),
            Some(token) => Err(FilterError(format!("Unexpected '{token}' in filter."))),
        }
    }

    /// Whether `entity` matches.
    pub(crate) fn matches(&self, entity: &impl Filterable<F>) -> bool {
        match self {
            Self::True => true,
            Self::Compare(field, op, value) => {
                // LUSID: a filter "does not return null values or values
                // that are not set" (not even for `neq`).
                let Some(actual) = entity.value_of(field) else {
                    return false;
                };
                let actual = actual.as_ref();
                let ordering = compare(actual, value);
                match op {
                    Op::Eq => ordering == Ordering::Equal,
                    Op::Neq => ordering != Ordering::Equal,
                    Op::Gt => ordering == Ordering::Greater,
                    Op::Ge => ordering != Ordering::Less,
                    Op::Lt => ordering == Ordering::Less,
                    Op::Le => ordering != Ordering::Greater,
                    Op::StartsWith => actual.to_lowercase().starts_with(&value.to_lowercase()),
                }
            }
            Self::In(field, values, negated) => entity.value_of(field).is_some_and(|actual| {
                values.iter().any(|x| compare(&actual, x).is_eq()) != *negated
            }),
            Self::Exists(field, negated) => entity.value_of(field).is_some() != *negated,
            Self::And(all) => all.iter().all(|f| f.matches(entity)),
            Self::Or(any) => any.iter().any(|f| f.matches(entity)),
            Self::Not(a) => !a.matches(entity),
        }
    }
}

/// Comparison as LUSID's filters do ("filtering in LUSID is
/// case-insensitive"): text ignoring case, in lexical order; two decimal
/// numbers (`-12.50`, `12345678901234567891`, `1.5e3`) compare as numbers (metric
/// properties), exactly: every digit counts, as no `f64` is involved. A
/// number sorts before any text, so the order is total (transitive), as
/// sorting and page tokens need: comparing numbers as numbers and
/// everything else as text would make `9 < 10`, `"10" < "1a"` and
/// `"1a" < "9"`.
pub(crate) fn compare(actual: &str, expected: &str) -> Ordering {
    match (Decimal::parse(actual), Decimal::parse(expected)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => actual
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(expected.chars().flat_map(char::to_lowercase)),
    }
}

/// A decimal literal (`-?digits(.digits)?`, optionally with an exponent
/// `e±digits`), held as its significant digits and a power of ten for an
/// exact comparison of any number of digits.
#[derive(Debug)]
struct Decimal {
    negative: bool,
    /// Significant digits, without leading or trailing zeros (empty for
    /// zero).
    digits: String,
    /// Where the leading digit sits: the value is `0.digits × 10^magnitude`.
    magnitude: i128,
}

impl Decimal {
    /// Reads `text`; `None` unless it is a decimal literal.
    fn parse(text: &str) -> Option<Self> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
            None => (unsigned, 0),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if integer.is_empty() || !all_digits(integer) || !all_digits(fraction) {
            return None;
        }
        if mantissa.ends_with('.') {
            return None;
        }
        let joined = format!("{integer}{fraction}");
        let leading = joined.len() - joined.trim_start_matches('0').len();
        let digits = joined.trim_matches('0').to_owned();
        // The leading significant digit is at 10^(integer length - leading
        // zeros - 1); as `0.digits`, one more.
        let magnitude = integer.len() as i128 - leading as i128 + i128::from(exponent);
        Some(Self {
            // Negative zero is zero.
            negative: negative && !digits.is_empty(),
            digits,
            magnitude,
        })
    }

    /// The order of the magnitudes.
    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => self
                .magnitude
                .cmp(&other.magnitude)
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }

    /// The numeric order.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

/// A lexical token.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Number(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Word(w) | Self::Number(w) => f.write_str(w),
            Self::Str(s) => write!(f, "'{s}'"),
            Self::LParen => f.write_str("("),
            Self::RParen => f.write_str(")"),
            Self::LBracket => f.write_str("["),
            Self::RBracket => f.write_str("]"),
            Self::Comma => f.write_str(","),
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            '[' => {
                tokens.push(Token::LBracket);
                i += 1;
            }
            ']' => {
                tokens.push(Token::RBracket);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(FilterError("Unterminated string in filter.".into())),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            value.push(*other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(value));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Token::Number(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '/' | '-' | '.'))
                {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => {
                return Err(FilterError(format!(
                    "Unexpected character '{other}' in filter."
                )));
            }
        }
    }
    Ok(tokens)
}

/// How deeply parentheses and `not`s may nest: the parser and the
/// evaluator recurse once per level, and a request must not be able to
/// overflow a server thread's stack (which aborts the whole process).
pub(crate) const MAX_NESTING: usize = 100;

/// A recursive-descent parser over the tokens of one filter.
struct Parser<'p, F> {
    tokens: Vec<Token>,
    pos: usize,
    /// Parentheses and `not`s open at the current position.
    depth: usize,
    field: FieldParser<'p, F>,
}

impl<F> Parser<'_, F> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self) -> Result<Filter<F>, FilterError> {
        let mut any = vec![self.and()?];
        while self.peek_keyword("or") {
            self.pos += 1;
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Filter::Or(any)
        })
    }

    fn and(&mut self) -> Result<Filter<F>, FilterError> {
        let mut all = vec![self.unary()?];
        while self.peek_keyword("and") {
            self.pos += 1;
            all.push(self.unary()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::And(all)
        })
    }

    /// Enters one level of parentheses or `not`, refusing more than
    /// [`MAX_NESTING`].
    fn nest(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(FilterError(format!(
                "The filter nests parentheses and 'not' more than {MAX_NESTING} deep."
            )));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Filter<F>, FilterError> {
        if self.peek_keyword("not") {
            self.pos += 1;
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            self.nest()?;
            let inner = self.or()?;
            self.depth -= 1;
            return match self.next() {
                Some(Token::RParen) => Ok(inner),
                _ => Err(FilterError("Missing ')' in filter.".into())),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter<F>, FilterError> {
        let name = match self.next() {
            Some(Token::Word(w)) => w,
            Some(other) => {
                return Err(FilterError(format!(
                    "Expected a field name, found '{other}'."
                )));
            }
            None => {
                return Err(FilterError(
                    "Expected a field name at end of filter.".into(),
                ));
            }
        };
        let key = if self.peek() == Some(&Token::LBracket) {
            self.pos += 1;
            let key = match self.next() {
                Some(Token::Word(w) | Token::Str(w)) => w,
                _ => return Err(FilterError("Expected a key inside '[...]'.".into())),
            };
            if self.next() != Some(Token::RBracket) {
                return Err(FilterError("Missing ']' in filter.".into()));
            }
            Some(key)
        } else {
            None
        };
        let field = (self.field)(&name, key)?;
        let op_word = match self.next() {
            Some(Token::Word(w)) => w.to_ascii_lowercase(),
            Some(other) => {
                return Err(FilterError(format!(
                    "Expected an operator, found '{other}'."
                )));
            }
            None => return Err(FilterError(format!("Expected an operator after '{name}'."))),
        };
        let op = match op_word.as_str() {
            "eq" => Op::Eq,
            "neq" | "ne" => Op::Neq,
            "gt" => Op::Gt,
            "ge" | "gte" => Op::Ge,
            "lt" => Op::Lt,
            "le" | "lte" => Op::Le,
            "startswith" => Op::StartsWith,
            "in" => return Ok(Filter::In(field, self.list()?, false)),
            "exists" => return Ok(Filter::Exists(field, false)),
            "not" if self.peek_keyword("in") => {
                self.pos += 1;
                return Ok(Filter::In(field, self.list()?, true));
            }
            "not" if self.peek_keyword("exists") => {
                self.pos += 1;
                return Ok(Filter::Exists(field, true));
            }
            other => return Err(FilterError(format!("Unknown operator '{other}'."))),
        };
        Ok(Filter::Compare(field, op, self.literal()?))
    }

    fn literal(&mut self) -> Result<String, FilterError> {
        match self.next() {
            Some(Token::Str(s) | Token::Number(s)) => Ok(s),
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") =>
            {
                Ok(w.to_ascii_lowercase())
            }
            Some(other) => Err(FilterError(format!(
                "Expected a quoted value, found '{other}'."
            ))),
            None => Err(FilterError("Expected a value at end of filter.".into())),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, FilterError> {
        let parenthesised = self.peek() == Some(&Token::LParen);
        if parenthesised {
            self.pos += 1;
        }
        let mut values = vec![self.literal()?];
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            values.push(self.literal()?);
        }
        if parenthesised && self.next() != Some(Token::RParen) {
            return Err(FilterError("Missing ')' after 'in' list.".into()));
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields `a`, `b` and `tags[<key>]` of a map-like entity.
    fn field(name: &str, key: Option<String>) -> Result<String, FilterError> {
        match (name.to_ascii_lowercase().as_str(), key) {
            ("tags", Some(key)) => Ok(format!("tags[{key}]")),
            (known @ ("a" | "b"), None) => Ok(known.to_owned()),
            _ => Err(FilterError(format!("no field {name}"))),
        }
    }

    struct Entity(&'static [(&'static str, &'static str)]);

    impl Filterable<String> for Entity {
        fn value_of(&self, field: &String) -> Option<Cow<'_, str>> {
            self.0
                .iter()
                .find(|(name, _)| name == field)
                .map(|(_, value)| Cow::Borrowed(*value))
        }
    }

    fn check(filter: &str) -> bool {
        let entity = Entity(&[("a", "Apple"), ("b", "10.50"), ("tags[x]", "it's")]);
        Filter::parse_with(filter, &field)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(&entity)
    }

    #[test]
    fn evaluates_the_whole_syntax_over_any_domain_s_fields() {
        assert!(check(""));
        assert!(
            check("A EQ 'Apple' and b eq '10.5'"),
            "numbers compare as numbers"
        );
        assert!(check("b gt 9 and b lt '11'"));
        assert!(check("a in 'Pear', 'Apple'"));
        assert!(check("a in ('Pear', 'Apple')"));
        assert!(!check("a not in ('Pear', 'Apple')"));
        assert!(check("tags[x] eq 'it''s'"));
        assert!(check("a startswith 'ap'"));
        assert!(check("not (a eq 'Pear') and (a eq 'X' or b ge 10.5)"));
        assert!(!check("tags[y] neq 'z'"), "an unset value matches nothing");
        assert!(!check("tags[y] eq 'z'"));
        assert!(!check("tags[y] not in ('z')"));
        assert!(check("not tags[y] eq 'z'"));
        assert!(check("tags[y] not exists and tags[x] exists"));
        assert!(!check("tags[y] exists"));
        assert!(
            check("a eq 'APPLE' and a in ('apple') and a neq 'pear'"),
            "case is ignored"
        );
        assert!(check("a gt 'APP' and a lt 'b'"));
    }

    #[test]
    fn numbers_compare_exactly_whatever_their_length() {
        let ord = |a: &str, b: &str| compare(a, b);
        assert_eq!(
            ord("12345678901234567891", "12345678901234567890"),
            Ordering::Greater
        );
        assert_eq!(ord("10.50", "10.5"), Ordering::Equal);
        assert_eq!(ord("-0", "0.000"), Ordering::Equal);
        assert_eq!(ord("-2", "-10"), Ordering::Greater);
        assert_eq!(ord("0.1000000000000000000001", "0.1"), Ordering::Greater);
        assert_eq!(ord("007", "7"), Ordering::Equal);
        assert_eq!(ord("9", "10"), Ordering::Less);
        // Exponents too (metric values such as 1.5e3).
        assert_eq!(ord("1e3", "1000"), Ordering::Equal);
        assert_eq!(ord("1.5E+3", "1500.0"), Ordering::Equal);
        assert_eq!(ord("1e-3", "0.001"), Ordering::Equal);
        assert_eq!(ord("1e3", "1e4"), Ordering::Less);
        assert_eq!(ord("-1e3", "-999"), Ordering::Less);
        assert_eq!(ord("0.5", "0.05"), Ordering::Greater);
        assert_eq!(ord("0e10", "-0.0"), Ordering::Equal);
        // An exponent beyond i64 is not a number here.
        assert_eq!(ord("1e99999999999999999999", "1"), Ordering::Greater);
        // Not numbers: compared as text, after every number.
        assert_eq!(ord("abc", "1"), Ordering::Greater);
        assert_eq!(ord("1.", "1"), Ordering::Greater);
        // A total order: transitive over numbers and text mixed.
        let mut values = ["10", "9", "1a", "100", "2b", "-5", "abc", "0.5", "Z"];
        values.sort_by(|a, b| compare(a, b));
        assert_eq!(
            values,
            ["-5", "0.5", "9", "10", "100", "1a", "2b", "abc", "Z"]
        );
        for a in values {
            for b in values {
                for c in values {
                    if compare(a, b).is_le() && compare(b, c).is_le() {
                        assert!(compare(a, c).is_le(), "{a} {b} {c}");
                    }
                }
            }
        }
    }

    #[test]
    fn nesting_is_bounded_and_long_chains_stay_flat() {
        let deep = format!(
            "{}a eq 'x'{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(Filter::parse_with(&deep, &field).is_err());
        let nots = format!("{}a eq 'x'", "not ".repeat(MAX_NESTING + 1));
        assert!(Filter::parse_with(&nots, &field).is_err());
        let ok = format!(
            "{}a eq 'Apple'{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(check(&ok));
        let chain = vec!["a eq 'Apple'"; 50_000].join(" and ");
        match Filter::parse_with(&chain, &field) {
            Ok(Filter::And(all)) => assert_eq!(all.len(), 50_000),
            other => panic!("{other:?}"),
        }
        assert!(check(&chain));
    }

    #[test]
    fn rejects_bad_syntax_and_unknown_fields() {
        for bad in [
            "a",
            "a eq",
            "a eq Apple",
            "a equals 'Apple'",
            "colour eq 'Red'",
            "(a eq 'Apple'",
            "a eq 'Apple",
            "a eq 'Apple' and",
            "a eq 'Apple' 'x'",
            "tags eq 'a'",
            "a eq 'a' ; drop",
        ] {
            assert!(Filter::parse_with(bad, &field).is_err(), "{bad}");
        }
    }
}
