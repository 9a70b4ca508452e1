//! Domain → wire (`lusid_models`) conversion of instruments.

use std::collections::BTreeMap;

use lusid_models::{Instrument, InstrumentAssetClass, InstrumentState, Version};
use serde_json::Value;

use crate::model::{self, InstrumentHistory, InstrumentVersion, LUID_TYPE};

/// Which stored properties to show.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PropertySelection<'a> {
    /// All stored properties (upsert responses).
    All,
    /// Only those whose `key` is listed (`propertyKeys`,
    /// `instrumentPropertyKeys`); none if the list is empty.
    Keys(&'a [String]),
}

/// The wire state.
fn state(state: model::InstrumentState) -> InstrumentState {
    match state {
        model::InstrumentState::Active => InstrumentState::Active,
        model::InstrumentState::Inactive => InstrumentState::Inactive,
        model::InstrumentState::Deleted => InstrumentState::Deleted,
    }
}

/// Renders `history` as of version `index` as LUSID's `Instrument` JSON.
///
/// The economic definition is spliced in as stored JSON, so any
/// `instrumentType` round-trips whatever the generated models make of it.
pub(crate) fn instrument(
    lusid_url: &str,
    history: &InstrumentHistory,
    index: usize,
    properties: PropertySelection<'_>,
) -> Value {
    let Some(version) = history.versions.get(index) else {
        return Value::Null;
    };
    let mut out = typed(lusid_url, history, version, properties);
    if let (Some(definition), Some(object)) = (&version.definition, out.as_object_mut()) {
        if let Ok(value) = serde_json::from_str::<Value>(definition) {
            object.insert("instrumentDefinition".to_owned(), value);
        }
    }
    out
}

/// Everything but the definition, through the generated model.
fn typed(
    lusid_url: &str,
    history: &InstrumentHistory,
    version: &InstrumentVersion,
    properties: PropertySelection<'_>,
) -> Value {
    let index = history
        .versions
        .iter()
        .position(|v| std::ptr::eq(v, version))
        .unwrap_or(0);
    let first = history.versions.first().unwrap_or(version);
    let luid = history.luid.as_str();

    let mut wire_version = Version::new(version.effective_from, version.as_at);
    wire_version.as_at_created = Some(first.as_at);
    wire_version.user_id_created = Some(first.provenance.user_id.clone());
    wire_version.request_id_created = Some(first.provenance.request_id.clone());
    wire_version.as_at_modified = Some(version.as_at);
    wire_version.user_id_modified = Some(version.provenance.user_id.clone());
    wire_version.request_id_modified = Some(version.provenance.request_id.clone());
    wire_version.as_at_version_number = i64::try_from(index + 1).ok();
    wire_version.entity_unique_id = Some(history.entity_unique_id.clone());

    let identifiers: BTreeMap<String, Option<String>> = version
        .identifiers
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    let properties = match properties {
        PropertySelection::All => version.properties.clone(),
        PropertySelection::Keys(keys) => version
            .properties
            .iter()
            .filter(|p| keys.contains(&p.key))
            .cloned()
            .collect(),
    };

    let mut out = Instrument::new(
        luid,
        wire_version,
        version.name.clone(),
        identifiers,
        state(version.state),
    );
    out.href = Some(format!(
        "{lusid_url}/api/instruments/{LUID_TYPE}/{luid}?scope={}",
        version.scope
    ));
    out.scope = Some(version.scope.clone());
    out.properties = Some(properties);
    out.asset_class = Some(InstrumentAssetClass::from(version.asset_class.as_str()));
    out.dom_ccy = version.dom_ccy.clone();
    out.relationships = Some(Vec::new());
    out.links = Some(Vec::new());
    serde_json::to_value(out).unwrap_or(Value::Null)
}
