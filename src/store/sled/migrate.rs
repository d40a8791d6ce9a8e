//! Earlier layouts of a data folder, converted when the store opens, before it serves.
//!
//! Each step writes the new layout in transactions of `CHUNK` and drops the old tree only once
//! all of it is converted and flushed, so a crash part way converts again at the next open;
//! writing an entry twice leaves it as once.

use super::packed::{Changes, Packed};
use super::{keys, log};
use crate::store::StoreError;

/// Entries converted per transaction.
const CHUNK: usize = 4096;

/// The first index layout: a sled entry per indexed record, and one per `decision_id`.
const BY_CONSENT_V1: &str = "by-consent-v1";
const DECISIONS_V1: &str = "decisions-v1";
/// The log's entries one sled entry each (time key → leaf index and salt).
const LOG_ENTRIES_V1: &str = "log-entries-v1";

/// Converts whatever earlier layout the folder holds.
pub(super) fn layouts(
    db: &sled::Db,
    index: &Packed,
    log_entries: &Packed,
    log_erased: &sled::Tree,
) -> Result<(), StoreError> {
    if has(db, LOG_ENTRIES_V1) {
        // The leaves' layout before the erased set reads the entries it is converted from.
        let v1 = db.open_tree(LOG_ENTRIES_V1)?;
        log::migrate_leaves(db, &v1, log_erased)?;
        let moved = convert(db, log_entries, &v1, |key, value| {
            let mut entry = key.to_vec();
            entry.extend_from_slice(value);
            (entry.len() == log::ENTRY).then_some(entry)
        })?;
        drop_tree(db, LOG_ENTRIES_V1)?;
        tracing::info!(
            moved,
            "the consent log's entries are packed (log-entries-v2)"
        );
    }
    let moved = crate::tlog::migrate_legacy(db).map_err(log::nodes_failed)?;
    if moved > 0 {
        tracing::info!(moved, "the consent log's nodes are converted to tiles");
    }
    if has(db, BY_CONSENT_V1) || has(db, DECISIONS_V1) {
        let visits = db.open_tree(BY_CONSENT_V1)?;
        let decisions = db.open_tree(DECISIONS_V1)?;
        let indexed = convert(db, index, &visits, |key, _| {
            let (id, time) = keys::v1::split(key)?;
            Some(keys::index_entry(id, &time.try_into().ok()?, None).to_vec())
        })?;
        // Dropped first: converting the decisions again after a crash overwrites only what
        // they set, where converting the visits again would wipe their hashes.
        drop_tree(db, BY_CONSENT_V1)?;
        let decided = convert(db, index, &decisions, |key, time| {
            let (id, decision) = keys::v1::split(key)?;
            let decision = std::str::from_utf8(decision).ok()?;
            Some(keys::index_entry(id, &time.try_into().ok()?, Some(decision)).to_vec())
        })?;
        drop_tree(db, DECISIONS_V1)?;
        tracing::info!(
            indexed,
            decided,
            "the visitors' index is packed (by-consent-v2)"
        );
    }
    Ok(())
}

fn has(db: &sled::Db, name: &str) -> bool {
    db.tree_names().iter().any(|n| &n[..] == name.as_bytes())
}

/// Writes `entry(key, value)` of every entry of `old` into `packed`; how many. Entries that do
/// not convert (no earlier release wrote any) are left out.
fn convert(
    db: &sled::Db,
    packed: &Packed,
    old: &sled::Tree,
    entry: impl Fn(&[u8], &[u8]) -> Option<Vec<u8>>,
) -> Result<usize, StoreError> {
    let _held = packed.lock();
    let mut moved = 0;
    let mut changes = packed.changes();
    let mut pending = 0;
    for item in old.iter() {
        let (key, value) = item?;
        let Some(new) = entry(&key, &value) else {
            tracing::warn!(tree = %String::from_utf8_lossy(&old.name()), "an entry that does not convert is left out");
            continue;
        };
        changes.insert(&new)?;
        moved += 1;
        pending += 1;
        if pending == CHUNK {
            commit(packed, &changes)?;
            changes = packed.changes();
            pending = 0;
        }
    }
    commit(packed, &changes)?;
    db.flush()?;
    Ok(moved)
}

fn commit(packed: &Packed, changes: &Changes<'_>) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    packed
        .tree()
        .transaction(|tx| {
            changes.apply(tx)?;
            Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
        })
        .map_err(StoreError::from)
}

fn drop_tree(db: &sled::Db, name: &str) -> Result<(), StoreError> {
    db.drop_tree(name)?;
    db.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;

    /// Every index entry of one visitor, for tests.
    fn entries_of(index: &Packed, consent_id: &str) -> Vec<Vec<u8>> {
        let visitor = keys::visitor(consent_id);
        let mut out = Vec::new();
        index
            .scan(&visitor, |e| {
                if e[..keys::VISITOR] != visitor {
                    return ControlFlow::Break(());
                }
                out.push(e.to_vec());
                ControlFlow::Continue(())
            })
            .expect("scanned");
        out
    }

    #[test]
    fn the_first_layouts_index_and_log_entries_are_packed_with_each_decision_on_its_record() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let db = sled::open(folder.path()).expect("a database");
        let visits = db.open_tree(BY_CONSENT_V1).expect("visits");
        let decisions = db.open_tree(DECISIONS_V1).expect("decisions");
        let entries = db.open_tree(LOG_ENTRIES_V1).expect("entries");
        let visitor = "lnp0k3b2_1111111111_2222222222_33";
        let times: Vec<keys::TimeKey> = (0..3).map(|i| keys::time_key(1_000 + i, i)).collect();
        // Two indexed decisions, one with a decision_id; and a first decision under a
        // service-made id, with a decision_id and so only a decisions-v1 entry.
        for time in &times[..2] {
            visits
                .insert(keys::v1::key(visitor, time), &[][..])
                .expect("visit");
        }
        decisions
            .insert(keys::v1::key(visitor, b"d-2"), &times[1][..])
            .expect("decision");
        decisions
            .insert(keys::v1::key("AbCdEfGh", b"d-first"), &times[2][..])
            .expect("decision");
        for (i, time) in times.iter().enumerate() {
            entries
                .insert(&time[..], &[i as u8; 24][..])
                .expect("entry");
        }

        let index = Packed::new(
            db.open_tree("by-consent-v2").expect("index"),
            keys::INDEX_KEY,
            keys::INDEX_ENTRY,
        );
        let log_entries = log::packed(db.open_tree("log-entries-v2").expect("log"));
        let erased = db.open_tree("log-erased-v1").expect("erased");
        layouts(&db, &index, &log_entries, &erased).expect("converted");

        assert_eq!(
            entries_of(&index, visitor),
            [
                keys::index_entry(visitor, &times[0], None).to_vec(),
                keys::index_entry(visitor, &times[1], Some("d-2")).to_vec(),
            ]
        );
        assert_eq!(
            entries_of(&index, "AbCdEfGh"),
            [keys::index_entry("AbCdEfGh", &times[2], Some("d-first")).to_vec()]
        );
        let mut entry = times[1].to_vec();
        entry.extend_from_slice(&[1u8; 24]);
        assert_eq!(
            log_entries.reader().get(&times[1]).expect("read"),
            Some(entry)
        );
        assert_eq!(log_entries.count().expect("counted"), 3);
        for old in [BY_CONSENT_V1, DECISIONS_V1, LOG_ENTRIES_V1] {
            assert!(!has(&db, old), "{old} is dropped");
        }

        // A crash after the visits were dropped converts the decisions again, changing nothing.
        let decisions = db.open_tree(DECISIONS_V1).expect("decisions again");
        decisions
            .insert(keys::v1::key(visitor, b"d-2"), &times[1][..])
            .expect("decision");
        layouts(&db, &index, &log_entries, &erased).expect("converted again");
        assert_eq!(entries_of(&index, visitor).len(), 2);
        assert_eq!(
            entries_of(&index, visitor)[1],
            keys::index_entry(visitor, &times[1], Some("d-2")).to_vec()
        );
    }
}
