//! Consent decisions as the domain sees them: parsed once at the edge from a posted body, checked
//! against the exact banner snapshot the visitor saw, and turned into the record that is stored.

mod decision;
mod id;
mod json;
mod page;
mod record;

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;

pub(crate) use decision::{Action, Decision, DecisionError};
pub(crate) use id::{ConsentId, DecisionId, IdError};
pub(crate) use page::Page;
pub(crate) use record::{ConsentRecord, RequestFacts, Terms, TermsError};

/// Times as RFC 3339 in UTC with exactly three decimals, so that records sort as text too.
pub(crate) mod millis {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );

    pub(crate) fn format(t: OffsetDateTime) -> String {
        t.to_offset(time::UtcOffset::UTC)
            .format(FORMAT)
            .unwrap_or_default()
    }

    pub(crate) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}

/// `categories` as a JSON object that keeps the registry's order.
pub(crate) mod ordered_map {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &[(String, bool)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, g) in v {
            map.serialize_entry(k, g)?;
        }
        map.end()
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, bool)>, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Vec<(String, bool)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from category id to granted")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry::<String, bool>()? {
                    out.push(entry);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Ordered)
    }
}
