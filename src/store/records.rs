//! What storing a record answers, and the fields of a stored record every store reads back.

use serde::Deserialize;

/// A post's outcome, with the stored record's JSON.
#[derive(Debug)]
pub(crate) enum Stored {
    /// Stored now.
    New(Vec<u8>),
    /// A retry of a decision stored before; nothing new was stored.
    Existing(Vec<u8>),
}

#[derive(Deserialize)]
pub(crate) struct Owner<'a> {
    #[serde(borrow)]
    pub(crate) consent_id: &'a str,
    #[serde(borrow, default)]
    pub(crate) decision_id: Option<&'a str>,
}

/// A record for tests: `at`, a first decision, with the given action and analytics choice.
#[cfg(test)]
pub(crate) fn record(
    at: time::OffsetDateTime,
    action: crate::consent::Action,
    analytics: bool,
) -> crate::consent::ConsentRecord {
    crate::consent::ConsentRecord {
        consent_id: crate::consent::ConsentId::generate(at),
        recorded_at: at,
        revision: "r1".to_owned(),
        shown: "s1".to_owned(),
        categories: vec![
            ("necessary".to_owned(), true),
            ("analytics".to_owned(), analytics),
        ],
        action,
        language: "en".to_owned(),
        page: None,
        user_agent: None,
        ip_prefix: None,
        expires_at: at + time::Duration::days(182),
        sec_gpc: false,
        decision_id: None,
        first_decision: true,
    }
}
