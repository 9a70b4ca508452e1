//! Domain → wire conversion of instruments.

use crate::model::{InstrumentHistory, InstrumentVersion, LUID_TYPE};
use crate::wire::{Instrument, Version};

/// Which stored properties to show.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PropertySelection<'a> {
    /// All stored properties (upsert responses).
    All,
    /// Only those whose `key` is listed (`propertyKeys`,
    /// `instrumentPropertyKeys`); none if the list is empty.
    Keys(&'a [String]),
}

/// Renders `history` as of version `index` (which must be `version`).
pub(crate) fn instrument(
    lusid_url: &str,
    history: &InstrumentHistory,
    index: usize,
    version: &InstrumentVersion,
    properties: PropertySelection<'_>,
) -> Instrument {
    let first = history.versions.first().unwrap_or(version);
    let luid = history.luid.as_str();
    let properties = match properties {
        PropertySelection::All => version.properties.clone(),
        PropertySelection::Keys(keys) => version
            .properties
            .iter()
            .filter(|p| {
                p.get("key")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|k| keys.iter().any(|want| want == k))
            })
            .cloned()
            .collect(),
    };
    Instrument {
        href: Some(format!(
            "{lusid_url}/api/instruments/{LUID_TYPE}/{luid}?scope={}",
            version.scope
        )),
        scope: Some(version.scope.clone()),
        lusid_instrument_id: luid.to_owned(),
        version: Version {
            effective_from: version.effective_from,
            as_at_date: version.as_at,
            as_at_created: Some(first.as_at),
            user_id_created: Some(first.provenance.user_id.clone()),
            request_id_created: Some(first.provenance.request_id.clone()),
            as_at_modified: Some(version.as_at),
            user_id_modified: Some(version.provenance.user_id.clone()),
            request_id_modified: Some(version.provenance.request_id.clone()),
            as_at_version_number: i64::try_from(index + 1).ok(),
            entity_unique_id: Some(history.entity_unique_id.clone()),
        },
        name: version.name.clone(),
        identifiers: version.identifiers.clone(),
        properties,
        instrument_definition: version.definition.clone(),
        state: version.state.as_str().to_owned(),
        asset_class: version.asset_class.clone(),
        dom_ccy: version.dom_ccy.clone(),
        relationships: Vec::new(),
        links: Vec::new(),
    }
}
