//! Removing records: one visitor's on request (all or none, even across a crash) and every
//! record past the retention.

use time::{Date, OffsetDateTime};

use super::Sled;
use crate::consent::ConsentId;
use crate::store::records::Owner;
use crate::store::{StoreError, keys};

/// Records removed per transaction when purging or erasing.
const BATCH: usize = 512;

/// A record to remove, with the key of its index entry (if it has one).
struct Removal {
    index: [u8; keys::INDEX_KEY],
    time: keys::TimeKey,
}

impl Sled {
    /// Erases every record of one visitor, durably (GDPR Art. 17); returns how many.
    ///
    /// All or none, even across a crash: a durable mark in `erasing-v1` comes first, and a store
    /// opened with a mark finishes that erasure before it serves (`finish_erasures`).
    pub(crate) async fn erase(&self, consent_id: &ConsentId) -> Result<usize, StoreError> {
        let consent_id = consent_id.clone();
        self.blocking(move |store| store.erase_blocking(&consent_id))
            .await
    }

    fn erase_blocking(&self, consent_id: &ConsentId) -> Result<usize, StoreError> {
        let trees = self.shared.trees()?;
        trees.erasing.insert(consent_id.as_str(), &[][..])?;
        self.shared.durable(&trees)?;
        self.finish_erasure(&trees, consent_id.as_str())
    }

    /// Finishes every erasure a crash interrupted; run at open, before the store serves.
    pub(super) fn finish_erasures(&self) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        let marked: Vec<sled::IVec> = trees.erasing.iter().keys().collect::<Result<_, _>>()?;
        for id in marked {
            let erased = self.finish_erasure(&trees, &String::from_utf8_lossy(&id))?;
            tracing::warn!(
                erased,
                "finished erasing a visitor's records, interrupted by a crash or a storage failure"
            );
        }
        Ok(())
    }

    /// Removes a marked visitor's records, then the mark, durably; returns how many.
    fn finish_erasure(&self, trees: &super::Trees, consent_id: &str) -> Result<usize, StoreError> {
        let erased = self.remove_visitor(trees, consent_id)?;
        trees.erasing.remove(consent_id)?;
        self.shared.durable(trees)?;
        Ok(erased)
    }

    /// Removes a visitor's records with their index and decision entries, in transactions of
    /// `BATCH`; returns how many.
    ///
    /// Each record goes with its own entries, never more: a decision stored while the erasure
    /// runs keeps its entry as long as it keeps its record, so its retry is still recognised.
    /// Passes repeat until one finds nothing, so a record written meanwhile is not left behind.
    fn remove_visitor(&self, trees: &super::Trees, consent_id: &str) -> Result<usize, StoreError> {
        let mut erased = 0;
        let mut days: Vec<Date> = Vec::new();
        loop {
            let times = Self::keys_of(trees, consent_id)?;
            if times.is_empty() {
                break;
            }
            for chunk in times.chunks(BATCH) {
                let removals = removals(trees, consent_id, chunk)?;
                remove_batch(trees, &removals)?;
                erased += removals.len();
                days.extend(removals.iter().map(|r| date_of(&r.time)));
            }
        }
        self.forget_days(|d| !days.contains(d));
        Ok(erased)
    }

    /// Begins an erasure and stops after its first transaction, as a crash would.
    #[cfg(test)]
    pub(crate) fn erase_interrupted(&self, consent_id: &ConsentId) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        let id = consent_id.as_str();
        trees.erasing.insert(id, &[][..])?;
        self.shared.durable(&trees)?;
        let times = Self::keys_of(&trees, id)?;
        let first = &times[..times.len().min(BATCH)];
        remove_batch(&trees, &removals(&trees, id, first)?)?;
        self.shared.durable(&trees)
    }

    /// Removes every record made before `cutoff`, in time order, durably; returns how many.
    /// Blocking.
    pub(crate) fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        let trees = self.shared.trees()?;
        let end = keys::time_bound(keys::nanos(cutoff));
        let mut purged = 0;
        loop {
            let mut pairs = Vec::with_capacity(BATCH);
            for entry in trees.records.range(..end).take(BATCH) {
                let (time, value) = entry?;
                let Ok(time) = keys::TimeKey::try_from(&time[..]) else {
                    continue;
                };
                let owner: Owner<'_> = serde_json::from_slice(&value)?;
                pairs.push(Removal {
                    index: keys::index_key(owner.consent_id, &time),
                    time,
                });
            }
            if pairs.is_empty() {
                break;
            }
            purged += pairs.len();
            remove_batch(&trees, &pairs)?;
        }
        self.forget_days(|d| *d > cutoff.date());
        if purged > 0 {
            self.shared.durable(&trees)?;
        }
        Ok(purged)
    }
}

/// What removing the records at `times` of one visitor takes from each tree.
fn removals(
    trees: &super::Trees,
    consent_id: &str,
    times: &[keys::TimeKey],
) -> Result<Vec<Removal>, StoreError> {
    let mut out = Vec::with_capacity(times.len());
    for time in times {
        if trees.records.contains_key(time)? {
            out.push(Removal {
                index: keys::index_key(consent_id, time),
                time: *time,
            });
        }
    }
    Ok(out)
}

/// The day a time key falls on (UTC).
fn date_of(time: &[u8]) -> Date {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(keys::nanos_of(time)))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date()
}

/// Removes records and their index and log entries together, marking their leaves erased.
fn remove_batch(trees: &super::Trees, removals: &[Removal]) -> Result<(), StoreError> {
    use sled::Transactional;
    // In the writers' order (records' writer: the index; the sequencer: the log's entries).
    let _held = (trees.index.lock(), trees.log_entries.lock());
    let mut index = trees.index.changes();
    let mut logged = trees.log_entries.changes();
    let mut erased = Vec::new();
    for removal in removals {
        index.remove(&removal.index)?;
        // The salt goes with the record; the leaf hash stays in the log's nodes, and the leaf
        // is marked erased.
        if let Some(entry) = logged.remove(&removal.time)? {
            erased.extend(super::log::unpack(&entry).map(|e| e.index));
        }
    }
    (
        &trees.records,
        trees.index.tree(),
        trees.log_entries.tree(),
        &trees.log_erased,
    )
        .transaction(|(records, index_tree, log_tree, log_erased)| {
            for removal in removals {
                records.remove(&removal.time[..])?;
            }
            index.apply(index_tree)?;
            logged.apply(log_tree)?;
            for leaf in &erased {
                log_erased.insert(&leaf.to_be_bytes()[..], &[][..])?;
            }
            Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
        })
        .map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Action;
    use crate::store::records::record;

    #[test]
    fn an_erasure_interrupted_by_a_crash_is_finished_when_the_store_opens_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let visitor = ConsentId::parse("lnp0k3b2_1111111111_2222222222_33").expect("an id");
        let stranger = record(OffsetDateTime::now_utc(), Action::AcceptAll, true);
        {
            let store = Sled::open(dir.path(), &crate::telemetry::Metrics::new()).expect("opens");
            actix_web::rt::System::new().block_on(async {
                for i in 0..(2 * BATCH + 10) {
                    let mut r = record(OffsetDateTime::now_utc(), Action::Custom, i % 2 == 0);
                    r.consent_id = visitor.clone();
                    r.first_decision = false;
                    r.decision_id = Some(format!("decision-number-{i:08}-of-them"));
                    store.append(&r).await.expect("stored");
                }
                store.append(&stranger).await.expect("stored");
            });
            // The first of three transactions, then the crash.
            store.erase_interrupted(&visitor).expect("begun");
            let left = store
                .history_blocking(&visitor, None, 10_000)
                .expect("reads");
            assert_eq!(left.records.len(), BATCH + 10, "the crash left part of it");
        }

        // The flusher lets go of the old database within its 200 ms wait.
        let reopened = (0..50)
            .find_map(|_| {
                Sled::open(dir.path(), &crate::telemetry::Metrics::new())
                    .map_err(|_| std::thread::sleep(std::time::Duration::from_millis(50)))
                    .ok()
            })
            .expect("opens again");

        let left = reopened
            .history_blocking(&visitor, None, 10_000)
            .expect("reads");
        assert!(
            left.records.is_empty(),
            "{} records survived",
            left.records.len()
        );
        let others = reopened
            .history_blocking(&stranger.consent_id, None, 10)
            .expect("reads");
        assert_eq!(others.records.len(), 1, "only that visitor is erased");
        let trees = reopened.shared.trees().expect("open");
        assert_eq!(trees.erasing.len(), 0, "the mark is gone once done");
        assert_eq!(
            trees.index.count().expect("counted"),
            0,
            "no index entry outlives its record (the stranger's first decision has none)"
        );
    }
}
