//! Evidence an auditor can check offline (CONTRACT §7): one JSON document holding a visitor's
//! records with their `log`, the exact snapshot each `shown` names, an inclusion proof of each
//! record to one signed checkpoint, that checkpoint and the verifier key, plus a short summary
//! in the visitor's language; and the checks `consentry verify` runs on such a document or on
//! an NDJSON export.
//!
//! - `leaf`: a record as read back, split into its leaf bytes and its `log` member;
//! - `build`: the document, from either store (the admin route and `consentry evidence`);
//! - `summary`: who, when, what was asked, what was chosen, in words;
//! - `verify`, `export_check`: the offline checks;
//! - `command`: `consentry evidence` and `consentry verify`.
//!
//! Records and snapshots travel as JSON strings holding their exact bytes: the leaf hash and
//! the `shown` hash are of bytes, and a document re-serialized by any JSON tool keeps a
//! string's content where it would not keep an object's spacing, order or escapes.

mod build;
pub(crate) mod command;
mod export_check;
mod leaf;
mod summary;
mod verify;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tlog::InclusionProof;

pub(crate) use build::{EvidenceError, build};

/// The document's `format`: a verifier refuses a document of a format it does not know.
pub(crate) const FORMAT: &str = "consentry-evidence/1";

/// CONTRACT §7's maximum merge delay: a record carries its `log` within this of its `201`.
pub(crate) const MERGE_DELAY: std::time::Duration = std::time::Duration::from_secs(10);

/// The evidence document. `summary` is a convenience for a person; everything else is
/// evidence that `consentry verify` checks.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Document {
    pub(crate) format: String,
    pub(crate) consent_id: String,
    pub(crate) summary: Summary,
    /// Oldest first.
    pub(crate) records: Vec<Entry>,
    /// By `shown` hash: the snapshot's exact JSON text.
    pub(crate) snapshots: BTreeMap<String, String>,
    /// The signed note every proof leads to.
    pub(crate) checkpoint: String,
    /// The verifier key the checkpoint is signed with.
    pub(crate) key: String,
}

/// One record: its JSON text exactly as `GET /api/v1/consents/{id}` returns it (with `log`),
/// and its inclusion proof in the checkpoint's tree.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub(crate) record: String,
    pub(crate) inclusion: InclusionProof,
}

/// The document in words, in the visitor's language: a title, then a line per decision.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Summary {
    pub(crate) language: String,
    pub(crate) lines: Vec<String>,
}
