//! Snapshots of what the banner showed, archived under their `shown` hash before they are
//! served, and the terms a decision is checked against, read from them once and kept.

use std::sync::Arc;

use super::Sled;
use crate::consent::Terms;
use crate::store::StoreError;

impl Sled {
    /// Archives what the banner shows under each `shown` hash, durably, with a single wait for
    /// the disk; a known hash is kept as first stored (the content is the same by
    /// construction). Blocking: run at start-up and by the registry watcher, before serving.
    pub(crate) fn archive_snapshots<'a>(
        &self,
        snapshots: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        let mut wrote = false;
        for (shown, json) in snapshots {
            if !trees.snapshots.contains_key(shown)? {
                trees.snapshots.insert(shown, json)?;
                wrote = true;
            }
        }
        if wrote {
            self.shared.durable(&trees)?;
        }
        Ok(())
    }

    /// The snapshot archived under `shown`, byte for byte.
    pub(crate) async fn snapshot(&self, shown: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let shown = shown.to_owned();
        self.blocking(move |store| store.snapshot_blocking(&shown))
            .await
    }

    fn snapshot_blocking(&self, shown: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .shared
            .trees()?
            .snapshots
            .get(shown)?
            .map(|v| v.to_vec()))
    }

    /// What the snapshot `shown` fixes (revision, language, categories), or `None` if this
    /// service never served it.
    pub(crate) async fn terms(&self, shown: &str) -> Result<Option<Arc<Terms>>, StoreError> {
        let cached = match self.shared.terms.read() {
            Ok(map) => map.get(shown).cloned(),
            Err(poisoned) => poisoned.into_inner().get(shown).cloned(),
        };
        if cached.is_some() {
            return Ok(cached);
        }
        let key = shown.to_owned();
        let Some(json) = self
            .blocking(move |store| store.snapshot_blocking(&key))
            .await?
        else {
            return Ok(None);
        };
        let terms = Arc::new(Terms::from_snapshot(&json)?);
        match self.shared.terms.write() {
            Ok(mut map) => map.insert(shown.to_owned(), terms.clone()),
            Err(poisoned) => poisoned
                .into_inner()
                .insert(shown.to_owned(), terms.clone()),
        };
        Ok(Some(terms))
    }
}
