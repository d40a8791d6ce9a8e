//! The log's nodes in a sled tree of their own, `log-tiles-v1`, in tiles: the hashes of `TILE`
//! consecutive nodes of one level in one value, key `level (1 byte) ‖ tile (8 bytes,
//! big-endian)` where tile = index / `TILE`, value their 32-byte hashes in index order. A
//! level's nodes are written in index order, without gaps, so a tile only ever grows at its
//! end, and a node is in its tile exactly when its offset is within the value. The tree size
//! is under the key `size`, which no tile key (always 9 bytes) can equal.
//!
//! Tiles, not one node an entry: sled 0.34's memory and write cost go by entries, not bytes
//! (benches/README), and a log holds two nodes a leaf. A sequencing round rewrites the few
//! tiles its leaves reach instead of inserting two nodes a leaf, and a million leaves take
//! about 31,000 entries instead of two million. `log-nodes-v1`, one node an entry, is
//! converted at open (`migrate_legacy`).

use std::collections::BTreeMap;
use std::convert::Infallible;

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::hash::{TreeHash, exact};
use super::nodes::{NodeId, NodeStore, NodesError};

/// The tree's name in the store's database.
pub const NODES_TREE: &str = "log-tiles-v1";
/// The layout before tiles, one node an entry (`level ‖ index` → hash), read once to convert.
pub const LEGACY_NODES_TREE: &str = "log-nodes-v1";
/// The key of the tree size, beside the tiles.
pub const SIZE_KEY: &[u8] = b"size";
/// Nodes a tile holds: 2 KiB of hashes, small enough for sled to keep inline.
pub const TILE: u64 = 64;

/// The nodes over a sled tree. Cloning shares the tree, so readers (proofs for HTTP answers)
/// can hold a clone while the store's writer appends.
#[derive(Clone)]
pub struct SledNodes {
    tree: sled::Tree,
}

impl SledNodes {
    /// Opens (or makes) `log-tiles-v1` in `db`, converting a `log-nodes-v1` first.
    pub fn open(db: &sled::Db) -> Result<SledNodes, NodesError> {
        migrate_legacy(db)?;
        Ok(SledNodes {
            tree: db.open_tree(NODES_TREE)?,
        })
    }

    /// The nodes of an open tree: the consent store reads through this and writes nodes in its
    /// own transactions (with the records' log entries), with `write_tiles`.
    pub fn from_tree(tree: sled::Tree) -> SledNodes {
        SledNodes { tree }
    }

    /// Makes every append so far durable. The store does this with its own flush (sled's flush
    /// covers every tree of a database); this is for a log used on its own.
    pub fn flush(&self) -> Result<(), NodesError> {
        self.tree.flush()?;
        Ok(())
    }
}

/// A tile's key: its level, then its number big-endian.
pub fn tile_key(level: u8, tile: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = level;
    key[1..].copy_from_slice(&tile.to_be_bytes());
    key
}

/// A legacy node's key (`log-nodes-v1`): its level, then its index big-endian.
pub fn node_key(id: NodeId) -> [u8; 9] {
    tile_key(id.level, id.index)
}

/// Writes `nodes` into their tiles and `size` as the tree size, inside the caller's
/// transaction on the tiles tree (the store's commits them with the records' log entries).
/// A node that would leave a gap in its tile is refused as damage; one written again with
/// the same hash changes nothing.
pub fn write_tiles<E: From<NodesError>>(
    tx: &TransactionalTree,
    nodes: &[(NodeId, TreeHash)],
    size: u64,
) -> Result<(), ConflictableTransactionError<E>> {
    let mut tiles: BTreeMap<(u8, u64), Vec<(u64, &TreeHash)>> = BTreeMap::new();
    for (id, hash) in nodes {
        tiles
            .entry((id.level, id.index / TILE))
            .or_default()
            .push((id.index, hash));
    }
    for ((level, tile), mut list) in tiles {
        list.sort_by_key(|(index, _)| *index);
        let key = tile_key(level, tile);
        let mut value = tx.get(key)?.map(|v| v.to_vec()).unwrap_or_default();
        for (index, hash) in list {
            let at = usize::try_from(index % TILE).unwrap_or(0) * 32;
            let damaged = || {
                ConflictableTransactionError::Abort(E::from(NodesError::Corrupt {
                    level,
                    index,
                    found: value.len() % 32,
                }))
            };
            if at == value.len() {
                value.extend_from_slice(hash.as_bytes());
            } else if value.get(at..at + 32) != Some(&hash.as_bytes()[..]) {
                return Err(damaged());
            }
        }
        tx.insert(&key[..], value)?;
    }
    tx.insert(SIZE_KEY, &size.to_be_bytes()[..])?;
    Ok(())
}

impl NodeStore for SledNodes {
    fn size(&self) -> Result<u64, NodesError> {
        match self.tree.get(SIZE_KEY)? {
            None => Ok(0),
            Some(bytes) => exact::<8>(&bytes)
                .map(u64::from_be_bytes)
                .map_err(|_| NodesError::CorruptSize { found: bytes.len() }),
        }
    }

    fn node(&self, id: NodeId) -> Result<Option<TreeHash>, NodesError> {
        let Some(tile) = self.tree.get(tile_key(id.level, id.index / TILE))? else {
            return Ok(None);
        };
        let corrupt = || NodesError::Corrupt {
            level: id.level,
            index: id.index,
            found: tile.len() % 32,
        };
        if tile.len() % 32 != 0 || tile.len() as u64 > TILE * 32 {
            return Err(corrupt());
        }
        let at = usize::try_from(id.index % TILE).unwrap_or(0) * 32;
        match tile.get(at..at + 32) {
            Some(bytes) => exact::<32>(bytes)
                .map(|hash| Some(TreeHash::from_bytes(hash)))
                .map_err(|_| corrupt()),
            None => Ok(None),
        }
    }

    fn append(&mut self, nodes: &[(NodeId, TreeHash)], size: u64) -> Result<(), NodesError> {
        // One transaction, so a crash never leaves a size whose nodes are not all written.
        let applied = self
            .tree
            .transaction(|tx| write_tiles::<NodesError>(tx, nodes, size));
        match applied {
            Ok(()) => Ok(()),
            Err(TransactionError::Storage(e)) => Err(e.into()),
            Err(TransactionError::Abort(e)) => Err(e),
        }
    }
}

/// Converts a `log-nodes-v1` tree (one node an entry) into tiles, then drops it; nothing when
/// there is none. The tiles are written first and the old tree dropped last, so a crash part
/// way converts again from the start at the next open. The nodes move in transactions of 256
/// tiles (not sled `Batch`es, which hold about 5 KB a key in sled 0.34).
pub fn migrate_legacy(db: &sled::Db) -> Result<u64, NodesError> {
    if !db
        .tree_names()
        .iter()
        .any(|n| &n[..] == LEGACY_NODES_TREE.as_bytes())
    {
        return Ok(0);
    }
    let old = db.open_tree(LEGACY_NODES_TREE)?;
    let tiles = db.open_tree(NODES_TREE)?;
    tiles.clear()?;
    let mut moved = 0u64;
    let mut current: Option<((u8, u64), Vec<u8>)> = None;
    let mut ready: Vec<([u8; 9], Vec<u8>)> = Vec::new();
    let write = |ready: &mut Vec<([u8; 9], Vec<u8>)>| -> Result<(), NodesError> {
        let applied = tiles.transaction(|tx| {
            for (key, value) in ready.iter() {
                tx.insert(&key[..], &value[..])?;
            }
            Ok::<(), ConflictableTransactionError<Infallible>>(())
        });
        ready.clear();
        match applied {
            Ok(()) => Ok(()),
            Err(TransactionError::Storage(e)) => Err(e.into()),
            Err(TransactionError::Abort(never)) => match never {},
        }
    };
    for entry in old.iter() {
        let (key, value) = entry?;
        if &key[..] == SIZE_KEY {
            continue;
        }
        let (Ok(key), Ok(hash)) = (exact::<9>(&key), exact::<32>(&value)) else {
            return Err(NodesError::Corrupt {
                level: key.first().copied().unwrap_or(0),
                index: 0,
                found: value.len(),
            });
        };
        let (level, index) = (
            key[0],
            u64::from_be_bytes(exact::<8>(&key[1..]).unwrap_or([0; 8])),
        );
        let place = (level, index / TILE);
        if current.as_ref().is_none_or(|(at, _)| *at != place) {
            if let Some(((l, t), bytes)) = current.take() {
                ready.push((tile_key(l, t), bytes));
                if ready.len() >= 256 {
                    write(&mut ready)?;
                }
            }
            current = Some((place, Vec::with_capacity(TILE as usize * 32)));
        }
        let Some((_, bytes)) = current.as_mut() else {
            unreachable!("a tile was just begun")
        };
        if bytes.len() != usize::try_from(index % TILE).unwrap_or(0) * 32 {
            return Err(NodesError::Corrupt {
                level,
                index,
                found: 32,
            });
        }
        bytes.extend_from_slice(&hash);
        moved += 1;
    }
    if let Some(((l, t), bytes)) = current.take() {
        ready.push((tile_key(l, t), bytes));
    }
    write(&mut ready)?;
    if let Some(size) = old.get(SIZE_KEY)? {
        tiles.insert(SIZE_KEY, size)?;
    }
    db.flush()?;
    db.drop_tree(LEGACY_NODES_TREE)?;
    db.flush()?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::tree::{Log, LogError};

    fn leaves(range: std::ops::Range<u64>) -> Vec<TreeHash> {
        range.map(|i| TreeHash::leaf(&i.to_be_bytes())).collect()
    }

    #[test]
    fn a_log_on_sled_survives_a_reopen_with_every_proof() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let (root, proof) = {
            let db = sled::open(folder.path()).expect("a database");
            let mut log = Log::open(SledNodes::open(&db).expect("the tree")).expect("a log");
            for batch in [0..1, 1..7, 7..300, 300..1000] {
                log.append(&leaves(batch)).expect("appended");
            }
            log.nodes().flush().expect("flushed");
            (
                log.current_root(),
                log.inclusion(513, 777).expect("a proof"),
            )
        };

        // sled lets go of its file lock from a background thread after the last handle is
        // dropped: a reopen in the same process may have to wait a moment for it.
        let reopen = || sled::open(folder.path());
        let mut db = reopen();
        for _ in 0..100 {
            if db.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            db = reopen();
        }
        let db = db.expect("the database again");
        let mut log = Log::open(SledNodes::open(&db).expect("the tree")).expect("the log");

        assert_eq!(log.size(), 1000);
        assert_eq!(log.current_root(), root);
        assert_eq!(log.root(1000).expect("a root"), root);
        assert_eq!(log.inclusion(513, 777).expect("a proof"), proof);
        proof
            .verify(&log.root(777).expect("a root"))
            .expect("verifies");
        assert_eq!(log.append(&leaves(1000..1001)).expect("appended"), 1000);
        let grown = log.consistency(1000, 1001).expect("a proof");
        grown
            .verify(&root, &log.current_root())
            .expect("the old tree is a prefix");
    }

    #[test]
    fn a_log_of_one_node_an_entry_is_converted_to_tiles_with_every_proof() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let db = sled::open(folder.path()).expect("a database");
        // The layout before tiles, written as that release wrote it.
        let mut memory = Log::open(crate::tlog::nodes::MemoryNodes::default()).expect("a log");
        let mut legacy = Vec::new();
        for batch in [0..1, 1..200, 200..333] {
            memory.append(&leaves(batch.clone())).expect("appended");
        }
        {
            let old = db.open_tree(LEGACY_NODES_TREE).expect("the old tree");
            for level in 0..10u8 {
                for index in 0..(333u64 >> level) {
                    let id = NodeId::new(level, index);
                    if let Some(hash) = memory.nodes().node(id).expect("a node") {
                        old.insert(node_key(id), &hash.as_bytes()[..])
                            .expect("written");
                        legacy.push((id, hash));
                    }
                }
            }
            old.insert(SIZE_KEY, &333u64.to_be_bytes()[..])
                .expect("written");
        }

        assert_eq!(migrate_legacy(&db).expect("converted"), legacy.len() as u64);
        let nodes = SledNodes::open(&db).expect("the tiles");
        for (id, hash) in &legacy {
            assert_eq!(nodes.node(*id).expect("read"), Some(*hash), "{id:?}");
        }
        assert!(
            !db.tree_names()
                .iter()
                .any(|n| &n[..] == LEGACY_NODES_TREE.as_bytes())
        );
        let mut log = Log::open(nodes).expect("the log");
        assert_eq!(log.size(), 333);
        assert_eq!(log.current_root(), memory.current_root());
        assert_eq!(
            log.inclusion(100, 333).expect("a proof"),
            memory.inclusion(100, 333).expect("a proof")
        );
        log.append(&leaves(333..400)).expect("it grows on");
        memory.append(&leaves(333..400)).expect("appended");
        assert_eq!(log.current_root(), memory.current_root());
        assert_eq!(migrate_legacy(&db).expect("nothing to do"), 0);
    }

    #[test]
    fn damaged_nodes_are_errors_naming_what_is_damaged() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let db = sled::open(folder.path()).expect("a database");
        let nodes = SledNodes::open(&db).expect("the tree");
        let mut log = Log::open(nodes.clone()).expect("a log");
        log.append(&leaves(0..4)).expect("appended");

        nodes
            .tree
            .insert(tile_key(0, 0), &[1, 2, 3])
            .expect("written");
        let error = log.inclusion(0, 4).expect_err("a damaged sibling");
        assert!(
            matches!(
                error,
                LogError::Nodes(NodesError::Corrupt {
                    level: 0,
                    index: 1,
                    found: 3
                })
            ),
            "{error}"
        );

        nodes.tree.insert(SIZE_KEY, &[0]).expect("written");
        assert!(matches!(
            Log::open(nodes),
            Err(LogError::Nodes(NodesError::CorruptSize { found: 1 }))
        ));
    }
}
