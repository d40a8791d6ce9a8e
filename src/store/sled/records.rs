//! Consent records on sled: appended through the group commit, answered once durable.

use tokio::sync::oneshot;

use super::{Sled, Trees};
use crate::consent::ConsentRecord;
use crate::store::records::{Owner, Stored};
use crate::store::{StoreError, keys};

impl Sled {
    /// Stores a record; answers once it is flushed to disk, with the JSON that was stored. A
    /// record repeating the visitor and `decision_id` of a stored one is not stored again: the
    /// answer is `Existing` with the stored one.
    pub(crate) async fn append(&self, record: &ConsentRecord) -> Result<Stored, StoreError> {
        let value = serde_json::to_vec(record)?;
        let nanos = keys::nanos(record.recorded_at);
        let (reply, answer) = oneshot::channel();
        let write = super::commit::Write {
            nanos,
            consent_id: record.consent_id.as_str().to_owned(),
            indexed: !record.first_decision,
            decision_id: record.decision_id.clone(),
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

impl Trees {
    /// The record at `time`, if it is there and `keep` accepts its owner: what a read through
    /// the index checks, since two visitors can share an index entry's visitor part.
    pub(super) fn record_if(
        &self,
        time: &keys::TimeKey,
        keep: impl FnOnce(&Owner<'_>) -> bool,
    ) -> Result<Option<sled::IVec>, StoreError> {
        let Some(value) = self.records.get(time)? else {
            return Ok(None);
        };
        let owner: Owner<'_> = serde_json::from_slice(&value)?;
        Ok(keep(&owner).then_some(value))
    }
}
