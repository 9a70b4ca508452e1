//! Query parameters as LUSID's routes read them.

/// Query parameters in order; names match case-insensitively, as in
/// LUSID's ASP.NET model binding.
#[derive(Clone, Debug, Default)]
pub(crate) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string (percent-decoding, `+` as space).
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The first non-empty value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// All non-empty values of `name` (repeated parameters).
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_decoded_and_case_insensitive() {
        let q = QueryParams::parse(Some("Filter=Name+eq+%27A%26B%27&sortBy=a&SORTBY=b&limit="));
        assert_eq!(q.get("filter"), Some("Name eq 'A&B'"));
        assert_eq!(q.all("sortby"), vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(q.get("limit"), None);
    }
}
