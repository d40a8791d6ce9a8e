//! The consent log on sled. Trees: `log-pending-v1` (the writer's sequence id → time key of each
//! record not yet in the log, written in the records' own transaction, so commit order is key
//! order), `log-entries-v2` (time key → leaf index and salt: the record's `log` member, removed
//! with the record; packed many to a sled entry, `packed.rs`, where `log-entries-v1` had a sled
//! entry each and is converted when the store opens), `log-erased-v1` (the leaf index of each erased record, written by the
//! erasure: most leaves never get an entry there; it replaces `log-leaves-v1`, leaf index →
//! time key for every leaf, which is converted when the store opens), `log-tiles-v1` (the tree's nodes in tiles, `tlog::SledNodes`'s layout; a
//! `log-nodes-v1` of one node an entry is converted when the store opens), `log-checkpoints-v1`
//! (signing time → size and signed note).

use time::OffsetDateTime;

use super::{Sled, Trees};
use crate::store::log::{LogEntry, Pending, Sequenced, StoredCheckpoint};
use crate::store::{StoreError, keys};
use crate::tlog::{NodeId, NodeStore, SledNodes, TreeHash};

/// Marks a data folder whose records made before the log existed are queued for it.
const BACKFILLED: &[u8] = b"log-backfilled";

/// The leaf → time key tree of the first log layout: a sled entry for every leaf, where only
/// the erased ones need one (`log-erased-v1`).
const LEGACY_LEAVES: &str = "log-leaves-v1";

/// Converts `log-leaves-v1` into `log-erased-v1` (a leaf whose record has no log entry left was
/// erased), then drops it; nothing when there is none. Idempotent, so a crash part way
/// converts again at the next open.
pub(super) fn migrate_leaves(
    db: &sled::Db,
    entries: &sled::Tree,
    erased: &sled::Tree,
) -> Result<usize, StoreError> {
    if !db
        .tree_names()
        .iter()
        .any(|n| &n[..] == LEGACY_LEAVES.as_bytes())
    {
        return Ok(0);
    }
    let leaves = db.open_tree(LEGACY_LEAVES)?;
    let mut marked = 0;
    for entry in leaves.iter() {
        let (index, time) = entry?;
        if !entries.contains_key(&time)? {
            erased.insert(index, &[][..])?;
            marked += 1;
        }
    }
    db.flush()?;
    db.drop_tree(LEGACY_LEAVES)?;
    db.flush()?;
    Ok(marked)
}

type Abort = sled::transaction::ConflictableTransactionError<StoreError>;

/// A `log-entries-v2` entry: the record's time key, then its log entry.
const KEY: usize = std::mem::size_of::<keys::TimeKey>();
pub(super) const ENTRY: usize = KEY + crate::store::log::ENTRY_BYTES;

/// The `log-entries-v2` tree, packed.
pub(super) fn packed(tree: sled::Tree) -> super::packed::Packed {
    super::packed::Packed::new(tree, KEY, ENTRY)
}

/// The packed entry of the record at `time`.
pub(super) fn pack(time: &[u8], entry: LogEntry) -> Vec<u8> {
    let mut packed = time.to_vec();
    packed.extend_from_slice(&entry.to_bytes());
    packed
}

/// The log entry in a packed entry.
pub(super) fn unpack(packed: &[u8]) -> Option<LogEntry> {
    LogEntry::from_bytes(packed.get(KEY..)?)
}

/// Log entries looked up in time order, each packed block decoded once.
pub(super) struct LogReader<'a>(super::packed::Reader<'a>);

impl LogReader<'_> {
    pub(super) fn get(&mut self, time: &[u8]) -> Result<Option<LogEntry>, StoreError> {
        Ok(self.0.get(time)?.as_deref().and_then(unpack))
    }
}

impl Trees {
    /// The log entry of the record at `time`, if it is in the log yet.
    pub(super) fn log_entry(&self, time: &[u8]) -> Result<Option<LogEntry>, StoreError> {
        self.log_reader().get(time)
    }

    /// A reader of log entries for many records in time order (an export's batch).
    pub(super) fn log_reader(&self) -> LogReader<'_> {
        LogReader(self.log_entries.reader())
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
        let mut logged = trees.log_reader();
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
                Some(body) if logged.get(&time)?.is_none() => out.push(Pending {
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
        let held = trees.log_entries.lock();
        let mut changes = trees.log_entries.changes();
        for sequenced in entries {
            changes.insert(&pack(&sequenced.time, sequenced.entry))?;
        }
        (
            &trees.log_nodes,
            trees.log_entries.tree(),
            &trees.log_pending,
        )
            .transaction(|(tree, entries_tree, pending)| {
                crate::tlog::write_tiles::<StoreError>(tree, nodes, size)?;
                changes.apply(entries_tree)?;
                for sequenced in entries {
                    pending.remove(&sequenced.token.to_be_bytes()[..])?;
                }
                Ok::<(), Abort>(())
            })
            .map_err(StoreError::from)?;
        drop(held);
        self.shared.durable(&trees)
    }

    /// Whether leaf `index` (below the tree's size) still has its record.
    pub(crate) fn log_leaf_kept(&self, index: u64) -> Result<bool, StoreError> {
        let trees = self.shared.trees()?;
        Ok(!trees.log_erased.contains_key(index.to_be_bytes())?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_layouts_leaves_become_the_set_of_erased_ones() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let db = sled::open(folder.path()).expect("a database");
        let entries = db.open_tree("log-entries-v1").expect("entries");
        let erased = db.open_tree("log-erased-v1").expect("erased");
        let leaves = db.open_tree(LEGACY_LEAVES).expect("the old leaves");
        for (index, time) in [(0u64, b"t0"), (1, b"t1"), (2, b"t2")] {
            leaves
                .insert(index.to_be_bytes(), &time[..])
                .expect("a leaf");
        }
        // The record of leaf 1 was erased: its entry went with it.
        entries.insert(b"t0", &[0u8; 24][..]).expect("an entry");
        entries.insert(b"t2", &[0u8; 24][..]).expect("an entry");

        assert_eq!(
            migrate_leaves(&db, &entries, &erased).expect("converted"),
            1
        );
        let marked: Vec<Vec<u8>> = erased
            .iter()
            .keys()
            .map(|k| k.expect("a key").to_vec())
            .collect();
        assert_eq!(marked, [1u64.to_be_bytes().to_vec()]);
        assert!(
            !db.tree_names()
                .iter()
                .any(|n| &n[..] == LEGACY_LEAVES.as_bytes())
        );
        assert_eq!(
            migrate_leaves(&db, &entries, &erased).expect("nothing left"),
            0
        );
    }
}
