//! Cookie lifetimes: `"session"` or `"<n> <unit>[s]"`.

use std::fmt;
use std::str::FromStr;

/// A unit of a cookie lifetime, in the words `cookies.toml` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    pub const ALL: [Unit; 6] = [
        Unit::Minute,
        Unit::Hour,
        Unit::Day,
        Unit::Week,
        Unit::Month,
        Unit::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Year => "year",
        }
    }

    /// Approximate length in seconds; months and years use the Gregorian mean so that
    /// comparisons such as "longer than 13 months" are fair.
    fn seconds(self) -> u64 {
        match self {
            Unit::Minute => 60,
            Unit::Hour => 3_600,
            Unit::Day => 86_400,
            Unit::Week => 604_800,
            Unit::Month => 2_629_746,
            Unit::Year => 31_556_952,
        }
    }
}

/// How long a cookie lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// Deleted when the browser session ends.
    Session,
    /// Lives `count` units; `count` is at least 1.
    For { count: u32, unit: Unit },
}

impl Lifetime {
    /// Length in seconds; `None` for session cookies.
    pub fn seconds(self) -> Option<u64> {
        match self {
            Lifetime::Session => None,
            Lifetime::For { count, unit } => Some(u64::from(count) * unit.seconds()),
        }
    }

    /// The registry's words for a span a browser reports in seconds (a cookie's expiry less
    /// the time it was seen): the largest unit whose whole count is within 5% of it, so 730
    /// days reads "2 years", 400 days "13 months" and 182 days "6 months".
    pub fn approximate(seconds: u64) -> Lifetime {
        let near = |unit: Unit| {
            let count = (seconds as f64 / unit.seconds() as f64).round();
            let off = (seconds as f64 - count * unit.seconds() as f64).abs();
            (count >= 1.0 && off <= seconds as f64 / 20.0).then_some((count, unit))
        };
        let (count, unit) = Unit::ALL
            .into_iter()
            .rev()
            .find_map(near)
            .unwrap_or(((seconds as f64 / 60.0).round().max(1.0), Unit::Minute));
        Lifetime::For {
            count: count.min(f64::from(u32::MAX)) as u32,
            unit,
        }
    }

    /// True when this outlives `other` (a session never outlives anything).
    pub fn longer_than(self, other: Lifetime) -> bool {
        match (self.seconds(), other.seconds()) {
            (Some(a), Some(b)) => a > b,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LifetimeError {
    #[error("a lifetime is \"session\" or \"<n> <unit>\", e.g. \"2 years\"; got an empty string")]
    Empty,
    #[error(
        "\"{0}\" is not a lifetime; write \"session\" or \"<n> <unit>\" with a unit among minute, hour, day, week, month, year (e.g. \"13 months\")"
    )]
    Malformed(String),
    #[error("\"{0}\" is not a whole number of at least 1")]
    BadCount(String),
    #[error("unknown unit \"{0}\"; use minute, hour, day, week, month or year")]
    BadUnit(String),
}

impl FromStr for Lifetime {
    type Err = LifetimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(LifetimeError::Empty);
        }
        if s.eq_ignore_ascii_case("session") {
            return Ok(Lifetime::Session);
        }
        let mut parts = s.split_whitespace();
        let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(LifetimeError::Malformed(s.to_owned()));
        };
        let count: u32 = match count.parse() {
            Ok(n) if n >= 1 => n,
            _ => return Err(LifetimeError::BadCount(count.to_owned())),
        };
        let lower = unit.to_ascii_lowercase();
        let singular = lower.strip_suffix('s').unwrap_or(&lower);
        let unit = Unit::ALL
            .into_iter()
            .find(|u| u.as_str() == singular)
            .ok_or_else(|| LifetimeError::BadUnit(unit.to_owned()))?;
        Ok(Lifetime::For { count, unit })
    }
}

impl fmt::Display for Lifetime {
    /// The canonical English form, as written in `cookies.toml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lifetime::Session => f.write_str("session"),
            Lifetime::For { count: 1, unit } => write!(f, "1 {}", unit.as_str()),
            Lifetime::For { count, unit } => write!(f, "{count} {}s", unit.as_str()),
        }
    }
}

impl serde::Serialize for Lifetime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_in_seconds_reads_in_the_largest_unit_that_fits() {
        let day = 86_400;
        for (seconds, words) in [
            (730 * day, "2 years"),
            (400 * day, "13 months"),
            (182 * day, "6 months"),
            (day - 1, "1 day"),
            (1_800, "30 minutes"),
            (14 * day, "2 weeks"),
            (5, "1 minute"),
        ] {
            assert_eq!(
                Lifetime::approximate(seconds).to_string(),
                words,
                "{seconds} s"
            );
        }
    }

    #[test]
    fn parses_every_accepted_form() {
        let cases = [
            ("session", Lifetime::Session),
            ("Session", Lifetime::Session),
            (
                "1 minute",
                Lifetime::For {
                    count: 1,
                    unit: Unit::Minute,
                },
            ),
            (
                "30 minutes",
                Lifetime::For {
                    count: 30,
                    unit: Unit::Minute,
                },
            ),
            (
                "24 hours",
                Lifetime::For {
                    count: 24,
                    unit: Unit::Hour,
                },
            ),
            (
                "1 day",
                Lifetime::For {
                    count: 1,
                    unit: Unit::Day,
                },
            ),
            (
                "2 weeks",
                Lifetime::For {
                    count: 2,
                    unit: Unit::Week,
                },
            ),
            (
                "13 months",
                Lifetime::For {
                    count: 13,
                    unit: Unit::Month,
                },
            ),
            (
                "  2   years ",
                Lifetime::For {
                    count: 2,
                    unit: Unit::Year,
                },
            ),
            (
                "1 Year",
                Lifetime::For {
                    count: 1,
                    unit: Unit::Year,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Lifetime>(), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn rejects_malformed_lifetimes_with_the_reason() {
        let cases = [
            ("", LifetimeError::Empty),
            ("forever", LifetimeError::Malformed("forever".into())),
            ("2years", LifetimeError::Malformed("2years".into())),
            (
                "2 years ago",
                LifetimeError::Malformed("2 years ago".into()),
            ),
            ("0 days", LifetimeError::BadCount("0".into())),
            ("-1 days", LifetimeError::BadCount("-1".into())),
            ("1.5 years", LifetimeError::BadCount("1.5".into())),
            ("3 fortnights", LifetimeError::BadUnit("fortnights".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Lifetime>(), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn displays_in_canonical_form() {
        assert_eq!("1 years".parse::<Lifetime>().unwrap().to_string(), "1 year");
        assert_eq!("3 Day".parse::<Lifetime>().unwrap().to_string(), "3 days");
        assert_eq!(Lifetime::Session.to_string(), "session");
    }

    #[test]
    fn compares_lengths_across_units() {
        let thirteen_months: Lifetime = "13 months".parse().unwrap();
        assert!(
            "2 years"
                .parse::<Lifetime>()
                .unwrap()
                .longer_than(thirteen_months)
        );
        assert!(
            !"1 year"
                .parse::<Lifetime>()
                .unwrap()
                .longer_than(thirteen_months)
        );
        assert!(
            !"395 days"
                .parse::<Lifetime>()
                .unwrap()
                .longer_than(thirteen_months)
        );
        assert!(
            "400 days"
                .parse::<Lifetime>()
                .unwrap()
                .longer_than(thirteen_months)
        );
        assert!(!Lifetime::Session.longer_than(thirteen_months));
    }
}
