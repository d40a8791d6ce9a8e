//! The consent log's sequencer (CONTRACT §7): every second it gives the records stored since
//! the last round their leaves, in commit order with dense indices, and signs a checkpoint of
//! the tree at most every `CHECKPOINT_EVERY` while leaves arrive, and at least hourly. A record
//! reads back with its `log` member within about a second of its `201`; the contract allows 10.
//!
//! One sequencer writes a log: on sled the service's own thread; on PostgreSQL the node holding
//! the sequencer's advisory lock, the others waiting their turn (a node that dies releases it).

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::store::log::{LogEntry, Sequenced, StoreNodes, StoredCheckpoint};
use crate::store::{Store, StoreError, WeakStore};
use crate::tlog::{Checkpoint, Log, LogSigner, Salt};
use crate::upkeep::{self, UpkeepGuard};

/// How often a round runs.
const ROUND: Duration = Duration::from_secs(1);
/// Records one commit of a round adds at most; a round commits batches until the queue is
/// empty. Small, because sled 0.34 serialises every write behind a committing transaction:
/// batches of 4,096 held the consent writer up to a p99 of 100 ms at 64 connections, 512 to
/// 26–33 ms, 128 to 17–19 ms, for the same throughput (benches/README, sled.sh).
const BATCH: usize = 128;
/// The shortest time between two checkpoints while leaves arrive.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(5);
/// The longest time between two checkpoints, leaves or not: a log that says nothing for long
/// cannot be told apart from one that was stopped.
const HEARTBEAT: Duration = Duration::from_secs(3600);

/// Starts the sequencer of `store`'s log, signing with `signer`.
pub(crate) fn start(store: &Store, signer: Arc<LogSigner>) -> std::io::Result<UpkeepGuard> {
    let weak = store.downgrade();
    let mut sequencer = Sequencer {
        store: weak,
        signer,
        turn: None,
        last: None,
    };
    upkeep::every("consentry-log", ROUND, move || sequencer.round())
}

struct Sequencer {
    store: WeakStore,
    signer: Arc<LogSigner>,
    /// This node's turn to sequence (PostgreSQL's advisory lock), while it has it.
    turn: Option<crate::store::Turn>,
    /// The latest checkpoint: when, and of what size.
    last: Option<(OffsetDateTime, u64)>,
}

impl Sequencer {
    /// One round; `false` once the store has closed, which ends the thread.
    fn round(&mut self) -> bool {
        let Some(store) = self.store.upgrade() else {
            return false;
        };
        if let Err(e) = self.sequence(&store) {
            tracing::warn!(error = %e, "the consent log's round failed; it will try again");
            self.turn = None;
        }
        true
    }

    fn sequence(&mut self, store: &Store) -> Result<(), SequenceError> {
        if self.turn.as_ref().is_none_or(crate::store::Turn::is_lost) {
            self.turn = store.log_turn()?;
        }
        if self.turn.is_none() {
            // Another node sequences; it signs the checkpoints too.
            return Ok(());
        }
        if self.last.is_none() {
            self.last = store
                .log_latest_checkpoint()?
                .map(|c| (c.signed_at, c.size));
        }
        let mut log = Log::open(StoreNodes::new(store.clone()))?;
        loop {
            let pending = store.log_pending(BATCH)?;
            if pending.is_empty() {
                break;
            }
            let first = log.size();
            let mut leaves = Vec::with_capacity(pending.len());
            let mut entries = Vec::with_capacity(pending.len());
            for (offset, record) in (0u64..).zip(&pending) {
                let salt = Salt::generate();
                leaves.push(salt.leaf_hash(&record.body));
                entries.push(Sequenced {
                    token: record.token,
                    time: record.time,
                    entry: LogEntry {
                        index: first + offset,
                        salt,
                    },
                });
            }
            log.nodes().stage(entries);
            log.append(&leaves)?;
            if pending.len() < BATCH {
                break;
            }
        }
        self.checkpoint(store, &log)
    }

    /// Signs and keeps a checkpoint when one is due.
    fn checkpoint(&mut self, store: &Store, log: &Log<StoreNodes>) -> Result<(), SequenceError> {
        let now = OffsetDateTime::now_utc();
        let size = log.size();
        let due = match self.last {
            None => true,
            Some((at, signed)) => {
                let since = now - at;
                (signed != size && since >= CHECKPOINT_EVERY) || since >= HEARTBEAT
            }
        };
        if !due {
            return Ok(());
        }
        let checkpoint = Checkpoint::new(self.signer.name(), size, log.current_root());
        store.log_keep_checkpoint(&StoredCheckpoint {
            signed_at: now,
            size,
            note: checkpoint.sign(&self.signer),
        })?;
        self.last = Some((now, size));
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
enum SequenceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Log(#[from] crate::tlog::LogError),
}
