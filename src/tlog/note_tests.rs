use super::*;
use crate::tlog::keys::tests::{GO_SIGNER, GO_VERIFIER};

/// The note of Go's `sumdb/note` example, signed by its key (Ed25519 is deterministic, so a
/// correct signer makes exactly these bytes).
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\
                       \n\
                       \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn go_key() -> VerifierKey {
    VerifierKey::parse(GO_VERIFIER).expect("Go's key")
}

fn signer(name: &str) -> LogSigner {
    LogSigner::generate(LogName::parse(name).expect("a valid name"))
}

#[test]
fn our_signature_of_gos_example_is_gos_byte_for_byte() {
    let signer = LogSigner::parse(GO_SIGNER).expect("Go's key");

    assert_eq!(sign(GO_TEXT, &signer).as_deref(), Ok(GO_NOTE));
    let note = Note::parse(GO_NOTE).expect("Go's note");
    assert_eq!(note.verify(&go_key()), Ok(GO_TEXT));
}

#[test]
fn an_altered_text_fails_its_signature() {
    let altered = GO_NOTE.replace("cryptography", "cryptographY");
    let note = Note::parse(&altered).expect("still a note");

    let error = note.verify(&go_key()).expect_err("altered");
    assert!(
        matches!(error, NoteError::InvalidSignature { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("PeterNeumann+c74f20a3"),
        "{error}"
    );
}

#[test]
fn a_note_signed_by_another_key_is_not_one_of_ours_even_under_our_name() {
    let ours = signer("log.example/consentry");
    let impostor = signer("log.example/consentry");
    let signed = sign("hello\n", &impostor).expect("signed");

    let error = Note::parse(&signed)
        .expect("a note")
        .verify(ours.verifier())
        .expect_err("another key");
    assert!(matches!(error, NoteError::NotSignedBy { .. }), "{error}");
}

#[test]
fn other_signatures_are_ignored_and_ours_found_among_them() {
    let ours = signer("log.example/consentry");
    let witness = signer("witness.example/w1");
    let by_us = sign("hello\n", &ours).expect("signed");
    let by_witness = sign("hello\n", &witness).expect("signed");
    let witness_line = by_witness.rsplit_once("\n\n").expect("a signature").1;
    let both = format!("{by_us}{witness_line}");

    let note = Note::parse(&both).expect("a note of two signatures");
    assert_eq!(note.signatures().len(), 2);
    assert_eq!(note.verify(ours.verifier()), Ok("hello\n"));
    assert_eq!(note.verify(witness.verifier()), Ok("hello\n"));
}

#[test]
fn a_text_with_blank_lines_signs_and_opens_whole() {
    let ours = signer("log.example/consentry");
    let text = "first\n\nthird\n";

    let signed = sign(text, &ours).expect("signed");

    assert_eq!(
        Note::parse(&signed)
            .expect("a note")
            .verify(ours.verifier()),
        Ok(text)
    );
}

#[test]
fn malformed_notes_are_refused_with_the_line_at_fault() {
    let signature_line = GO_NOTE.rsplit_once("\n\n").expect("a signature").1;
    let cases: Vec<(String, NoteError)> = vec![
        (GO_TEXT.to_owned(), NoteError::MissingSignature),
        (format!("{GO_TEXT}\n"), NoteError::MissingSignature),
        (GO_NOTE.trim_end().to_owned(), NoteError::NoFinalNewline),
        (format!("\n\n{signature_line}"), NoteError::EmptyText),
        (
            GO_NOTE.replace("you think", "you\u{7}think"),
            NoteError::ControlCharacter {
                line: 1,
                found: '\u{7}',
            },
        ),
        (
            GO_NOTE.replace("\n", "\r\n"),
            NoteError::ControlCharacter {
                line: 1,
                found: '\r',
            },
        ),
        (
            GO_NOTE.replace('\u{2014}', "-"),
            NoteError::SignatureLine { line: 4 },
        ),
        (
            GO_NOTE.replace("PeterNeumann x08", "PeterNeumannx08"),
            NoteError::SignatureLine { line: 4 },
        ),
        (
            GO_NOTE.replace("x08go/", "x08go?"),
            NoteError::SignatureBase64 { line: 4 },
        ),
        (
            format!("{GO_TEXT}\n\u{2014} PeterNeumann AAAA\n"),
            NoteError::SignatureBase64 { line: 4 },
        ),
        (
            GO_NOTE.replace("\u{2014} PeterNeumann", "\u{2014}  PeterNeumann"),
            NoteError::KeyName {
                line: 4,
                error: KeyError::EmptyName,
            },
        ),
        (
            format!("{GO_NOTE}\u{2014} extra\n"),
            NoteError::SignatureLine { line: 5 },
        ),
    ];
    for (note, expected) in cases {
        assert_eq!(Note::parse(&note), Err(expected), "{note:?}");
    }
    let many = format!("{GO_TEXT}\n{}", signature_line.repeat(MAX_SIGNATURES + 1));
    assert_eq!(Note::parse(&many), Err(NoteError::TooManySignatures));
    let sixteen = format!("{GO_TEXT}\n{}", signature_line.repeat(16));
    assert_eq!(
        Note::parse(&sixteen)
            .expect("16 signatures")
            .verify(&go_key()),
        Ok(GO_TEXT)
    );
}

#[test]
fn a_text_a_note_cannot_carry_is_not_signed() {
    let ours = signer("log.example/consentry");

    assert_eq!(sign("no newline", &ours), Err(NoteError::NoFinalNewline));
    assert_eq!(sign("", &ours), Err(NoteError::EmptyText));
    assert_eq!(
        sign("a\u{0}b\n", &ours),
        Err(NoteError::ControlCharacter {
            line: 1,
            found: '\u{0}'
        })
    );
}
