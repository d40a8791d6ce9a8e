//! Inclusion and consistency proofs in CONTRACT §7's JSON shapes, and their verification as
//! RFC 9162 §2.1.3.2 and §2.1.4.2 write it, step by step (the steps' numbers are the RFC's).
//! `consentry verify` checks an auditor's evidence with these.

use serde::{Deserialize, Serialize};

use super::hash::TreeHash;

/// `{"index", "tree_size", "leaf_hash", "path"}`: the leaf at `index` is in the tree of
/// `tree_size` leaves (RFC 9162 §2.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: TreeHash,
    pub path: Vec<TreeHash>,
}

/// `{"first", "second", "path"}`: the tree of `first` leaves is a prefix of the tree of
/// `second` leaves (RFC 9162 §2.1.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub path: Vec<TreeHash>,
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of {size} leaves")]
    NotInTree { index: u64, size: u64 },
    #[error("the path has more hashes than a tree of {size} leaves needs")]
    PathTooLong { size: u64 },
    #[error("the path has fewer hashes than a tree of {size} leaves needs")]
    PathTooShort { size: u64 },
    #[error("the path leads to another root than the tree's: the leaf or a path hash is wrong")]
    RootMismatch,
    #[error("the first tree ({first} leaves) is larger than the second ({second})")]
    FirstAfterSecond { first: u64, second: u64 },
    #[error("a consistency proof between {first} and {second} leaves cannot be empty")]
    EmptyPath { first: u64, second: u64 },
    #[error("a consistency proof from {first} to {second} leaves is empty, but this one is not")]
    PathNotEmpty { first: u64, second: u64 },
    #[error("the path does not lead to the first tree's root")]
    FirstRootMismatch,
    #[error("the path does not lead to the second tree's root")]
    SecondRootMismatch,
}

impl InclusionProof {
    /// Whether this proof puts its leaf hash in the tree whose root is `root`.
    pub fn verify(&self, root: &TreeHash) -> Result<(), ProofError> {
        verify_inclusion(
            self.index,
            self.tree_size,
            &self.leaf_hash,
            &self.path,
            root,
        )
    }
}

impl ConsistencyProof {
    pub fn verify(&self, first_root: &TreeHash, second_root: &TreeHash) -> Result<(), ProofError> {
        verify_consistency(self.first, self.second, &self.path, first_root, second_root)
    }
}

/// RFC 9162 §2.1.3.2: whether `path` proves `leaf` is leaf `index` of the tree of `size`
/// leaves whose root is `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &TreeHash,
    path: &[TreeHash],
    root: &TreeHash,
) -> Result<(), ProofError> {
    // 1.
    if index >= size {
        return Err(ProofError::NotInTree { index, size });
    }
    // 2. and 3.
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    // 4.
    for p in path {
        // a.
        if s_n == 0 {
            return Err(ProofError::PathTooLong { size });
        }
        // b.
        if f_n & 1 == 1 || f_n == s_n {
            r = TreeHash::node(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = TreeHash::node(&r, p);
        }
        // c.
        f_n >>= 1;
        s_n >>= 1;
    }
    // 5.
    if s_n != 0 {
        return Err(ProofError::PathTooShort { size });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: whether `path` proves the tree of `first` leaves with root `first_root`
/// is a prefix of the tree of `second` leaves with root `second_root`. From the empty tree,
/// and from a tree to itself, the proof is empty (nothing is to be shown but the roots).
pub fn verify_consistency(
    first: u64,
    second: u64,
    path: &[TreeHash],
    first_root: &TreeHash,
    second_root: &TreeHash,
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::FirstAfterSecond { first, second });
    }
    if first == 0 || first == second {
        if !path.is_empty() {
            return Err(ProofError::PathNotEmpty { first, second });
        }
        let expected = if first == 0 {
            TreeHash::empty()
        } else {
            *second_root
        };
        return if *first_root == expected {
            Ok(())
        } else {
            Err(ProofError::FirstRootMismatch)
        };
    }
    // 1.
    if path.is_empty() {
        return Err(ProofError::EmptyPath { first, second });
    }
    // 2.
    let prepended;
    let path = if first.is_power_of_two() {
        prepended = [&[*first_root], path].concat();
        &prepended[..]
    } else {
        path
    };
    // 3.
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    // 4.
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    // 5.
    let (mut f_r, mut s_r) = (path[0], path[0]);
    // 6.
    for c in &path[1..] {
        // a.
        if s_n == 0 {
            return Err(ProofError::PathTooLong { size: second });
        }
        // b.
        if f_n & 1 == 1 || f_n == s_n {
            f_r = TreeHash::node(c, &f_r);
            s_r = TreeHash::node(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = TreeHash::node(&s_r, c);
        }
        // c.
        f_n >>= 1;
        s_n >>= 1;
    }
    // 7.
    if s_n != 0 {
        return Err(ProofError::PathTooShort { size: second });
    }
    if f_r != *first_root {
        return Err(ProofError::FirstRootMismatch);
    }
    if s_r != *second_root {
        return Err(ProofError::SecondRootMismatch);
    }
    Ok(())
}
