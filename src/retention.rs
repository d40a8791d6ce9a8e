//! How long consent records are kept, and the purge that enforces it.

use std::time::Duration;

use crate::store::{Store, WeakStore};
use crate::upkeep::{self, UpkeepGuard};

/// Five years: see the README's "Retention" for why.
pub const DEFAULT_RETENTION_DAYS: u32 = 1826;
/// Shorter retentions are refused unless `allow_short` says it is meant: a record kept a few
/// days proves little, and `0` reads to many operators as "keep forever".
pub const MIN_RETENTION_DAYS: u32 = 30;
/// A century; longer is a typo, and far past what a date can subtract.
pub const MAX_RETENTION_DAYS: u32 = 36_500;
/// How often the purge runs by default.
pub const DEFAULT_PURGE_EVERY: Duration = Duration::from_secs(3600);

/// `days` as a duration.
pub fn days(days: u32) -> Duration {
    Duration::from_secs(u64::from(days) * 86_400)
}

/// A retention the service refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(
        "--retention-days 0 would delete every consent record, including those just \
         acknowledged; records are evidence: keep them {DEFAULT_RETENTION_DAYS} days (the \
         default) or as long as your lawyers say"
    )]
    Zero,
    #[error(
        "--retention-days {days} is under {MIN_RETENTION_DAYS} days: records would be gone before \
         anyone could ask for them; add --allow-short-retention if that is really meant"
    )]
    TooShort { days: u64 },
    #[error("--retention-days {days} is over {MAX_RETENTION_DAYS} days (a century)")]
    TooLong { days: u64 },
}

/// Refuses a retention that would destroy evidence by mistake, or overflow a date.
pub fn check(retention: Duration, allow_short: bool) -> Result<(), RetentionError> {
    let days = retention.as_secs() / 86_400;
    if retention.is_zero() {
        Err(RetentionError::Zero)
    } else if days > u64::from(MAX_RETENTION_DAYS) {
        Err(RetentionError::TooLong { days })
    } else if days < u64::from(MIN_RETENTION_DAYS) && !allow_short {
        Err(RetentionError::TooShort { days })
    } else {
        Ok(())
    }
}

/// Purges records past `retention` now and every `every`, until the guard drops or the store
/// closes (the thread holds the store weakly, so it never keeps the database open).
pub(crate) fn start_purge(
    store: &Store,
    retention: Duration,
    every: Duration,
) -> std::io::Result<UpkeepGuard> {
    let store: WeakStore = store.downgrade();
    // A floor, so that a tiny period set in a test never spins a core.
    let every = every.max(Duration::from_millis(50));
    upkeep::every("consentry-purge", every, move || {
        let Some(store) = store.upgrade() else {
            return false;
        };
        purge(&store, retention);
        true
    })
}

/// Purges what is past the retention. A run removing more than half of the store is logged as a
/// warning: a retention set by mistake, or a clock that jumped, more often than records coming
/// of age.
fn purge(store: &Store, retention: Duration) {
    // Checked at start, but a clock far in the past must not kill the upkeep thread either.
    let Some(cutoff) = time::OffsetDateTime::now_utc()
        .checked_sub(time::Duration::try_from(retention).unwrap_or(time::Duration::MAX))
    else {
        return;
    };
    match store.purge_before(cutoff) {
        Ok(0) => {}
        Ok(count) => {
            // More than half removed means fewer left than removed: count no further than that.
            let left = store.count_up_to(count).unwrap_or(0);
            if left < count {
                tracing::warn!(
                    count,
                    left,
                    %cutoff,
                    "purged more than half of the consent records in one run; check --retention-days and the clock"
                );
            } else {
                tracing::info!(count, %cutoff, "purged consent records past the retention");
            }
        }
        Err(e) => tracing::error!(error = %e, "retention purge failed; will retry"),
    }
}
