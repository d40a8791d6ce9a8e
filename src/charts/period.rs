//! The period a chart covers, cut into the columns it draws: days for a month or two, weeks
//! for a year or so, months beyond, so that a column stays wide enough to see and its label
//! to read. A column sums the stats' days it covers.

use std::collections::BTreeMap;

use time::{Date, Duration};

use crate::consent::Action;
use crate::store::{DayStats, Stats};

/// Up to this many days a column is a day; up to `WEEKS_UP_TO` a week; beyond, a month.
const DAYS_UP_TO: i64 = 62;
const WEEKS_UP_TO: i64 = 440;

/// What one column covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grain {
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

impl Grain {
    fn for_span(days: i64) -> Grain {
        if days <= DAYS_UP_TO {
            Grain::Day
        } else if days <= WEEKS_UP_TO {
            Grain::Week
        } else {
            Grain::Month
        }
    }

    /// The first day of the column that holds `date`.
    fn start_of(self, date: Date) -> Date {
        match self {
            Grain::Day => date,
            Grain::Week => {
                date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
            }
            Grain::Month => date.replace_day(1).unwrap_or(date),
        }
    }

    /// The first day of the column after the one starting on `start`, if the calendar has it.
    fn next(self, start: Date) -> Option<Date> {
        match self {
            Grain::Day => start.next_day(),
            Grain::Week => start.checked_add(Duration::days(7)),
            Grain::Month => {
                let (year, month) = match start.month() {
                    time::Month::December => (start.year() + 1, time::Month::January),
                    m => (start.year(), m.next()),
                };
                Date::from_calendar_date(year, month, 1).ok()
            }
        }
    }

    /// "day", "week" or "month", as the page says "per …".
    pub(crate) fn word(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }
}

/// The decisions of one column: the stats' days from `first` to `last`, both included.
#[derive(Debug, Default)]
pub(crate) struct Column {
    pub(crate) first: Option<Date>,
    pub(crate) last: Option<Date>,
    pub(crate) decisions: u64,
    pub(crate) actions: BTreeMap<Action, u64>,
    pub(crate) granted: BTreeMap<String, u64>,
    pub(crate) offered: BTreeMap<String, u64>,
}

impl Column {
    fn add(&mut self, day: &DayStats) {
        self.decisions += day.decisions;
        for (action, n) in &day.actions {
            *self.actions.entry(*action).or_default() += n;
        }
        for (category, n) in &day.granted {
            *self.granted.entry(category.clone()).or_default() += n;
        }
        for (category, n) in &day.offered {
            *self.offered.entry(category.clone()).or_default() += n;
        }
    }

    /// How many decisions granted `category`, and how many offered it.
    pub(crate) fn share(&self, category: &str) -> (u64, u64) {
        let count = |map: &BTreeMap<String, u64>| map.get(category).copied().unwrap_or(0);
        (count(&self.granted), count(&self.offered))
    }

    /// How a table names the column: the day as the stats API writes it, or the days covered.
    pub(crate) fn label(&self, grain: Grain) -> String {
        let (Some(first), Some(last)) = (self.first, self.last) else {
            return String::new();
        };
        match grain {
            Grain::Day => first.to_string(),
            Grain::Week | Grain::Month if first == last => first.to_string(),
            Grain::Week | Grain::Month => format!("{first} to {last}"),
        }
    }

    /// The chart's label under the column: "Nov 22", or "Nov 2026" for a month.
    pub(crate) fn short_label(&self, grain: Grain) -> String {
        let Some(first) = self.first else {
            return String::new();
        };
        let month: String = first.month().to_string().chars().take(3).collect();
        match grain {
            Grain::Day | Grain::Week => format!("{month} {}", first.day()),
            Grain::Month => format!("{month} {}", first.year()),
        }
    }
}

/// The period asked for, cut into columns, with the stats' decisions in them.
#[derive(Debug)]
pub(crate) struct Period {
    pub(crate) first: Date,
    pub(crate) last: Date,
    pub(crate) grain: Grain,
    /// Every column of the period, in order, those without decisions included.
    pub(crate) columns: Vec<Column>,
}

impl Period {
    /// The days `first` to `last` (today), with `stats` (the stats API's answer for them)
    /// summed into their columns. A day outside the period (the store's clock passed midnight
    /// between the two readings) or that is not a date is left out rather than misplaced.
    pub(crate) fn of(stats: &Stats, first: Date, last: Date) -> Period {
        let grain = Grain::for_span((last - first).whole_days() + 1);
        let mut columns = Vec::new();
        let mut start = grain.start_of(first);
        while start <= last {
            let next = grain.next(start);
            let end = next.and_then(Date::previous_day).unwrap_or(last).min(last);
            columns.push(Column {
                first: Some(start.max(first)),
                last: Some(end),
                ..Column::default()
            });
            match next {
                Some(next) => start = next,
                None => break,
            }
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        for day in &stats.days {
            let Ok(date) = Date::parse(&day.date, format) else {
                tracing::warn!(date = %day.date, "a stats day that is not a date is not charted");
                continue;
            };
            let column = columns
                .iter_mut()
                .find(|c| c.first.is_some_and(|f| f <= date) && c.last.is_some_and(|l| date <= l));
            if let Some(column) = column {
                column.add(day);
            }
        }
        Period {
            first,
            last,
            grain,
            columns,
        }
    }

    /// The days the period covers.
    pub(crate) fn days(&self) -> i64 {
        (self.last - self.first).whole_days() + 1
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn day(date: &str, decisions: u64) -> DayStats {
        DayStats {
            date: date.to_owned(),
            decisions,
            actions: [(Action::AcceptAll, decisions)].into(),
            granted: [("analytics".to_owned(), decisions)].into(),
            offered: [("analytics".to_owned(), decisions)].into(),
            ..DayStats::default()
        }
    }

    fn stats(days: Vec<DayStats>) -> Stats {
        Stats {
            days,
            ..Stats::default()
        }
    }

    #[test]
    fn thirty_days_are_thirty_columns_each_holding_its_own_day() {
        let stats = stats(vec![day("2026-11-01", 2), day("2026-11-22", 3)]);

        let period = Period::of(&stats, date!(2026 - 10 - 24), date!(2026 - 11 - 22));

        assert_eq!((period.grain, period.columns.len()), (Grain::Day, 30));
        let counted: Vec<(String, u64)> = period
            .columns
            .iter()
            .filter(|c| c.decisions > 0)
            .map(|c| (c.label(period.grain), c.decisions))
            .collect();
        assert_eq!(
            counted,
            [("2026-11-01".to_owned(), 2), ("2026-11-22".to_owned(), 3)]
        );
        assert_eq!(period.columns[0].short_label(Grain::Day), "Oct 24");
    }

    #[test]
    fn a_year_is_cut_into_weeks_from_monday_and_ten_years_into_months() {
        let stats = stats(vec![day("2026-11-16", 1), day("2026-11-22", 2)]);

        let year = Period::of(&stats, date!(2025 - 11 - 23), date!(2026 - 11 - 22));
        let decade = Period::of(&stats, date!(2016 - 11 - 25), date!(2026 - 11 - 22));

        assert_eq!(year.grain, Grain::Week);
        let first = &year.columns[0];
        assert_eq!(
            first.label(Grain::Week),
            "2025-11-23",
            "a Sunday: its week's last day"
        );
        let last = year.columns.last().expect("columns");
        assert_eq!(last.label(Grain::Week), "2026-11-16 to 2026-11-22");
        assert_eq!(last.decisions, 3, "Monday and Sunday of one week");
        assert_eq!(decade.grain, Grain::Month);
        assert_eq!(decade.columns.len(), 121);
        let november = decade.columns.last().expect("columns");
        assert_eq!(november.label(Grain::Month), "2026-11-01 to 2026-11-22");
        assert_eq!(november.short_label(Grain::Month), "Nov 2026");
        assert_eq!(november.share("analytics"), (3, 3));
    }

    #[test]
    fn a_day_outside_the_period_or_not_a_date_is_left_out() {
        let stats = stats(vec![
            day("2026-11-23", 5),
            day("23/11/2026", 5),
            day("2026-11-22", 1),
        ]);

        let period = Period::of(&stats, date!(2026 - 11 - 20), date!(2026 - 11 - 22));

        let total: u64 = period.columns.iter().map(|c| c.decisions).sum();
        assert_eq!(total, 1);
    }
}
