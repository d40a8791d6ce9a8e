//! Group commit: a write is acknowledged only after a flush that began after it, and concurrent
//! writes share flushes.
//!
//! One writer thread applies consent records as they arrive (those that arrived together in one
//! transaction) and one flusher thread flushes in a loop and answers every waiter whose write
//! the flush covered. sled 0.34.7 deadlocks when many tasks call `flush_async` at once (sled
//! #1308), so only the flusher flushes while the service runs; other writers (erase, purge,
//! snapshots, health) wait for it too. Both threads hold only a weak handle and end with the
//! store.

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::oneshot;

use super::keys;
use super::{Shared, StoreError, Trees};
use crate::store::records::Stored;
use crate::telemetry::StoreOperation;

/// How a waiter hears the outcome of the flush that covers its write.
pub(crate) enum Waiter {
    /// A consent post, told what its write did once that is durable.
    Append(oneshot::Sender<Result<Stored, StoreError>>, Stored),
    Blocking(mpsc::SyncSender<Result<(), StoreError>>),
}

impl Waiter {
    fn answer(self, result: Result<(), StoreError>) {
        // A waiter that gave up (its client went away) no longer listens; that is fine.
        match self {
            Waiter::Append(tx, stored) => {
                let _ = tx.send(result.map(|()| stored));
            }
            Waiter::Blocking(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

#[derive(Default)]
struct State {
    /// Sequence number of the last write that completed.
    written: u64,
    /// Sequence number the last successful flush covered.
    flushed: u64,
    /// Bumped on every reopen; a waiter of another generation can never be acknowledged.
    generation: u64,
    broken: bool,
    waiters: VecDeque<(u64, Waiter)>,
}

#[derive(Default)]
pub(crate) struct Commit {
    state: Mutex<State>,
    /// Wakes the flusher when there is something to flush or the store broke.
    work: Condvar,
    /// Something no one waits for was written (discoveries): the next flush takes it along,
    /// and when no flush comes the flusher makes one within 200 ms, never one of its own while
    /// consent records keep it busy.
    lazy: AtomicBool,
}

impl Commit {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Registers a completed write of `generation`; `waiter` hears when it is durable.
    pub(crate) fn wait_for_flush(&self, generation: u64, waiter: Waiter) {
        self.wait_for_flush_all(generation, [waiter]);
    }

    /// Registers completed writes of `generation`; each waiter hears when they are durable.
    pub(crate) fn wait_for_flush_all(
        &self,
        generation: u64,
        waiters: impl IntoIterator<Item = Waiter>,
    ) {
        let mut state = self.lock();
        if state.broken || state.generation != generation {
            drop(state);
            for waiter in waiters {
                waiter.answer(Err(StoreError::unavailable(
                    "the write was lost to a storage failure",
                )));
            }
            return;
        }
        state.written += 1;
        let seq = state.written;
        state.waiters.extend(waiters.into_iter().map(|w| (seq, w)));
        drop(state);
        self.work.notify_one();
    }

    /// Fails every waiting write and refuses new ones until `reopened`.
    pub(crate) fn break_down(&self) {
        let waiters = {
            let mut state = self.lock();
            state.broken = true;
            std::mem::take(&mut state.waiters)
        };
        for (_, waiter) in waiters {
            waiter.answer(Err(StoreError::unavailable(
                "the storage failed before the write was durable",
            )));
        }
        self.work.notify_one();
    }

    fn reopened(&self) -> u64 {
        let mut state = self.lock();
        state.generation += 1;
        state.broken = false;
        state.flushed = state.written;
        state.generation
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.lock().broken
    }

    /// Registers a write that needs no answer: durable with the next flush, whenever it comes.
    pub(crate) fn note_lazy(&self) {
        self.lazy.store(true, Ordering::Release);
    }
}

/// Waits for the next flush after a write made outside the writer thread (erase, purge,
/// snapshots, health); for blocking contexts only.
pub(crate) fn wait_blocking(commit: &Commit, generation: u64) -> Result<(), StoreError> {
    let (tx, rx) = mpsc::sync_channel(1);
    commit.wait_for_flush(generation, Waiter::Blocking(tx));
    rx.recv()
        .unwrap_or_else(|_| Err(StoreError::unavailable("the store closed")))
}

/// A consent record on its way to the writer thread.
pub(crate) struct Write {
    pub(crate) nanos: u64,
    pub(crate) consent_id: String,
    /// False for a visitor's first decision, found by its id's time instead.
    pub(crate) indexed: bool,
    /// The banner's `decision_id`, when the post named its decision.
    pub(crate) decision_id: Option<String>,
    pub(crate) value: Vec<u8>,
    pub(crate) reply: oneshot::Sender<Result<Stored, StoreError>>,
}

/// Records applied in one transaction at most; a batch is whatever arrived meanwhile.
const WRITE_BATCH: usize = 256;

/// Applies records as they come, each batch (records and their index entries) in one
/// transaction.
pub(crate) fn run_writer(shared: Weak<Shared>, rx: mpsc::Receiver<Write>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < WRITE_BATCH {
            match rx.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match shared.trees() {
            Ok(trees) => {
                shared.metrics.batch(batch.len());
                apply(&shared, &trees, batch)
            }
            Err(_) => fail(batch, "it is recovering from a storage failure"),
        }
    }
}

/// Retries are recognised here, in the one thread that writes records, so two copies of one
/// decision arriving together (two tabs retrying it at once) cannot both be stored.
fn apply(shared: &Shared, trees: &Trees, batch: Vec<Write>) {
    // Per write, the stored bytes it repeats, or `None` when it is stored now.
    let result = (|| -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let mut rows = Vec::with_capacity(batch.len());
        let mut outcomes = Vec::with_capacity(batch.len());
        for write in &batch {
            if let Some(decision) = &write.decision_id {
                let in_batch = rows.iter().find(|row: &&super::Row<'_>| {
                    row.decision_id == Some(decision.as_str()) && row.consent_id == write.consent_id
                });
                if let Some(row) = in_batch {
                    outcomes.push(Some(row.value.to_vec()));
                    continue;
                }
                if let Some(existing) = stored_decision(trees, &write.consent_id, decision)? {
                    outcomes.push(Some(existing));
                    continue;
                }
            }
            let time = keys::time_key(write.nanos, trees.db.generate_id()?);
            // A first decision under a service-made id is found by its id's time, unless its
            // `decision_id` needs finding too: the banner's retry of it names the id the answer
            // gave.
            let index = (write.indexed || write.decision_id.is_some())
                .then(|| keys::index_entry(&write.consent_id, &time, write.decision_id.as_deref()));
            rows.push(super::Row {
                time,
                index,
                consent_id: &write.consent_id,
                decision_id: write.decision_id.as_deref(),
                value: write.value.as_slice(),
            });
            outcomes.push(None);
        }
        trees.insert_records(&rows)?;
        Ok(outcomes)
    })();
    match result {
        // A repeat waits for the flush too: the record it answers with may be in this batch.
        Ok(outcomes) => shared.commit.wait_for_flush_all(
            trees.generation,
            batch.into_iter().zip(outcomes).map(|(w, repeated)| {
                let stored = match repeated {
                    Some(existing) => Stored::Existing(existing),
                    None => Stored::New(w.value),
                };
                Waiter::Append(w.reply, stored)
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "cannot write consent records");
            shared.metrics.error(StoreOperation::Write);
            shared.commit.break_down();
            fail(batch, "the storage refused the write");
        }
    }
}

/// The stored record of `consent_id` with `decision_id`, if there is one: found through the
/// visitor's index entries carrying that decision's hash, and checked against the record.
fn stored_decision(
    trees: &Trees,
    consent_id: &str,
    decision_id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let visitor = keys::visitor(consent_id);
    let wanted = keys::decision_hash(decision_id);
    let mut found = Ok(None);
    trees.index.scan(&visitor, |entry| {
        if entry[..keys::VISITOR] != visitor {
            return ControlFlow::Break(());
        }
        if entry[keys::INDEX_KEY..] != wanted {
            return ControlFlow::Continue(());
        }
        let Some(time) = keys::time_of_entry(entry) else {
            return ControlFlow::Continue(());
        };
        found = trees
            .record_if(&time, |o| {
                o.consent_id == consent_id && o.decision_id == Some(decision_id)
            })
            .map(|record| record.map(|v| v.to_vec()));
        if matches!(found, Ok(None)) {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })?;
    found
}

fn fail(batch: Vec<Write>, why: &'static str) {
    for write in batch {
        let _ = write.reply.send(Err(StoreError::unavailable(why)));
    }
}

/// Flushes whenever something was written, answers the waiters, and reopens a broken store.
pub(crate) fn run_flusher(shared: Weak<Shared>) {
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let commit = &strong.commit;
        let (target, broken) = {
            let mut state = commit.lock();
            if !state.broken && state.written == state.flushed {
                state = match commit.work.wait_timeout(state, Duration::from_millis(200)) {
                    Ok((g, _)) => g,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
            (state.written, state.broken)
        };
        if broken {
            reopen(&strong);
            drop(strong);
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        // Taken before the flush starts: a lazy write made during it sets it again.
        let lazy = commit.lazy.swap(false, Ordering::AcqRel);
        if target == commit.lock().flushed {
            // Idle for 200 ms: only writes that no one waits for are left, if any.
            if lazy && let Err(e) = strong.trees().and_then(|t| Ok(t.db.flush()?)) {
                tracing::error!(error = %e, "flush failed; reopening the store");
                commit.break_down();
            }
            continue;
        }
        let started = std::time::Instant::now();
        let flushed = strong.trees().and_then(|t| Ok(t.db.flush()?));
        match flushed {
            Ok(bytes) => {
                let took = started.elapsed();
                tracing::debug!(target, bytes, micros = took.as_micros() as u64, "flushed");
                let done: Vec<Waiter> = {
                    let mut state = commit.lock();
                    state.flushed = state.flushed.max(target);
                    let n = state
                        .waiters
                        .iter()
                        .take_while(|(s, _)| *s <= target)
                        .count();
                    state.waiters.drain(..n).map(|(_, w)| w).collect()
                };
                strong.metrics.commit(done.len(), took);
                for waiter in done {
                    waiter.answer(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "flush failed; failing waiting writes and reopening the store");
                strong.metrics.error(StoreOperation::Flush);
                commit.break_down();
            }
        }
    }
}

/// Drops the broken database and opens it again; retried by the flusher until it works (when
/// the disk has room again, or the folder is writable again).
fn reopen(shared: &Arc<Shared>) {
    shared.close();
    match shared.open_trees(shared.commit.generation() + 1) {
        Ok(trees) => {
            let generation = shared.commit.reopened();
            debug_assert_eq!(generation, trees.generation);
            shared.install(trees);
            tracing::info!("consent store reopened after a storage failure");
        }
        Err(e) => {
            shared.metrics.error(StoreOperation::Reopen);
            tracing::warn!(error = %e, "consent store still unavailable");
        }
    }
}
