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
    /// Stores a record; answers once it is flushed to disk, with the JSON that was stored.
    pub async fn append(&self, record: &ConsentRecord) -> Result<Vec<u8>, StoreError> {
        let value = serde_json::to_vec(record)?;
        let nanos = keys::nanos(record.recorded_at);
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
        let erased_days: Vec<Date> = pairs.iter().map(|(_, time)| date_of(time)).collect();
        self.forget_days(|d| !erased_days.contains(d));
        if !pairs.is_empty() {
            self.shared.durable(&trees)?;
        }
        Ok(pairs.len())
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
                pairs.push((keys::consent_key(owner.consent_id, &time), time));
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
        store.erase(records[0].consent_id.as_str()).expect("erased");
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
}
