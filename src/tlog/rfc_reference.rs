//! RFC 9162's own definitions, written here as the RFC writes them: recursively over the list
//! of entries (MTH §2.1.1, PATH §2.1.3.1, PROOF and SUBPROOF §2.1.4.1), for the tree's tests
//! to hold the log against.

use std::cell::RefCell;
use std::collections::HashMap;

use super::Log;
use crate::tlog::hash::TreeHash;
use crate::tlog::nodes::MemoryNodes;

/// k: the largest power of two smaller than n (n > 1).
fn k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// D, the list of entries, with the RFC's functions over its ranges D[start:end]. MTH is
/// remembered per range, so that checking every proof of every size stays quick in a debug
/// build; nothing else is.
pub(super) struct Rfc {
    pub(super) d: Vec<Vec<u8>>,
    known: RefCell<HashMap<(usize, usize), TreeHash>>,
}

impl Rfc {
    pub(super) fn new(n: usize) -> Rfc {
        Rfc::of((0..n).map(|i| format!("record {i}").into_bytes()).collect())
    }

    pub(super) fn of(d: Vec<Vec<u8>>) -> Rfc {
        Rfc {
            d,
            known: RefCell::default(),
        }
    }

    pub(super) fn mth(&self, start: usize, end: usize) -> TreeHash {
        if let Some(hash) = self.known.borrow().get(&(start, end)) {
            return *hash;
        }
        let hash = match end - start {
            0 => TreeHash::empty(),
            1 => TreeHash::leaf(&self.d[start]),
            n => TreeHash::node(&self.mth(start, start + k(n)), &self.mth(start + k(n), end)),
        };
        self.known.borrow_mut().insert((start, end), hash);
        hash
    }

    /// PATH(m, D[start:end]).
    pub(super) fn path(&self, m: usize, start: usize, end: usize) -> Vec<TreeHash> {
        let n = end - start;
        if n == 1 {
            return Vec::new();
        }
        let k = k(n);
        let (mut path, sibling) = if m < k {
            (self.path(m, start, start + k), self.mth(start + k, end))
        } else {
            (self.path(m - k, start + k, end), self.mth(start, start + k))
        };
        path.push(sibling);
        path
    }

    /// PROOF(m, D[0:n]).
    pub(super) fn proof(&self, m: usize, n: usize) -> Vec<TreeHash> {
        self.subproof(m, 0, n, true)
    }

    /// SUBPROOF(m, D[start:end], b).
    pub(super) fn subproof(&self, m: usize, start: usize, end: usize, b: bool) -> Vec<TreeHash> {
        let n = end - start;
        if m == n {
            return if b {
                Vec::new()
            } else {
                vec![self.mth(start, end)]
            };
        }
        let k = k(n);
        let (mut proof, sibling) = if m <= k {
            (
                self.subproof(m, start, start + k, b),
                self.mth(start + k, end),
            )
        } else {
            (
                self.subproof(m - k, start + k, end, false),
                self.mth(start, start + k),
            )
        };
        proof.push(sibling);
        proof
    }

    /// A log of D, appended in batches of the given sizes (cycled), its root checked after
    /// each.
    pub(super) fn log(&self, batches: &[usize]) -> Log<MemoryNodes> {
        let mut log = Log::open(MemoryNodes::default()).expect("an empty log");
        let hashes: Vec<TreeHash> = self.d.iter().map(|e| TreeHash::leaf(e)).collect();
        let mut at = 0;
        for batch in batches.iter().cycle() {
            if at == hashes.len() {
                break;
            }
            let end = (at + batch.max(&1)).min(hashes.len());
            let first = log.append(&hashes[at..end]).expect("appended");
            assert_eq!(first, at as u64);
            assert_eq!(log.current_root(), self.mth(0, end), "root after {end}");
            at = end;
        }
        log
    }

    pub(super) fn check_inclusion(&self, log: &Log<MemoryNodes>, m: usize, n: usize) {
        let got = log.inclusion(m as u64, n as u64).expect("a proof");
        assert_eq!(got.path, self.path(m, 0, n), "PATH({m}, D[{n}])");
        assert_eq!(got.leaf_hash, TreeHash::leaf(&self.d[m]));
        got.verify(&self.mth(0, n))
            .unwrap_or_else(|e| panic!("PATH({m}, D[{n}]) does not verify: {e}"));
    }

    pub(super) fn check_consistency(&self, log: &Log<MemoryNodes>, m: usize, n: usize) {
        let got = log.consistency(m as u64, n as u64).expect("a proof");
        let expected = if m == 0 { Vec::new() } else { self.proof(m, n) };
        assert_eq!(got.path, expected, "PROOF({m}, D[{n}])");
        got.verify(&self.mth(0, m), &self.mth(0, n))
            .unwrap_or_else(|e| panic!("PROOF({m}, D[{n}]) does not verify: {e}"));
    }
}
