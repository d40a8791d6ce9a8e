//! The consent log on sled. Trees: `log-pending-v1` (the writer's sequence id → time key of each
//! record not yet in the log, written in the records' own transaction, so commit order is key
//! order), `log-entries-v1` (time key → leaf index and salt: the record's `log` member, removed
//! with the record), `log-leaves-v1` (leaf index → time key, kept after an erasure: it names no
//! visitor), `log-tiles-v1` (the tree's nodes in tiles, `tlog::SledNodes`'s layout; a
//! `log-nodes-v1` of one node an entry is converted when the store opens), `log-checkpoints-v1`
//! (signing time → size and signed note).

use time::OffsetDateTime;

use super::{Sled, Trees};
use crate::store::log::{LogEntry, Pending, Sequenced, StoredCheckpoint};
use crate::store::{StoreError, keys};
use crate::tlog::{NodeId, NodeStore, SledNodes, TreeHash};

/// Marks a data folder whose records made before the log existed are queued for it.
const BACKFILLED: &[u8] = b"log-backfilled";

type Abort = sled::transaction::ConflictableTransactionError<StoreError>;

impl Trees {
    /// The log entry of the record at `time`, if it is in the log yet.
    pub(super) fn log_entry(&self, time: &[u8]) -> Result<Option<LogEntry>, StoreError> {
        Ok(self
            .log_entries
            .get(time)?
            .and_then(|bytes| LogEntry::from_bytes(&bytes)))
    }

    /// Queues for the log every record stored before it existed, once per data folder, in time
    /// order; a crash part-way queues them again from the start, and a record queued twice is
    /// sequenced once (`log_pending` skips what already has an entry).
    pub(super) fn backfill_log(&self) -> Result<(), StoreError> {
        if self.db.get(BACKFILLED)?.is_some() {
            return Ok(());
        }
        // In transactions of 4,096, not `sled::Batch`es: a batch of that many neighbouring keys
        // makes sled 0.34 hold about 5 KB of memory per key whatever its cache (benches/README,
        // the consent log at a million leaves), which on a folder of a million records would
        // be gigabytes at the first start of this version.
        let mut queued = 0usize;
        let mut chunk: Vec<(u64, sled::IVec)> = Vec::with_capacity(4096);
        for key in self.records.iter().keys() {
            chunk.push((self.db.generate_id()?, key?));
            queued += 1;
            if chunk.len() == 4096 {
                self.queue_for_log(&std::mem::take(&mut chunk))?;
            }
        }
        self.queue_for_log(&chunk)?;
        self.db.insert(BACKFILLED, &[][..])?;
        if queued > 0 {
            tracing::info!(
                queued,
                "records stored before the log existed are queued for it"
            );
        }
        Ok(())
    }
}

impl Trees {
    /// Queues records (by time key) for the log under the given sequence ids, in one
    /// transaction.
    fn queue_for_log(&self, chunk: &[(u64, sled::IVec)]) -> Result<(), StoreError> {
        self.log_pending
            .transaction(|tx| {
                for (token, time) in chunk {
                    tx.insert(&token.to_be_bytes()[..], time.clone())?;
                }
                Ok::<(), Abort>(())
            })
            .map_err(StoreError::from)
    }
}

impl Sled {
    pub(crate) fn log_pending(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for entry in trees.log_pending.iter() {
            let (token, time) = entry?;
            let (Ok(token), Ok(time)) = (
                <[u8; 8]>::try_from(&token[..]),
                keys::TimeKey::try_from(&time[..]),
            ) else {
                continue;
            };
            let token = u64::from_be_bytes(token);
            match trees.records.get(time)? {
                Some(body) if trees.log_entries.get(time)?.is_none() => out.push(Pending {
                    token,
                    time,
                    body: body.to_vec(),
                }),
                // Erased before its turn, or queued twice: nothing to add.
                _ => {
                    trees.log_pending.remove(token.to_be_bytes())?;
                }
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    pub(crate) fn log_size(&self) -> Result<u64, StoreError> {
        let trees = self.shared.trees()?;
        nodes(&trees).size().map_err(nodes_failed)
    }

    pub(crate) fn log_node(&self, id: NodeId) -> Result<Option<TreeHash>, StoreError> {
        let trees = self.shared.trees()?;
        nodes(&trees).node(id).map_err(nodes_failed)
    }

    pub(crate) fn log_commit(
        &self,
        nodes: &[(NodeId, TreeHash)],
        size: u64,
        entries: &[Sequenced],
    ) -> Result<(), StoreError> {
        use sled::Transactional;
        let trees = self.shared.trees()?;
        (
            &trees.log_nodes,
            &trees.log_entries,
            &trees.log_leaves,
            &trees.log_pending,
        )
            .transaction(|(tree, entries_tree, leaves, pending)| {
                crate::tlog::write_tiles::<StoreError>(tree, nodes, size)?;
                for sequenced in entries {
                    entries_tree.insert(&sequenced.time[..], &sequenced.entry.to_bytes()[..])?;
                    leaves.insert(
                        &sequenced.entry.index.to_be_bytes()[..],
                        &sequenced.time[..],
                    )?;
                    pending.remove(&sequenced.token.to_be_bytes()[..])?;
                }
                Ok::<(), Abort>(())
            })
            .map_err(StoreError::from)?;
        self.shared.durable(&trees)
    }

    pub(crate) fn log_leaf_kept(&self, index: u64) -> Result<bool, StoreError> {
        let trees = self.shared.trees()?;
        let Some(time) = trees.log_leaves.get(index.to_be_bytes())? else {
            return Ok(false);
        };
        Ok(trees.log_entries.contains_key(time)?)
    }

    pub(crate) fn log_keep_checkpoint(
        &self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        let mut value = checkpoint.size.to_be_bytes().to_vec();
        value.extend_from_slice(checkpoint.note.as_bytes());
        trees
            .log_checkpoints
            .insert(keys::nanos(checkpoint.signed_at).to_be_bytes(), value)?;
        self.shared.durable(&trees)
    }

    pub(crate) fn log_checkpoints(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for entry in trees
            .log_checkpoints
            .range(keys::nanos(since).to_be_bytes()..)
            .take(limit)
        {
            let (key, value) = entry?;
            out.extend(checkpoint(&key, &value));
        }
        Ok(out)
    }

    pub(crate) fn log_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let trees = self.shared.trees()?;
        Ok(trees
            .log_checkpoints
            .last()?
            .and_then(|(key, value)| checkpoint(&key, &value)))
    }
}

fn nodes(trees: &Trees) -> SledNodes {
    SledNodes::from_tree(trees.log_nodes.clone())
}

impl From<crate::tlog::NodesError> for StoreError {
    fn from(e: crate::tlog::NodesError) -> StoreError {
        nodes_failed(e)
    }
}

pub(super) fn nodes_failed(e: crate::tlog::NodesError) -> StoreError {
    match e {
        crate::tlog::NodesError::Backend(inner) => match inner.downcast::<sled::Error>() {
            Ok(sled) => StoreError::Sled(*sled),
            Err(_) => StoreError::unavailable("the log's nodes are unreadable"),
        },
        _ => StoreError::unavailable("the log's nodes are damaged"),
    }
}

fn checkpoint(key: &[u8], value: &[u8]) -> Option<StoredCheckpoint> {
    let nanos = u64::from_be_bytes(key.try_into().ok()?);
    let size = u64::from_be_bytes(value.get(..8)?.try_into().ok()?);
    Some(StoredCheckpoint {
        signed_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)).ok()?,
        size,
        note: String::from_utf8(value.get(8..)?.to_vec()).ok()?,
    })
}
