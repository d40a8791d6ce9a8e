//! Stats on sled: each day's records counted, whole past days remembered.

use time::{Date, OffsetDateTime};

use super::Sled;
use crate::store::stats::{self, DayStats, Stats, StatsDays};
use crate::store::{StoreError, keys};

impl Sled {
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
        let mut counted = Vec::new();
        for span in stats::spans(since, until) {
            let day = match span.whole.then(|| self.cached_day(span.date)).flatten() {
                Some(day) => day,
                None => {
                    let day = count(&trees, span.start, span.end)?;
                    if span.whole {
                        self.remember_day(span.date, &day);
                    }
                    day
                }
            };
            counted.push((span.date, day));
        }
        crate::store::release_free_memory();
        Ok(stats::assemble(counted))
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
        day.count(&value)?;
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Action;
    use crate::store::records::record;

    #[test]
    fn stats_of_past_days_are_remembered_until_an_erase_changes_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Sled::open(dir.path(), &crate::telemetry::Metrics::new()).expect("opens");
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
}
