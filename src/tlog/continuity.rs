//! Whether the log today still contains a checkpoint someone kept: the question an auditor
//! (or the dashboard, for the person answering one) asks of an old checkpoint. The earlier
//! checkpoint must be this log's, signed by its key; then the latest checkpoint's tree must
//! extend it, which a consistency proof from the tree shows (RFC 9162 §2.1.4). A log that
//! shrank, or whose proof does not lead to both roots, was rewritten.

use super::checkpoint::{Checkpoint, CheckpointError};
use super::keys::VerifierKey;
use super::note::Note;
use super::proof::{ConsistencyProof, ProofError};
use super::tree::LogError;

/// The earlier checkpoint is not one to compare: the text is no signed checkpoint at all.
#[derive(Debug, thiserror::Error)]
#[error("not a signed checkpoint: {0}")]
pub struct Unreadable(#[from] CheckpointError);

/// Why the log does not (or cannot be shown to) extend the earlier checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum Break {
    /// Another key signed it, or it was changed after it was signed.
    #[error("it is not signed by this log's key {key}, or was changed since: {why}")]
    ForeignKey { key: String, why: CheckpointError },
    /// The earlier tree is larger than the latest: a log only grows.
    #[error(
        "it has {first} leaves, the latest checkpoint {second}: the log shrank (leaves were \
         removed), or these are two logs"
    )]
    Shrunk { first: u64, second: u64 },
    /// No proof leads from the earlier root to the latest: leaves below `first` changed.
    #[error("the log does not extend it: {why} (leaves before {first} were rewritten)")]
    Rewritten { why: ProofError, first: u64 },
}

/// The verdict on an earlier checkpoint, beside the latest one.
#[derive(Debug)]
pub struct Continuity {
    /// The earlier checkpoint's tree head, once its signature held.
    pub earlier: Option<Checkpoint>,
    /// The proof from the earlier tree to the latest, when one was made.
    pub proof: Option<ConsistencyProof>,
    pub verdict: Result<(), Break>,
}

/// Compares `earlier` (a signed checkpoint's text) with `latest`, this log's latest signed
/// checkpoint; `prove(first, second)` gives a consistency proof from the log's tree.
pub fn compare(
    earlier: &str,
    key: &VerifierKey,
    latest: &Checkpoint,
    prove: impl FnOnce(u64, u64) -> Result<ConsistencyProof, LogError>,
) -> Result<Continuity, ContinuityError> {
    // Malformed text is the caller's mistake; a well-formed note under another key is an
    // answer (it is not this log's).
    let note = Note::parse(earlier).map_err(|e| Unreadable(CheckpointError::Note(e)))?;
    Checkpoint::parse_text(note.text()).map_err(Unreadable)?;
    let earlier = match Checkpoint::open(earlier, key) {
        Ok(checkpoint) => checkpoint,
        Err(why) => {
            return Ok(Continuity {
                earlier: None,
                proof: None,
                verdict: Err(Break::ForeignKey {
                    key: key.to_string(),
                    why,
                }),
            });
        }
    };
    let (first, second) = (earlier.size(), latest.size());
    if first > second {
        return Ok(Continuity {
            earlier: Some(earlier),
            proof: None,
            verdict: Err(Break::Shrunk { first, second }),
        });
    }
    let proof = prove(first, second)?;
    let verdict = proof
        .verify(earlier.root(), latest.root())
        .map_err(|why| Break::Rewritten { why, first });
    Ok(Continuity {
        earlier: Some(earlier),
        proof: Some(proof),
        verdict,
    })
}

/// The comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ContinuityError {
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
    #[error("the log's tree cannot be read: {0}")]
    Log(#[from] LogError),
}

#[cfg(test)]
mod tests {
    use super::super::hash::TreeHash;
    use super::super::keys::{LogName, LogSigner};
    use super::super::nodes::MemoryNodes;
    use super::super::tree::Log;
    use super::*;

    fn new_signer() -> LogSigner {
        LogSigner::generate(LogName::parse("www.example.com/consentry").expect("a log name"))
    }

    /// A log of `n` leaves in memory.
    fn log(n: u64) -> Log<MemoryNodes> {
        leaves(n, None)
    }

    /// A log of `n` leaves, leaf `rewritten` (if any) not the one `log` puts there.
    fn leaves(n: u64, rewritten: Option<u64>) -> Log<MemoryNodes> {
        let mut log = Log::open(MemoryNodes::default()).expect("an empty log");
        let hashes: Vec<TreeHash> = (0..n)
            .map(|i| {
                if Some(i) == rewritten {
                    TreeHash::leaf(b"rewritten")
                } else {
                    TreeHash::leaf(&i.to_be_bytes())
                }
            })
            .collect();
        log.append(&hashes).expect("appended");
        log
    }

    fn check(
        log: &Log<MemoryNodes>,
        earlier: &str,
        key: &VerifierKey,
        name: &LogName,
    ) -> Continuity {
        let latest = Checkpoint::new(name, log.size(), log.root(log.size()).expect("root"));
        compare(earlier, key, &latest, |a, b| log.consistency(a, b)).expect("compared")
    }

    #[test]
    fn an_earlier_checkpoint_of_a_grown_log_is_consistent_and_a_forged_one_is_not() {
        let signer = new_signer();
        let kept = Checkpoint::new(signer.name(), 5, log(5).root(5).expect("root")).sign(&signer);
        let grown = log(13);

        let same = check(&grown, &kept, signer.verifier(), signer.name());
        assert!(same.verdict.is_ok(), "{:?}", same.verdict);
        assert_eq!(
            same.proof.as_ref().map(|p| (p.first, p.second)),
            Some((5, 13))
        );

        // A log whose fourth leaf was rewritten after the checkpoint was kept.
        let rewritten = leaves(13, Some(3));
        let broken = check(&rewritten, &kept, signer.verifier(), signer.name());
        assert!(
            matches!(broken.verdict, Err(Break::Rewritten { .. })),
            "{:?}",
            broken.verdict
        );

        // A log that lost leaves.
        let shrunk = check(&log(4), &kept, signer.verifier(), signer.name());
        assert!(matches!(
            shrunk.verdict,
            Err(Break::Shrunk {
                first: 5,
                second: 4
            })
        ));

        // Another key's checkpoint, and text that is no checkpoint at all.
        let other = new_signer();
        let foreign = Checkpoint::new(other.name(), 5, grown.root(5).expect("root")).sign(&other);
        let answer = check(&grown, &foreign, signer.verifier(), signer.name());
        assert!(matches!(answer.verdict, Err(Break::ForeignKey { .. })));
        let latest = Checkpoint::new(signer.name(), 13, grown.root(13).expect("root"));
        let refused = compare("hello\n", signer.verifier(), &latest, |a, b| {
            grown.consistency(a, b)
        });
        assert!(matches!(refused, Err(ContinuityError::Unreadable(_))));
    }
}
