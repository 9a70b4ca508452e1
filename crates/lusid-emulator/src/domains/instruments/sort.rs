//! `sortBy` for `ListInstruments`: `Name`, `-Name` (descending),
//! `Name DESC`/`Name ASC`, on the fields filters support. Ties break on
//! LUID ascending, so every order is total and pages are stable.

use std::cmp::Ordering;

use crate::domains::instruments::fields::Field;
use crate::model::Instrument;

/// One sort criterion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SortField {
    field: Field,
    descending: bool,
}

/// The parsed `sortBy` list; empty means LUID order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SortSpec(Vec<SortField>);

/// A sort position: one value per criterion plus the LUID tie-breaker
/// (a page token's position: `l` and, when sorted, `k`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SortKey {
    /// The item's value of each sort criterion.
    #[serde(rename = "k", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) values: Vec<Option<String>>,
    /// The item's LUID.
    #[serde(rename = "l")]
    pub(crate) luid: String,
}

impl SortSpec {
    /// Parses `sortBy` values (each may hold several comma-separated
    /// criteria). `Err` names the first unsupported field.
    pub(crate) fn parse(raw: &[String]) -> Result<Self, String> {
        let mut fields = Vec::new();
        for item in raw.iter().flat_map(|r| r.split(',')) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (name, descending) = if let Some(rest) = item.strip_prefix('-') {
                (rest.trim(), true)
            } else if let Some((name, dir)) = item.rsplit_once(' ') {
                match dir.trim().to_ascii_lowercase().as_str() {
                    "desc" => (name.trim(), true),
                    "asc" => (name.trim(), false),
                    _ => (item, false),
                }
            } else {
                (item, false)
            };
            let field = parse_field(name)
                .ok_or_else(|| format!("Sorting by '{name}' is not supported."))?;
            fields.push(SortField { field, descending });
        }
        Ok(Self(fields))
    }

    /// Whether this is the natural LUID order.
    pub(crate) fn is_luid_order(&self) -> bool {
        self.0.is_empty()
    }

    /// The sort key of an instrument version.
    pub(crate) fn key(&self, luid: &str, version: &Instrument) -> SortKey {
        SortKey {
            values: self
                .0
                .iter()
                .map(|f| f.field.value_of(luid, version).map(str::to_owned))
                .collect(),
            luid: luid.to_owned(),
        }
    }

    /// Compares two keys under this spec.
    pub(crate) fn compare(&self, a: &SortKey, b: &SortKey) -> Ordering {
        for (index, criterion) in self.0.iter().enumerate() {
            let ordering = match (a.values.get(index), b.values.get(index)) {
                (Some(Some(x)), Some(Some(y))) => crate::filter::compare(x, y),
                (x, y) => x.cmp(&y),
            };
            let ordering = if criterion.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        a.luid.cmp(&b.luid)
    }

    /// A canonical string of the spec (for the page-token query hash).
    pub(crate) fn canonical(&self) -> String {
        self.0
            .iter()
            .map(|f| format!("{}{:?}", if f.descending { "-" } else { "" }, f.field))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Parses a sort field name as a filter would (`Identifiers[Figi]`).
fn parse_field(name: &str) -> Option<Field> {
    let probe = format!("{name} eq ''");
    match crate::domains::instruments::fields::parse_filter(&probe).ok()? {
        crate::filter::Filter::Compare(field, _, _) => Some(field),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directions_and_rejects_unknown_fields() {
        let spec = SortSpec::parse(&["-Name".to_owned(), "State asc".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.0.len(), 2);
        assert!(spec.0[0].descending && !spec.0[1].descending);
        let spec = SortSpec::parse(&["Name DESC, Identifiers[Figi]".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.0.len(), 2);
        assert!(SortSpec::parse(&["Colour".to_owned()]).is_err());
        assert!(
            SortSpec::parse(&[])
                .map(|s| s.is_luid_order())
                .unwrap_or(false)
        );
    }
}
