//! One visitor's history, a page at a time: what a client may ask for and what it gets, the
//! same on every store.

use super::keys;

/// Where a page of a visitor's history ends: opaque to clients (hex of a time key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HistoryCursor(pub(crate) keys::TimeKey);

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
    pub(crate) after: Option<HistoryCursor>,
    pub(crate) limit: usize,
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
    pub(crate) records: Vec<Vec<u8>>,
    /// Where the next page starts, if there is one.
    pub(crate) next: Option<HistoryCursor>,
}
