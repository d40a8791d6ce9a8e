//! The tree against RFC 9162's own definitions (`rfc_reference`), for every tree size to 70
//! and every index and pair, then for random larger trees built in random batches. The RFC
//! 6962 test vectors anchor both to the published values.

use std::cell::Cell;

use proptest::prelude::*;

use super::rfc_reference::Rfc;
use super::*;
use crate::tlog::proof::{ProofError, verify_consistency, verify_inclusion};

fn flipped(hash: &TreeHash) -> TreeHash {
    let mut bytes = *hash.as_bytes();
    bytes[31] ^= 1;
    TreeHash::from_bytes(bytes)
}

// ---- Tests ----

/// The RFC 6962 test vectors, as certificate-transparency's and Go's tlog tests carry them.
#[test]
fn the_published_test_vectors_come_out() {
    let d: Vec<Vec<u8>> = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| hex(h))
    .collect();
    let rfc = Rfc::of(d);
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let log = rfc.log(&[3]);
    for (n, root) in roots.iter().enumerate() {
        assert_eq!(
            log.root(n as u64 + 1).expect("a root"),
            hash(root),
            "size {}",
            n + 1
        );
    }
    let inclusion = log.inclusion(5, 8).expect("a proof");
    assert_eq!(
        inclusion.path,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
        .map(hash)
    );
    assert_eq!(
        log.consistency(6, 8).expect("a proof").path,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
        .map(hash)
    );
    assert_eq!(
        log.consistency(2, 5).expect("a proof").path,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]
        .map(hash)
    );
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hash(text: &str) -> TreeHash {
    TreeHash::from_bytes(hex(text).try_into().expect("32 bytes"))
}

#[test]
fn every_root_and_proof_of_every_tree_to_70_leaves_is_the_rfcs() {
    let rfc = Rfc::new(70);
    let log = rfc.log(&[1, 2, 3, 5, 8, 13]);
    assert_eq!(log.root(0).expect("a root"), TreeHash::empty());
    for n in 1..=70 {
        assert_eq!(
            log.root(n as u64).expect("a root"),
            rfc.mth(0, n),
            "MTH(D[{n}])"
        );
        for m in 0..n {
            rfc.check_inclusion(&log, m, n);
        }
        for m in 0..=n {
            rfc.check_consistency(&log, m, n);
        }
    }
}

#[test]
fn a_proof_with_any_hash_changed_or_for_another_place_is_refused() {
    let log = Rfc::new(40).log(&[7]);
    for n in 1..=40u64 {
        let root = log.root(n).expect("a root");
        for m in 0..n {
            let p = log.inclusion(m, n).expect("a proof");
            for i in 0..p.path.len() {
                let mut bad = p.path.clone();
                bad[i] = flipped(&bad[i]);
                assert!(verify_inclusion(m, n, &p.leaf_hash, &bad, &root).is_err());
            }
            let other_leaf = flipped(&p.leaf_hash);
            assert_eq!(
                verify_inclusion(m, n, &other_leaf, &p.path, &root),
                Err(ProofError::RootMismatch)
            );
            let longer = [&p.path[..], &[root]].concat();
            assert!(verify_inclusion(m, n, &p.leaf_hash, &longer, &root).is_err());
            if let Some((_, shorter)) = p.path.split_last() {
                assert!(verify_inclusion(m, n, &p.leaf_hash, shorter, &root).is_err());
            }
            if n > 1 {
                let moved = (m + 1) % n;
                assert!(verify_inclusion(moved, n, &p.leaf_hash, &p.path, &root).is_err());
            }
        }
        for m in 1..n {
            let first = log.root(m).expect("a root");
            let p = log.consistency(m, n).expect("a proof");
            for i in 0..p.path.len() {
                let mut bad = p.path.clone();
                bad[i] = flipped(&bad[i]);
                assert!(verify_consistency(m, n, &bad, &first, &root).is_err());
            }
            assert!(verify_consistency(m, n, &p.path, &flipped(&first), &root).is_err());
            assert!(verify_consistency(m, n, &p.path, &first, &flipped(&root)).is_err());
            assert!(verify_consistency(m, n, &[], &first, &root).is_err());
            assert!(verify_consistency(n, m, &p.path, &root, &first).is_err());
        }
    }
}

#[test]
fn a_log_reopened_from_its_nodes_goes_on_where_it_stopped() {
    let rfc = Rfc::new(45);
    let mut log = Rfc::of(rfc.d[..29].to_vec()).log(&[4]);
    let nodes = std::mem::take(&mut log.nodes);
    let mut reopened = Log::open(nodes).expect("the stored log");

    assert_eq!(reopened.size(), 29);
    assert_eq!(reopened.current_root(), rfc.mth(0, 29));
    let rest: Vec<TreeHash> = rfc.d[29..].iter().map(|e| TreeHash::leaf(e)).collect();
    assert_eq!(reopened.append(&rest).expect("appended"), 29);
    assert_eq!(reopened.current_root(), rfc.mth(0, 45));
    assert_eq!(reopened.append(&[]).expect("nothing appended"), 45);
    assert_eq!(reopened.current_root(), rfc.mth(0, 45));
}

#[test]
fn what_is_not_in_the_tree_is_an_error_not_a_proof() {
    let log = Rfc::new(10).log(&[10]);

    assert!(matches!(
        log.root(11),
        Err(LogError::BeyondTree {
            asked: 11,
            size: 10
        })
    ));
    assert!(matches!(
        log.inclusion(10, 10),
        Err(LogError::NotInTree {
            index: 10,
            size: 10
        })
    ));
    assert!(matches!(
        log.inclusion(0, 0),
        Err(LogError::NotInTree { .. })
    ));
    assert!(matches!(
        log.inclusion(3, 11),
        Err(LogError::BeyondTree { .. })
    ));
    assert!(matches!(
        log.consistency(4, 3),
        Err(LogError::FirstAfterSecond { .. })
    ));
    assert!(matches!(
        log.consistency(4, 12),
        Err(LogError::BeyondTree { .. })
    ));
    assert!(matches!(log.leaf_hash(10), Err(LogError::NotInTree { .. })));
}

#[test]
fn a_lost_node_is_reported_as_damage() {
    let mut log = Rfc::new(12).log(&[12]);
    log.nodes.nodes.remove(&NodeId::new(2, 1));

    let error = log
        .inclusion(0, 12)
        .expect_err("the sibling of [0, 4) is lost");
    assert!(
        matches!(
            error,
            LogError::MissingNode {
                level: 2,
                index: 1,
                size: 12
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("damaged"));
    // Opening reads the right edge: [0, 8) and [8, 12).
    log.nodes.nodes.remove(&NodeId::new(2, 2));
    assert!(matches!(
        Log::open(std::mem::take(&mut log.nodes)),
        Err(LogError::MissingNode { .. })
    ));
}

/// Answers every node of a tree of `size` leaves with a made-up hash, and counts reads: a
/// tree of 2^40 leaves without building one.
struct Counting {
    size: u64,
    reads: Cell<u32>,
}

impl NodeStore for Counting {
    fn size(&self) -> Result<u64, NodesError> {
        Ok(self.size)
    }

    fn node(&self, id: NodeId) -> Result<Option<TreeHash>, NodesError> {
        self.reads.set(self.reads.get() + 1);
        let last = (id.index + 1).checked_mul(1 << id.level);
        assert!(
            last.is_some_and(|l| l <= self.size),
            "{id:?} is not complete"
        );
        Ok(Some(TreeHash::leaf(&[id.level])))
    }

    fn append(&mut self, _: &[(NodeId, TreeHash)], _: u64) -> Result<(), NodesError> {
        unreachable!("read only")
    }
}

#[test]
fn a_root_or_proof_of_a_huge_tree_reads_a_few_nodes_per_level() {
    let size = (1u64 << 40) + 12_345_677;
    let nodes = Counting {
        size,
        reads: Cell::new(0),
    };
    let tree = Tree::read(&nodes).expect("a tree");
    let levels = 41;
    let reads = |what: &str, f: &dyn Fn() -> usize| {
        nodes.reads.set(0);
        let path = f();
        let count = nodes.reads.get();
        assert!(count <= 3 * levels, "{what}: {count} reads");
        // A consistency proof may end with the old tree's own root: one more than the levels.
        assert!(path <= levels as usize + 1, "{what}: a path of {path}");
    };
    reads("root", &|| tree.root(size).map(|_| 0).expect("a root"));
    reads("old root", &|| {
        tree.root(size - 999).map(|_| 0).expect("a root")
    });
    for index in [0, 1, size / 3, size - 2, size - 1] {
        reads("inclusion", &|| {
            tree.inclusion(index, size).expect("a proof").path.len()
        });
    }
    for first in [1, 12_345, 1 << 39, size - 1] {
        reads("consistency", &|| {
            tree.consistency(first, size).expect("a proof").path.len()
        });
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_trees_built_in_random_batches_prove_as_the_rfc_defines(
        n in 1usize..2500,
        batches in prop::collection::vec(1usize..300, 1..8),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 4),
    ) {
        let rfc = Rfc::new(n);
        let log = rfc.log(&batches);
        prop_assert_eq!(log.root(n as u64).expect("a root"), rfc.mth(0, n));
        for (a, b) in picks {
            let size = b.index(n) + 1;
            rfc.check_inclusion(&log, a.index(size), size);
            rfc.check_consistency(&log, a.index(size + 1), size);
        }
    }
}
