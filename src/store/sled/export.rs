//! An export's batches read from sled.

use std::ops::Bound;

use super::Sled;
use crate::store::export::{From, READ_BATCH, READ_BYTES};
use crate::store::log::with_log;
use crate::store::{StoreError, keys};

impl Sled {
    /// The next records of an export from `from` to `end`, up to `READ_BATCH` of them or
    /// `READ_BYTES`. Blocking.
    pub(crate) fn export_batch(
        &self,
        from: From,
        end: Option<keys::TimeKey>,
    ) -> Result<Vec<(keys::TimeKey, Vec<u8>)>, StoreError> {
        let trees = self.shared.trees()?;
        let start = match from {
            From::Start(key) => Bound::Included(key),
            From::After(key) => Bound::Excluded(key),
        };
        let end = end.map_or(Bound::Unbounded, Bound::Excluded);
        let mut batch = Vec::new();
        let mut bytes = 0;
        let mut logged = trees.log_reader();
        for entry in trees.records.range::<keys::TimeKey, _>((start, end)) {
            let (key, value) = entry?;
            let Ok(key) = keys::TimeKey::try_from(&key[..]) else {
                continue;
            };
            bytes += value.len();
            batch.push((key, with_log(&value, logged.get(&key)?)));
            if batch.len() >= READ_BATCH || bytes >= READ_BYTES {
                break;
            }
        }
        Ok(batch)
    }

    /// Every archived snapshot's JSON. Blocking.
    pub(crate) fn snapshots_blocking(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for entry in trees.snapshots.iter() {
            let (_, json) = entry?;
            out.push(json.to_vec());
        }
        Ok(out)
    }
}
