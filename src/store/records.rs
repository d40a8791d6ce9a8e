//! Consent records: appended through the group commit, answered once durable.

use serde::Deserialize;
use tokio::sync::oneshot;

use super::{Store, StoreError, keys};
use crate::consent::ConsentRecord;

/// A post's outcome, with the stored record's JSON.
#[derive(Debug)]
pub(crate) enum Stored {
    /// Stored now.
    New(Vec<u8>),
    /// A retry of a decision stored before; nothing new was stored.
    Existing(Vec<u8>),
}

#[derive(Deserialize)]
pub(super) struct Owner<'a> {
    #[serde(borrow)]
    pub(super) consent_id: &'a str,
    #[serde(borrow, default)]
    pub(super) decision_id: Option<&'a str>,
}

impl Store {
    /// Stores a record; answers once it is flushed to disk, with the JSON that was stored. A
    /// record repeating the visitor and `decision_id` of a stored one is not stored again: the
    /// answer is `Existing` with the stored one.
    pub(crate) async fn append(&self, record: &ConsentRecord) -> Result<Stored, StoreError> {
        let value = serde_json::to_vec(record)?;
        let nanos = keys::nanos(record.recorded_at);
        let (reply, answer) = oneshot::channel();
        // A first decision under a service-made id cannot be a repeat, but its entry is
        // written all the same: the banner's retry of it names the id the answer gave.
        let decision = record
            .decision_id
            .as_ref()
            .map(|decision| keys::decision_key(record.consent_id.as_str(), decision));
        let write = super::commit::Write {
            nanos,
            consent_id: record.consent_id.as_str().to_owned(),
            indexed: !record.first_decision,
            decision,
            value,
            reply,
        };
        if self.shared.commit.is_broken() {
            return Err(StoreError::unavailable(
                "it is recovering from a storage failure",
            ));
        }
        let sent = match self.shared.writer.lock() {
            Ok(tx) => tx.send(write),
            Err(poisoned) => poisoned.into_inner().send(write),
        };
        sent.map_err(|_| StoreError::unavailable("the writer stopped"))?;
        answer
            .await
            .unwrap_or(Err(StoreError::unavailable("the writer stopped")))
    }
}

/// A record for tests: `at`, a first decision, with the given action and analytics choice.
#[cfg(test)]
pub(super) fn record(
    at: time::OffsetDateTime,
    action: crate::consent::Action,
    analytics: bool,
) -> ConsentRecord {
    ConsentRecord {
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
