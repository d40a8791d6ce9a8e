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

/// `by-consent-v1` prefix of one visitor: the id's length, then the id.
pub(crate) fn consent_prefix(consent_id: &str) -> Vec<u8> {
    let id = consent_id.as_bytes();
    let mut key = Vec::with_capacity(1 + id.len() + 16);
    // Ids are at most 64 bytes (ConsentId::parse), so the length fits a byte.
    key.push(id.len() as u8);
    key.extend_from_slice(id);
    key
}

/// `by-consent-v1` key: the visitor's prefix, then the record's time key.
pub(crate) fn consent_key(consent_id: &str, time: &TimeKey) -> Vec<u8> {
    let mut key = consent_prefix(consent_id);
    key.extend_from_slice(time);
    key
}

/// `decisions-v1` key: the visitor's prefix, then the banner's `decision_id`.
pub(crate) fn decision_key(consent_id: &str, decision_id: &str) -> Vec<u8> {
    let mut key = consent_prefix(consent_id);
    key.extend_from_slice(decision_id.as_bytes());
    key
}

/// The time key at the end of a `by-consent-v1` key.
pub(crate) fn time_key_of_index(key: &[u8]) -> Option<TimeKey> {
    let tail = key.len().checked_sub(16).map(|start| &key[start..])?;
    tail.try_into().ok()
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
    fn index_keys_of_one_visitor_share_a_prefix_no_other_visitor_has() {
        let t = time_key(5, 5);
        let key = consent_key("abc", &t);
        assert!(key.starts_with(&consent_prefix("abc")));
        assert!(!key.starts_with(&consent_prefix("ab")));
        assert_eq!(time_key_of_index(&key), Some(t));
    }
}
