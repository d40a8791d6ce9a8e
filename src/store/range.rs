//! The time range of an export: `since` and `until` as a date or an RFC 3339 time.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use super::keys;

/// A `since`/`until` bound that is neither a date nor an RFC 3339 time, or an empty range.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RangeError {
    #[error(
        "{field} must be a date (2026-11-22) or an RFC 3339 time (2026-11-22T05:00:00Z), not {value:?}"
    )]
    InvalidDate { field: &'static str, value: String },
    #[error("since ({since}) must be earlier than until ({until})")]
    Reversed { since: String, until: String },
}

impl RangeError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            RangeError::InvalidDate { .. } => "invalid-date",
            RangeError::Reversed { .. } => "invalid-range",
        }
    }

    /// The parameter to fix.
    pub(crate) fn field(&self) -> &'static str {
        match self {
            RangeError::InvalidDate { field, .. } => field,
            RangeError::Reversed { .. } => "since",
        }
    }
}

/// Records made at or after `since` and before `until`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TimeRange {
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

impl TimeRange {
    /// A date as `until` includes that whole day; a time is an exclusive bound.
    pub(crate) fn parse(since: Option<&str>, until: Option<&str>) -> Result<TimeRange, RangeError> {
        let bound = |field: &'static str, value: &str, end_of_day: bool| {
            if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
                return Ok(t);
            }
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = Date::parse(value, format).map_err(|_| RangeError::InvalidDate {
                field,
                value: value.to_owned(),
            })?;
            Ok(match (end_of_day, date.next_day()) {
                (true, Some(next)) => next.with_time(Time::MIDNIGHT).assume_utc(),
                // The last representable day: its end is the end of time.
                (true, None) => date.with_time(Time::MAX).assume_utc(),
                (false, _) => date.with_time(Time::MIDNIGHT).assume_utc(),
            })
        };
        let since_text = since.filter(|s| !s.is_empty());
        let until_text = until.filter(|s| !s.is_empty());
        let range = TimeRange {
            since: since_text.map(|s| bound("since", s, false)).transpose()?,
            until: until_text.map(|s| bound("until", s, true)).transpose()?,
        };
        // An empty range is a mistake (swapped bounds), not a question whose answer is nothing.
        if let (Some(since), Some(until)) = (range.since, range.until)
            && since >= until
        {
            return Err(RangeError::Reversed {
                since: since_text.unwrap_or_default().to_owned(),
                until: until_text.unwrap_or_default().to_owned(),
            });
        }
        Ok(range)
    }

    /// The range's start, if it has one.
    pub(crate) fn since(&self) -> Option<OffsetDateTime> {
        self.since
    }

    pub(super) fn keys(&self) -> (keys::TimeKey, Option<keys::TimeKey>) {
        (
            keys::time_bound(self.since.map_or(0, keys::nanos)),
            self.until.map(|t| keys::time_bound(keys::nanos(t))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_as_until_includes_that_day() {
        let range = TimeRange::parse(Some("2026-11-01"), Some("2026-11-01")).expect("valid");
        let (start, end) = range.keys();
        let day = 86_400_000_000_000u64;
        assert_eq!(
            keys::nanos_of(&end.expect("an end")) - keys::nanos_of(&start),
            day
        );
    }

    #[test]
    fn a_bound_that_is_no_date_is_told_apart_from_a_reversed_range() {
        let cases = [
            ((Some("yesterday"), None), "invalid-date", "since"),
            ((None, Some("2026-13-01")), "invalid-date", "until"),
            (
                (Some("2026-11-02"), Some("2026-11-01")),
                "invalid-range",
                "since",
            ),
        ];
        for ((since, until), code, field) in cases {
            let error = TimeRange::parse(since, until).expect_err("refused");
            assert_eq!((error.code(), error.field()), (code, field), "{error}");
        }
    }

    #[test]
    fn a_far_future_until_covers_everything_instead_of_nothing() {
        for until in ["9999-12-31", "2600-01-01T00:00:00Z"] {
            let range = TimeRange::parse(None, Some(until)).expect("valid");
            let (_, end) = range.keys();
            assert_eq!(end, Some(keys::time_bound(u64::MAX)), "{until}");
        }
    }
}
