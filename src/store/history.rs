//! One visitor's history, a page at a time, found through `by-consent-v1` and the id's time.

use super::records::Owner;
use super::{Store, StoreError, keys};
use crate::consent::ConsentId;

/// Where a page of a visitor's history ends: opaque to clients (hex of a time key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HistoryCursor(keys::TimeKey);

impl HistoryCursor {
    fn parse(s: &str) -> Option<HistoryCursor> {
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

/// Records in one page of a visitor's history when the client does not say.
const DEFAULT_LIMIT: usize = 100;
/// The most a client may ask for in one page: bounds the memory one read can take.
const MAX_LIMIT: usize = 1000;

/// A page of history the client cannot ask for.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HistoryError {
    #[error("after must be the cursor of a Link: rel=\"next\" answer")]
    Cursor,
    #[error("limit must be a whole number from 1 to {MAX_LIMIT}, not {0:?}")]
    Limit(String),
}

impl HistoryError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            HistoryError::Cursor => "invalid-cursor",
            HistoryError::Limit(_) => "invalid-limit",
        }
    }

    pub(crate) fn field(&self) -> &'static str {
        match self {
            HistoryError::Cursor => "after",
            HistoryError::Limit(_) => "limit",
        }
    }
}

/// Which page of a visitor's history to read: at most `limit` records after the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HistoryPage {
    after: Option<HistoryCursor>,
    limit: usize,
}

impl HistoryPage {
    /// From `?after=&limit=`; an empty value is an absent one.
    pub(crate) fn parse(
        after: Option<&str>,
        limit: Option<&str>,
    ) -> Result<HistoryPage, HistoryError> {
        let after = match after {
            None | Some("") => None,
            Some(text) => Some(HistoryCursor::parse(text).ok_or(HistoryError::Cursor)?),
        };
        let limit = match limit {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| HistoryError::Limit(text.to_owned()))?,
        };
        Ok(HistoryPage { after, limit })
    }

    /// The first page: an unknown visitor has none.
    pub(crate) fn is_first(&self) -> bool {
        self.after.is_none()
    }

    /// The query of the page that starts after `next`, naming the limit if the client did.
    pub(crate) fn next_query(&self, next: HistoryCursor) -> String {
        if self.limit == DEFAULT_LIMIT {
            format!("after={next}")
        } else {
            format!("after={next}&limit={}", self.limit)
        }
    }
}

/// One page of a visitor's history.
#[derive(Debug)]
pub(crate) struct History {
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

    /// One page of a visitor's records as stored JSON, oldest first, and the cursor of the
    /// next page if there is one.
    pub(crate) async fn history(
        &self,
        consent_id: &ConsentId,
        page: HistoryPage,
    ) -> Result<History, StoreError> {
        let consent_id = consent_id.clone();
        self.blocking(move |store| store.history_blocking(&consent_id, page.after, page.limit))
            .await
    }

    /// At most `limit` of a visitor's records after `after`, oldest first. Blocking.
    pub(super) fn history_blocking(
        &self,
        consent_id: &ConsentId,
        after: Option<HistoryCursor>,
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
