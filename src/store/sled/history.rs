//! One visitor's history on sled, found through `by-consent-v2` and the id's time.

use std::ops::ControlFlow;

use super::Sled;
use crate::consent::ConsentId;
use crate::store::history::{History, HistoryCursor, HistoryPage};
use crate::store::log::with_log;
use crate::store::records::Owner;
use crate::store::{StoreError, keys};

impl Sled {
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
        // The visitor's indexed records after `after`, checked against each record's own id:
        // another visitor could share the index's bytes (`keys::VISITOR`).
        let visitor = keys::visitor(consent_id);
        let mut from = visitor.to_vec();
        from.extend_from_slice(&after.unwrap_or([0; 16]));
        let mut failed = None;
        let mut taken = 0;
        trees.index.scan(&from, |entry| {
            if entry[..keys::VISITOR] != visitor || taken >= limit {
                return ControlFlow::Break(());
            }
            let Some(time) = keys::time_of_entry(entry).filter(|t| later(t)) else {
                return ControlFlow::Continue(());
            };
            match trees.record_if(&time, |o| o.consent_id == consent_id) {
                Ok(Some(_)) if !out.contains(&time) => {
                    out.push(time);
                    taken += 1;
                }
                Ok(_) => {}
                Err(e) => {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failed {
            return Err(e);
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
                records.push(with_log(&value, trees.log_entry(time)?));
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
