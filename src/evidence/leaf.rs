//! A record as read back is its stored bytes with `"log": {"index", "salt"}` inserted before
//! the closing brace (`store::log::with_log`); its leaf is `salt ‖ those stored bytes`. This
//! takes the member off again, and accepts only a text that `with_log` would have made from
//! what remains, so nothing can hide between the record and its `log`.

use serde::Deserialize;

use crate::store::log::{LogEntry, with_log};
use crate::tlog::Salt;

/// A read-back record, split.
pub(crate) struct Logged {
    /// The record's stored bytes: what the leaf hashes after the salt.
    pub(crate) stored: Vec<u8>,
    pub(crate) entry: LogEntry,
}

/// Why a record's text is not one the log can hold.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LeafError {
    #[error("it has no \"log\" member: it is not in the log yet")]
    NoLog,
    #[error("its \"log\" member is not {{\"index\": N, \"salt\": \"<16 bytes, base64url>\"}}")]
    Shape,
    #[error("its \"log\" member is not its last, as the service writes it")]
    NotLast,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    index: u64,
    salt: String,
}

impl Logged {
    pub(crate) fn split(text: &[u8]) -> Result<Logged, LeafError> {
        const MARK: &[u8] = br#","log":"#;
        let at = text
            .windows(MARK.len())
            .rposition(|w| w == MARK)
            .ok_or(LeafError::NoLog)?;
        let member = text
            .get(at + MARK.len()..text.len().saturating_sub(1))
            .ok_or(LeafError::Shape)?;
        let member: Member = serde_json::from_slice(member).map_err(|_| LeafError::Shape)?;
        let salt = Salt::parse_base64url(&member.salt).map_err(|_| LeafError::Shape)?;
        let entry = LogEntry {
            index: member.index,
            salt,
        };
        let mut stored = text[..at].to_vec();
        stored.push(b'}');
        if with_log(&stored, Some(entry)) != text {
            return Err(LeafError::NotLast);
        }
        Ok(Logged { stored, entry })
    }

    pub(crate) fn leaf_hash(&self) -> crate::tlog::TreeHash {
        self.entry.salt.leaf_hash(&self.stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_back_record_splits_into_its_stored_bytes_and_its_log() {
        let stored = br#"{"consent_id":"x","action":"custom"}"#;
        let entry = LogEntry {
            index: 4,
            salt: Salt::from_bytes([9; 16]),
        };
        let read = with_log(stored, Some(entry));

        let logged = Logged::split(&read).expect("splits");

        assert_eq!(logged.stored, stored.to_vec());
        assert_eq!(logged.entry.index, 4);
        assert_eq!(
            logged.leaf_hash(),
            Salt::from_bytes([9; 16]).leaf_hash(stored)
        );
        assert!(matches!(Logged::split(stored), Err(LeafError::NoLog)));
        let spaced = String::from_utf8(read)
            .expect("UTF-8")
            .replace(r#""index":4"#, r#""index": 4"#);
        assert!(matches!(
            Logged::split(spaced.as_bytes()),
            Err(LeafError::NotLast)
        ));
        let bad = br#"{"a":1,"log":{"index":1,"salt":"short"}}"#;
        assert!(matches!(Logged::split(bad), Err(LeafError::Shape)));
    }
}
