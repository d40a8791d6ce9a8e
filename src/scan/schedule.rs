//! `serve --scan URL --scan-every 24h`: the scan on a schedule in the background, its latest
//! outcome kept for the admin API and dashboard. A scan that fails (or panics) is reported
//! there and in the log; the service goes on.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{Report, ScanOptions};
use crate::served::Live;
use crate::upkeep::{self, UpkeepGuard};

/// What the service scans, and how often.
#[derive(Clone, Debug)]
pub struct ScanSchedule {
    pub options: ScanOptions,
    pub every: Duration,
}

/// The shortest `--scan-every`: a scan loads every page three times.
const SHORTEST_PERIOD: Duration = Duration::from_secs(10 * 60);

/// `24h`, `30m`, `7d`, `90s` (a whole number and one unit).
pub fn parse_period(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (count, unit) = s.split_at(split);
    let count: u64 = count.parse().map_err(|_| {
        format!("\"{s}\" is not a period: write a whole number and s, m, h or d, e.g. 24h")
    })?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => {
            return Err(format!(
                "unknown unit \"{other}\" in \"{s}\": use s, m, h or d, e.g. 24h"
            ));
        }
    };
    let period = Duration::from_secs(count.saturating_mul(seconds));
    if period < SHORTEST_PERIOD {
        return Err(format!(
            "\"{s}\" is too often: a scan loads every page three times; at least 10m"
        ));
    }
    Ok(period)
}

/// How the last scheduled scan ended.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    Done(Arc<Report>),
    Failed { at: String, error: String },
}

/// The latest outcome; `None` until the first scan ends.
#[derive(Default)]
pub(crate) struct Latest(RwLock<Option<Outcome>>);

impl Latest {
    pub(crate) fn get(&self) -> Option<Outcome> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, outcome: Outcome) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = outcome.into();
    }
}

/// Scans now, then every period, against the registry being served at that moment.
pub(crate) fn start(
    schedule: ScanSchedule,
    live: Live,
    latest: Arc<Latest>,
) -> std::io::Result<UpkeepGuard> {
    upkeep::every("scan", schedule.every, move || {
        let registry = live.get().registry.clone();
        let started = std::time::Instant::now();
        let result = std::panic::catch_unwind(|| super::run(&schedule.options, &registry));
        let outcome = match result {
            Ok(Ok(report)) => {
                tracing::info!(
                    pages = report.summary.pages,
                    items = report.summary.items,
                    violations = report.summary.violations,
                    seconds = started.elapsed().as_secs(),
                    "scheduled scan done"
                );
                Outcome::Done(Arc::new(report))
            }
            Ok(Err(e)) => failed(e.to_string()),
            Err(_) => failed("the scan stopped on an internal error (a panic)".to_owned()),
        };
        latest.set(outcome);
        true
    })
}

fn failed(error: String) -> Outcome {
    tracing::error!(error = %error, "scheduled scan failed");
    let at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Outcome::Failed { at, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_in_seconds_minutes_hours_and_days_and_not_too_often() {
        assert_eq!(parse_period("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_period("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_period("30m"), Ok(Duration::from_secs(1_800)));
        assert!(parse_period("5m").unwrap_err().contains("at least 10m"));
        assert!(parse_period("1w").unwrap_err().contains("unknown unit"));
        assert!(parse_period("h").unwrap_err().contains("not a period"));
    }
}
