//! Decisions per day and the share granted per category, with whole past days remembered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

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
    pub(crate) fn bounds(self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
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

/// One day of a period, or the part of it the period covers: `[start, end)`. `whole` when it
/// is a whole day that is over, whose count can no longer change but by an erase or a purge.
pub(crate) struct Span {
    pub(crate) date: Date,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    pub(crate) whole: bool,
}

/// The days of `[since, until)`, in order.
pub(crate) fn spans(since: OffsetDateTime, until: OffsetDateTime) -> Vec<Span> {
    // Past this margin no write can still land on an earlier day.
    let settled = (OffsetDateTime::now_utc() - time::Duration::minutes(10)).date();
    let mut out = Vec::new();
    let mut date = since.date();
    while date <= until.date() {
        let midnight = date.with_time(time::Time::MIDNIGHT).assume_utc();
        let next = midnight + time::Duration::days(1);
        let (start, end) = (since.max(midnight), until.min(next));
        if start < end {
            let whole = start == midnight && end == next && date < settled;
            out.push(Span {
                date,
                start,
                end,
                whole,
            });
        }
        let Some(following) = date.next_day() else {
            break;
        };
        date = following;
    }
    out
}

/// The stats of counted days, in date order; days without decisions are left out.
pub(crate) fn assemble(counted: impl IntoIterator<Item = (Date, DayStats)>) -> Stats {
    let mut days = Vec::new();
    let mut total = DayStats::default();
    for (date, mut day) in counted {
        if day.decisions > 0 {
            add(&mut total, &day);
            day.date = date.to_string();
            day.share_granted = shares(&day);
            days.push(day);
        }
    }
    Stats {
        days,
        decisions: total.decisions,
        share_granted: shares(&total),
        actions: total.actions,
    }
}

impl DayStats {
    /// Counts one stored record.
    pub(crate) fn count(&mut self, json: &[u8]) -> Result<(), serde_json::Error> {
        let record: Counted = serde_json::from_slice(json)?;
        self.decisions += 1;
        *self.actions.entry(record.action).or_default() += 1;
        for (category, granted) in record.categories {
            if granted {
                *self.granted.entry(category.clone()).or_default() += 1;
            }
            *self.offered.entry(category).or_default() += 1;
        }
        Ok(())
    }
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
