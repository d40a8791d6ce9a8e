//! One visitor's history, a page at a time, found through `by-consent-v1` and the id's time.

use super::records::Owner;
use super::{Store, StoreError, keys};
use crate::consent::ConsentId;

/// Where a page of a visitor's history ends: opaque to clients (hex of a time key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryCursor(keys::TimeKey);

impl HistoryCursor {
    pub fn parse(s: &str) -> Option<HistoryCursor> {
        if s.len() != 32 {
            return None;
        }
        let mut key = [0u8; 16];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(HistoryCursor(key))
    }
}

impl std::fmt::Display for HistoryCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// One page of a visitor's history.
#[derive(Debug)]
pub struct History {
    /// Stored JSON, oldest first.
    pub records: Vec<Vec<u8>>,
    /// Where the next page starts, if there is one.
    pub next: Option<HistoryCursor>,
}

impl Store {
    /// Time keys of one visitor's records after `after`, oldest first, at most `limit`: the
    /// first decision, found in the millisecond the id names, then the indexed ones.
    pub(super) fn keys_of_after(
        trees: &super::Trees,
        consent_id: &str,
        after: Option<keys::TimeKey>,
        limit: usize,
    ) -> Result<Vec<keys::TimeKey>, StoreError> {
        let mut out = Vec::new();
        let later = |time: &keys::TimeKey| after.is_none_or(|a| *time > a);
        let created = ConsentId::parse(consent_id)
            .ok()
            .and_then(|id| id.created_millis());
        if let Some(ms) = created {
            let start = ms.saturating_mul(1_000_000);
            let range = keys::time_bound(start)..keys::time_bound(start.saturating_add(1_000_000));
            for entry in trees.records.range(range) {
                let (time, value) = entry?;
                let owner: Owner<'_> = serde_json::from_slice(&value)?;
                if owner.consent_id == consent_id
                    && let Ok(time) = keys::TimeKey::try_from(&time[..])
                    && later(&time)
                {
                    out.push(time);
                }
            }
        }
        let prefix = keys::consent_prefix(consent_id);
        let start = match after {
            // The first key past `after`'s: the same key with one more byte.
            Some(after) => {
                let mut key = keys::consent_key(consent_id, &after);
                key.push(0);
                key
            }
            None => prefix.clone(),
        };
        // One more than asked for: the caller learns whether a next page exists.
        for index in trees.by_consent.range(start..).keys().take(limit) {
            let index = index?;
            if !index.starts_with(&prefix) {
                break;
            }
            if let Some(time) = keys::time_key_of_index(&index)
                && !out.contains(&time)
            {
                out.push(time);
            }
        }
        out.sort_unstable();
        out.truncate(limit);
        Ok(out)
    }

    /// Every time key of one visitor's records, oldest first.
    pub(super) fn keys_of(
        trees: &super::Trees,
        consent_id: &str,
    ) -> Result<Vec<keys::TimeKey>, StoreError> {
        Self::keys_of_after(trees, consent_id, None, usize::MAX)
    }

    /// One page of a visitor's records as stored JSON, oldest first: at most `limit` after the
    /// cursor, and the cursor of the next page if there is one. Blocking.
    pub fn history(
        &self,
        consent_id: &ConsentId,
        after: Option<&HistoryCursor>,
        limit: usize,
    ) -> Result<History, StoreError> {
        let trees = self.shared.trees()?;
        let limit = limit.max(1);
        let mut times = Self::keys_of_after(
            &trees,
            consent_id.as_str(),
            after.map(|c| c.0),
            limit.saturating_add(1),
        )?;
        let more = times.len() > limit;
        times.truncate(limit);
        let mut records = Vec::with_capacity(times.len());
        for time in &times {
            if let Some(value) = trees.records.get(time)? {
                records.push(value.to_vec());
            }
        }
        Ok(History {
            records,
            next: more
                .then(|| times.last().copied().map(HistoryCursor))
                .flatten(),
        })
    }
}
