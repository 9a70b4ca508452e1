//! The identifier index: scope → identifier type → value → LUIDs.

use std::collections::HashMap;

use crate::model::{Instrument, LUID_TYPE, Luid};

/// Maps each identifier of each instrument's latest version to its LUID.
/// `LusidInstrumentId` is not indexed (the store is keyed by it). Nested
/// maps keep lookups allocation-free.
#[derive(Debug, Default)]
pub(crate) struct IdentifierIndex {
    map: HashMap<String, HashMap<String, HashMap<String, Vec<Luid>>>>,
}

impl IdentifierIndex {
    /// The LUIDs holding `kind = value` in `scope` (usually zero or one).
    pub(crate) fn get(&self, scope: &str, kind: &str, value: &str) -> &[Luid] {
        self.map
            .get(scope)
            .and_then(|kinds| kinds.get(kind))
            .and_then(|values| values.get(value))
            .map_or(&[], Vec::as_slice)
    }

    /// The LUIDs holding `kind = value` in any scope.
    pub(crate) fn get_any_scope(&self, kind: &str, value: &str) -> Vec<Luid> {
        self.map
            .values()
            .filter_map(|kinds| kinds.get(kind))
            .filter_map(|values| values.get(value))
            .flatten()
            .cloned()
            .collect()
    }

    /// Indexes every identifier of `version` for `luid`.
    pub(crate) fn add(&mut self, luid: &Luid, version: &Instrument) {
        let kinds = match self.map.get_mut(version.scope.as_str()) {
            Some(kinds) => kinds,
            None => self.map.entry(version.scope.clone()).or_default(),
        };
        for (kind, value) in &version.identifiers {
            if kind == LUID_TYPE {
                continue;
            }
            let values = match kinds.get_mut(kind.as_str()) {
                Some(values) => values,
                None => kinds.entry(kind.clone()).or_default(),
            };
            let luids = values.entry(value.clone()).or_default();
            if !luids.contains(luid) {
                luids.push(luid.clone());
            }
        }
    }

    /// Removes every identifier of `version` for `luid`.
    pub(crate) fn remove(&mut self, luid: &Luid, version: &Instrument) {
        let Some(kinds) = self.map.get_mut(version.scope.as_str()) else {
            return;
        };
        for (kind, value) in &version.identifiers {
            let Some(values) = kinds.get_mut(kind.as_str()) else {
                continue;
            };
            if let Some(luids) = values.get_mut(value.as_str()) {
                luids.retain(|l| l != luid);
                if luids.is_empty() {
                    values.remove(value.as_str());
                }
            }
        }
    }
}
