//! Visitors' and decisions' ids: opaque, URL-safe, at least 128 bits.

use std::fmt;
use std::sync::LazyLock;

use base64::Engine;
use base64::alphabet::Alphabet;
use base64::engine::GeneralPurpose;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An id that is not 22 to 64 URL-safe characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("consent_id must be 22 to 64 characters from A-Z, a-z, 0-9, '-' and '_'")]
    ConsentId,
    #[error("decision_id must be 22 to 64 characters from A-Z, a-z, 0-9, '-' and '_'")]
    DecisionId,
    #[error(
        "consent_id must not start with '-': a spreadsheet opening the CSV export would read it \
         as a formula instead of the id"
    )]
    LeadingDash,
}

impl IdError {
    pub fn code(self) -> &'static str {
        match self {
            IdError::ConsentId | IdError::LeadingDash => "invalid-consent-id",
            IdError::DecisionId => "invalid-decision-id",
        }
    }

    /// The field (or path segment) to fix.
    pub fn field(self) -> &'static str {
        match self {
            IdError::ConsentId | IdError::LeadingDash => "consent_id",
            IdError::DecisionId => "decision_id",
        }
    }
}

/// A visitor's opaque id: 48 bits of creation time (milliseconds) then 144 random bits, written
/// in URL-safe base64 with its alphabet in ASCII order (32 characters). Ids made close in time
/// sort close together, as UUIDv7s do, so the per-visitor index grows at one end instead of
/// being written all over: random ids made the index the store's main cost in memory and time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConsentId(String);

/// The base64url characters, sorted, so that the text sorts like the bytes.
const SORTED_BASE64: &str = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

static ID_ENGINE: LazyLock<GeneralPurpose> = LazyLock::new(|| {
    let alphabet = Alphabet::new(SORTED_BASE64).expect("64 distinct printable characters");
    GeneralPurpose::new(&alphabet, base64::engine::general_purpose::NO_PAD)
});

/// Set in the 48-bit time field of generated ids. Milliseconds stay far below it (until the year
/// 6429), so without it every id would start with zero bits, that is with '-', which
/// spreadsheets read as a minus sign; with it ids start with a letter and still sort by time,
/// after every id made before it was set.
const TIME_MARK: u64 = 1 << 47;

impl ConsentId {
    pub fn generate(now: OffsetDateTime) -> ConsentId {
        let mut bytes = [0u8; 24];
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let time = (millis % TIME_MARK) | TIME_MARK;
        bytes[..6].copy_from_slice(&time.to_be_bytes()[2..]);
        // The OS random source failing is not something a request can recover from.
        getrandom::fill(&mut bytes[6..]).expect("the operating system's random source works");
        ConsentId(ID_ENGINE.encode(bytes))
    }

    /// Accepts what `generate` makes, and any id of 22 to 64 URL-safe characters (≥ 128 bits).
    pub fn parse(s: &str) -> Result<ConsentId, IdError> {
        if url_safe_id(s) {
            Ok(ConsentId(s.to_owned()))
        } else {
            Err(IdError::ConsentId)
        }
    }

    /// An id a client names as its own in a new decision: as `parse`, and not starting with
    /// `-`, so that the CSV export, which writes ids exactly, never starts a cell with a
    /// formula character. (Ids this service made before its time mark start with `-`; they
    /// are still read, exported and erased through `parse`.)
    pub fn parse_posted(s: &str) -> Result<ConsentId, IdError> {
        let id = ConsentId::parse(s)?;
        if id.0.starts_with('-') {
            return Err(IdError::LeadingDash);
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The millisecond an id made by `generate` was made in; `None` for other ids.
    pub fn created_millis(&self) -> Option<u64> {
        let bytes = ID_ENGINE.decode(&self.0).ok()?;
        let time: [u8; 6] = bytes.get(..6)?.try_into().ok()?;
        (bytes.len() == 24).then(|| {
            let mut be = [0u8; 8];
            be[2..].copy_from_slice(&time);
            // Ids made before `TIME_MARK` lack it; both decode to their millisecond.
            u64::from_be_bytes(be) & !TIME_MARK
        })
    }
}

impl TryFrom<String> for ConsentId {
    type Error = IdError;
    fn try_from(s: String) -> Result<ConsentId, IdError> {
        ConsentId::parse(&s)
    }
}

impl From<ConsentId> for String {
    fn from(id: ConsentId) -> String {
        id.0
    }
}

impl fmt::Display for ConsentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One decision of a visitor, named by the banner (CONTRACT §4.4) so that a retry of a post
/// that got no answer is recognised and never stored twice.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DecisionId(String);

impl DecisionId {
    /// 22 to 64 URL-safe characters, as for consent ids.
    pub fn parse(s: &str) -> Result<DecisionId, IdError> {
        if url_safe_id(s) {
            Ok(DecisionId(s.to_owned()))
        } else {
            Err(IdError::DecisionId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<DecisionId> for String {
    fn from(id: DecisionId) -> String {
        id.0
    }
}

/// 22 to 64 characters of base64url's alphabet: at least 128 bits when random.
fn url_safe_id(s: &str) -> bool {
    (22..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn generated_ids_parse_and_carry_at_least_128_random_bits() {
        let now = OffsetDateTime::now_utc();
        let id = ConsentId::generate(now);
        assert_eq!(id.as_str().len(), 32, "6 bytes of time and 18 random bytes");
        assert!(ConsentId::parse(id.as_str()).is_ok());
        assert_ne!(id, ConsentId::generate(now));
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).expect("after 1970");
        assert_eq!(id.created_millis(), Some(millis));
        let foreign = ConsentId::parse("someone-elses-id-of-22-chars").expect("well formed");
        assert_eq!(foreign.created_millis(), None);
    }

    #[test]
    fn generated_ids_start_with_a_letter_or_digit_never_a_sign() {
        for days in [0, 20_000, 30_000, 2_000_000] {
            let id = ConsentId::generate(OffsetDateTime::UNIX_EPOCH + Duration::days(days));
            assert!(
                id.as_str().starts_with(|c: char| c.is_ascii_alphanumeric()),
                "{id}"
            );
        }
    }

    #[test]
    fn ids_made_before_the_time_mark_still_name_their_millisecond() {
        let millis: u64 = 1_795_000_000_123;
        let mut bytes = [7u8; 24];
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        let old = ConsentId::parse(&ID_ENGINE.encode(bytes)).expect("well formed");
        assert!(old.as_str().starts_with('-'), "{old}");
        let new = ConsentId::generate(
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                .expect("a time"),
        );

        assert_eq!(old.created_millis(), Some(millis));
        assert_eq!(new.created_millis(), Some(millis));
        assert!(old.as_str() < new.as_str());
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let t = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let ids: Vec<ConsentId> = [0, 1, 255, 256, 65_536, 86_400_000]
            .into_iter()
            .map(|ms| ConsentId::generate(t + Duration::milliseconds(ms)))
            .collect();
        assert!(
            ids.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
            "{ids:?}"
        );
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "short",
            "has space in it 123456789",
            "ünïcödé_ünïcödé_ünïcödé",
            &"a".repeat(65),
        ] {
            assert!(ConsentId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
