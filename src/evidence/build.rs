//! The evidence document of one visitor, from either store: every page of their history, the
//! snapshot each `shown` names, and an inclusion proof of each record to the latest signed
//! checkpoint, which must cover every record. A record not yet in such a checkpoint is waited
//! for up to `wait` (the merge delay online; nothing offline, where no sequencer runs), then
//! refused as `NotLogged` rather than answered with a document that would not verify.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::leaf::{LeafError, Logged};
use super::{Document, Entry, FORMAT, summary};
use crate::consent::ConsentId;
use crate::store::log::StoreNodes;
use crate::store::{HistoryPage, Store, StoreError};
use crate::tlog::{Checkpoint, CheckpointError, LogError, Tree, VerifierKey};

/// Records one history page reads: the most a page may hold.
const PAGE: usize = 1000;
/// How often a wait for the log looks again.
const POLL: Duration = Duration::from_millis(200);

/// Why no document can be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EvidenceError {
    #[error("no records of this visitor are stored (unknown, or erased)")]
    UnknownVisitor,
    #[error(
        "record {position} of this visitor is not in a signed checkpoint yet ({why}); the log \
         takes it within 10 s of its 201 while the service runs: try again shortly"
    )]
    NotLogged { position: usize, why: String },
    #[error("record {position}'s stored JSON cannot be read: {cause}")]
    Unreadable {
        position: usize,
        #[source]
        cause: serde_json::Error,
    },
    #[error("record {position}'s log member is malformed: {cause}")]
    BadLog {
        position: usize,
        #[source]
        cause: LeafError,
    },
    #[error("the snapshot {0} a record names is not archived: the evidence would be incomplete")]
    MissingSnapshot(String),
    #[error("the latest checkpoint does not open with this log's key: {0}")]
    ForeignCheckpoint(#[source] CheckpointError),
    #[error("the consent log cannot be read: {0}")]
    Log(#[from] LogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EvidenceError {
    /// The stable code clients get; `status` goes with it.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            EvidenceError::UnknownVisitor => "not-found",
            EvidenceError::NotLogged { .. } => "not-yet-logged",
            EvidenceError::Store(_) => "store-unavailable",
            _ => "evidence-incomplete",
        }
    }

    pub(crate) fn status(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            EvidenceError::UnknownVisitor => StatusCode::NOT_FOUND,
            EvidenceError::NotLogged { .. } | EvidenceError::Store(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            // The store holds what no document should be made from: the operator must look.
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The document of `id`, its proofs to the latest checkpoint signed with `key`.
pub(crate) async fn build(
    store: &Store,
    key: &VerifierKey,
    id: &ConsentId,
    wait: Duration,
) -> Result<Document, EvidenceError> {
    let started = Instant::now();
    loop {
        match attempt(store, key, id).await {
            Err(EvidenceError::NotLogged { .. }) if started.elapsed() + POLL <= wait => {
                actix_web::rt::time::sleep(POLL).await;
            }
            other => return other,
        }
    }
}

async fn attempt(
    store: &Store,
    key: &VerifierKey,
    id: &ConsentId,
) -> Result<Document, EvidenceError> {
    let texts = history(store, id).await?;
    if texts.is_empty() {
        return Err(EvidenceError::UnknownVisitor);
    }
    let mut logged = Vec::with_capacity(texts.len());
    for (position, text) in texts.iter().enumerate() {
        match Logged::split(text) {
            Ok(split) => logged.push(split),
            Err(e @ LeafError::NoLog) => {
                return Err(EvidenceError::NotLogged {
                    position: position + 1,
                    why: e.to_string(),
                });
            }
            Err(cause) => {
                return Err(EvidenceError::BadLog {
                    position: position + 1,
                    cause,
                });
            }
        }
    }
    let note = store
        .blocking(|store| store.log_latest_checkpoint())
        .await?
        .ok_or_else(|| EvidenceError::NotLogged {
            position: 1,
            why: "no checkpoint is signed yet".to_owned(),
        })?;
    let checkpoint = Checkpoint::open(&note.note, key).map_err(EvidenceError::ForeignCheckpoint)?;
    let size = checkpoint.size();
    if let Some(position) = logged.iter().position(|l| l.entry.index >= size) {
        return Err(EvidenceError::NotLogged {
            position: position + 1,
            why: format!(
                "its leaf {} is beyond the latest checkpoint's {size} leaves",
                logged[position].entry.index
            ),
        });
    }
    let indices: Vec<u64> = logged.iter().map(|l| l.entry.index).collect();
    let proofs = store
        .blocking(move |store| {
            let nodes = StoreNodes::new(store.clone());
            Ok(Tree::read(&nodes).and_then(|tree| {
                indices
                    .iter()
                    .map(|&index| tree.inclusion(index, size))
                    .collect::<Result<Vec<_>, _>>()
            }))
        })
        .await??;

    let mut snapshots = BTreeMap::new();
    let mut records = Vec::with_capacity(texts.len());
    let mut values = Vec::with_capacity(texts.len());
    for (position, (text, inclusion)) in texts.into_iter().zip(proofs).enumerate() {
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|cause| EvidenceError::Unreadable {
                position: position + 1,
                cause,
            })?;
        let shown = value["shown"].as_str().unwrap_or_default().to_owned();
        if let std::collections::btree_map::Entry::Vacant(slot) = snapshots.entry(shown) {
            let snapshot = store
                .snapshot(slot.key())
                .await?
                .ok_or_else(|| EvidenceError::MissingSnapshot(slot.key().clone()))?;
            slot.insert(String::from_utf8_lossy(&snapshot).into_owned());
        }
        records.push(Entry {
            // Stored JSON is UTF-8 by making (serde_json wrote it).
            record: String::from_utf8_lossy(&text).into_owned(),
            inclusion,
        });
        values.push(value);
    }
    Ok(Document {
        format: FORMAT.to_owned(),
        consent_id: id.as_str().to_owned(),
        summary: summary::of(id.as_str(), &values, &snapshots),
        records,
        snapshots,
        checkpoint: note.note,
        key: key.to_string(),
    })
}

/// Every record of `id` as read back, oldest first, across every history page.
async fn history(store: &Store, id: &ConsentId) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut texts = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .history(id, HistoryPage { after, limit: PAGE })
            .await?;
        texts.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(texts),
        }
    }
}
