//! How CSV columns map to an instrument definition.
//!
//! Without a mapping file a header names its columns directly: `name`, an
//! identifier type (`Figi`, `Isin`, `ClientInternal`, ...) or
//! `property:Instrument/<scope>/<code>`; any other column is an error (so a
//! misspelt identifier type is not silently ignored). `--mapping FILE` (a
//! JSON object) renames columns, names the correlation id column, declares
//! metric properties and lists columns to ignore:
//!
//! ```json
//! {
//!   "columns": { "Security": "name", "FIGI": "Figi", "Sector": "property:Instrument/ibor/Sector" },
//!   "id": "RowRef",
//!   "metrics": { "property:Instrument/ibor/Price": "GBP" },
//!   "ignore": ["Comment"]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use super::rows::{identifier_type, property_key};

/// The prefix of a property column.
const PROPERTY: &str = "property:";

/// The `--mapping` file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Header name → target (`name`, an identifier type or
    /// `property:<key>`).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// The column holding the correlation id (default: the row number).
    #[serde(default)]
    pub id: Option<String>,
    /// Property target → unit: these properties are metrics (exact
    /// numbers), not labels. An empty unit gives a number without one.
    #[serde(default)]
    pub metrics: BTreeMap<String, String>,
    /// Header names to skip.
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// What one CSV column feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The correlation id.
    Id,
    /// `name` (the header's own spelling).
    Name(String),
    /// An identifier of type `kind`, from header `source`.
    Identifier {
        /// The header.
        source: String,
        /// The identifier type.
        kind: String,
    },
    /// A property `key`, a metric with `unit` when the mapping says so.
    Property {
        /// The header.
        source: String,
        /// `Instrument/<scope>/<code>`.
        key: String,
        /// The metric's unit; `None` for a label.
        unit: Option<String>,
    },
    /// Skipped.
    Ignored,
}

impl Column {
    /// The header a column came from, for messages.
    pub fn name<'a>(&'a self, mapping: &'a Mapping) -> &'a str {
        match self {
            Column::Id => mapping.id.as_deref().unwrap_or("id"),
            Column::Name(source)
            | Column::Identifier { source, .. }
            | Column::Property { source, .. } => source,
            Column::Ignored => "",
        }
    }
}

/// A mapping or header that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The mapping file cannot be read.
    #[error("cannot read the mapping file {}", .path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The mapping file is not the expected JSON.
    #[error("the mapping file {} is not valid", .path.display())]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// Where and why.
        #[source]
        source: serde_json::Error,
    },
    /// A column of the header means nothing.
    #[error(
        "CSV column `{column}` (column {position}) is not `name`, an identifier type or property:Instrument/<scope>/<code>{hint}"
    )]
    UnknownColumn {
        /// The header.
        column: String,
        /// Its position, from 1.
        position: usize,
        /// Advice.
        hint: &'static str,
    },
    /// A property column or metric target is not an instrument property key.
    #[error("CSV column `{column}`: {reason}")]
    BadProperty {
        /// The header.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// Two columns feed the same field.
    #[error("CSV columns `{first}` and `{second}` both set {target}")]
    Duplicate {
        /// The first header.
        first: String,
        /// The second.
        second: String,
        /// What they both set.
        target: String,
    },
    /// A mapping entry names nothing in this file.
    #[error("the mapping's {entry} entry `{name}` is not used: {reason}")]
    Unused {
        /// `columns`, `ignore` or `metrics`.
        entry: &'static str,
        /// The entry's name.
        name: String,
        /// Why it matches nothing.
        reason: &'static str,
    },
    /// The header has no `name` column.
    #[error(
        "the CSV header has no `name` column (map one with --mapping: {{\"columns\": {{\"<header>\": \"name\"}}}})"
    )]
    NoName,
    /// The mapping names an id column the header lacks.
    #[error("the mapping's id column `{0}` is not in the CSV header")]
    NoIdColumn(String),
}

impl Mapping {
    /// Reads a mapping file.
    pub fn read(path: &Path) -> Result<Self, MappingError> {
        let text = std::fs::read(path).map_err(|source| MappingError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| MappingError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// What each header column feeds.
    pub fn columns(&self, header: &csv::StringRecord) -> Result<Vec<Column>, MappingError> {
        let mut columns = Vec::with_capacity(header.len());
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (index, source) in header.iter().enumerate() {
            let source = source.trim();
            let column = self.column(source, index + 1)?;
            let target = match &column {
                Column::Id => Some("the correlation id".to_owned()),
                Column::Name(_) => Some("the name".to_owned()),
                Column::Identifier { kind, .. } => Some(format!("identifier {kind}")),
                Column::Property { key, .. } => Some(format!("property {key}")),
                Column::Ignored => None,
            };
            if let Some(target) = target {
                if let Some(first) = seen.insert(target.clone(), source.to_owned()) {
                    return Err(MappingError::Duplicate {
                        first,
                        second: source.to_owned(),
                        target,
                    });
                }
            }
            columns.push(column);
        }
        if !columns.iter().any(|c| matches!(c, Column::Name(_))) {
            return Err(MappingError::NoName);
        }
        let headers: Vec<&str> = header.iter().map(str::trim).collect();
        for (entry, names) in [
            (
                "columns",
                self.columns.keys().map(String::as_str).collect::<Vec<_>>(),
            ),
            ("ignore", self.ignore.iter().map(String::as_str).collect()),
        ] {
            if let Some(missing) = names.iter().find(|name| !headers.contains(name)) {
                return Err(MappingError::Unused {
                    entry,
                    name: (*missing).to_owned(),
                    reason: "the CSV header has no such column",
                });
            }
        }
        for target in self.metrics.keys() {
            let used = columns.iter().any(|c| {
                matches!(c, Column::Property { key, .. } if target.strip_prefix(PROPERTY) == Some(key.as_str()))
            });
            if !used {
                return Err(MappingError::Unused {
                    entry: "metrics",
                    name: target.clone(),
                    reason: "no column is that property (metrics are keyed by target, such as property:Instrument/ibor/Price)",
                });
            }
        }
        if let Some(id) = &self.id {
            if !columns.contains(&Column::Id) {
                return Err(MappingError::NoIdColumn(id.clone()));
            }
        }
        Ok(columns)
    }

    fn column(&self, source: &str, position: usize) -> Result<Column, MappingError> {
        if self.id.as_deref() == Some(source) {
            return Ok(Column::Id);
        }
        if self.ignore.iter().any(|ignored| ignored == source) {
            return Ok(Column::Ignored);
        }
        let target = self.columns.get(source).map_or(source, String::as_str);
        if target.eq_ignore_ascii_case("name") {
            return Ok(Column::Name(source.to_owned()));
        }
        if let Some(kind) = identifier_type(target) {
            return Ok(Column::Identifier {
                source: source.to_owned(),
                kind: kind.to_owned(),
            });
        }
        if let Some(key) = target.strip_prefix(PROPERTY) {
            property_key(key).map_err(|reason| MappingError::BadProperty {
                column: source.to_owned(),
                reason,
            })?;
            return Ok(Column::Property {
                source: source.to_owned(),
                key: key.to_owned(),
                unit: self.metrics.get(target).cloned(),
            });
        }
        Err(MappingError::UnknownColumn {
            column: source.to_owned(),
            position,
            hint: if self.columns.contains_key(source) {
                " (check its target in the mapping file)"
            } else {
                " (rename it with --mapping, or list it under \"ignore\")"
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(names.to_vec())
    }

    #[test]
    fn headers_name_their_columns() {
        let columns = Mapping::default()
            .columns(&header(&[
                "name",
                "FIGI",
                "property:Instrument/ibor/Sector",
            ]))
            .unwrap();
        assert_eq!(columns[0], Column::Name("name".into()));
        assert_eq!(
            columns[1],
            Column::Identifier {
                source: "FIGI".into(),
                kind: "Figi".into()
            }
        );
        assert!(
            matches!(&columns[2], Column::Property { key, unit: None, .. } if key == "Instrument/ibor/Sector")
        );
    }

    #[test]
    fn a_mapping_renames_declares_metrics_and_ignores() {
        let mapping: Mapping = serde_json::from_str(
            r#"{"columns": {"Security": "name", "Px": "property:Instrument/ibor/Price"},
                "id": "Ref", "metrics": {"property:Instrument/ibor/Price": "GBP"}, "ignore": ["Note"]}"#,
        )
        .unwrap();
        let columns = mapping
            .columns(&header(&[
                "Ref",
                "Security",
                "Px",
                "Note",
                "ClientInternal",
            ]))
            .unwrap();
        assert_eq!(columns[0], Column::Id);
        assert!(matches!(&columns[2], Column::Property { unit: Some(unit), .. } if unit == "GBP"));
        assert_eq!(columns[3], Column::Ignored);
    }

    #[test]
    fn mapping_entries_that_match_nothing_are_refused() {
        for mapping in [
            r#"{"columns": {"Missing": "Figi"}}"#,
            r#"{"ignore": ["Absent"]}"#,
            r#"{"metrics": {"Instrument/ibor/Px": "GBP"}}"#,
            r#"{"metrics": {"property:Instrument/ibor/Other": "GBP"}}"#,
        ] {
            let mapping: Mapping = serde_json::from_str(mapping).unwrap();
            let error = mapping
                .columns(&header(&["name", "Figi", "property:Instrument/ibor/Px"]))
                .unwrap_err();
            assert!(matches!(error, MappingError::Unused { .. }), "{error}");
        }
    }

    #[test]
    fn bad_headers_are_named() {
        let error = Mapping::default()
            .columns(&header(&["name", "Bloomberg"]))
            .unwrap_err();
        assert!(
            error.to_string().contains("`Bloomberg` (column 2)"),
            "{error}"
        );
        let error = Mapping::default()
            .columns(&header(&["name", "property:Portfolio/x/y"]))
            .unwrap_err();
        assert!(
            error.to_string().contains("Instrument/<scope>/<code>"),
            "{error}"
        );
        let error = Mapping::default().columns(&header(&["Figi"])).unwrap_err();
        assert!(matches!(error, MappingError::NoName));
        let error = Mapping::default()
            .columns(&header(&["name", "Figi", "figi"]))
            .unwrap_err();
        assert!(matches!(error, MappingError::Duplicate { .. }), "{error}");
    }
}
