//! Group commit on PostgreSQL: posts that arrive together go in one transaction (one
//! multi-row `INSERT … SELECT FROM unnest`), each answered only after `COMMIT` returned. A few
//! committers run side by side on their own connections, so one batch's round trips and WAL
//! flush overlap the next batch's, and PostgreSQL's own group commit shares the flushes.
//!
//! A failed or timed-out transaction fails every post of its batch (`503`), never `201`: the
//! banner retries them under their `decision_id`, and a retry of one that did commit is
//! answered with the stored record (the unique `(consent_id, decision_id)` index, across nodes).

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use super::{Postgres, QUERY_TIMEOUT};
use crate::consent::ConsentRecord;
use crate::store::{StoreError, Stored, keys};
use crate::telemetry::StoreOperation;

/// Posts waiting for a committer at most; more wait in `append`.
pub(super) const QUEUE: usize = 4096;
/// Records in one transaction at most.
const BATCH: usize = 256;
/// Transactions in flight at once.
const COMMITTERS: usize = 4;

/// A consent record on its way to a committer.
pub(super) struct Write {
    time: keys::TimeKey,
    nanos: i64,
    consent_id: String,
    decision_id: Option<String>,
    value: Vec<u8>,
    reply: oneshot::Sender<Result<Stored, StoreError>>,
}

type Answer = oneshot::Receiver<Result<Stored, StoreError>>;

impl Write {
    /// The write of `record`, and where its outcome will be heard.
    pub(super) fn of(record: &ConsentRecord) -> Result<(Write, Answer), StoreError> {
        let value = serde_json::to_vec(record)?;
        let nanos = keys::nanos(record.recorded_at);
        // Nodes write side by side: a random tail keeps two records of one nanosecond apart
        // (the odds of a clash are those of 64 random bits).
        let mut unique = [0u8; 8];
        getrandom::fill(&mut unique).map_err(|_| StoreError::unavailable("no random source"))?;
        let (reply, answer) = oneshot::channel();
        let write = Write {
            time: keys::time_key(nanos, u64::from_be_bytes(unique)),
            nanos: i64::try_from(nanos).unwrap_or(i64::MAX),
            consent_id: record.consent_id.as_str().to_owned(),
            decision_id: record.decision_id.clone(),
            value,
            reply,
        };
        Ok((write, answer))
    }
}

/// Starts the committers; they end when the store's last handle goes.
pub(super) fn start(store: &Postgres, queue: mpsc::Receiver<Write>) {
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..COMMITTERS {
        let (weak, queue) = (store.downgrade(), queue.clone());
        store.inner.runtime.handle().spawn(async move {
            while let Some(batch) = next_batch(&queue).await {
                let Some(store) = weak.upgrade() else {
                    return;
                };
                store.inner.metrics.batch(batch.len());
                commit(&store, batch).await;
            }
        });
    }
}

/// Whatever arrived together, up to `BATCH`; none once the store has closed.
async fn next_batch(queue: &Mutex<mpsc::Receiver<Write>>) -> Option<Vec<Write>> {
    let mut queue = queue.lock().await;
    let first = queue.recv().await?;
    let mut batch = vec![first];
    while batch.len() < BATCH {
        match queue.try_recv() {
            Ok(write) => batch.push(write),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Commits a batch and answers each post of it.
async fn commit(store: &Postgres, batch: Vec<Write>) {
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(QUERY_TIMEOUT, insert(store, &batch)).await;
    let outcomes = match outcome {
        Ok(Ok(outcomes)) => outcomes,
        Ok(Err(e)) => {
            tracing::error!(error = %e, records = batch.len(), "cannot commit consent records");
            return fail(store, batch, "the storage refused the write");
        }
        Err(_) => {
            tracing::error!(
                records = batch.len(),
                "PostgreSQL did not commit consent records in time"
            );
            return fail(
                store,
                batch,
                "the storage did not confirm the write in time",
            );
        }
    };
    store.inner.metrics.commit(batch.len(), started.elapsed());
    for (write, outcome) in batch.into_iter().zip(outcomes) {
        let answer = match outcome {
            Outcome::New => Ok(Stored::New(write.value)),
            Outcome::Existing(existing) => Ok(Stored::Existing(existing)),
            Outcome::Gone => Err(StoreError::unavailable(
                "the decision it repeats was being erased",
            )),
        };
        let _ = write.reply.send(answer);
    }
}

fn fail(store: &Postgres, batch: Vec<Write>, why: &'static str) {
    store.inner.metrics.error(StoreOperation::Write);
    for write in batch {
        let _ = write.reply.send(Err(StoreError::unavailable(why)));
    }
}

const INSERT: &str =
    "INSERT INTO consentry_records (time_key, nanos, consent_id, decision_id, body)
     SELECT * FROM unnest($1::bytea[], $2::int8[], $3::text[], $4::text[], $5::bytea[])
     ON CONFLICT (consent_id, decision_id) WHERE decision_id IS NOT NULL DO NOTHING
     RETURNING time_key";

const EXISTING: &str = "SELECT r.consent_id, r.decision_id, r.body FROM consentry_records r
     JOIN unnest($1::text[], $2::text[]) AS d(consent_id, decision_id)
       ON r.consent_id = d.consent_id AND r.decision_id = d.decision_id";

/// Inserts the batch in one transaction; per write, what it did. Two copies of one decision in the batch are stored once.
async fn insert(store: &Postgres, batch: &[Write]) -> Result<Vec<Outcome>, StoreError> {
    // Which write each one repeats within the batch, if any.
    let mut first_of: Vec<Option<usize>> = Vec::with_capacity(batch.len());
    for (i, write) in batch.iter().enumerate() {
        let earlier = write.decision_id.as_ref().and_then(|decision| {
            batch[..i].iter().position(|w| {
                w.decision_id.as_ref() == Some(decision) && w.consent_id == write.consent_id
            })
        });
        first_of.push(earlier);
    }
    let fresh: Vec<&Write> = batch
        .iter()
        .zip(&first_of)
        .filter(|(_, earlier)| earlier.is_none())
        .map(|(w, _)| w)
        .collect();
    let mut client = store.client().await?;
    let failed = |e| store.failed(e);
    let tx = client.transaction().await.map_err(failed)?;
    let statement = tx.prepare_cached(INSERT).await.map_err(failed)?;
    let times: Vec<&[u8]> = fresh.iter().map(|w| &w.time[..]).collect();
    let nanos: Vec<i64> = fresh.iter().map(|w| w.nanos).collect();
    let ids: Vec<&str> = fresh.iter().map(|w| w.consent_id.as_str()).collect();
    let decisions: Vec<Option<&str>> = fresh.iter().map(|w| w.decision_id.as_deref()).collect();
    let bodies: Vec<&[u8]> = fresh.iter().map(|w| &w.value[..]).collect();
    let inserted = tx
        .query(&statement, &[&times, &nanos, &ids, &decisions, &bodies])
        .await
        .map_err(failed)?;
    let inserted: std::collections::HashSet<Vec<u8>> = inserted
        .iter()
        .map(|row| row.get::<_, Vec<u8>>(0))
        .collect();
    // Those not inserted repeat a decision stored before (by any node).
    let repeats: Vec<&Write> = fresh
        .iter()
        .copied()
        .filter(|w| !inserted.contains(&w.time[..]))
        .collect();
    let mut stored_before = Vec::new();
    if !repeats.is_empty() {
        let ids: Vec<&str> = repeats.iter().map(|w| w.consent_id.as_str()).collect();
        let decisions: Vec<&str> = repeats
            .iter()
            .filter_map(|w| w.decision_id.as_deref())
            .collect();
        let statement = tx.prepare_cached(EXISTING).await.map_err(failed)?;
        for row in tx
            .query(&statement, &[&ids, &decisions])
            .await
            .map_err(failed)?
        {
            let (id, decision, body): (String, String, Vec<u8>) =
                (row.get(0), row.get(1), row.get(2));
            stored_before.push((id, decision, body));
        }
    }
    tx.commit().await.map_err(failed)?;
    let outcome_of = |w: &Write| -> Outcome {
        if inserted.contains(&w.time[..]) {
            return Outcome::New;
        }
        stored_before
            .iter()
            .find(|(id, decision, _)| {
                *id == w.consent_id && w.decision_id.as_deref() == Some(decision.as_str())
            })
            .map_or(Outcome::Gone, |(_, _, body)| {
                Outcome::Existing(body.clone())
            })
    };
    Ok(batch
        .iter()
        .zip(&first_of)
        .map(|(write, earlier)| match earlier {
            // A copy in the same batch repeats the first: stored now, or stored before.
            Some(first) => match outcome_of(&batch[*first]) {
                Outcome::New => Outcome::Existing(batch[*first].value.clone()),
                other => other,
            },
            None => outcome_of(write),
        })
        .collect())
}

/// What a write did.
enum Outcome {
    New,
    /// It repeats this stored record.
    Existing(Vec<u8>),
    /// It repeats a record that was gone by the time it was looked up (erased meanwhile).
    Gone,
}
