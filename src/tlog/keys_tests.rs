use super::*;

/// The key pair of the example in Go's `golang.org/x/mod/sumdb/note` (its tests and docs): a
/// key made by another implementation of the same formats.
pub(crate) const GO_VERIFIER: &str =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
pub(crate) const GO_SIGNER: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

fn name(text: &str) -> LogName {
    LogName::parse(text).expect("a valid name")
}

#[test]
fn the_log_is_named_after_the_sites_host() {
    let cases = [
        ("https://www.example.com", "www.example.com/consentry"),
        ("https://WWW.Example.COM:443/", "www.example.com/consentry"),
        ("http://localhost:8080", "localhost:8080/consentry"),
        ("https://shop.example.org.", "shop.example.org/consentry"),
        ("http://[::1]:3000", "[::1]:3000/consentry"),
    ];
    for (url, expected) in cases {
        let url = HttpUrl::parse(url).expect("a URL");
        let log = LogName::for_site(&url);
        assert_eq!(log.as_str(), expected);
        assert_eq!(LogName::parse(log.as_str()), Ok(log), "a valid name");
    }
}

#[test]
fn a_name_with_a_space_plus_or_control_character_is_refused() {
    assert_eq!(LogName::parse(""), Err(KeyError::EmptyName));
    for (text, bad) in [
        ("a b", ' '),
        ("a+b", '+'),
        ("a\tb", '\t'),
        ("a\u{a0}b", '\u{a0}'),
        ("a\u{2003}b", '\u{2003}'),
        ("a\u{7f}b", '\u{7f}'),
    ] {
        assert_eq!(
            LogName::parse(text),
            Err(KeyError::NameCharacter(bad)),
            "{text:?}"
        );
    }
}

#[test]
fn gos_signing_key_reads_and_gives_gos_verifier_key() {
    let signer = LogSigner::parse(GO_SIGNER).expect("Go's key");

    assert_eq!(signer.verifier().to_string(), GO_VERIFIER);
    assert_eq!(signer.private_line().as_str(), GO_SIGNER);
    assert_eq!(
        VerifierKey::parse(GO_VERIFIER).as_ref(),
        Ok(signer.verifier())
    );
    assert_eq!(signer.verifier().id(), 0xc74f20a3);
}

#[test]
fn the_key_id_is_the_first_four_bytes_of_the_hash_of_name_newline_type_and_key() {
    let signer = LogSigner::generate(name("www.example.com/consentry"));
    let text = signer.verifier().to_string();
    let parts: Vec<&str> = text.splitn(3, '+').collect();
    let key = STANDARD.decode(parts[2]).expect("base64");

    let mut hashed = b"www.example.com/consentry\n".to_vec();
    hashed.extend_from_slice(&key);
    let digest = Sha256::digest(&hashed);

    assert_eq!(key.len(), 33);
    assert_eq!(key[0], 0x01);
    assert_eq!(parts[0], "www.example.com/consentry");
    assert_eq!(
        parts[1],
        format!(
            "{:02x}{:02x}{:02x}{:02x}",
            digest[0], digest[1], digest[2], digest[3]
        )
    );
    assert_eq!(VerifierKey::parse(&text).as_ref(), Ok(signer.verifier()));
    assert_eq!(
        VerifierKey::parse(&format!("{text}\n")).as_ref(),
        Ok(signer.verifier())
    );
}

#[test]
fn a_mangled_verifier_key_is_refused_with_what_is_wrong() {
    let wrong_id = GO_VERIFIER.replace("c74f20a3", "c74f20a4");
    let other_name = GO_VERIFIER.replace("PeterNeumann", "PeterNeuman");
    let short = GO_VERIFIER.replace("+ARpc2Q", "+ARpc");
    let one_less = GO_VERIFIER.replace("+ARpc", "+Apc");
    let cases = [
        ("PeterNeumann+c74f20a3", KeyError::VerifierShape),
        (
            "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            KeyError::EmptyName,
        ),
        (&GO_VERIFIER.replace("c74f20a3", "c74f20a"), KeyError::KeyId),
        (
            &GO_VERIFIER.replace("c74f20a3", "c74f20ag"),
            KeyError::KeyId,
        ),
        (&short, KeyError::Base64),
        (&one_less, KeyError::Base64),
        (
            &wrong_id,
            KeyError::IdMismatch {
                written: 0xc74f20a4,
                computed: 0xc74f20a3,
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(VerifierKey::parse(text), Err(expected), "{text}");
    }
    assert!(matches!(
        VerifierKey::parse(&other_name),
        Err(KeyError::IdMismatch { .. })
    ));
    let not_ed25519 = format!("a+00000000+{}", STANDARD.encode([2u8; 33]));
    assert_eq!(VerifierKey::parse(&not_ed25519), Err(KeyError::NotEd25519));
}

#[test]
fn the_signing_key_never_prints() {
    let signer = LogSigner::parse(GO_SIGNER).expect("Go's key");
    let shown = format!("{signer:?}");

    assert_eq!(shown, "LogSigner(PeterNeumann+c74f20a3, [redacted])");
    for refused in [
        "PRIVATE+KEY+PeterNeumann+c74f20a3",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
        &GO_SIGNER.replace("c74f20a3", "c74f20a2"),
    ] {
        let error = LogSigner::parse(refused).expect_err(refused).to_string();
        assert!(!error.contains("AYEKFA"), "{error}");
    }
}
