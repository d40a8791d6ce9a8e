//! The stored evidence of a decision: the decision checked against the snapshot it names, with
//! the facts of its request.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{Action, ConsentId, Decision, millis, ordered_map};

/// Longest user agent kept; longer ones are cut (on a character boundary).
const USER_AGENT_MAX: usize = 512;

/// A decision that the snapshot it names refuses: no such snapshot, or one that shows another
/// revision, language or categories, or an action the granted categories contradict.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TermsError {
    #[error("shown names no banner snapshot this service has served")]
    UnknownShown,
    #[error("revision {revision:?} is not the revision of the banner snapshot {shown:?}")]
    Revision { revision: String, shown: String },
    #[error("language {given:?} is not the language of the banner snapshot ({expected:?})")]
    Language { given: String, expected: String },
    #[error("accepted lists {category:?}, which is not a category of revision {revision}")]
    Category { category: String, revision: String },
    #[error("accepted does not match action {:?}", .0.as_str())]
    Inconsistent(Action),
}

impl TermsError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            TermsError::UnknownShown => "unknown-shown",
            TermsError::Revision { .. } => "unknown-revision",
            TermsError::Language { .. } => "invalid-language",
            TermsError::Category { .. } => "unknown-category",
            TermsError::Inconsistent(_) => "inconsistent-decision",
        }
    }

    pub(crate) fn field(&self) -> &'static str {
        match self {
            TermsError::UnknownShown => "shown",
            TermsError::Revision { .. } => "revision",
            TermsError::Language { .. } => "language",
            TermsError::Category { .. } | TermsError::Inconsistent(_) => "accepted",
        }
    }
}

/// What a `shown` snapshot fixes for a decision: read back from the archived banner
/// configuration, so a revision served before a reload is judged by its own categories.
#[derive(Debug, Deserialize)]
pub(crate) struct Terms {
    pub revision: String,
    pub language: String,
    pub consent_days: u32,
    pub categories: Vec<TermsCategory>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TermsCategory {
    pub id: String,
    /// Snapshots may leave `required: false` out.
    #[serde(default)]
    pub required: bool,
}

impl Terms {
    pub(crate) fn from_snapshot(json: &[u8]) -> Result<Terms, serde_json::Error> {
        serde_json::from_slice(json)
    }
}

/// Facts about the request that the record keeps, gathered by the route.
pub(crate) struct RequestFacts {
    pub user_agent: Option<String>,
    pub ip: Option<IpAddr>,
    pub sec_gpc: bool,
    pub now: OffsetDateTime,
}

/// The stored evidence of one decision (CONTRACT §4.3), plus `sec_gpc`: whether the browser sent
/// the Global Privacy Control header with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(
    description = "A stored decision, the evidence of consent (CONTRACT §4.3), as it was \
    acknowledged, byte for byte."
)]
pub(crate) struct ConsentRecord {
    #[schema(value_type = String)]
    pub consent_id: ConsentId,
    #[serde(with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    pub revision: String,
    pub shown: String,
    /// Every category of the revision, in the registry's order: granted or not.
    #[serde(with = "ordered_map")]
    #[schema(value_type = std::collections::BTreeMap<String, bool>)]
    pub categories: Vec<(String, bool)>,
    pub action: Action,
    pub language: String,
    pub page: Option<String>,
    pub user_agent: Option<String>,
    pub ip_prefix: Option<String>,
    #[serde(with = "millis")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(default)]
    pub sec_gpc: bool,
    /// The banner's name for this decision (CONTRACT §4.4): a post repeating it under the same
    /// `consent_id` is answered with this record instead of making another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
    /// The id was made for this record: it is the visitor's first decision, stored in the
    /// millisecond its id names (see `ConsentId`), so the store needs no index entry to find it.
    #[serde(skip)]
    pub first_decision: bool,
}

impl ConsentRecord {
    /// Checks a decision against what the visitor was shown and builds its record.
    pub(crate) fn new(
        decision: Decision,
        terms: &Terms,
        facts: RequestFacts,
    ) -> Result<ConsentRecord, TermsError> {
        if decision.revision != terms.revision {
            return Err(TermsError::Revision {
                revision: decision.revision,
                shown: decision.shown,
            });
        }
        if let Some(lang) = &decision.language
            && *lang != terms.language
        {
            return Err(TermsError::Language {
                given: lang.clone(),
                expected: terms.language.clone(),
            });
        }
        if let Some(unknown) = decision
            .accepted
            .iter()
            .find(|id| !terms.categories.iter().any(|c| c.id == **id))
        {
            return Err(TermsError::Category {
                category: unknown.clone(),
                revision: terms.revision.clone(),
            });
        }
        let categories: Vec<(String, bool)> = terms
            .categories
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.required || decision.accepted.contains(&c.id),
                )
            })
            .collect();
        let coherent = match decision.action {
            Action::AcceptAll => categories.iter().all(|(_, granted)| *granted),
            a if a.denies_optional() => terms
                .categories
                .iter()
                .all(|c| c.required || !decision.accepted.contains(&c.id)),
            _ => true,
        };
        if !coherent {
            return Err(TermsError::Inconsistent(decision.action));
        }
        // Milliseconds keep the record readable; the store's keys order records within one.
        let millis = facts.now.nanosecond() / 1_000_000 * 1_000_000;
        let recorded_at = facts.now.replace_nanosecond(millis).unwrap_or(facts.now);
        Ok(ConsentRecord {
            first_decision: decision.consent_id.is_none(),
            consent_id: decision
                .consent_id
                .unwrap_or_else(|| ConsentId::generate(facts.now)),
            recorded_at,
            revision: terms.revision.clone(),
            shown: decision.shown,
            categories,
            action: decision.action,
            language: terms.language.clone(),
            page: decision.page.map(String::from),
            user_agent: facts.user_agent.map(truncate_user_agent),
            ip_prefix: facts.ip.map(ip_prefix),
            expires_at: recorded_at + Duration::days(i64::from(terms.consent_days)),
            sec_gpc: facts.sec_gpc,
            decision_id: decision.decision_id.map(String::from),
        })
    }

    pub(crate) fn granted(&self, category: &str) -> Option<bool> {
        self.categories
            .iter()
            .find(|(id, _)| id == category)
            .map(|(_, g)| *g)
    }
}

fn truncate_user_agent(mut ua: String) -> String {
    if ua.len() > USER_AGENT_MAX {
        let mut cut = USER_AGENT_MAX;
        while !ua.is_char_boundary(cut) {
            cut -= 1;
        }
        ua.truncate(cut);
    }
    ua
}

/// The network an address belongs to, never the address: IPv4 /24, IPv6 /48. IPv4-mapped
/// addresses arrive unwrapped, by `proxies::client_ip`.
pub(crate) fn ip_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            format!("{net}/48")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_prefixes_hide_the_host() {
        let cases = [
            ("203.0.113.77", "203.0.113.0/24"),
            ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ];
        for (ip, prefix) in cases {
            assert_eq!(ip_prefix(ip.parse().expect("an address")), prefix);
        }
    }
}
