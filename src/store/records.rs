//! Consent records: append (group-committed), read one visitor's, erase one visitor's, purge by
//! age, and count per day.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use tokio::sync::oneshot;

use super::commit::Appended;
use super::{Store, StoreError, blocking, keys};
use crate::consent::{Action, ConsentId, ConsentRecord, Terms};

/// Records removed per transaction when purging or erasing.
const BATCH: usize = 512;

/// Where a page of a visitor's history ends: opaque to clients (hex of a time key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryCursor(keys::TimeKey);

impl HistoryCursor {
    pub fn parse(s: &str) -> Option<HistoryCursor> {
        if s.len() != 32 {
            return None;
        }
        let mut key = [0u8; 16];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(HistoryCursor(key))
    }
}

impl std::fmt::Display for HistoryCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// One page of a visitor's history.
#[derive(Debug)]
pub struct History {
    /// Stored JSON, oldest first.
    pub records: Vec<Vec<u8>>,
    /// Where the next page starts, if there is one.
    pub next: Option<HistoryCursor>,
}

/// A post's outcome, with the stored record's JSON.
#[derive(Debug)]
pub enum Stored {
    /// Stored now.
    New(Vec<u8>),
    /// A retry of a decision stored before; nothing new was stored.
    Existing(Vec<u8>),
}

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
    #[serde(borrow, default)]
    decision_id: Option<&'a str>,
}

/// A record to remove, with its entries in the other trees.
struct Removal {
    index: Vec<u8>,
    time: keys::TimeKey,
    decision: Option<Vec<u8>>,
}

/// Decisions of one day.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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
    /// Stores a record; answers once it is flushed to disk, with the JSON that was stored. A
    /// record repeating the visitor and `decision_id` of a stored one is not stored again: the
    /// answer is `Existing` with the stored one.
    pub async fn append(&self, record: &ConsentRecord) -> Result<Stored, StoreError> {
        let value = serde_json::to_vec(record)?;
        let nanos = keys::nanos(record.recorded_at);
        let (reply, answer) = oneshot::channel();
        // A service-made id is new, so its record cannot be a repeat.
        let decision = match (&record.decision_id, record.first_decision) {
            (Some(decision), false) => {
                Some(keys::decision_key(record.consent_id.as_str(), decision))
            }
            _ => None,
        };
        let write = super::commit::Write {
            nanos,
            consent_id: record.consent_id.as_str().to_owned(),
            indexed: !record.first_decision,
            decision,
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
        let appended = answer
            .await
            .unwrap_or(Err(StoreError::unavailable("the writer stopped")))?;
        Ok(match appended {
            Appended::New => Stored::New(value),
            Appended::Existing(existing) => Stored::Existing(existing),
        })
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

    /// Time keys of one visitor's records after `after`, oldest first, at most `limit`: the
    /// first decision, found in the millisecond the id names, then the indexed ones.
    fn keys_of_after(
        trees: &super::Trees,
        consent_id: &str,
        after: Option<keys::TimeKey>,
        limit: usize,
    ) -> Result<Vec<keys::TimeKey>, StoreError> {
        let mut out = Vec::new();
        let later = |time: &keys::TimeKey| after.is_none_or(|a| *time > a);
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
                    && later(&time)
                {
                    out.push(time);
                }
            }
        }
        let prefix = keys::consent_prefix(consent_id);
        let start = match after {
            // The first key past `after`'s: the same key with one more byte.
            Some(after) => {
                let mut key = keys::consent_key(consent_id, &after);
                key.push(0);
                key
            }
            None => prefix.clone(),
        };
        // One more than asked for: the caller learns whether a next page exists.
        for index in trees.by_consent.range(start..).keys().take(limit) {
            let index = index?;
            if !index.starts_with(&prefix) {
                break;
            }
            if let Some(time) = keys::time_key_of_index(&index)
                && !out.contains(&time)
            {
                out.push(time);
            }
        }
        out.sort_unstable();
        out.truncate(limit);
        Ok(out)
    }

    /// Every time key of one visitor's records, oldest first.
    fn keys_of(trees: &super::Trees, consent_id: &str) -> Result<Vec<keys::TimeKey>, StoreError> {
        Self::keys_of_after(trees, consent_id, None, usize::MAX)
    }

    /// One page of a visitor's records as stored JSON, oldest first: at most `limit` after the
    /// cursor, and the cursor of the next page if there is one. Blocking.
    pub fn history(
        &self,
        consent_id: &ConsentId,
        after: Option<&HistoryCursor>,
        limit: usize,
    ) -> Result<History, StoreError> {
        let trees = self.shared.trees()?;
        let limit = limit.max(1);
        let mut times = Self::keys_of_after(
            &trees,
            consent_id.as_str(),
            after.map(|c| c.0),
            limit.saturating_add(1),
        )?;
        let more = times.len() > limit;
        times.truncate(limit);
        let mut records = Vec::with_capacity(times.len());
        for time in &times {
            if let Some(value) = trees.records.get(time)? {
                records.push(value.to_vec());
            }
        }
        Ok(History {
            records,
            next: more
                .then(|| times.last().copied().map(HistoryCursor))
                .flatten(),
        })
    }

    /// Erases every record of one visitor, durably (GDPR Art. 17); returns how many. Blocking.
    ///
    /// All or none, even across a crash: a durable mark in `erasing-v1` comes first, and a store
    /// opened with a mark finishes that erasure before it serves (`finish_erasures`).
    pub fn erase(&self, consent_id: &ConsentId) -> Result<usize, StoreError> {
        let trees = self.shared.trees()?;
        let id = consent_id.as_str();
        trees.erasing.insert(id, &[][..])?;
        self.shared.durable(&trees)?;
        let erased = self.remove_visitor(&trees, id, usize::MAX)?;
        trees.erasing.remove(id)?;
        self.shared.durable(&trees)?;
        Ok(erased)
    }

    /// Finishes every erasure a crash interrupted; run at open, before the store serves.
    pub(super) fn finish_erasures(&self) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        let marked: Vec<sled::IVec> = trees.erasing.iter().keys().collect::<Result<_, _>>()?;
        for id in marked {
            let id = String::from_utf8_lossy(&id).into_owned();
            let erased = self.remove_visitor(&trees, &id, usize::MAX)?;
            trees.erasing.remove(id.as_bytes())?;
            self.shared.durable(&trees)?;
            tracing::warn!(
                erased,
                "finished erasing a visitor's records, interrupted by a crash or a storage failure"
            );
        }
        Ok(())
    }

    /// Removes a visitor's records with their index and decision entries, in transactions of
    /// `BATCH`, stopping after `batches` of them (a test's crash); returns how many.
    fn remove_visitor(
        &self,
        trees: &super::Trees,
        consent_id: &str,
        batches: usize,
    ) -> Result<usize, StoreError> {
        let pairs: Vec<Removal> = Self::keys_of(trees, consent_id)?
            .into_iter()
            .map(|time| Removal {
                index: keys::consent_key(consent_id, &time),
                time,
                decision: None,
            })
            .collect();
        for chunk in pairs.chunks(BATCH).take(batches) {
            remove_batch(trees, chunk)?;
        }
        if batches < pairs.len().div_ceil(BATCH) {
            return Ok(0);
        }
        for key in trees
            .decisions
            .scan_prefix(keys::consent_prefix(consent_id))
            .keys()
        {
            trees.decisions.remove(key?)?;
        }
        let erased_days: Vec<Date> = pairs.iter().map(|r| date_of(&r.time)).collect();
        self.forget_days(|d| !erased_days.contains(d));
        Ok(pairs.len())
    }

    /// Begins an erasure and stops after `batches` transactions, as a crash would.
    #[cfg(test)]
    pub(crate) fn erase_interrupted(
        &self,
        consent_id: &ConsentId,
        batches: usize,
    ) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        trees.erasing.insert(consent_id.as_str(), &[][..])?;
        self.shared.durable(&trees)?;
        self.remove_visitor(&trees, consent_id.as_str(), batches)?;
        self.shared.durable(&trees)
    }

    /// Removes every record made before `cutoff`, in time order, durably; returns how many.
    /// Blocking.
    pub fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
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
                    index: keys::consent_key(owner.consent_id, &time),
                    time,
                    decision: owner
                        .decision_id
                        .map(|d| keys::decision_key(owner.consent_id, d)),
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

    /// How many records the store holds; reads every key. Blocking.
    pub fn count(&self) -> Result<usize, StoreError> {
        Ok(self.shared.trees()?.records.len())
    }

    /// Decisions per day over `[since, until)`, and the share granted per category. Blocking.
    /// Whole days that are over are counted once and remembered (until an erase or a purge
    /// touches them), so the dashboard does not read every record again.
    pub fn stats(&self, since: OffsetDateTime, until: OffsetDateTime) -> Result<Stats, StoreError> {
        let trees = self.shared.trees()?;
        // Past this margin no write can still land on an earlier day.
        let settled = (OffsetDateTime::now_utc() - time::Duration::minutes(10)).date();
        let mut days = Vec::new();
        let mut total = DayStats::default();
        let mut date = since.date();
        while date <= until.date() {
            let midnight = date.with_time(time::Time::MIDNIGHT).assume_utc();
            let next = midnight + time::Duration::days(1);
            let (start, end) = (since.max(midnight), until.min(next));
            if start < end {
                let whole = start == midnight && end == next && date < settled;
                let day = match whole.then(|| self.cached_day(date)).flatten() {
                    Some(day) => day,
                    None => {
                        let day = count(&trees, start, end)?;
                        if whole {
                            self.remember_day(date, &day);
                        }
                        day
                    }
                };
                if day.decisions > 0 {
                    add(&mut total, &day);
                    let mut day = day;
                    day.date = date.to_string();
                    day.share_granted = shares(&day);
                    days.push(day);
                }
            }
            let Some(following) = date.next_day() else {
                break;
            };
            date = following;
        }
        super::release_free_memory();
        Ok(Stats {
            days,
            decisions: total.decisions,
            share_granted: shares(&total),
            actions: total.actions,
        })
    }

    fn cached_day(&self, date: Date) -> Option<DayStats> {
        match self.shared.days.lock() {
            Ok(days) => days.get(&date).cloned(),
            Err(poisoned) => poisoned.into_inner().get(&date).cloned(),
        }
    }

    fn remember_day(&self, date: Date, day: &DayStats) {
        match self.shared.days.lock() {
            Ok(mut days) => days.insert(date, day.clone()),
            Err(poisoned) => poisoned.into_inner().insert(date, day.clone()),
        };
    }

    /// Forgets the counts of the days `keep` rejects, after records were removed.
    fn forget_days(&self, mut keep: impl FnMut(&Date) -> bool) {
        match self.shared.days.lock() {
            Ok(mut days) => days.retain(|d, _| keep(d)),
            Err(poisoned) => poisoned.into_inner().retain(|d, _| keep(d)),
        }
    }
}

/// Counts the records of `[start, end)`.
fn count(
    trees: &super::Trees,
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Result<DayStats, StoreError> {
    let range = keys::time_bound(keys::nanos(start))..keys::time_bound(keys::nanos(end));
    let mut day = DayStats::default();
    for entry in trees.records.range(range) {
        let (_, value) = entry?;
        let record: Counted = serde_json::from_slice(&value)?;
        day.decisions += 1;
        *day.actions.entry(record.action).or_default() += 1;
        for (category, granted) in record.categories {
            if granted {
                *day.granted.entry(category.clone()).or_default() += 1;
            }
            *day.offered.entry(category).or_default() += 1;
        }
    }
    Ok(day)
}

fn add(total: &mut DayStats, day: &DayStats) {
    total.decisions += day.decisions;
    for (action, n) in &day.actions {
        *total.actions.entry(*action).or_default() += n;
    }
    for (category, n) in &day.granted {
        *total.granted.entry(category.clone()).or_default() += n;
    }
    for (category, n) in &day.offered {
        *total.offered.entry(category.clone()).or_default() += n;
    }
}

fn date_of(time: &[u8]) -> Date {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(keys::nanos_of(time)))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date()
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
fn remove_batch(trees: &super::Trees, removals: &[Removal]) -> Result<(), StoreError> {
    use sled::Transactional;
    (&trees.records, &trees.by_consent, &trees.decisions)
        .transaction(|(records, by_consent, decisions)| {
            for removal in removals {
                records.remove(&removal.time[..])?;
                by_consent.remove(&removal.index[..])?;
                if let Some(decision) = &removal.decision {
                    decisions.remove(&decision[..])?;
                }
            }
            Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
        })
        .map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(at: OffsetDateTime, action: Action, analytics: bool) -> ConsentRecord {
        ConsentRecord {
            consent_id: ConsentId::generate(at),
            recorded_at: at,
            revision: "r1".to_owned(),
            shown: "s1".to_owned(),
            categories: vec![
                ("necessary".to_owned(), true),
                ("analytics".to_owned(), analytics),
            ],
            action,
            language: "en".to_owned(),
            page: None,
            user_agent: None,
            ip_prefix: None,
            expires_at: at + time::Duration::days(182),
            sec_gpc: false,
            decision_id: None,
            first_decision: true,
        }
    }

    #[test]
    fn stats_of_past_days_are_remembered_until_an_erase_changes_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("opens");
        let now = OffsetDateTime::now_utc();
        let three_days_ago = now - time::Duration::days(3);
        let records = [
            record(three_days_ago, Action::AcceptAll, true),
            record(three_days_ago, Action::RejectAll, false),
            record(now, Action::Custom, true),
        ];
        actix_web::rt::System::new().block_on(async {
            for r in &records {
                store.append(r).await.expect("stored");
            }
        });
        let since = now - time::Duration::days(7);
        let until = now + time::Duration::seconds(1);

        let before = store.stats(since, until).expect("stats");
        let again = store.stats(since, until).expect("stats");
        store.erase(&records[0].consent_id).expect("erased");
        let after = store.stats(since, until).expect("stats");

        assert_eq!(before.decisions, 3);
        assert_eq!(before.days.len(), 2);
        assert_eq!(before.days[0].decisions, 2);
        assert_eq!(before.share_granted["analytics"], 0.6667);
        assert_eq!(again.decisions, 3, "remembered days count the same");
        assert_eq!(after.decisions, 2, "the erase is seen");
        assert_eq!(after.days[0].decisions, 1);
        assert_eq!(after.days[0].actions.get(&Action::RejectAll), Some(&1));
    }

    #[test]
    fn an_erasure_interrupted_by_a_crash_is_finished_when_the_store_opens_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let visitor = ConsentId::parse("lnp0k3b2_1111111111_2222222222_33").expect("an id");
        let stranger = record(OffsetDateTime::now_utc(), Action::AcceptAll, true);
        {
            let store = Store::open(dir.path()).expect("opens");
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
            store.erase_interrupted(&visitor, 1).expect("begun");
            let left = store.history(&visitor, None, 10_000).expect("reads");
            assert_eq!(left.records.len(), BATCH + 10, "the crash left part of it");
        }

        // The flusher lets go of the old database within its 200 ms wait.
        let reopened = (0..50)
            .find_map(|_| {
                Store::open(dir.path())
                    .map_err(|_| std::thread::sleep(std::time::Duration::from_millis(50)))
                    .ok()
            })
            .expect("opens again");

        let left = reopened.history(&visitor, None, 10_000).expect("reads");
        assert!(
            left.records.is_empty(),
            "{} records survived",
            left.records.len()
        );
        let others = reopened
            .history(&stranger.consent_id, None, 10)
            .expect("reads");
        assert_eq!(others.records.len(), 1, "only that visitor is erased");
        let trees = reopened.shared.trees().expect("open");
        assert_eq!(trees.erasing.len(), 0, "the mark is gone once done");
        assert_eq!(
            trees.decisions.len(),
            0,
            "no decision entry outlives its record"
        );
        assert_eq!(trees.by_consent.len(), 0);
    }
}
