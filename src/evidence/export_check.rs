//! `consentry verify EXPORT --checkpoint FILE --key KEY` on an NDJSON export (`consentry
//! export`, `GET /api/v1/admin/consents`): every record's `log` member in shape, the
//! checkpoint's signature, and, when the export holds every leaf of the checkpoint's tree (no
//! erasure, no date range), the tree's root rebuilt from the records (RFC 9162 §2.1.1). Without
//! every leaf an export alone proves no inclusion: the report says so, and where the proofs are.

use std::collections::BTreeMap;

use super::leaf::{LeafError, Logged};
use super::verify::Report;
use crate::tlog::{TreeHash, VerifierKey};

pub(crate) fn export(ndjson: &str, signed: &str, key: &VerifierKey) -> Report {
    let mut report = Report::default();
    let checkpoint = report.open_checkpoint(signed, key);
    let mut leaves: BTreeMap<u64, TreeHash> = BTreeMap::new();
    let mut pending = 0;
    for (n, line) in ndjson.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let subject = format!("line {}", n + 1);
        match Logged::split(line.as_bytes()) {
            Ok(logged) => {
                if leaves
                    .insert(logged.entry.index, logged.leaf_hash())
                    .is_some()
                {
                    report.fail(
                        subject,
                        "log index",
                        format!(
                            "leaf {} is claimed by an earlier line too",
                            logged.entry.index
                        ),
                    );
                }
            }
            Err(LeafError::NoLog) => pending += 1,
            Err(e) => report.fail(subject, "log member", e.to_string()),
        }
    }
    report.hold(format!(
        "{} records carry a well-formed log member",
        leaves.len()
    ));
    if pending > 0 {
        report.unchecked.push(format!(
            "{pending} records carry no log member yet (sequenced within 10 s of their 201): \
             export again later"
        ));
    }
    let Some(checkpoint) = checkpoint else {
        return report;
    };
    let size = checkpoint.size();
    let beyond = leaves.range(size..).count();
    if beyond > 0 {
        report.unchecked.push(format!(
            "{beyond} records have leaves beyond the checkpoint's {size}: check them against a \
             later checkpoint (GET /api/v1/log/checkpoint)"
        ));
    }
    let within: Vec<TreeHash> = leaves.range(..size).map(|(_, h)| *h).collect();
    if within.len() as u64 == size {
        if root(&within) == *checkpoint.root() {
            report.hold(format!(
                "the export's records rebuild the checkpoint's root: all {size} leaves are these records"
            ));
        } else {
            report.fail(
                "export",
                "root",
                "the records rebuild another root than the checkpoint's: a record was altered, \
                 or its salt",
            );
        }
    } else {
        report.unchecked.push(format!(
            "{} of the checkpoint's {size} leaves are not in this export (erased, or outside its \
             date range), so its root cannot be rebuilt and the inclusion of the export's {} \
             records in it cannot be checked offline; get a record's proof with GET \
             /api/v1/log/proof/inclusion?index=I&tree_size={size}, or a visitor's evidence \
             document (GET /api/v1/admin/consents/ID/evidence, consentry evidence ID) and \
             consentry verify it",
            size - within.len() as u64,
            within.len()
        ));
    }
    report
}

/// RFC 9162 §2.1.1's MTH of `leaves` (leaf hashes, in index order).
fn root(leaves: &[TreeHash]) -> TreeHash {
    match leaves.len() {
        0 => TreeHash::empty(),
        1 => leaves[0],
        n => {
            // The largest power of two below n: the highest bit of n - 1.
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            TreeHash::node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_splits_at_the_largest_power_of_two_below_the_size() {
        let leaf = |i: u8| TreeHash::leaf(&[i]);
        let l: Vec<TreeHash> = (0..5).map(leaf).collect();
        let left = TreeHash::node(&TreeHash::node(&l[0], &l[1]), &TreeHash::node(&l[2], &l[3]));
        assert_eq!(root(&l), TreeHash::node(&left, &l[4]));
        assert_eq!(root(&l[..4]), left);
        assert_eq!(root(&l[..2]), TreeHash::node(&l[0], &l[1]));
        assert_eq!(root(&l[..1]), l[0]);
    }
}
