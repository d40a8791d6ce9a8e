//! Byte keys. Times are big-endian so that byte order is time order and ranges are time ranges.

/// `records-v1` key: nanoseconds since the epoch, then a store-unique id (both big-endian).
pub(crate) type TimeKey = [u8; 16];

pub(crate) fn time_key(nanos: u64, unique: u64) -> TimeKey {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&nanos.to_be_bytes());
    key[8..].copy_from_slice(&unique.to_be_bytes());
    key
}

/// Nanoseconds since the epoch of `t`, saturated to what a key holds: 0 before 1970, `u64::MAX`
/// after 2554, so a far bound still covers every record instead of wrapping to none.
pub(crate) fn nanos(t: time::OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp_nanos().max(0)).unwrap_or(u64::MAX)
}

/// The first key at or after `nanos`: the bound of a time range.
pub(crate) fn time_bound(nanos: u64) -> TimeKey {
    time_key(nanos, 0)
}

pub(crate) fn nanos_of(key: &[u8]) -> u64 {
    let mut be = [0u8; 8];
    if let Some(head) = key.get(..8) {
        be.copy_from_slice(head);
    }
    u64::from_be_bytes(be)
}

/// Bytes of a visitor's part of a `by-consent-v2` key: the id's first 8 bytes, then 8 of its
/// SHA-256. Ids start with the time they were made (the banner's in base 36, the service's in
/// sorted base64url), so new visitors' entries go at the index's end, where its blocks are
/// already in memory; the hash sets visitors of one millisecond apart. Two ids could share
/// both, so whoever reads through the index checks the record's own id.
pub(crate) const VISITOR: usize = 16;
/// A `by-consent-v2` entry's key: the visitor's part, then the record's time key.
pub(crate) const INDEX_KEY: usize = VISITOR + 16;
/// A `by-consent-v2` entry: its key, then 8 bytes of the SHA-256 of the banner's `decision_id`
/// (zeros without one), so that a retried post finds the record it already made.
pub(crate) const INDEX_ENTRY: usize = INDEX_KEY + 8;

pub(crate) fn visitor(consent_id: &str) -> [u8; VISITOR] {
    use sha2::{Digest, Sha256};
    let mut out = [0u8; VISITOR];
    let id = consent_id.as_bytes();
    let head = id.len().min(8);
    out[..head].copy_from_slice(&id[..head]);
    out[8..].copy_from_slice(&Sha256::digest(id)[..8]);
    out
}

pub(crate) fn index_key(consent_id: &str, time: &TimeKey) -> [u8; INDEX_KEY] {
    let mut key = [0u8; INDEX_KEY];
    key[..VISITOR].copy_from_slice(&visitor(consent_id));
    key[VISITOR..].copy_from_slice(time);
    key
}

/// The 8 bytes standing for a `decision_id` in an index entry; never all zeros, which stand
/// for none.
pub(crate) fn decision_hash(decision_id: &str) -> [u8; 8] {
    use sha2::{Digest, Sha256};
    let mut out = [0u8; 8];
    out.copy_from_slice(&Sha256::digest(decision_id.as_bytes())[..8]);
    if out == [0; 8] {
        out[7] = 1;
    }
    out
}

pub(crate) fn index_entry(
    consent_id: &str,
    time: &TimeKey,
    decision_id: Option<&str>,
) -> [u8; INDEX_ENTRY] {
    let mut entry = [0u8; INDEX_ENTRY];
    entry[..INDEX_KEY].copy_from_slice(&index_key(consent_id, time));
    if let Some(decision) = decision_id {
        entry[INDEX_KEY..].copy_from_slice(&decision_hash(decision));
    }
    entry
}

/// The record's time key in an index entry.
pub(crate) fn time_of_entry(entry: &[u8]) -> Option<TimeKey> {
    entry.get(VISITOR..INDEX_KEY)?.try_into().ok()
}

/// The first layout's index keys (`by-consent-v1`: the id's length, the id, the time key;
/// `decisions-v1`: the id's length, the id, the `decision_id`), read once to convert them.
pub(crate) mod v1 {
    /// The visitor id and the rest of a first-layout key.
    pub(crate) fn split(key: &[u8]) -> Option<(&str, &[u8])> {
        let (len, rest) = key.split_first()?;
        let len = usize::from(*len);
        let id = std::str::from_utf8(rest.get(..len)?).ok()?;
        Some((id, &rest[len..]))
    }

    #[cfg(test)]
    pub(crate) fn key(consent_id: &str, tail: &[u8]) -> Vec<u8> {
        let mut key = vec![consent_id.len() as u8];
        key.extend_from_slice(consent_id.as_bytes());
        key.extend_from_slice(tail);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_sort_by_time_then_id() {
        let keys = [
            time_key(1, 9),
            time_key(2, 0),
            time_key(2, 1),
            time_key(256, 0),
        ];
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(nanos_of(&time_key(42, 7)), 42);
    }

    #[test]
    fn times_outside_the_key_range_saturate() {
        let far = time::macros::datetime!(9999-12-31 0:00 UTC);
        assert_eq!(nanos(far), u64::MAX);
        assert_eq!(nanos(time::macros::datetime!(1969-12-31 0:00 UTC)), 0);
        assert_eq!(nanos(time::OffsetDateTime::UNIX_EPOCH), 0);
    }

    #[test]
    fn index_keys_of_one_visitor_share_their_visitor_part_and_sort_by_the_ids_time() {
        let t = time_key(5, 5);
        let key = index_key("lnp0k3b2_1_2_3_4", &t);
        assert!(key.starts_with(&visitor("lnp0k3b2_1_2_3_4")));
        assert_ne!(visitor("lnp0k3b2_1_2_3_4"), visitor("lnp0k3b2_1_2_3_5"));
        assert!(visitor("lnp0k3b2_9_9_9_9") < visitor("lnp0k3b3_0_0_0_0"));
        let entry = index_entry("abc", &t, Some("d-1"));
        assert_eq!(time_of_entry(&entry), Some(t));
        assert_eq!(entry[INDEX_KEY..], decision_hash("d-1"));
        assert_eq!(index_entry("abc", &t, None)[INDEX_KEY..], [0; 8]);
        assert_eq!(
            v1::split(&v1::key("abc", b"tail")),
            Some(("abc", &b"tail"[..]))
        );
    }
}
