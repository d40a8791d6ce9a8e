//! A sorted set of fixed-size entries packed many to a sled entry: the store's per-record
//! indexes (`by-consent-v2`, `log-entries-v2`) without a sled entry per record.
//!
//! sled 0.34 splits a leaf node at 16 entries whatever their size, and keeps a page-table slot
//! and fragment list in memory for every node, so its resident memory follows the number of
//! entries (about 25 to 35 MiB per million in a tree, benches/README "sled"), not their bytes.
//! Here a sled entry is a block of up to `MAX` entries in key order, keyed by its lower bound:
//! the first block's is empty, a split's upper half takes its first entry's key. An entry
//! belongs to the block with the greatest bound at or below its key.
//!
//! sled's transactions cannot read ranges, so changes are worked out before a transaction from
//! the committed blocks and those this round already changed (`Changes`), then written in it by
//! exact key. That is only right while no one else changes the blocks meanwhile: every writer
//! holds `Packed::lock` from working its changes out until its transaction has committed.

use std::collections::BTreeMap;
use std::ops::{Bound, ControlFlow};
use std::sync::{Mutex, MutexGuard};

use sled::transaction::{TransactionalTree, UnabortableTransactionError};

use crate::store::StoreError;

/// Entries a block holds at most: blocks stay near a kilobyte, so rewriting one for each new
/// entry costs about what the record's own write does.
const MAX: usize = 32;

pub(super) struct Packed {
    tree: sled::Tree,
    /// The length of an entry's key, its first bytes (unique among entries).
    key: usize,
    /// The length of an entry, key included.
    size: usize,
    lock: Mutex<()>,
}

/// A block: its bound, then its entries.
type Block = (Vec<u8>, Vec<u8>);

/// Blocks as a round of changes leaves them: `None` for a block it emptied.
type Staged = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

impl Packed {
    pub(super) fn new(tree: sled::Tree, key: usize, size: usize) -> Packed {
        debug_assert!(key <= size);
        Packed {
            tree,
            key,
            size,
            lock: Mutex::new(()),
        }
    }

    /// Held by every writer from working out its changes until they are committed.
    pub(super) fn lock(&self) -> MutexGuard<'_, ()> {
        match self.lock.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(super) fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    /// A round of changes, to be applied in one transaction under `lock`.
    pub(super) fn changes(&self) -> Changes<'_> {
        Changes {
            packed: self,
            staged: Staged::new(),
        }
    }

    /// The committed block holding `key`'s place: its bound and its entries.
    fn committed_block(&self, key: &[u8]) -> Result<Option<Block>, StoreError> {
        Ok(self
            .tree
            .range(..=key)
            .next_back()
            .transpose()?
            .map(|(bound, block)| (bound.to_vec(), block.to_vec())))
    }

    /// Calls `f` with each entry from `from` on, in key order, until it breaks.
    pub(super) fn scan(
        &self,
        from: &[u8],
        mut f: impl FnMut(&[u8]) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let start = self
            .tree
            .range(..=from)
            .next_back()
            .transpose()?
            .map_or_else(Vec::new, |(bound, _)| bound.to_vec());
        for block in self.tree.range(start..).values() {
            for entry in block?.chunks_exact(self.size) {
                if &entry[..self.key] >= from && f(entry).is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// How many entries there are, reading every block.
    #[cfg(test)]
    pub(super) fn count(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for block in self.tree.iter().values() {
            n += block?.len() / self.size;
        }
        Ok(n)
    }

    /// A reader for many lookups in key order, which decodes each block once.
    pub(super) fn reader(&self) -> Reader<'_> {
        Reader {
            packed: self,
            block: None,
        }
    }

    /// Where `key` is in `block`: `Ok` at an entry, `Err` where it would go.
    fn find(&self, block: &[u8], key: &[u8]) -> Result<usize, usize> {
        let n = block.len() / self.size;
        let (mut low, mut high) = (0, n);
        while low < high {
            let mid = (low + high) / 2;
            match self.key_of(block, mid).cmp(key) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    fn nth(&self, block: &[u8], i: usize) -> Vec<u8> {
        block[i * self.size..(i + 1) * self.size].to_vec()
    }

    fn key_of<'b>(&self, block: &'b [u8], i: usize) -> &'b [u8] {
        &block[i * self.size..i * self.size + self.key]
    }
}

/// Lookups in key order over committed blocks, keeping the last block read.
pub(super) struct Reader<'a> {
    packed: &'a Packed,
    /// The last block read.
    block: Option<Block>,
}

impl Reader<'_> {
    pub(super) fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let p = self.packed;
        // A key from the block's bound to its last entry is this block's: the next block's
        // bound is above its last entry.
        let covered = self.block.as_ref().is_some_and(|(bound, block)| {
            let n = block.len() / p.size;
            n > 0 && bound.as_slice() <= key && key <= p.key_of(block, n - 1)
        });
        if !covered {
            self.block = p.committed_block(key)?;
        }
        Ok(self
            .block
            .as_ref()
            .and_then(|(_, block)| p.find(block, key).ok().map(|i| p.nth(block, i))))
    }
}

/// One round of changes to the blocks, worked out under `Packed::lock` and applied in a
/// transaction (`apply`).
pub(super) struct Changes<'a> {
    packed: &'a Packed,
    staged: Staged,
}

impl Changes<'_> {
    /// The block holding `key`'s place as this round leaves it: committed or staged, whichever
    /// has the greater bound; none when no block's bound is at or below it.
    fn block(&self, key: &[u8]) -> Result<Option<Block>, StoreError> {
        let staged = self
            .staged
            .range::<[u8], _>((Bound::Unbounded, Bound::Included(key)))
            .rev()
            .find_map(|(bound, block)| block.as_ref().map(|b| (bound.clone(), b.clone())));
        let mut committed = None;
        for item in self.packed.tree.range(..=key).rev() {
            let (bound, block) = item?;
            match self.staged.get(&bound[..]) {
                // Emptied this round: the block below holds the place now.
                Some(None) => continue,
                Some(Some(_)) => {}
                None => committed = Some((bound.to_vec(), block.to_vec())),
            }
            break;
        }
        Ok(match (staged, committed) {
            (Some(s), Some(c)) => Some(if c.0 > s.0 { c } else { s }),
            (s, c) => s.or(c),
        })
    }

    /// Adds `entry`, or replaces the entry with its key.
    pub(super) fn insert(&mut self, entry: &[u8]) -> Result<(), StoreError> {
        let p = self.packed;
        debug_assert_eq!(entry.len(), p.size);
        let key = &entry[..p.key];
        let (bound, mut block) = self.block(key)?.unwrap_or_default();
        let at = match p.find(&block, key) {
            Ok(i) => {
                block[i * p.size..(i + 1) * p.size].copy_from_slice(entry);
                self.staged.insert(bound, Some(block));
                return Ok(());
            }
            Err(i) => i,
        };
        block.splice(at * p.size..at * p.size, entry.iter().copied());
        let n = block.len() / p.size;
        if n <= MAX {
            self.staged.insert(bound, Some(block));
            return Ok(());
        }
        // A new last entry starts a block of its own, so blocks that grow at their end (as
        // time goes) stay full; anywhere else the block splits in halves.
        let split = if at == n - 1 { at } else { n / 2 };
        let upper = block.split_off(split * p.size);
        self.staged.insert(bound, Some(block));
        self.staged.insert(upper[..p.key].to_vec(), Some(upper));
        Ok(())
    }

    /// Removes the entry with `key`; the entry, if there was one.
    pub(super) fn remove(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let p = self.packed;
        let Some((bound, mut block)) = self.block(key)? else {
            return Ok(None);
        };
        let Ok(i) = p.find(&block, key) else {
            return Ok(None);
        };
        let entry: Vec<u8> = block.drain(i * p.size..(i + 1) * p.size).collect();
        self.staged
            .insert(bound, (!block.is_empty()).then_some(block));
        Ok(Some(entry))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Writes the round's blocks in a transaction on the packed tree.
    pub(super) fn apply(&self, tx: &TransactionalTree) -> Result<(), UnabortableTransactionError> {
        for (bound, block) in &self.staged {
            match block {
                Some(block) => tx.insert(&bound[..], &block[..])?,
                None => tx.remove(&bound[..])?,
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: u32) -> Vec<u8> {
        let mut e = key.to_be_bytes().to_vec();
        e.extend_from_slice(&(key ^ 0xffff).to_be_bytes());
        e
    }

    fn commit(packed: &Packed, changes: &Changes<'_>) {
        packed
            .tree()
            .transaction(|tx| {
                changes.apply(tx)?;
                Ok::<(), sled::transaction::ConflictableTransactionError<()>>(())
            })
            .expect("committed");
    }

    fn keys(packed: &Packed) -> Vec<u32> {
        let mut out = Vec::new();
        packed
            .scan(&[], |e| {
                out.push(u32::from_be_bytes(e[..4].try_into().expect("four bytes")));
                ControlFlow::Continue(())
            })
            .expect("scanned");
        out
    }

    #[test]
    fn entries_in_any_order_and_rounds_read_back_sorted_from_few_blocks() {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .expect("a database");
        let packed = Packed::new(db.open_tree("packed").expect("a tree"), 4, 8);
        // Appends at the end, then a spread in the middle, across rounds of different sizes.
        let mut order: Vec<u32> = (1000..1500).collect();
        order.extend((0..1000).map(|i| (i * 7919) % 1000));
        let mut expected = Vec::new();
        for round in order.chunks(97) {
            let _held = packed.lock();
            let mut changes = packed.changes();
            for k in round {
                changes.insert(&entry(*k)).expect("inserted");
                expected.push(*k);
            }
            commit(&packed, &changes);
        }
        expected.sort_unstable();
        assert_eq!(keys(&packed), expected);
        assert_eq!(packed.count().expect("counted"), 1500);
        assert!(
            packed.tree().len() <= 1500 / (MAX / 2) + 1,
            "{} blocks",
            packed.tree().len()
        );
        let appended = packed.tree().range(entry(1000)[..4].to_vec()..).count();
        assert!(
            appended <= 500 / MAX + 2,
            "appends fill their blocks: {appended}"
        );
        assert_eq!(
            packed.reader().get(&entry(1234)[..4]).expect("read"),
            Some(entry(1234))
        );
        assert_eq!(
            packed.reader().get(&5000u32.to_be_bytes()).expect("read"),
            None
        );
        let mut reader = packed.reader();
        for k in [3u32, 4, 700, 1499] {
            assert_eq!(reader.get(&entry(k)[..4]).expect("read"), Some(entry(k)));
        }
    }

    #[test]
    fn removing_and_replacing_in_one_round_with_splits_keeps_every_other_entry() {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .expect("a database");
        let packed = Packed::new(db.open_tree("packed").expect("a tree"), 4, 8);
        let mut changes = packed.changes();
        for k in 0..200u32 {
            changes.insert(&entry(k * 2)).expect("inserted");
        }
        commit(&packed, &changes);

        let mut changes = packed.changes();
        // Empties the first blocks, splits others, replaces one.
        for k in 0..60u32 {
            assert_eq!(
                changes.remove(&(k * 2).to_be_bytes()).expect("removed"),
                Some(entry(k * 2))
            );
        }
        assert_eq!(changes.remove(&1u32.to_be_bytes()).expect("nothing"), None);
        for k in 0..200u32 {
            changes.insert(&entry(k * 2 + 1)).expect("inserted");
        }
        let mut replaced = entry(301);
        replaced[7] ^= 1;
        changes.insert(&replaced).expect("replaced");
        commit(&packed, &changes);

        let mut expected: Vec<u32> = (60..200).map(|k| k * 2).collect();
        expected.extend((0..200).map(|k| k * 2 + 1));
        expected.sort_unstable();
        assert_eq!(keys(&packed), expected);
        assert_eq!(
            packed.reader().get(&301u32.to_be_bytes()).expect("read"),
            Some(replaced)
        );
        let mut from_middle = Vec::new();
        packed
            .scan(&250u32.to_be_bytes(), |e| {
                from_middle.push(u32::from_be_bytes(e[..4].try_into().expect("four bytes")));
                if from_middle.len() == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .expect("scanned");
        assert_eq!(from_middle, [250, 251, 252]);
    }
}
