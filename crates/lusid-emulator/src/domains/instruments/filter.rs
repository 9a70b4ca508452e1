//! A small parser and evaluator for LUSID's filter syntax, as used by
//! `ListInstruments` (`filter=State eq 'Active' and Name startswith 'A'`).
//!
//! Supported: fields `LusidInstrumentId`, `Name`, `State`, `Scope`,
//! `AssetClass`, `DomCcy`, `InstrumentType` and `Identifiers[<Type>]`;
//! operators `eq`, `neq` (alias `ne`), `gt`, `ge`, `lt`, `le`, `startswith`,
//! `in` and `not in` (comma-separated list, optionally in parentheses);
//! `and`, `or`, `not` and parentheses. Keywords are case-insensitive;
//! string literals are single-quoted with `''` for a quote. Anything else
//! is a [`FilterError`] (a 400 validation problem on `filter`).

use std::cmp::Ordering;
use std::fmt;

use crate::model::Instrument;

/// The filter LUSID applies when none is given.
pub(crate) const DEFAULT_FILTER: &str = "State eq 'Active'";

/// Why a filter could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FilterError(pub(crate) String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A field a filter can compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// `LusidInstrumentId`.
    LusidInstrumentId,
    /// `Name`.
    Name,
    /// `State`.
    State,
    /// `Scope`.
    Scope,
    /// `AssetClass`.
    AssetClass,
    /// `DomCcy`.
    DomCcy,
    /// `InstrumentType` (of the economic definition).
    InstrumentType,
    /// `Identifiers[<Type>]`.
    Identifier(String),
    /// `Properties[<Domain>/<scope>/<code>]`: a label value, or a metric
    /// value (compared as a number).
    Property(String),
}

impl Field {
    /// Parses a field name (case-insensitive).
    fn parse(name: &str, key: Option<String>) -> Result<Self, FilterError> {
        let lower = name.to_ascii_lowercase();
        let field = match (lower.as_str(), key) {
            ("identifiers", Some(key)) => Self::Identifier(key),
            ("properties", Some(key)) => {
                if key.split('/').count() != 3 || key.split('/').any(str::is_empty) {
                    return Err(FilterError(format!(
                        "Property key '{key}' must have the form <Domain>/<scope>/<code>."
                    )));
                }
                Self::Property(key)
            }
            (_, Some(_)) => {
                return Err(FilterError(format!(
                    "Field '{name}' does not take a key in brackets."
                )));
            }
            ("lusidinstrumentid", None) => Self::LusidInstrumentId,
            ("name", None) => Self::Name,
            ("state", None) => Self::State,
            ("scope", None) => Self::Scope,
            ("assetclass", None) => Self::AssetClass,
            ("domccy", None) => Self::DomCcy,
            ("instrumenttype", None) => Self::InstrumentType,
            _ => {
                return Err(FilterError(format!(
                    "Field '{name}' is not supported in instrument filters."
                )));
            }
        };
        Ok(field)
    }

    /// The value of this field on an instrument version.
    pub(crate) fn value_of<'a>(&self, luid: &'a str, v: &'a Instrument) -> Option<&'a str> {
        match self {
            Self::LusidInstrumentId => Some(luid),
            Self::Name => Some(v.name.as_str()),
            Self::State => Some(v.state.as_str()),
            Self::Scope => Some(v.scope.as_str()),
            Self::AssetClass => Some(v.asset_class.as_str()),
            Self::DomCcy => v.dom_ccy.as_deref(),
            Self::InstrumentType => v.instrument_type.as_deref(),
            Self::Identifier(kind) => v
                .identifiers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(kind))
                .map(|(_, value)| value.as_str()),
            Self::Property(key) => {
                let value = v
                    .properties
                    .iter()
                    .find(|p| p.key == *key)?
                    .value
                    .as_ref()?;
                value.label_value.as_deref().or_else(|| {
                    value
                        .metric_value
                        .as_ref()
                        .and_then(|m| m.value.as_ref())
                        .map(|n| n.as_str())
                })
            }
        }
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Neq,
    Gt,
    Ge,
    Lt,
    Le,
    StartsWith,
}

/// A parsed filter expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    /// Always true (empty filter).
    True,
    /// `field op 'value'`.
    Compare(Field, Op, String),
    /// `field in ('a', 'b')`, negated for `not in`.
    In(Field, Vec<String>, bool),
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
    /// Negation.
    Not(Box<Filter>),
}

impl Filter {
    /// Parses a filter string; blank means "everything".
    pub(crate) fn parse(input: &str) -> Result<Self, FilterError> {
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Ok(Self::True);
        }
        let mut parser = Parser { tokens, pos: 0 };
        let filter = parser.or()?;
        match parser.peek() {
            None => Ok(filter),
            Some(token) => Err(FilterError(format!("Unexpected '{token}' in filter."))),
        }
    }

    /// Whether the instrument version matches.
    pub(crate) fn matches(&self, luid: &str, v: &Instrument) -> bool {
        match self {
            Self::True => true,
            Self::Compare(field, op, value) => {
                let Some(actual) = field.value_of(luid, v) else {
                    return *op == Op::Neq;
                };
                let ordering = compare(actual, value);
                match op {
                    Op::Eq => ordering == Ordering::Equal,
                    Op::Neq => ordering != Ordering::Equal,
                    Op::Gt => ordering == Ordering::Greater,
                    Op::Ge => ordering != Ordering::Less,
                    Op::Lt => ordering == Ordering::Less,
                    Op::Le => ordering != Ordering::Greater,
                    Op::StartsWith => actual
                        .to_ascii_lowercase()
                        .starts_with(&value.to_ascii_lowercase()),
                }
            }
            Self::In(field, values, negated) => {
                let found = field
                    .value_of(luid, v)
                    .is_some_and(|actual| values.iter().any(|x| compare(actual, x).is_eq()));
                found != *negated
            }
            Self::And(a, b) => a.matches(luid, v) && b.matches(luid, v),
            Self::Or(a, b) => a.matches(luid, v) || b.matches(luid, v),
            Self::Not(a) => !a.matches(luid, v),
        }
    }
}

/// String comparison as LUSID does for text fields: case-sensitive equality
/// (LUSID's is ordinal) with lexical ordering; two numbers compare as
/// numbers (metric properties).
pub(crate) fn compare(actual: &str, expected: &str) -> Ordering {
    match (actual.parse::<f64>(), expected.parse::<f64>()) {
        (Ok(a), Ok(b)) if a.is_finite() && b.is_finite() => a.total_cmp(&b),
        _ => actual.cmp(expected),
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

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
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

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.peek_keyword("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            return match self.next() {
                Some(Token::RParen) => Ok(inner),
                _ => Err(FilterError("Missing ')' in filter.".into())),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, FilterError> {
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
        let field = Field::parse(&name, key)?;
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
            "not" if self.peek_keyword("in") => {
                self.pos += 1;
                return Ok(Filter::In(field, self.list()?, true));
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
    use crate::domains::instruments::seed::seed_instruments;

    fn gbp() -> (String, Instrument) {
        let seed = seed_instruments(1, 0);
        let (luid, mut versions) = seed
            .into_iter()
            .find(|(luid, _)| luid.0 == "CCY_GBP")
            .unwrap_or_else(|| panic!("no GBP"));
        let value = versions
            .remove(0)
            .value
            .unwrap_or_else(|| panic!("no value"));
        (luid.0, value)
    }

    fn check(filter: &str) -> bool {
        let (luid, v) = gbp();
        Filter::parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(&luid, &v)
    }

    #[test]
    fn evaluates_supported_syntax() {
        assert!(check(DEFAULT_FILTER));
        assert!(check(""));
        assert!(check("state EQ 'Active' and Name eq 'GBP'"));
        assert!(!check("State eq 'Deleted'"));
        assert!(check("LusidInstrumentId in 'CCY_USD', 'CCY_GBP'"));
        assert!(check("LusidInstrumentId in ('CCY_USD', 'CCY_GBP')"));
        assert!(!check("LusidInstrumentId not in ('CCY_USD', 'CCY_GBP')"));
        assert!(check("Identifiers[Currency] eq 'GBP'"));
        assert!(check("Name startswith 'gb'"));
        assert!(check(
            "not (Name eq 'USD') and (Name eq 'X' or DomCcy eq 'GBP')"
        ));
        assert!(check("Name neq 'USD'"));
        assert!(check("Name gt 'AAA' and Name lt 'ZZZ'"));
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "State",
            "State eq",
            "State eq Active",
            "State equals 'Active'",
            "Colour eq 'Red'",
            "(State eq 'Active'",
            "State eq 'Active",
            "State eq 'Active' and",
            "State eq 'Active' 'x'",
            "Name[x] eq 'a'",
            "Name eq 'a' ; drop",
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
