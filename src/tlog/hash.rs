//! The tree's hashing, RFC 9162 §2.1 with SHA-256: a leaf hashes as `H(0x00 ‖ leaf)`, an inner
//! node as `H(0x01 ‖ left ‖ right)`, so that no leaf can pass for a node (the second-preimage
//! defence of RFC 9162 §2.1.1). A consent record's leaf is `salt ‖ record` (CONTRACT §7).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// A SHA-256 value of the tree: a leaf hash, a node, a root. Written as standard base64 with
/// padding, as the proofs of CONTRACT §7 and C2SP checkpoints carry it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TreeHash([u8; 32]);

/// Why a text is not a hash, a salt or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    #[error("not standard base64 with padding")]
    Base64,
    #[error("not URL-safe base64 without padding")]
    Base64Url,
    #[error("{found} bytes where {expected} were expected")]
    Length { expected: usize, found: usize },
}

impl TreeHash {
    pub const fn from_bytes(bytes: [u8; 32]) -> TreeHash {
        TreeHash(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// MTH of the empty tree: the hash of nothing (RFC 9162 §2.1.1).
    pub fn empty() -> TreeHash {
        TreeHash(Sha256::digest([]).into())
    }

    /// `H(0x00 ‖ leaf)`.
    pub fn leaf(leaf: &[u8]) -> TreeHash {
        TreeHash(
            Sha256::new()
                .chain_update([0])
                .chain_update(leaf)
                .finalize()
                .into(),
        )
    }

    /// `H(0x01 ‖ left ‖ right)`.
    pub fn node(left: &TreeHash, right: &TreeHash) -> TreeHash {
        TreeHash(
            Sha256::new()
                .chain_update([1])
                .chain_update(left.0)
                .chain_update(right.0)
                .finalize()
                .into(),
        )
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn parse_base64(text: &str) -> Result<TreeHash, EncodingError> {
        let bytes = STANDARD.decode(text).map_err(|_| EncodingError::Base64)?;
        Ok(TreeHash(exact(&bytes)?))
    }
}

impl std::fmt::Debug for TreeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TreeHash({})", self.to_base64())
    }
}

impl std::fmt::Display for TreeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl serde::Serialize for TreeHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for TreeHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TreeHash, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        TreeHash::parse_base64(&text)
            .map_err(|e| serde::de::Error::custom(format!("a SHA-256 hash in base64: {e}")))
    }
}

/// The 16 random bytes a record's leaf starts with. Without them a leaf hash would let anyone
/// who can guess a record's few fields (a time, a choice) confirm the guess; erasure deletes
/// the salt, and with it that link. `Debug` does not show it, so no log line keeps it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Salt([u8; 16]);

impl Salt {
    pub fn generate() -> Salt {
        let mut bytes = [0u8; 16];
        // A salt is made per record on the store's writer; without the OS random source no
        // record could be written safely at all.
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        Salt(bytes)
    }

    pub const fn from_bytes(bytes: [u8; 16]) -> Salt {
        Salt(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// As a record's `log.salt` carries it: URL-safe base64 without padding (CONTRACT §7).
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn parse_base64url(text: &str) -> Result<Salt, EncodingError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| EncodingError::Base64Url)?;
        Ok(Salt(exact(&bytes)?))
    }

    /// The leaf hash of `record` (its stored JSON bytes, without `log`): `H(0x00 ‖ salt ‖
    /// record)`, hashed in place rather than copied into one buffer.
    pub fn leaf_hash(&self, record: &[u8]) -> TreeHash {
        TreeHash(
            Sha256::new()
                .chain_update([0])
                .chain_update(self.0)
                .chain_update(record)
                .finalize()
                .into(),
        )
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt([redacted])")
    }
}

/// Exactly `N` bytes, or how many there were.
pub(super) fn exact<const N: usize>(bytes: &[u8]) -> Result<[u8; N], EncodingError> {
    bytes.try_into().map_err(|_| EncodingError::Length {
        expected: N,
        found: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_tree_and_a_leaf_hash_as_rfc_9162_says() {
        // SHA-256("") and SHA-256(0x00), the values every RFC 6962/9162 implementation shares.
        assert_eq!(
            TreeHash::empty().to_base64(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            TreeHash::leaf(b"").to_base64(),
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0="
        );
    }

    #[test]
    fn a_record_leaf_is_the_leaf_hash_of_salt_then_record() {
        let salt = Salt::from_bytes([7; 16]);
        let record = br#"{"consent_id":"x"}"#;
        let mut leaf = salt.as_bytes().to_vec();
        leaf.extend_from_slice(record);

        assert_eq!(salt.leaf_hash(record), TreeHash::leaf(&leaf));
        assert_ne!(
            salt.leaf_hash(record),
            Salt::from_bytes([8; 16]).leaf_hash(record)
        );
    }

    #[test]
    fn a_node_is_not_a_leaf_of_the_same_bytes() {
        let (a, b) = (TreeHash::leaf(b"a"), TreeHash::leaf(b"b"));
        let mut both = a.as_bytes().to_vec();
        both.extend_from_slice(b.as_bytes());

        assert_ne!(TreeHash::node(&a, &b), TreeHash::leaf(&both));
        assert_ne!(TreeHash::node(&a, &b), TreeHash::node(&b, &a));
    }

    #[test]
    fn hashes_and_salts_read_back_what_they_write_and_refuse_other_lengths() {
        let hash = TreeHash::leaf(b"x");
        assert_eq!(TreeHash::parse_base64(&hash.to_base64()), Ok(hash));
        assert_eq!(
            TreeHash::parse_base64("AAAA"),
            Err(EncodingError::Length {
                expected: 32,
                found: 3
            })
        );
        assert_eq!(
            TreeHash::parse_base64("not base64!"),
            Err(EncodingError::Base64)
        );

        let salt = Salt::generate();
        let text = salt.to_base64url();
        assert_eq!(text.len(), 22, "16 bytes, no padding");
        assert_eq!(Salt::parse_base64url(&text), Ok(salt));
        assert_eq!(
            Salt::parse_base64url(&format!("{text}==")),
            Err(EncodingError::Base64Url)
        );
        assert_eq!(format!("{salt:?}"), "Salt([redacted])");
    }
}
