//! Renders a discriminated family (allOf inheritance or `oneOf` union) as
//! an enum with one boxed variant per member and an unknown fallback.
//!
//! Serialising writes the member (whose struct carries the discriminator
//! field) or the unknown value's raw JSON. Deserialising captures the value
//! as raw JSON text, reads the discriminator from it, then decodes the
//! member from that text (never through serde's internal buffering, which
//! would lose lossless numbers and raw values).

use crate::docs::{code_list, doc_comment};
use crate::emit_models::usage_paragraphs;
use crate::model::{Family, Model};

/// Renders the enum and its serde implementations.
pub fn render_family(model: &Model, family: &Family) -> String {
    let name = &model.name;
    let property = &family.property;
    let unknown = &family.unknown;
    let shape = if family.one_of {
        "a `oneOf` union"
    } else {
        "a discriminated base (`allOf` inheritance)"
    };
    let mut paragraphs = vec![format!(
        "Wire type `{name}`: {shape}, keyed by the discriminator `{property}`."
    )];
    paragraphs.extend(usage_paragraphs(&model.usage));
    let mut fallback = format!(
        "A value whose `{property}` names no member here is kept whole in \
         [`{name}::{unknown}`] and written back unchanged"
    );
    if family.without_schema.is_empty() {
        fallback.push('.');
    } else {
        fallback.push_str(&format!(
            "; the specification lists {} without a schema.",
            code_list(&family.without_schema, usize::MAX)
        ));
    }
    paragraphs.push(fallback);
    paragraphs.push(format!(
        "Build one from JSON text with [`{name}::from_raw`], or construct a member and wrap it."
    ));
    let mut out = doc_comment(&paragraphs);
    out.push_str(&format!(
        "#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum {name} {{\n"
    ));
    for variant in &family.variants {
        let tags: Vec<String> = variant.tags.clone();
        out.push_str(&format!(
            "/// `{property}` {}: [`{1}`](crate::{1}).\n{1}(Box<crate::{1}>),\n",
            code_list(&tags, usize::MAX),
            variant.schema
        ));
    }
    out.push_str(&format!(
        "/// Any other `{property}`: the value kept as LUSID sent it.\n{unknown} {{\n\
         /// The discriminator value (empty when the value had none).\ntag: String,\n\
         /// The whole value.\nraw: crate::RawJson,\n}},\n}}\n\n"
    ));

    out.push_str(&format!(
        "impl {name} {{\n/// The wire name of the discriminator property.\n\
         pub const DISCRIMINATOR: &'static str = {property:?};\n\n\
         /// Decodes a value from its JSON text, choosing the member by `{property}`.\n\
         ///\n/// # Errors\n/// When the text is not a JSON object or the member does not decode.\n\
         pub fn from_raw(raw: &crate::RawJson) -> Result<Self, serde_json::Error> {{\n\
         serde_json::from_str(raw.get())\n}}\n\n\
         /// Wraps JSON text without decoding it, as [`{name}::{unknown}`] with the `{property}` \
         read from the text (empty when absent). Serialising writes the text unchanged.\n\
         pub fn wrap_raw(raw: crate::RawJson) -> Self {{\n\
         let tag = crate::family::peek(raw.get(), Self::DISCRIMINATOR);\n\
         Self::{unknown} {{ tag, raw }}\n}}\n\n\
         /// The value as JSON text, as it would be sent.\n\
         ///\n/// # Errors\n/// When a member holds a value with no JSON form (a date-time outside years 0..=9999).\n\
         pub fn to_raw(&self) -> Result<crate::RawJson, serde_json::Error> {{\n\
         serde_json::to_string(self).and_then(|text| text.parse())\n}}\n}}\n\n"
    ));

    let serialize_arms: String = family
        .variants
        .iter()
        .map(|variant| {
            format!(
                "Self::{}(value) => value.serialize(serializer),\n",
                variant.schema
            )
        })
        .collect();
    out.push_str(&format!(
        "impl serde::Serialize for {name} {{\n\
         fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n\
         match self {{\n{serialize_arms}Self::{unknown} {{ raw, .. }} => raw.serialize(serializer),\n}}\n}}\n}}\n\n"
    ));

    let mut decode_arms = String::new();
    for variant in &family.variants {
        let patterns: Vec<String> = variant.tags.iter().map(|tag| format!("{tag:?}")).collect();
        decode_arms.push_str(&format!(
            "{} => Self::{}(crate::family::decode(tag.get(&raw), &raw)?),\n",
            patterns.join(" | "),
            variant.schema
        ));
    }
    out.push_str(&format!(
        "impl<'de> serde::Deserialize<'de> for {name} {{\n\
         fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
         let (tag, raw) = crate::family::read(deserializer, Self::DISCRIMINATOR)?;\n\
         Ok(match tag.get(&raw) {{\n{decode_arms}_ => Self::{unknown} {{ tag: tag.into_string(&raw), raw: crate::RawJson::from_raw_value(raw) }},\n}})\n}}\n}}\n\n"
    ));
    out
}
