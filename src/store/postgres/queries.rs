//! Reads, erasure, the purge and snapshots on PostgreSQL: each answers what the sled store
//! answers for the same records (history pages and cursors, stats per UTC day, exports in
//! time-key order), so a client cannot tell which store, or which node, it asked.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};

use super::Postgres;
use crate::consent::{Action, ConsentId};
use crate::store::export::{From, READ_BATCH};
use crate::store::history::{History, HistoryCursor, HistoryPage};
use crate::store::log::{LogEntry, with_log};
use crate::store::stats::{self, DayStats, Stats, StatsDays};
use crate::store::{StoreError, keys};
use crate::tlog::Salt;

/// Taken by the node that purges: one at a time, the others skip their turn.
const PURGE_LOCK: i64 = 0x636e_736e_7472_0002;
/// Records one purge statement removes at most, so no transaction grows without bound.
const PURGE_BATCH: i64 = 5000;

/// Nanoseconds in a day, for grouping by UTC day.
const DAY_NANOS: i64 = 86_400_000_000_000;

impl Postgres {
    /// One page of a visitor's records, oldest first, and the cursor of the next.
    pub(crate) async fn history(
        &self,
        consent_id: &ConsentId,
        page: HistoryPage,
    ) -> Result<History, StoreError> {
        let store = self.clone();
        let id = consent_id.as_str().to_owned();
        self.run(async move {
            let after: Vec<u8> = page.after.map_or_else(Vec::new, |c| c.0.to_vec());
            let limit = i64::try_from(page.limit.max(1)).unwrap_or(i64::MAX);
            let client = store.client().await?;
            let rows = client
                .query(
                    "SELECT time_key, body, log_index, salt FROM consentry_records
                     WHERE consent_id = $1 AND time_key > $2 ORDER BY time_key LIMIT $3",
                    &[&id, &after, &(limit + 1)],
                )
                .await
                .map_err(|e| store.failed(e))?;
            let more = rows.len() as i64 > limit;
            let mut records = Vec::with_capacity(rows.len());
            let mut last = None;
            for row in rows.iter().take(page.limit.max(1)) {
                let key: Vec<u8> = row.get(0);
                last = keys::TimeKey::try_from(&key[..]).ok();
                records.push(with_log(&row.get::<_, Vec<u8>>(1), entry(row)));
            }
            Ok(History {
                records,
                next: more.then_some(last).flatten().map(HistoryCursor),
            })
        })
        .await
    }

    /// Decisions per UTC day over the last `days`, counted by the database.
    pub(crate) async fn stats(&self, days: StatsDays) -> Result<Stats, StoreError> {
        let (since, until) = days.bounds(OffsetDateTime::now_utc());
        let store = self.clone();
        self.run(async move {
            let start = keys::time_bound(keys::nanos(since)).to_vec();
            let end = keys::time_bound(keys::nanos(until)).to_vec();
            let client = store.client().await?;
            let failed = |e| store.failed(e);
            let mut counted: BTreeMap<i64, DayStats> = BTreeMap::new();
            let actions = client
                .query(
                    "SELECT nanos / $3 AS day, convert_from(body, 'UTF8')::jsonb ->> 'action', count(*)
                     FROM consentry_records WHERE time_key >= $1 AND time_key < $2
                     GROUP BY 1, 2",
                    &[&start, &end, &DAY_NANOS],
                )
                .await
                .map_err(failed)?;
            for row in actions {
                let (day, action, n): (i64, Option<String>, i64) = (row.get(0), row.get(1), row.get(2));
                let action: Action = serde_json::from_value(serde_json::Value::from(action))?;
                let entry = counted.entry(day).or_default();
                entry.decisions += n as u64;
                *entry.actions.entry(action).or_default() += n as u64;
            }
            let categories = client
                .query(
                    "SELECT nanos / $3 AS day, c.key,
                            count(*) FILTER (WHERE c.value = 'true'::jsonb), count(*)
                     FROM consentry_records,
                          jsonb_each(convert_from(body, 'UTF8')::jsonb -> 'categories') AS c
                     WHERE time_key >= $1 AND time_key < $2
                     GROUP BY 1, 2",
                    &[&start, &end, &DAY_NANOS],
                )
                .await
                .map_err(failed)?;
            for row in categories {
                let (day, category, granted, offered): (i64, String, i64, i64) =
                    (row.get(0), row.get(1), row.get(2), row.get(3));
                let entry = counted.entry(day).or_default();
                if granted > 0 {
                    entry.granted.insert(category.clone(), granted as u64);
                }
                entry.offered.insert(category, offered as u64);
            }
            Ok(stats::assemble(
                counted
                    .into_iter()
                    .filter_map(|(day, stats)| Some((date_of_day(day)?, stats))),
            ))
        })
        .await
    }

    /// Removes every record of a visitor in one transaction; how many.
    pub(crate) async fn erase(&self, consent_id: &ConsentId) -> Result<usize, StoreError> {
        let store = self.clone();
        let id = consent_id.as_str().to_owned();
        self.run(async move {
            let client = store.client().await?;
            let erased = client
                .execute(
                    "DELETE FROM consentry_records WHERE consent_id = $1",
                    &[&id],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(erased as usize)
        })
        .await
    }

    /// Removes every record made before `cutoff`, in batches, by one node at a time: a node
    /// that finds another purging skips its turn (`0`). Blocking.
    pub(crate) fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        let store = self.clone();
        let end = keys::time_bound(keys::nanos(cutoff)).to_vec();
        self.wait(async move {
            let client = store.client().await?;
            let failed = |e| store.failed(e);
            let locked: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&PURGE_LOCK])
                .await
                .map_err(failed)?
                .get(0);
            if !locked {
                tracing::info!("another node is purging; this one skips its turn");
                return Ok(0);
            }
            let mut purged = 0;
            let outcome = loop {
                let removed = client
                    .execute(
                        "DELETE FROM consentry_records WHERE time_key IN (
                             SELECT time_key FROM consentry_records WHERE time_key < $1
                             ORDER BY time_key LIMIT $2)",
                        &[&end, &PURGE_BATCH],
                    )
                    .await;
                match removed {
                    Ok(0) => break Ok(purged),
                    Ok(n) => purged += n as usize,
                    Err(e) => break Err(failed(e)),
                }
            };
            // The lock is the session's: released here, or with the connection on failure.
            match &outcome {
                Ok(_) => {
                    client
                        .execute("SELECT pg_advisory_unlock($1)", &[&PURGE_LOCK])
                        .await
                        .map_err(failed)?;
                }
                Err(_) => drop(deadpool_postgres::Object::take(client)),
            }
            outcome
        })
    }

    /// How many records the database holds, counting no further than `limit`. Blocking.
    pub(crate) fn count_up_to(&self, limit: usize) -> Result<usize, StoreError> {
        let store = self.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.wait(async move {
            let client = store.client().await?;
            let n: i64 = client
                .query_one(
                    "SELECT count(*) FROM (SELECT 1 FROM consentry_records LIMIT $1) AS r",
                    &[&limit],
                )
                .await
                .map_err(|e| store.failed(e))?
                .get(0);
            Ok(n as usize)
        })
    }

    /// The next batch of an export, in time-key order, each batch its own statement (no
    /// transaction held open while a slow client reads). Blocking.
    pub(crate) fn export_batch(
        &self,
        from: From,
        end: Option<keys::TimeKey>,
    ) -> Result<Vec<(keys::TimeKey, Vec<u8>)>, StoreError> {
        let store = self.clone();
        self.wait(async move {
            let (start, inclusive) = match from {
                From::Start(key) => (key.to_vec(), true),
                From::After(key) => (key.to_vec(), false),
            };
            let end: Option<Vec<u8>> = end.map(|e| e.to_vec());
            let client = store.client().await?;
            let rows = client
                .query(
                    "SELECT time_key, body, log_index, salt FROM consentry_records
                     WHERE (time_key > $1 OR ($2 AND time_key = $1))
                       AND ($3::bytea IS NULL OR time_key < $3)
                     ORDER BY time_key LIMIT $4",
                    &[&start, &inclusive, &end, &(READ_BATCH as i64)],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(rows
                .iter()
                .filter_map(|row| {
                    let key: Vec<u8> = row.get(0);
                    let body: Vec<u8> = row.get(1);
                    Some((
                        keys::TimeKey::try_from(&key[..]).ok()?,
                        with_log(&body, entry(row)),
                    ))
                })
                .collect())
        })
    }

    /// Archives the snapshots not archived yet (any node may have). Blocking.
    pub(crate) fn archive_snapshots<'a>(
        &self,
        snapshots: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<(), StoreError> {
        let (shown, bodies): (Vec<String>, Vec<Vec<u8>>) = snapshots
            .into_iter()
            .map(|(s, b)| (s.to_owned(), b.to_vec()))
            .unzip();
        let store = self.clone();
        self.wait(async move {
            let client = store.client().await?;
            client
                .execute(
                    "INSERT INTO consentry_snapshots (shown, body)
                     SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (shown) DO NOTHING",
                    &[&shown, &bodies],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(())
        })
    }

    /// The snapshot a `shown` hash names.
    pub(crate) async fn snapshot(&self, shown: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let store = self.clone();
        let shown = shown.to_owned();
        self.run(async move {
            let client = store.client().await?;
            let row = client
                .query_opt(
                    "SELECT body FROM consentry_snapshots WHERE shown = $1",
                    &[&shown],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(row.map(|r| r.get(0)))
        })
        .await
    }

    /// Every archived snapshot's JSON. Blocking.
    pub(crate) fn snapshots_blocking(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let store = self.clone();
        self.wait(async move {
            let client = store.client().await?;
            let rows = client
                .query("SELECT body FROM consentry_snapshots ORDER BY shown", &[])
                .await
                .map_err(|e| store.failed(e))?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
}

/// A row's `log_index` and `salt` (its third and fourth columns), once the record is in the log.
fn entry(row: &tokio_postgres::Row) -> Option<LogEntry> {
    let index: Option<i64> = row.get(2);
    let salt: Option<Vec<u8>> = row.get(3);
    Some(LogEntry {
        index: u64::try_from(index?).ok()?,
        salt: Salt::from_bytes(salt?.try_into().ok()?),
    })
}

/// The date of a day counted from the epoch.
fn date_of_day(day: i64) -> Option<Date> {
    let at = OffsetDateTime::from_unix_timestamp(day.checked_mul(86_400)?).ok()?;
    Some(at.date())
}
