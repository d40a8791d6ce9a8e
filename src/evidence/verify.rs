//! `consentry verify` on an evidence document: every record's leaf hash recomputed from its
//! bytes and salt, every inclusion proof against the checkpoint's root, the checkpoint's
//! signature against the key (the document's, or the one the auditor trusts, which must then
//! be the document's), every `shown` hash against its snapshot's bytes. Every check runs, so a
//! report names every failure at once, each with the record and the check.

use std::fmt;

use serde_json::Value;

use super::leaf::Logged;
use super::{Document, FORMAT};
use crate::registry::short_hash;
use crate::tlog::{Checkpoint, VerifierKey};

/// Length of a `shown` hash: hex of SHA-256, cut (`banner::config::Snapshot::of`).
const SHOWN_LEN: usize = 16;

/// What a check found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// What held, one line each.
    pub(crate) held: Vec<String>,
    pub(crate) failures: Vec<Failure>,
    /// What could not be checked offline, and how to get what would check it.
    pub(crate) unchecked: Vec<String>,
}

/// One check that failed: of what, which check, why.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) subject: String,
    pub(crate) check: &'static str,
    pub(crate) detail: String,
}

impl Report {
    pub(crate) fn fail(
        &mut self,
        subject: impl Into<String>,
        check: &'static str,
        detail: impl Into<String>,
    ) {
        self.failures.push(Failure {
            subject: subject.into(),
            check,
            detail: detail.into(),
        });
    }

    pub(crate) fn hold(&mut self, line: impl Into<String>) {
        self.held.push(line.into());
    }

    pub(crate) fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Opens a signed checkpoint with `key`: held when its signature is good, failed when not.
    pub(crate) fn open_checkpoint(
        &mut self,
        signed: &str,
        key: &VerifierKey,
    ) -> Option<Checkpoint> {
        match Checkpoint::open(signed, key) {
            Ok(checkpoint) => {
                self.hold(format!(
                    "checkpoint of {} leaves signed by {}",
                    checkpoint.size(),
                    key.name().as_str()
                ));
                Some(checkpoint)
            }
            Err(e) => {
                self.fail("checkpoint", "signature", e.to_string());
                None
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.held {
            writeln!(f, "ok: {line}")?;
        }
        for line in &self.unchecked {
            writeln!(f, "not checked: {line}")?;
        }
        for failure in &self.failures {
            writeln!(
                f,
                "FAILED: {}: {}: {}",
                failure.subject, failure.check, failure.detail
            )?;
        }
        Ok(())
    }
}

/// The key checks run with: the trusted one, after holding the document's to it.
pub(crate) fn key_to_use(
    report: &mut Report,
    written: &str,
    trusted: Option<&VerifierKey>,
) -> Option<VerifierKey> {
    let parsed = VerifierKey::parse(written.trim());
    match (parsed, trusted) {
        (Ok(key), Some(trusted)) if key != *trusted => {
            report.fail(
                "key",
                "trusted key",
                format!("the document's key is {key}, not the key you trust ({trusted})"),
            );
            Some(trusted.clone())
        }
        (Ok(key), _) => Some(key),
        (Err(e), Some(trusted)) => {
            report.fail("key", "key format", format!("the document's key: {e}"));
            Some(trusted.clone())
        }
        (Err(e), None) => {
            report.fail("key", "key format", format!("the document's key: {e}"));
            None
        }
    }
}

pub(crate) fn document(doc: &Document, trusted: Option<&VerifierKey>) -> Report {
    let mut report = Report::default();
    if doc.format != FORMAT {
        report.fail(
            "document",
            "format",
            format!("{:?} is not {FORMAT:?}", doc.format),
        );
    }
    let checkpoint = key_to_use(&mut report, &doc.key, trusted)
        .and_then(|key| report.open_checkpoint(&doc.checkpoint, &key));
    if doc.records.is_empty() {
        report.fail("document", "records", "it holds no record");
    }
    for (i, entry) in doc.records.iter().enumerate() {
        record(&mut report, doc, i + 1, entry, checkpoint.as_ref());
    }
    for (shown, text) in &doc.snapshots {
        let hash = short_hash(text.as_bytes(), SHOWN_LEN);
        if hash == *shown {
            report.hold(format!("snapshot {shown} hashes to its shown"));
        } else {
            report.fail(
                format!("snapshot {shown}"),
                "shown hash",
                format!("its bytes hash to {hash}: it is not what the banner showed"),
            );
        }
    }
    report
}

fn record(
    report: &mut Report,
    doc: &Document,
    position: usize,
    entry: &super::Entry,
    checkpoint: Option<&Checkpoint>,
) {
    let subject = format!("record {position}");
    let logged = match Logged::split(entry.record.as_bytes()) {
        Ok(logged) => logged,
        Err(e) => return report.fail(subject, "log member", e.to_string()),
    };
    let subject = format!("record {position} (log index {})", logged.entry.index);
    let value: Value = serde_json::from_str(&entry.record).unwrap_or(Value::Null);
    if value["consent_id"] != doc.consent_id.as_str() {
        report.fail(&subject, "consent id", "it is another visitor's record");
    }
    let proof = &entry.inclusion;
    let leaf = logged.leaf_hash();
    if leaf != proof.leaf_hash {
        report.fail(
            &subject,
            "leaf hash",
            format!(
                "H(0x00 ‖ salt ‖ record) is {leaf}, the proof's leaf is {}: the record or its \
                 salt was altered",
                proof.leaf_hash
            ),
        );
    }
    if proof.index != logged.entry.index {
        report.fail(
            &subject,
            "proof index",
            format!("the proof is of leaf {}", proof.index),
        );
    }
    match value["shown"].as_str() {
        Some(shown) if doc.snapshots.contains_key(shown) => {}
        shown => report.fail(
            &subject,
            "snapshot",
            format!("the document holds no snapshot for shown {shown:?}"),
        ),
    }
    let Some(checkpoint) = checkpoint else {
        return report.fail(
            &subject,
            "inclusion proof",
            "no trusted checkpoint to check it against",
        );
    };
    if proof.tree_size != checkpoint.size() {
        return report.fail(
            &subject,
            "inclusion proof",
            format!(
                "it is in a tree of {} leaves, the checkpoint's has {}",
                proof.tree_size,
                checkpoint.size()
            ),
        );
    }
    // The proof is checked with the leaf recomputed from the record, not the proof's own.
    match crate::tlog::verify_inclusion(
        proof.index,
        proof.tree_size,
        &leaf,
        &proof.path,
        checkpoint.root(),
    ) {
        Ok(()) if leaf == proof.leaf_hash => {
            report.hold(format!("{subject} is in the checkpoint's tree"));
        }
        Ok(()) => {}
        Err(e) => report.fail(&subject, "inclusion proof", e.to_string()),
    }
}
