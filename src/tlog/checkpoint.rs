//! C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text
//! `<origin>\n<tree size>\n<base64 root hash>\n`, signed as a signed note by the log's key,
//! whose name is the origin (CONTRACT §7).

use super::hash::{EncodingError, TreeHash};
use super::keys::{LogName, LogSigner, VerifierKey};
use super::note::{self, Note, NoteError};

/// A tree head: the log, its size, its root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: TreeHash,
}

/// Why a text is not a checkpoint of the log asked for. Lines are counted from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("line {line}: a checkpoint's text is origin, tree size and root hash, one a line")]
    MissingLine { line: usize },
    #[error("line 2: the tree size is a decimal number without leading zeros, not {found:?}")]
    Size { found: String },
    #[error("line 3: the root hash: {0}")]
    Root(EncodingError),
    #[error("line {line}: an extension line cannot be empty")]
    EmptyExtension { line: usize },
    #[error("the checkpoint is of the log {found:?}, not of {expected}")]
    Origin { expected: LogName, found: String },
}

impl Checkpoint {
    pub fn new(origin: &LogName, size: u64, root: TreeHash) -> Checkpoint {
        Checkpoint {
            origin: origin.as_str().to_owned(),
            size,
            root,
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn root(&self) -> &TreeHash {
        &self.root
    }

    /// The note text (this log writes no extension line).
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, self.root)
    }

    /// Reads a checkpoint's note text. Extension lines are allowed (another log's checkpoint
    /// may carry them) and ignored, as they are not part of the tree head.
    pub fn parse_text(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::Note(NoteError::NoFinalNewline))?;
        let mut lines = body.split('\n');
        let mut line = |number| {
            lines
                .next()
                .filter(|l| !l.is_empty())
                .ok_or(CheckpointError::MissingLine { line: number })
        };
        let origin = line(1)?.to_owned();
        let size_text = line(2)?;
        let root_text = line(3)?;
        let size = parse_size(size_text).ok_or_else(|| CheckpointError::Size {
            found: size_text.to_owned(),
        })?;
        let root = TreeHash::parse_base64(root_text).map_err(CheckpointError::Root)?;
        if let Some(i) = lines.position(str::is_empty) {
            return Err(CheckpointError::EmptyExtension { line: 4 + i });
        }
        Ok(Checkpoint { origin, size, root })
    }

    /// The checkpoint as a signed note: what `GET /api/v1/log/checkpoint` answers.
    pub fn sign(&self, signer: &LogSigner) -> String {
        // A checkpoint's text holds no control character and ends in a newline by making.
        note::sign(&self.text(), signer).expect("a checkpoint's text is a valid note text")
    }

    /// The checkpoint in `signed`, if `key` signed it and it is of `key`'s log.
    pub fn open(signed: &str, key: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
        let note = Note::parse(signed)?;
        let checkpoint = Checkpoint::parse_text(note.verify(key)?)?;
        if checkpoint.origin != key.name().as_str() {
            return Err(CheckpointError::Origin {
                expected: key.name().clone(),
                found: checkpoint.origin,
            });
        }
        Ok(checkpoint)
    }
}

/// ASCII digits, no leading zero but in `0` itself.
fn parse_size(text: &str) -> Option<u64> {
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if !digits || leading_zero {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> LogSigner {
        LogSigner::generate(LogName::parse("www.example.com/consentry").expect("a valid name"))
    }

    #[test]
    fn a_signed_checkpoint_is_the_three_lines_a_blank_line_and_the_signature() {
        let signer = signer();
        let root = TreeHash::leaf(b"x");
        let checkpoint = Checkpoint::new(signer.name(), 17, root);

        let signed = checkpoint.sign(&signer);

        let expected_start =
            format!("www.example.com/consentry\n17\n{root}\n\n\u{2014} www.example.com/consentry ");
        assert!(signed.starts_with(&expected_start), "{signed}");
        assert_eq!(signed.lines().count(), 5);
        assert_eq!(Checkpoint::open(&signed, signer.verifier()), Ok(checkpoint));
    }

    #[test]
    fn a_checkpoint_of_another_key_or_altered_is_refused() {
        let (ours, theirs) = (signer(), signer());
        let signed = Checkpoint::new(ours.name(), 5, TreeHash::leaf(b"x")).sign(&ours);

        assert!(matches!(
            Checkpoint::open(&signed, theirs.verifier()),
            Err(CheckpointError::Note(NoteError::NotSignedBy { .. }))
        ));
        let grown = signed.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(
            Checkpoint::open(&grown, ours.verifier()),
            Err(CheckpointError::Note(NoteError::InvalidSignature { .. }))
        ));
    }

    #[test]
    fn a_checkpoint_signed_for_another_origin_is_refused() {
        let signer = signer();
        let other = LogName::parse("elsewhere.example/log").expect("a valid name");
        let signed = note::sign(
            &Checkpoint::new(&other, 1, TreeHash::empty()).text(),
            &signer,
        )
        .expect("a valid text");

        assert!(matches!(
            Checkpoint::open(&signed, signer.verifier()),
            Err(CheckpointError::Origin { found, .. }) if found == "elsewhere.example/log"
        ));
    }

    #[test]
    fn checkpoint_texts_are_read_strictly() {
        let root = TreeHash::empty().to_base64();
        let ok = format!("o\n0\n{root}\n");
        assert_eq!(
            Checkpoint::parse_text(&ok).map(|c| c.size()),
            Ok(0),
            "an empty tree"
        );
        let with_extension = format!("o\n3\n{root}\nextension\n");
        assert_eq!(
            Checkpoint::parse_text(&with_extension).map(|c| c.size()),
            Ok(3)
        );

        let cases = [
            (format!("o\n3\n{root}"), "ends with a newline"),
            ("o\n3\n".to_owned(), "line 3"),
            (format!("\n3\n{root}\n"), "line 1"),
            (format!("o\n03\n{root}\n"), "\"03\""),
            (format!("o\n-3\n{root}\n"), "\"-3\""),
            (format!("o\n3 \n{root}\n"), "\"3 \""),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                "18446744073709551616",
            ),
            ("o\n3\nAAAA\n".to_owned(), "3 bytes"),
            (format!("o\n3\n{root}\n\nx\n"), "line 4"),
        ];
        for (text, says) in cases {
            let error = Checkpoint::parse_text(&text).expect_err(&text).to_string();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }
}
