//! Where the tree's nodes live: the hash of every perfect subtree, keyed by (level, index),
//! written once when its last leaf arrives and never changed after. From them the root and
//! every proof of any tree size up to the stored one take O(log n) reads, and no record is
//! needed: erasure deletes a record and its salt, and the leaf hash at (0, index) stays.
//!
//! One small trait so that each store (sled now, PostgreSQL next) carries the nodes in its own
//! engine, inside its own commit.

use super::hash::TreeHash;

/// A perfect subtree: the `2^level` leaves from `index * 2^level` on. Level 0 is the leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    pub const fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }
}

/// The nodes' storage failed, or holds what no append wrote.
#[derive(Debug, thiserror::Error)]
pub enum NodesError {
    #[error("the log's node store failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error(
        "the log's node at level {level}, index {index} holds {found} bytes instead of 32: the \
         node store is damaged"
    )]
    Corrupt { level: u8, index: u64, found: usize },
    #[error(
        "the log's stored tree size holds {found} bytes instead of 8: the node store is damaged"
    )]
    CorruptSize { found: usize },
}

impl From<sled::Error> for NodesError {
    fn from(e: sled::Error) -> NodesError {
        NodesError::Backend(Box::new(e))
    }
}

/// The nodes of one log. `append` is the only write, and it is atomic: after a crash either
/// every node of a batch and its new size are there, or none are, so the stored size never
/// names a node that is missing. Durability is the store's: it makes an append durable in the
/// same commit (sled: the same flush) as the records whose leaves it adds.
pub trait NodeStore {
    /// The number of leaves all of whose nodes are stored (0 for a new log).
    fn size(&self) -> Result<u64, NodesError>;

    /// The hash of one perfect subtree, if it is stored.
    fn node(&self, id: NodeId) -> Result<Option<TreeHash>, NodesError>;

    /// Adds `nodes` (each written once: an id is never rewritten) and records `size` as the
    /// new tree size, at once.
    fn append(&mut self, nodes: &[(NodeId, TreeHash)], size: u64) -> Result<(), NodesError>;
}

/// The nodes in memory: for the algorithm's tests against the RFC's definitions.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct MemoryNodes {
    pub(crate) nodes: std::collections::HashMap<NodeId, TreeHash>,
    size: u64,
}

#[cfg(test)]
impl NodeStore for MemoryNodes {
    fn size(&self) -> Result<u64, NodesError> {
        Ok(self.size)
    }

    fn node(&self, id: NodeId) -> Result<Option<TreeHash>, NodesError> {
        Ok(self.nodes.get(&id).copied())
    }

    fn append(&mut self, nodes: &[(NodeId, TreeHash)], size: u64) -> Result<(), NodesError> {
        for (id, hash) in nodes {
            let previous = self.nodes.insert(*id, *hash);
            assert!(previous.is_none(), "{id:?} written twice");
        }
        self.size = size;
        Ok(())
    }
}
