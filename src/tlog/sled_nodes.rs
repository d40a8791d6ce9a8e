//! The log's nodes in a sled tree of their own, `log-nodes-v1`: key `level (1 byte) ‖ index
//! (8 bytes, big-endian)`, value the 32-byte hash; the tree size under the key `size`, which no
//! node key (always 9 bytes) can equal. Big-endian indices keep one level's nodes in order, so
//! a level reads as a range if ever needed.

use std::convert::Infallible;

use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::hash::{TreeHash, exact};
use super::nodes::{NodeId, NodeStore, NodesError};

/// The tree's name in the store's database; a change of layout would be `log-nodes-v2`.
pub const NODES_TREE: &str = "log-nodes-v1";
/// The key of the tree size, beside the nodes.
pub const SIZE_KEY: &[u8] = b"size";

/// The nodes over a sled tree. Cloning shares the tree, so readers (proofs for HTTP answers)
/// can hold a clone while the store's writer appends.
#[derive(Clone)]
pub struct SledNodes {
    tree: sled::Tree,
}

impl SledNodes {
    /// Opens (or makes) `log-nodes-v1` in `db`.
    pub fn open(db: &sled::Db) -> Result<SledNodes, NodesError> {
        Ok(SledNodes {
            tree: db.open_tree(NODES_TREE)?,
        })
    }

    /// The nodes of an open tree: the consent store reads through this and writes nodes in its
    /// own transactions (with the records' log entries), keyed by `node_key`.
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

/// A node's key: its level, then its index big-endian.
pub fn node_key(id: NodeId) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = id.level;
    key[1..].copy_from_slice(&id.index.to_be_bytes());
    key
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
        let Some(bytes) = self.tree.get(node_key(id))? else {
            return Ok(None);
        };
        exact::<32>(&bytes)
            .map(|hash| Some(TreeHash::from_bytes(hash)))
            .map_err(|_| NodesError::Corrupt {
                level: id.level,
                index: id.index,
                found: bytes.len(),
            })
    }

    fn append(&mut self, nodes: &[(NodeId, TreeHash)], size: u64) -> Result<(), NodesError> {
        // One transaction, so a crash never leaves a size whose nodes are not all written. Not
        // a sled::Batch: a batch of this many neighbouring keys made sled 0.34 hold about 5 KB
        // of memory per leaf, whatever its cache size (1 GB after 200,000 leaves); a
        // transaction of the same writes stays within the cache.
        let applied = self.tree.transaction(|tx| {
            for (id, hash) in nodes {
                tx.insert(&node_key(*id)[..], &hash.as_bytes()[..])?;
            }
            tx.insert(SIZE_KEY, &size.to_be_bytes()[..])?;
            Ok::<(), ConflictableTransactionError<Infallible>>(())
        });
        match applied {
            Ok(()) => Ok(()),
            Err(TransactionError::Storage(e)) => Err(e.into()),
            Err(TransactionError::Abort(never)) => match never {},
        }
    }
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

        let db = sled::open(folder.path()).expect("the database again");
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
    fn damaged_nodes_are_errors_naming_what_is_damaged() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let db = sled::open(folder.path()).expect("a database");
        let nodes = SledNodes::open(&db).expect("the tree");
        let mut log = Log::open(nodes.clone()).expect("a log");
        log.append(&leaves(0..4)).expect("appended");

        nodes
            .tree
            .insert(node_key(NodeId::leaf(1)), &[1, 2, 3])
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
