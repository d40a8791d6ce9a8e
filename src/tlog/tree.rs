//! The append-only Merkle tree of RFC 9162 §2.1 over stored perfect subtrees (see `nodes`).
//!
//! Every range the RFC's recursive definitions (MTH, PATH, SUBPROOF) visit starts at a multiple
//! of a power of two at least as large as the range, so it is a run of stored perfect subtrees
//! whose sizes are the binary digits of its length, largest first; its hash folds them from the
//! right, exactly as MTH splits off the largest power of two on the left. A root costs one read
//! per set bit of the size, a proof one read per level (plus one such fold).

use super::hash::TreeHash;
use super::nodes::{NodeId, NodeStore, NodesError};
use super::proof::{ConsistencyProof, InclusionProof};

/// What a log cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Nodes(#[from] NodesError),
    #[error(
        "the log's node at level {level}, index {index} is missing though the tree holds \
         {size} leaves: the node store is damaged"
    )]
    MissingNode { level: u8, index: u64, size: u64 },
    #[error("tree size {asked} is beyond the log, which holds {size} leaves")]
    BeyondTree { asked: u64, size: u64 },
    #[error("leaf index {index} is not in a tree of {size} leaves")]
    NotInTree { index: u64, size: u64 },
    #[error(
        "a consistency proof goes from a smaller tree to a larger one: first {first} is \
         above second {second}"
    )]
    FirstAfterSecond { first: u64, second: u64 },
    #[error("the log is full: 2^64 leaves")]
    Full,
}

/// The log as its single writer holds it: the nodes, the size, and the right edge's perfect
/// subtrees (one per set bit of the size, largest first), so an append needs no read.
pub struct Log<S> {
    nodes: S,
    size: u64,
    frontier: Vec<TreeHash>,
}

impl<S: NodeStore> Log<S> {
    /// Opens the log the nodes hold (a new one holds none): reads its size and right edge.
    pub fn open(nodes: S) -> Result<Log<S>, LogError> {
        let size = nodes.size()?;
        let reader = Tree {
            nodes: &nodes,
            size,
        };
        let frontier = subtrees(0, size)
            .map(|id| reader.node(id))
            .collect::<Result<_, _>>()?;
        Ok(Log {
            nodes,
            size,
            frontier,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn nodes(&self) -> &S {
        &self.nodes
    }

    /// Appends leaf hashes in order, as one atomic write of the node store, and returns the
    /// index of the first. Nothing changes if the write fails.
    pub fn append(&mut self, leaves: &[TreeHash]) -> Result<u64, LogError> {
        let first = self.size;
        let count = u64::try_from(leaves.len()).map_err(|_| LogError::Full)?;
        let size = first.checked_add(count).ok_or(LogError::Full)?;
        let mut frontier = self.frontier.clone();
        // Each leaf adds itself and, for each level its index is a right child at, the parent
        // it completes: two nodes a leaf, on average.
        let mut written = Vec::with_capacity(leaves.len() * 2 + 64);
        for (index, leaf) in (first..size).zip(leaves) {
            let mut id = NodeId::leaf(index);
            let mut hash = *leaf;
            written.push((id, hash));
            while id.index & 1 == 1 {
                // An odd index at this level is the bit of the old size at this level: the
                // frontier's last subtree is its left sibling.
                let left = frontier
                    .pop()
                    .expect("the frontier holds a subtree for each set bit of the size");
                hash = TreeHash::node(&left, &hash);
                id = NodeId::new(id.level + 1, id.index >> 1);
                written.push((id, hash));
            }
            frontier.push(hash);
        }
        self.nodes.append(&written, size)?;
        self.size = size;
        self.frontier = frontier;
        Ok(first)
    }

    /// The root of the tree as it is now, from the right edge held in memory: no read.
    pub fn current_root(&self) -> TreeHash {
        fold(self.frontier.iter().copied())
    }

    /// The tree at the size this log holds, for proofs.
    pub fn tree(&self) -> Tree<'_, S> {
        Tree {
            nodes: &self.nodes,
            size: self.size,
        }
    }

    pub fn root(&self, size: u64) -> Result<TreeHash, LogError> {
        if size == self.size {
            return Ok(self.current_root());
        }
        self.tree().root(size)
    }

    pub fn leaf_hash(&self, index: u64) -> Result<TreeHash, LogError> {
        self.tree().leaf_hash(index)
    }

    pub fn inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, LogError> {
        self.tree().inclusion(index, size)
    }

    pub fn consistency(&self, first: u64, second: u64) -> Result<ConsistencyProof, LogError> {
        self.tree().consistency(first, second)
    }
}

/// The tree of `size` leaves whose nodes `nodes` holds: what a reader (an HTTP answer, the
/// evidence bundle) asks proofs of, at any size up to this one, without the writer's state.
pub struct Tree<'a, S> {
    nodes: &'a S,
    size: u64,
}

impl<'a, S: NodeStore> Tree<'a, S> {
    /// The tree as the store last recorded it.
    pub fn read(nodes: &'a S) -> Result<Tree<'a, S>, LogError> {
        Ok(Tree {
            size: nodes.size()?,
            nodes,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// MTH(D[0:size]) (RFC 9162 §2.1.1).
    pub fn root(&self, size: u64) -> Result<TreeHash, LogError> {
        self.within(size)?;
        self.range(0, size)
    }

    pub fn leaf_hash(&self, index: u64) -> Result<TreeHash, LogError> {
        if index >= self.size {
            return Err(LogError::NotInTree {
                index,
                size: self.size,
            });
        }
        self.node(NodeId::leaf(index))
    }

    /// PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), with the leaf's hash.
    pub fn inclusion(&self, index: u64, size: u64) -> Result<InclusionProof, LogError> {
        self.within(size)?;
        if index >= size {
            return Err(LogError::NotInTree { index, size });
        }
        // PATH walked from the root down: at each split the sibling of the half holding the
        // leaf joins the path, which the RFC lists from the leaf up.
        let mut path = Vec::new();
        let (mut start, mut end) = (0, size);
        while end - start > 1 {
            let k = split(end - start);
            if index < start + k {
                path.push(self.range(start + k, end)?);
                end = start + k;
            } else {
                path.push(self.range(start, start + k)?);
                start += k;
            }
        }
        path.reverse();
        Ok(InclusionProof {
            index,
            tree_size: size,
            leaf_hash: self.node(NodeId::leaf(index))?,
            path,
        })
    }

    /// PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1); empty from the empty tree, and between a
    /// tree and itself.
    pub fn consistency(&self, first: u64, second: u64) -> Result<ConsistencyProof, LogError> {
        self.within(second)?;
        if first > second {
            return Err(LogError::FirstAfterSecond { first, second });
        }
        let mut path = Vec::new();
        if first > 0 {
            // SUBPROOF(m, D[start:end], whole) walked down; `whole` is the RFC's b: true while
            // the old tree is the left edge of the range, when its own root is left out.
            let (mut start, mut end, mut m, mut whole) = (0, second, first, true);
            loop {
                let n = end - start;
                if m == n {
                    if !whole {
                        path.push(self.range(start, end)?);
                    }
                    break;
                }
                let k = split(n);
                if m <= k {
                    path.push(self.range(start + k, end)?);
                    end = start + k;
                } else {
                    path.push(self.range(start, start + k)?);
                    start += k;
                    m -= k;
                    whole = false;
                }
            }
            path.reverse();
        }
        Ok(ConsistencyProof {
            first,
            second,
            path,
        })
    }

    fn within(&self, size: u64) -> Result<(), LogError> {
        if size > self.size {
            return Err(LogError::BeyondTree {
                asked: size,
                size: self.size,
            });
        }
        Ok(())
    }

    /// MTH(D[start:end]) for a range the RFC's recursion visits (see the module's comment).
    fn range(&self, start: u64, end: u64) -> Result<TreeHash, LogError> {
        let hashes = subtrees(start, end)
            .map(|id| self.node(id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(fold(hashes.into_iter()))
    }

    fn node(&self, id: NodeId) -> Result<TreeHash, LogError> {
        self.nodes.node(id)?.ok_or(LogError::MissingNode {
            level: id.level,
            index: id.index,
            size: self.size,
        })
    }
}

/// The largest power of two below `n` (n ≥ 2): where MTH splits D[n].
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees that make up D[start:end], largest first: one per set bit of the
/// length. `start` must be a multiple of each (true of every range the RFC visits).
fn subtrees(start: u64, end: u64) -> impl Iterator<Item = NodeId> {
    let length = end - start;
    let mut at = start;
    (0..64u8).rev().filter_map(move |level| {
        if (length >> level) & 1 == 0 {
            return None;
        }
        debug_assert_eq!(at % (1 << level), 0, "a range the RFC's recursion visits");
        let id = NodeId::new(level, at >> level);
        at += 1 << level;
        Some(id)
    })
}

/// MTH of consecutive perfect subtrees, largest first: each is the left child of the hash of
/// all after it. No subtree at all is the empty tree.
fn fold(hashes: impl DoubleEndedIterator<Item = TreeHash>) -> TreeHash {
    hashes
        .rev()
        .reduce(|right, left| TreeHash::node(&left, &right))
        .unwrap_or_else(TreeHash::empty)
}

#[cfg(test)]
#[path = "rfc_reference.rs"]
mod rfc_reference;
#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
