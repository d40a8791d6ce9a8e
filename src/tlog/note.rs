//! C2SP signed notes (https://c2sp.org/signed-note): a text ending in a newline, a blank line,
//! then signature lines `— <key name> <base64(key id ‖ signature)>`, the dash U+2014. The text
//! is separated from the signatures by the note's last blank line.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::keys::{KeyError, LogName, LogSigner, VerifierKey};

const DASH: &str = "\u{2014} ";

/// At least the 16 signatures C2SP requires verifiers to accept; a few witnesses' worth more.
pub const MAX_SIGNATURES: usize = 100;

/// A parsed note: its text and signatures, none of them checked yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// One signature line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    pub signature: Vec<u8>,
}

/// Why a text is not a signed note, or not one signed by the key asked for. Lines are counted
/// from 1, over the whole note.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("line {line}: a signed note holds no control character but newlines (found {found:?})")]
    ControlCharacter { line: usize, found: char },
    #[error("a signed note ends with a newline")]
    NoFinalNewline,
    #[error("no signature: a signed note is its text, a blank line, then signature lines")]
    MissingSignature,
    #[error("the note's text is empty")]
    EmptyText,
    #[error("line {line}: a signature line is '— <key name> <base64 signature>'")]
    SignatureLine { line: usize },
    #[error("line {line}: the signature is not standard base64 of a key id and a signature")]
    SignatureBase64 { line: usize },
    #[error("line {line}: {error}")]
    KeyName { line: usize, error: KeyError },
    #[error("more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("the note is not signed by {name}+{id:08x}")]
    NotSignedBy { name: LogName, id: u32 },
    #[error(
        "the signature of {name}+{id:08x} does not verify: the text was altered after signing, \
         or the signature is forged"
    )]
    InvalidSignature { name: LogName, id: u32 },
}

impl Note {
    /// Parses a signed note as C2SP writes it; nothing is verified yet.
    pub fn parse(note: &str) -> Result<Note, NoteError> {
        if let Some((line, found)) = control_character(note) {
            return Err(NoteError::ControlCharacter { line, found });
        }
        if !note.ends_with('\n') {
            return Err(NoteError::NoFinalNewline);
        }
        let split = note.rfind("\n\n").ok_or(NoteError::MissingSignature)?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        if text == "\n" {
            return Err(NoteError::EmptyText);
        }
        let first_line = text.matches('\n').count() + 2;
        let lines: Vec<&str> = signatures
            .strip_suffix('\n')
            .ok_or(NoteError::MissingSignature)?
            .split('\n')
            .collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let signatures = lines
            .iter()
            .enumerate()
            .map(|(i, line)| signature_line(line, first_line + i))
            .collect::<Result<_, _>>()?;
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The signed text, newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// The text, if `key` signed it. Signatures of other keys are ignored, as C2SP says (they
    /// may be witnesses'), even one with the same name or id; one with both that fails to
    /// verify refuses the note.
    pub fn verify(&self, key: &VerifierKey) -> Result<&str, NoteError> {
        let name = key.name().clone();
        let id = key.id();
        let mut theirs = self
            .signatures
            .iter()
            .filter(|s| s.name == name.as_str() && s.key_id == id)
            .peekable();
        if theirs.peek().is_none() {
            return Err(NoteError::NotSignedBy { name, id });
        }
        for signature in theirs {
            if !key.verifies(self.text.as_bytes(), &signature.signature) {
                return Err(NoteError::InvalidSignature { name, id });
            }
        }
        Ok(&self.text)
    }
}

/// `text` as a note signed by `signer`. The text must be what `Note::parse` reads back as
/// the same text: non-empty, ending in a newline, without control characters.
pub fn sign(text: &str, signer: &LogSigner) -> Result<String, NoteError> {
    if let Some((line, found)) = control_character(text) {
        return Err(NoteError::ControlCharacter { line, found });
    }
    if text.is_empty() || text == "\n" {
        return Err(NoteError::EmptyText);
    }
    if !text.ends_with('\n') {
        return Err(NoteError::NoFinalNewline);
    }
    let verifier = signer.verifier();
    let mut signature = verifier.id().to_be_bytes().to_vec();
    signature.extend_from_slice(&signer.sign(text.as_bytes()));
    Ok(format!(
        "{text}\n{DASH}{} {}\n",
        verifier.name(),
        STANDARD.encode(signature)
    ))
}

fn control_character(text: &str) -> Option<(usize, char)> {
    let mut line = 1;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        } else if c < ' ' {
            return Some((line, c));
        }
    }
    None
}

fn signature_line(line: &str, number: usize) -> Result<NoteSignature, NoteError> {
    let bad_line = || NoteError::SignatureLine { line: number };
    let (name, encoded) = line
        .strip_prefix(DASH)
        .and_then(|rest| rest.split_once(' '))
        .ok_or_else(bad_line)?;
    LogName::parse(name).map_err(|error| NoteError::KeyName {
        line: number,
        error,
    })?;
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| NoteError::SignatureBase64 { line: number })?;
    // A key id and at least one byte of signature.
    if bytes.len() < 5 {
        return Err(NoteError::SignatureBase64 { line: number });
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        signature: bytes[4..].to_vec(),
    })
}

#[cfg(test)]
#[path = "note_tests.rs"]
mod tests;
