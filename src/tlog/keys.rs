//! The log's name and Ed25519 keys, in the encodings of C2SP signed-note (as Go's
//! `golang.org/x/mod/sumdb/note` writes them, which witnesses and tools read):
//!
//! - verifier key `<name>+<key id, 8 hex>+<base64(0x01 ‖ public key)>`;
//! - signing key `PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 ‖ 32-byte seed)>`;
//! - key id = the first 4 bytes, big-endian, of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::hash::exact;
use crate::url::HttpUrl;

/// The signature type byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// The log's identity: its checkpoints' origin and its key's name. Non-empty, without
/// Unicode spaces, `+` or control characters (C2SP signed-note, tlog-checkpoint).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LogName(String);

/// Why a text is not a log name or key. Never carries the text of a signing key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a log name cannot be empty")]
    EmptyName,
    #[error("a log name cannot hold {0:?} (no spaces, '+' or control characters)")]
    NameCharacter(char),
    #[error("a verifier key is <name>+<key id>+<key>, three parts joined by '+'")]
    VerifierShape,
    #[error("a signing key is PRIVATE+KEY+<name>+<key id>+<key>")]
    SigningShape,
    #[error("the key id is not 8 hexadecimal digits")]
    KeyId,
    #[error("the key is not standard base64 with padding")]
    Base64,
    #[error("the key is not an Ed25519 key (type byte 0x01 then 32 bytes)")]
    NotEd25519,
    #[error("the public key is not a valid Ed25519 point")]
    BadPoint,
    #[error("the key id {written:08x} is not the one of this name and key ({computed:08x})")]
    IdMismatch { written: u32, computed: u32 },
}

impl LogName {
    pub fn parse(name: &str) -> Result<LogName, KeyError> {
        if name.is_empty() {
            return Err(KeyError::EmptyName);
        }
        match name
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || *c == '+')
        {
            Some(c) => Err(KeyError::NameCharacter(c)),
            None => Ok(LogName(name.to_owned())),
        }
    }

    /// The site's log: `<host>[:port]/consentry` from the registry's `[site] url`
    /// (`https://www.example.com` → `www.example.com/consentry`), the schema-less URL C2SP
    /// recommends. A host name cannot hold a space or `+`, so this always is a valid name.
    pub fn for_site(url: &HttpUrl) -> LogName {
        let host = url.host().trim_end_matches('.').to_ascii_lowercase();
        let port = match (url.scheme(), url.port()) {
            ("http", Some(80)) | ("https", Some(443)) | (_, None) => String::new(),
            (_, Some(port)) => format!(":{port}"),
        };
        LogName(format!("{host}{port}/consentry"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LogName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn key_id(name: &LogName, public: &VerifyingKey) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_str())
        .chain_update([b'\n', ED25519])
        .chain_update(public.as_bytes())
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// `0x01 ‖ 32 bytes` in base64, either key's third part.
fn decode_key(text: &str) -> Result<[u8; 32], KeyError> {
    // A signing key's seed passes through here: wiped when dropped.
    let bytes = Zeroizing::new(STANDARD.decode(text).map_err(|_| KeyError::Base64)?);
    match bytes.split_first() {
        Some((&ED25519, key)) => exact::<32>(key).map_err(|_| KeyError::NotEd25519),
        _ => Err(KeyError::NotEd25519),
    }
}

/// Appends `base64(0x01 ‖ key)` to `out` without a copy of the key left behind: `out` has
/// room for it, so it is not reallocated.
fn encode_key(key: &[u8; 32], out: &mut String) {
    let mut bytes = Zeroizing::new([0u8; 33]);
    bytes[0] = ED25519;
    bytes[1..].copy_from_slice(key);
    out.reserve(44);
    STANDARD.encode_string(bytes.as_ref(), out);
}

fn parse_id(text: &str) -> Result<u32, KeyError> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::KeyId);
    }
    u32::from_str_radix(text, 16).map_err(|_| KeyError::KeyId)
}

/// What checks the log's signatures: published at `GET /api/v1/log/key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: LogName,
    id: u32,
    key: VerifyingKey,
}

impl VerifierKey {
    pub fn parse(text: &str) -> Result<VerifierKey, KeyError> {
        // base64 may hold '+', names and ids cannot: the first two '+' split.
        let mut parts = text.trim_end_matches('\n').splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::VerifierShape);
        };
        let name = LogName::parse(name)?;
        let written = parse_id(id)?;
        let key = VerifyingKey::from_bytes(&decode_key(key)?).map_err(|_| KeyError::BadPoint)?;
        let computed = key_id(&name, &key);
        if written != computed {
            return Err(KeyError::IdMismatch { written, computed });
        }
        Ok(VerifierKey {
            name,
            id: computed,
            key,
        })
    }

    pub fn name(&self) -> &LogName {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// Whether `signature` is this key's Ed25519 signature of `message` (strict RFC 8032
    /// checks: no malleable encodings, no weak keys).
    pub(super) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = exact::<64>(signature) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
        self.key.verify_strict(message, &signature).is_ok()
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = String::new();
        encode_key(self.key.as_bytes(), &mut key);
        write!(f, "{}+{:08x}+{key}", self.name, self.id)
    }
}

/// The log's signing key. `Debug` shows only its name and id, so no log line or error can
/// carry it; the seed is wiped from memory when it is dropped (ed25519-dalek's zeroize).
pub struct LogSigner {
    verifier: VerifierKey,
    key: SigningKey,
}

impl LogSigner {
    /// A new key from the operating system's random source.
    pub fn generate(name: LogName) -> LogSigner {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).expect("the operating system's random source works");
        LogSigner::from_seed(name, &seed)
    }

    fn from_seed(name: LogName, seed: &[u8; 32]) -> LogSigner {
        let key = SigningKey::from_bytes(seed);
        let public = key.verifying_key();
        LogSigner {
            verifier: VerifierKey {
                id: key_id(&name, &public),
                name,
                key: public,
            },
            key,
        }
    }

    /// Reads `PRIVATE+KEY+<name>+<id>+<base64(0x01 ‖ seed)>` (one trailing newline allowed).
    pub fn parse(text: &str) -> Result<LogSigner, KeyError> {
        let rest = text
            .trim_end_matches('\n')
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(KeyError::SigningShape)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::SigningShape);
        };
        let name = LogName::parse(name)?;
        let written = parse_id(id)?;
        let seed = Zeroizing::new(decode_key(key)?);
        let signer = LogSigner::from_seed(name, &seed);
        let computed = signer.verifier.id;
        if written != computed {
            return Err(KeyError::IdMismatch { written, computed });
        }
        Ok(signer)
    }

    /// The line `parse` reads, for the key file only.
    pub(super) fn private_line(&self) -> Zeroizing<String> {
        let mut line = Zeroizing::new(format!(
            "{PRIVATE_PREFIX}{}+{:08x}+",
            self.verifier.name, self.verifier.id
        ));
        encode_key(self.key.as_bytes(), &mut line);
        line
    }

    pub fn name(&self) -> &LogName {
        &self.verifier.name
    }

    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    pub(super) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LogSigner({}+{:08x}, [redacted])",
            self.verifier.name, self.verifier.id
        )
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
pub(super) mod tests;
