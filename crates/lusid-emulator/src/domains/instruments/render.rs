//! Domain → wire (`lusid_models`) conversion of instruments.

use std::collections::BTreeMap;

use lusid_models::{Instrument, InstrumentAssetClass, InstrumentState, Version};
use serde_json::value::RawValue;

use crate::bitemporal::Seen;
use crate::model::{self, InstrumentHistory, LUID_TYPE};

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

/// Renders `history` as of version `index` as LUSID's `Instrument` JSON
/// text, in the model's (LUSID's) field order.
///
/// Nothing goes through `serde_json::Value`, whose numbers are `f64`:
/// property values keep every digit as sent ([`lusid_models::Number`]),
/// and the economic definition is spliced in as the stored JSON text, so
/// any `instrumentType` and any number in it round-trip exactly.
pub(crate) fn instrument(
    lusid_url: &str,
    history: &InstrumentHistory<'_>,
    index: usize,
    properties: PropertySelection<'_>,
) -> Box<RawValue> {
    let Some(seen) = history.seen(index) else {
        return raw("null".to_owned());
    };
    let mut out = typed(lusid_url, history.luid.as_str(), &seen, properties);
    if let Some(definition) = &seen.value.definition {
        if out.ends_with('}') && out.len() > 2 && RawValue::from_string(definition.clone()).is_ok()
        {
            out.pop();
            out.push_str(",\"instrumentDefinition\":");
            out.push_str(definition);
            out.push('}');
        }
    }
    raw(out)
}

/// `text` as a raw JSON value (`null` if it is not JSON, which the
/// renderer never produces).
pub(crate) fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text).unwrap_or_default()
}

/// Everything but the definition, through the generated model.
fn typed(
    lusid_url: &str,
    luid: &str,
    seen: &Seen<'_, model::Instrument>,
    properties: PropertySelection<'_>,
) -> String {
    let (version, created, modified) = (seen.value, seen.created, seen.modified);
    let mut wire_version = Version::new(version.effective_from, modified.as_at);
    wire_version.as_at_created = Some(created.as_at);
    wire_version.user_id_created = Some(created.provenance.user_id.clone());
    wire_version.request_id_created = Some(created.provenance.request_id.clone());
    wire_version.as_at_modified = Some(modified.as_at);
    wire_version.user_id_modified = Some(modified.provenance.user_id.clone());
    wire_version.request_id_modified = Some(modified.provenance.request_id.clone());
    wire_version.as_at_version_number = i64::try_from(seen.number).ok();
    wire_version.entity_unique_id = Some(version.entity_unique_id.clone());

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
    serde_json::to_string(&out).unwrap_or_else(|_| "null".to_owned())
}
