//! Decisions per day and the share granted per category, with whole past days remembered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{Store, StoreError, keys};
use crate::consent::Action;

/// A record's fields that counting needs, read without copying.
#[derive(Deserialize)]
struct Counted {
    action: Action,
    #[serde(with = "crate::consent::ordered_map")]
    categories: Vec<(String, bool)>,
}

/// Decisions of one day.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct DayStats {
    pub date: String,
    pub decisions: u64,
    /// Decisions per action.
    #[schema(value_type = BTreeMap<String, u64>)]
    pub actions: BTreeMap<Action, u64>,
    /// Per category: how many decisions granted it, of those that offered it.
    pub granted: BTreeMap<String, u64>,
    pub offered: BTreeMap<String, u64>,
    /// `granted / offered`, rounded to four decimals.
    pub share_granted: BTreeMap<String, f64>,
}

/// The days stats cover when the client does not say, and the most it may ask for.
const DEFAULT_DAYS: u32 = 30;
const MAX_DAYS: u32 = 3660;

/// A `days` that is not a whole number from 1 to `MAX_DAYS`.
#[derive(Debug, thiserror::Error)]
#[error("days must be a whole number from 1 to {MAX_DAYS}, not {0:?}")]
pub(crate) struct InvalidDays(String);

impl InvalidDays {
    pub(crate) fn code(&self) -> &'static str {
        "invalid-days"
    }

    pub(crate) fn field(&self) -> &'static str {
        "days"
    }
}

/// The period stats cover: the last `days` days, today included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StatsDays(u32);

impl StatsDays {
    /// From `?days=`; an empty value is an absent one.
    pub(crate) fn parse(days: Option<&str>) -> Result<StatsDays, InvalidDays> {
        match days {
            None | Some("") => Ok(StatsDays(DEFAULT_DAYS)),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d))
                .map(StatsDays)
                .ok_or_else(|| InvalidDays(text.to_owned())),
        }
    }

    /// `[since, until)`: from the midnight (UTC) that starts the first day to just past `now`.
    fn bounds(self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let since = (now.date() - time::Duration::days(i64::from(self.0) - 1))
            .with_time(time::Time::MIDNIGHT)
            .assume_utc();
        (since, now + time::Duration::seconds(1))
    }
}

/// Decisions per day over the period asked for, and the same over the whole period.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct Stats {
    pub days: Vec<DayStats>,
    pub decisions: u64,
    /// Decisions per action.
    #[schema(value_type = BTreeMap<String, u64>)]
    pub actions: BTreeMap<Action, u64>,
    pub share_granted: BTreeMap<String, f64>,
}

impl Store {
    /// How many records the store holds, counting no further than `limit`: the purge asks only
    /// whether fewer are left than it removed, which must not read every key each hour. Blocking.
    pub(crate) fn count_up_to(&self, limit: usize) -> Result<usize, StoreError> {
        Ok(self
            .shared
            .trees()?
            .records
            .iter()
            .keys()
            .take(limit)
            .count())
    }

    /// Decisions per day over the last `days`, and the share granted per category.
    pub(crate) async fn stats(&self, days: StatsDays) -> Result<Stats, StoreError> {
        let (since, until) = days.bounds(OffsetDateTime::now_utc());
        self.blocking(move |store| store.stats_between(since, until))
            .await
    }

    /// Decisions per day over `[since, until)`, and the share granted per category. Blocking.
    /// Whole days that are over are counted once and remembered (until an erase or a purge
    /// touches them), so the dashboard does not read every record again.
    fn stats_between(
        &self,
        since: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Stats, StoreError> {
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
    pub(super) fn forget_days(&self, mut keep: impl FnMut(&Date) -> bool) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::record;

    #[test]
    fn stats_of_past_days_are_remembered_until_an_erase_changes_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::telemetry::Metrics::new()).expect("opens");
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

        let before = store.stats_between(since, until).expect("stats");
        let again = store.stats_between(since, until).expect("stats");
        actix_web::rt::System::new()
            .block_on(store.erase(&records[0].consent_id))
            .expect("erased");
        let after = store.stats_between(since, until).expect("stats");

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
    fn days_are_a_whole_number_from_1_to_3660_counted_back_from_today() {
        let now = time::macros::datetime!(2026-11-22 05:00 UTC);
        let (since, until) = StatsDays::parse(None).expect("the default").bounds(now);
        assert_eq!(since, time::macros::datetime!(2026-10-24 0:00 UTC));
        assert_eq!(until, now + time::Duration::seconds(1));
        let (since, _) = StatsDays::parse(Some("1")).expect("valid").bounds(now);
        assert_eq!(since, time::macros::datetime!(2026-11-22 0:00 UTC));
        for bad in ["0", "3661", "abc", "-1", "1.5"] {
            let error = StatsDays::parse(Some(bad)).expect_err(bad);
            assert_eq!((error.code(), error.field()), ("invalid-days", "days"));
        }
    }
}
