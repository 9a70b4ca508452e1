//! Word lists for synthetic company names and their markets.

/// First words of synthetic company names.
pub(crate) const PREFIXES: &[&str] = &[
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Aperture",
    "Cyberdyne",
    "Tyrell",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Massive",
    "Dunder",
    "Pied Piper",
    "Sterling",
    "Blue Harbour",
    "Red Kite",
    "Silver Birch",
    "Granite",
    "Meridian",
    "Aurora",
    "Summit",
    "Pinnacle",
    "Harbourside",
    "Evergreen",
    "Ironbridge",
    "Lakeside",
    "Oakridge",
    "Westfield",
    "Eastgate",
    "Northstar",
    "Southbank",
    "Crescent",
    "Beacon",
    "Keystone",
    "Highland",
    "Riverside",
    "Thames",
    "Rhine",
    "Alpine",
    "Fjord",
    "Sakura",
    "Kestrel",
    "Falcon",
    "Osprey",
];

/// Second words of synthetic company names.
pub(crate) const SECTORS: &[&str] = &[
    "Holdings",
    "Industries",
    "Technologies",
    "Energy",
    "Pharmaceuticals",
    "Capital",
    "Resources",
    "Logistics",
    "Foods",
    "Motors",
    "Telecom",
    "Mining",
    "Retail",
    "Utilities",
    "Systems",
    "Biosciences",
    "Materials",
    "Aerospace",
    "Media",
    "Insurance",
    "Bancorp",
    "Semiconductors",
    "Chemicals",
    "Properties",
    "Airlines",
    "Shipping",
    "Brewing",
    "Software",
    "Robotics",
    "Water",
];

/// A market: ISIN country prefix, legal-form suffix, trading currency.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Market {
    /// ISO 3166 alpha-2 country (ISIN prefix).
    pub(crate) country: &'static str,
    /// Legal form appended to names.
    pub(crate) legal_form: &'static str,
    /// ISO 4217 trading currency.
    pub(crate) currency: &'static str,
}

/// Markets synthetic equities are drawn from.
pub(crate) const MARKETS: &[Market] = &[
    Market {
        country: "US",
        legal_form: "Inc",
        currency: "USD",
    },
    Market {
        country: "US",
        legal_form: "Corp",
        currency: "USD",
    },
    Market {
        country: "GB",
        legal_form: "plc",
        currency: "GBP",
    },
    Market {
        country: "DE",
        legal_form: "AG",
        currency: "EUR",
    },
    Market {
        country: "FR",
        legal_form: "SA",
        currency: "EUR",
    },
    Market {
        country: "NL",
        legal_form: "NV",
        currency: "EUR",
    },
    Market {
        country: "CH",
        legal_form: "AG",
        currency: "CHF",
    },
    Market {
        country: "JP",
        legal_form: "KK",
        currency: "JPY",
    },
    Market {
        country: "CA",
        legal_form: "Ltd",
        currency: "CAD",
    },
    Market {
        country: "AU",
        legal_form: "Ltd",
        currency: "AUD",
    },
    Market {
        country: "SE",
        legal_form: "AB",
        currency: "SEK",
    },
    Market {
        country: "IE",
        legal_form: "plc",
        currency: "EUR",
    },
];
