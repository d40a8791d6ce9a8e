//! Consent records: append (group-committed), read one visitor's, erase one visitor's, purge by
//! age, and count per day.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tokio::sync::oneshot;

use super::{Store, StoreError, blocking, keys};
use crate::consent::{Action, ConsentId, ConsentRecord, Terms};

/// Records removed per transaction when purging or erasing.
const BATCH: usize = 512;

/// A record's fields that counting needs, read without copying.
#[derive(Deserialize)]
struct Counted {
    action: Action,
    #[serde(with = "crate::consent::ordered_map")]
    categories: Vec<(String, bool)>,
}

#[derive(Deserialize)]
struct Owner<'a> {
    #[serde(borrow)]
    consent_id: &'a str,
}

/// Decisions of one day.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DayStats {
    pub date: String,
    pub decisions: u64,
    pub actions: BTreeMap<Action, u64>,
    /// Per category: how many decisions granted it, of those that offered it.
    pub granted: BTreeMap<String, u64>,
    pub offered: BTreeMap<String, u64>,
    /// `granted / offered`, rounded to four decimals.
    pub share_granted: BTreeMap<String, f64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Stats {
    pub days: Vec<DayStats>,
    pub decisions: u64,
    pub actions: BTreeMap<Action, u64>,
    pub share_granted: BTreeMap<String, f64>,
}

impl Store {
    /// Stores a record; answers once it is flushed to disk, with the JSON that was stored.
    pub async fn append(&self, record: &ConsentRecord) -> Result<Vec<u8>, StoreError> {
        let value = serde_json::to_vec(record)?;
        let nanos = u64::try_from(record.recorded_at.unix_timestamp_nanos()).unwrap_or(0);
        let (reply, answer) = oneshot::channel();
        let write = super::commit::Write {
            nanos,
            consent_id: record.consent_id.as_str().to_owned(),
            indexed: !record.first_decision,
            value: value.clone(),
            reply,
        };
        if self.shared.commit.is_broken() {
            return Err(StoreError::unavailable(
                "it is recovering from a storage failure",
            ));
        }
        let sent = match self.shared.writer.lock() {
            Ok(tx) => tx.send(write),
            Err(poisoned) => poisoned.into_inner().send(write),
        };
        sent.map_err(|_| StoreError::unavailable("the writer stopped"))?;
        answer
            .await
            .unwrap_or(Err(StoreError::unavailable("the writer stopped")))?;
        Ok(value)
    }

    /// What the snapshot `shown` fixes (revision, language, categories), or `None` if this
    /// service never served it.
    pub async fn terms(&self, shown: &str) -> Result<Option<Arc<Terms>>, StoreError> {
        let cached = match self.shared.terms.read() {
            Ok(map) => map.get(shown).cloned(),
            Err(poisoned) => poisoned.into_inner().get(shown).cloned(),
        };
        if cached.is_some() {
            return Ok(cached);
        }
        let store = self.clone();
        let key = shown.to_owned();
        let Some(json) = blocking(move || store.snapshot(&key)).await? else {
            return Ok(None);
        };
        let terms = Arc::new(Terms::from_snapshot(&json)?);
        match self.shared.terms.write() {
            Ok(mut map) => map.insert(shown.to_owned(), terms.clone()),
            Err(poisoned) => poisoned
                .into_inner()
                .insert(shown.to_owned(), terms.clone()),
        };
        Ok(Some(terms))
    }

    /// Time keys of one visitor's records, oldest first: the first decision, found in the
    /// millisecond the id names, then the indexed ones.
    fn keys_of(trees: &super::Trees, consent_id: &str) -> Result<Vec<keys::TimeKey>, StoreError> {
        let mut out = Vec::new();
        let created = ConsentId::parse(consent_id)
            .ok()
            .and_then(|id| id.created_millis());
        if let Some(ms) = created {
            let start = ms.saturating_mul(1_000_000);
            let range = keys::time_bound(start)..keys::time_bound(start.saturating_add(1_000_000));
            for entry in trees.records.range(range) {
                let (time, value) = entry?;
                let owner: Owner<'_> = serde_json::from_slice(&value)?;
                if owner.consent_id == consent_id
                    && let Ok(time) = keys::TimeKey::try_from(&time[..])
                {
                    out.push(time);
                }
            }
        }
        for index in trees
            .by_consent
            .scan_prefix(keys::consent_prefix(consent_id))
            .keys()
        {
            if let Some(time) = keys::time_key_of_index(&index?)
                && !out.contains(&time)
            {
                out.push(time);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// One visitor's records as stored JSON, oldest first. Blocking.
    pub fn records_of(&self, consent_id: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for time in Self::keys_of(&trees, consent_id)? {
            if let Some(value) = trees.records.get(time)? {
                out.push(value.to_vec());
            }
        }
        Ok(out)
    }

    /// Erases every record of one visitor, durably (GDPR Art. 17); returns how many. Blocking.
    pub fn erase(&self, consent_id: &str) -> Result<usize, StoreError> {
        let trees = self.shared.trees()?;
        let pairs: Vec<(Vec<u8>, keys::TimeKey)> = Self::keys_of(&trees, consent_id)?
            .into_iter()
            .map(|time| (keys::consent_key(consent_id, &time), time))
            .collect();
        for chunk in pairs.chunks(BATCH) {
            remove_batch(&trees, chunk)?;
        }
        if !pairs.is_empty() {
            self.shared.durable(&trees)?;
        }
        Ok(pairs.len())
    }

    /// Removes every record made before `cutoff`, in time order, durably; returns how many.
    /// Blocking.
    pub fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        let trees = self.shared.trees()?;
        let end = keys::time_bound(u64::try_from(cutoff.unix_timestamp_nanos()).unwrap_or(0));
        let mut purged = 0;
        loop {
            let mut pairs = Vec::with_capacity(BATCH);
            for entry in trees.records.range(..end).take(BATCH) {
                let (time, value) = entry?;
                let Ok(time) = keys::TimeKey::try_from(&time[..]) else {
                    continue;
                };
                let owner: Owner<'_> = serde_json::from_slice(&value)?;
                pairs.push((keys::consent_key(owner.consent_id, &time), time));
            }
            if pairs.is_empty() {
                break;
            }
            purged += pairs.len();
            remove_batch(&trees, &pairs)?;
        }
        if purged > 0 {
            self.shared.durable(&trees)?;
        }
        Ok(purged)
    }

    /// Decisions per day over `[since, until)`, and the share granted per category. Blocking.
    pub fn stats(&self, since: OffsetDateTime, until: OffsetDateTime) -> Result<Stats, StoreError> {
        let trees = self.shared.trees()?;
        let nanos = |t: OffsetDateTime| u64::try_from(t.unix_timestamp_nanos()).unwrap_or(0);
        let range = keys::time_bound(nanos(since))..keys::time_bound(nanos(until));
        let mut days: BTreeMap<Date, DayStats> = BTreeMap::new();
        let mut total = DayStats::default();
        for entry in trees.records.range(range) {
            let (time, value) = entry?;
            let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(keys::nanos_of(&time)))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let record: Counted = serde_json::from_slice(&value)?;
            let day = days.entry(at.date()).or_default();
            for counts in [&mut *day, &mut total] {
                counts.decisions += 1;
                *counts.actions.entry(record.action).or_default() += 1;
                for (category, granted) in &record.categories {
                    *counts.offered.entry(category.clone()).or_default() += 1;
                    if *granted {
                        *counts.granted.entry(category.clone()).or_default() += 1;
                    }
                }
            }
        }
        super::release_free_memory();
        let days = days
            .into_iter()
            .map(|(date, mut day)| {
                day.date = date.to_string();
                day.share_granted = shares(&day);
                day
            })
            .collect();
        Ok(Stats {
            days,
            decisions: total.decisions,
            share_granted: shares(&total),
            actions: total.actions,
        })
    }
}

fn shares(day: &DayStats) -> BTreeMap<String, f64> {
    day.offered
        .iter()
        .map(|(category, offered)| {
            let granted = day.granted.get(category).copied().unwrap_or(0);
            let share = granted as f64 / (*offered).max(1) as f64;
            (category.clone(), (share * 10_000.0).round() / 10_000.0)
        })
        .collect()
}

/// Removes records and their index entries together.
fn remove_batch(
    trees: &super::Trees,
    pairs: &[(Vec<u8>, keys::TimeKey)],
) -> Result<(), StoreError> {
    use sled::Transactional;
    (&trees.records, &trees.by_consent)
        .transaction(|(records, by_consent)| {
            for (index, time) in pairs {
                records.remove(&time[..])?;
                by_consent.remove(&index[..])?;
            }
            Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
        })
        .map_err(StoreError::from)
}
