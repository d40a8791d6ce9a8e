//! What the store keeps of the consent log (CONTRACT §7), the same on both engines: the records
//! not yet in the log, in commit order; each record's `log` member (its leaf index and salt);
//! the tree's nodes (`tlog::NodeStore`); the signed checkpoints.
//!
//! The nodes' `append` is where a sequencing round commits: the nodes, the new size and every
//! record's index and salt in one transaction, so the log never holds a leaf whose record does
//! not say so, nor a record that names a leaf the tree lacks.

use std::cell::RefCell;

use time::OffsetDateTime;

use super::{Store, StoreError, keys};
use crate::tlog::{NodeId, NodeStore, NodesError, Salt, TreeHash};

/// A stored record not yet in the log: where it waits (engine-specific, in commit order), its
/// time key and its stored JSON.
pub(crate) struct Pending {
    pub(crate) token: u64,
    pub(crate) time: keys::TimeKey,
    pub(crate) body: Vec<u8>,
}

/// A record given its leaf.
pub(crate) struct Sequenced {
    pub(crate) token: u64,
    pub(crate) time: keys::TimeKey,
    pub(crate) entry: LogEntry,
}

/// A record's place in the log: its `log` member.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogEntry {
    pub(crate) index: u64,
    pub(crate) salt: Salt,
}

/// A log entry's stored length: the leaf index, then the salt.
pub(crate) const ENTRY_BYTES: usize = 24;

impl LogEntry {
    /// Stored as the index (big-endian) then the salt.
    pub(crate) fn to_bytes(self) -> [u8; ENTRY_BYTES] {
        let mut bytes = [0u8; ENTRY_BYTES];
        bytes[..8].copy_from_slice(&self.index.to_be_bytes());
        bytes[8..].copy_from_slice(self.salt.as_bytes());
        bytes
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<LogEntry> {
        let index = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let salt: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
        Some(LogEntry {
            index,
            salt: Salt::from_bytes(salt),
        })
    }
}

/// A signed checkpoint as kept: when it was signed, and its signed note.
#[derive(Clone, Debug)]
pub(crate) struct StoredCheckpoint {
    pub(crate) signed_at: OffsetDateTime,
    pub(crate) size: u64,
    pub(crate) note: String,
}

/// The stored JSON of a record with its `log` member, as every read gives it back: the record's
/// bytes exactly (they are the leaf), then `"log"` before the closing brace.
pub(crate) fn with_log(body: &[u8], entry: Option<LogEntry>) -> Vec<u8> {
    let Some(entry) = entry else {
        return body.to_vec();
    };
    let Some(end) = body.iter().rposition(|b| *b == b'}') else {
        return body.to_vec();
    };
    let member = format!(
        r#","log":{{"index":{},"salt":"{}"}}"#,
        entry.index,
        entry.salt.to_base64url()
    );
    let mut out = Vec::with_capacity(body.len() + member.len());
    out.extend_from_slice(&body[..end]);
    out.extend_from_slice(member.as_bytes());
    out.extend_from_slice(&body[end..]);
    out
}

/// The log's nodes in the store. A round stages its records' entries, then `Log::append`
/// commits them with the nodes (see the module's comment).
pub(crate) struct StoreNodes {
    store: Store,
    staged: RefCell<Vec<Sequenced>>,
}

impl StoreNodes {
    pub(crate) fn new(store: Store) -> StoreNodes {
        StoreNodes {
            store,
            staged: RefCell::new(Vec::new()),
        }
    }

    /// The entries the next append commits with its nodes.
    pub(crate) fn stage(&self, entries: Vec<Sequenced>) {
        *self.staged.borrow_mut() = entries;
    }
}

fn backend(e: StoreError) -> NodesError {
    NodesError::Backend(Box::new(e))
}

impl NodeStore for StoreNodes {
    fn size(&self) -> Result<u64, NodesError> {
        self.store.log_size().map_err(backend)
    }

    fn node(&self, id: NodeId) -> Result<Option<TreeHash>, NodesError> {
        self.store.log_node(id).map_err(backend)
    }

    fn append(&mut self, nodes: &[(NodeId, TreeHash)], size: u64) -> Result<(), NodesError> {
        let entries = self.staged.take();
        self.store
            .log_commit(nodes, size, &entries)
            .map_err(backend)
    }
}

/// This node's turn to sequence the log: on sled always (one process per data folder), on
/// PostgreSQL while it holds the sequencer's advisory lock.
pub(crate) enum Turn {
    Sled,
    Postgres(super::postgres::SequencerLock),
}

impl Turn {
    /// Whether the turn was lost (PostgreSQL's session holding the lock closed).
    pub(crate) fn is_lost(&self) -> bool {
        match self {
            Turn::Sled => false,
            Turn::Postgres(lock) => lock.is_lost(),
        }
    }
}

/// The log's part of the store, by engine. Blocking: the sequencer's thread and the proof
/// handlers (through `Store::blocking`) call these.
impl Store {
    /// This node's turn to sequence, if no other node has it.
    pub(crate) fn log_turn(&self) -> Result<Option<Turn>, StoreError> {
        match self {
            Store::Sled(_) => Ok(Some(Turn::Sled)),
            Store::Postgres(p) => Ok(p.sequencer_lock()?.map(Turn::Postgres)),
        }
    }

    /// Up to `limit` records not yet in the log, oldest commit first. A record erased before it
    /// was sequenced is dropped from the queue here.
    pub(crate) fn log_pending(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        match self {
            Store::Sled(s) => s.log_pending(limit),
            Store::Postgres(p) => p.log_pending(limit),
        }
    }

    pub(crate) fn log_size(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sled(s) => s.log_size(),
            Store::Postgres(p) => p.log_size(),
        }
    }

    pub(crate) fn log_node(&self, id: NodeId) -> Result<Option<TreeHash>, StoreError> {
        match self {
            Store::Sled(s) => s.log_node(id),
            Store::Postgres(p) => p.log_node(id),
        }
    }

    /// Commits a round: `nodes`, the new `size` and each record's entry, at once, durably.
    pub(crate) fn log_commit(
        &self,
        nodes: &[(NodeId, TreeHash)],
        size: u64,
        entries: &[Sequenced],
    ) -> Result<(), StoreError> {
        match self {
            Store::Sled(s) => s.log_commit(nodes, size, entries),
            Store::Postgres(p) => p.log_commit(nodes, size, entries),
        }
    }

    /// Whether the record of leaf `index` is still stored (an erased leaf keeps its hash only).
    pub(crate) fn log_leaf_kept(&self, index: u64) -> Result<bool, StoreError> {
        match self {
            Store::Sled(s) => s.log_leaf_kept(index),
            Store::Postgres(p) => p.log_leaf_kept(index),
        }
    }

    /// Keeps a signed checkpoint, durably.
    pub(crate) fn log_keep_checkpoint(
        &self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sled(s) => s.log_keep_checkpoint(checkpoint),
            Store::Postgres(p) => p.log_keep_checkpoint(checkpoint),
        }
    }

    /// Every checkpoint signed at or after `since`, oldest first, at most `limit`.
    pub(crate) fn log_checkpoints(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        match self {
            Store::Sled(s) => s.log_checkpoints(since, limit),
            Store::Postgres(p) => p.log_checkpoints(since, limit),
        }
    }

    /// The latest checkpoint, if one was signed.
    pub(crate) fn log_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        match self {
            Store::Sled(s) => s.log_latest_checkpoint(),
            Store::Postgres(p) => p.log_latest_checkpoint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_member_follows_the_record_bytes_unchanged() {
        let body = br#"{"consent_id":"x","action":"custom"}"#;
        let entry = LogEntry {
            index: 17,
            salt: Salt::from_bytes([7; 16]),
        };

        let read = with_log(body, Some(entry));

        let text = String::from_utf8(read).expect("UTF-8");
        assert!(
            text.starts_with(r#"{"consent_id":"x","action":"custom","log":{"index":17,"salt":""#),
            "{text}"
        );
        let value: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(value["log"]["index"], 17);
        assert_eq!(with_log(body, None), body.to_vec());
        assert_eq!(
            LogEntry::from_bytes(&entry.to_bytes()).map(|e| e.index),
            Some(17)
        );
    }
}
