//! An instrument as the state file keeps it: its LUID, `entityUniqueId`
//! and every version, each version one flat object (system time,
//! provenance and what it records). The layout is the one the state file
//! has had since format 1, so older files load unchanged; in memory the
//! versions live in the generic bitemporal store.

use std::collections::BTreeMap;

use lusid_models::Property;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::bitemporal::Version;
use crate::model::{Instrument, InstrumentState, InstrumentVersion, Luid, Provenance};

/// One instrument with all its versions, oldest first.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InstrumentRecord {
    /// The instrument's LUID.
    luid: Luid,
    /// `version.entityUniqueId`.
    entity_unique_id: String,
    /// Versions, ordered by `as_at` ascending.
    versions: Vec<VersionRecord>,
}

/// One version, flat.
#[derive(Debug, Serialize, Deserialize)]
struct VersionRecord {
    #[serde(with = "crate::time_fmt::serde_lusid")]
    as_at: OffsetDateTime,
    #[serde(with = "crate::time_fmt::serde_lusid")]
    effective_from: OffsetDateTime,
    scope: String,
    name: String,
    identifiers: BTreeMap<String, String>,
    properties: Vec<Property>,
    definition: Option<String>,
    instrument_type: Option<String>,
    state: InstrumentState,
    asset_class: String,
    dom_ccy: Option<String>,
    provenance: Provenance,
}

impl InstrumentRecord {
    /// The record of `luid`'s history (versions without a value, which the
    /// instrument store never writes, are left out).
    pub(crate) fn new(luid: &Luid, versions: &[InstrumentVersion]) -> Self {
        let entity_unique_id = versions.iter().find_map(|v| v.value.as_ref()).map_or_else(
            || crate::model::instrument_entity_id(luid),
            |value| value.entity_unique_id.clone(),
        );
        let versions = versions
            .iter()
            .filter_map(|version| {
                let value = version.value.as_ref()?;
                Some(VersionRecord {
                    as_at: version.as_at,
                    effective_from: value.effective_from,
                    scope: value.scope.clone(),
                    name: value.name.clone(),
                    identifiers: value.identifiers.clone(),
                    properties: value.properties.clone(),
                    definition: value.definition.clone(),
                    instrument_type: value.instrument_type.clone(),
                    state: value.state,
                    asset_class: value.asset_class.clone(),
                    dom_ccy: value.dom_ccy.clone(),
                    provenance: version.provenance.clone(),
                })
            })
            .collect();
        Self {
            luid: luid.clone(),
            entity_unique_id,
            versions,
        }
    }

    /// The LUID and versions the record holds.
    pub(crate) fn into_history(self) -> (Luid, Vec<InstrumentVersion>) {
        let entity_unique_id = self.entity_unique_id;
        let versions = self
            .versions
            .into_iter()
            .map(|v| Version {
                as_at: v.as_at,
                provenance: v.provenance,
                value: Some(Instrument {
                    entity_unique_id: entity_unique_id.clone(),
                    effective_from: v.effective_from,
                    scope: v.scope,
                    name: v.name,
                    identifiers: v.identifiers,
                    properties: v.properties,
                    definition: v.definition,
                    instrument_type: v.instrument_type,
                    state: v.state,
                    asset_class: v.asset_class,
                    dom_ccy: v.dom_ccy,
                }),
            })
            .collect();
        (self.luid, versions)
    }
}
