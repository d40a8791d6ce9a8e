//! The consent log on PostgreSQL: a record not yet in the log has no `log_index` (found in
//! insertion order by `seq`); a round sets its index and salt, adds the tree's nodes and moves
//! the size, in one transaction that checks the size it started from, so two sequencers (one
//! node is meant to hold the advisory lock; a partition might let two believe they do) can
//! never both extend the tree. The calls are blocking: the sequencer's thread makes them.

use time::OffsetDateTime;

use super::Postgres;
use crate::store::log::{Pending, Sequenced, StoredCheckpoint};
use crate::store::{StoreError, keys};
use crate::tlog::{NodeId, TreeHash};

/// Held by the node that sequences: one at a time, the others wait their turn.
pub(crate) const SEQUENCER_LOCK: i64 = 0x636e_736e_7472_0003;

impl Postgres {
    pub(crate) fn log_pending(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let store = self.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.wait(async move {
            let client = store.client().await?;
            let rows = client
                .query(
                    "SELECT seq, time_key, body FROM consentry_records
                     WHERE log_index IS NULL ORDER BY seq LIMIT $1",
                    &[&limit],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(rows
                .iter()
                .filter_map(|row| {
                    let time: Vec<u8> = row.get(1);
                    Some(Pending {
                        token: u64::try_from(row.get::<_, i64>(0)).ok()?,
                        time: keys::TimeKey::try_from(&time[..]).ok()?,
                        body: row.get(2),
                    })
                })
                .collect())
        })
    }

    pub(crate) fn log_size(&self) -> Result<u64, StoreError> {
        let store = self.clone();
        self.wait(async move {
            let client = store.client().await?;
            let size: i64 = client
                .query_one("SELECT size FROM consentry_log_size WHERE id = 1", &[])
                .await
                .map_err(|e| store.failed(e))?
                .get(0);
            Ok(u64::try_from(size).unwrap_or(0))
        })
    }

    pub(crate) fn log_node(&self, id: NodeId) -> Result<Option<TreeHash>, StoreError> {
        let store = self.clone();
        self.wait(async move {
            let client = store.client().await?;
            let statement = client
                .prepare_cached(
                    "SELECT hash FROM consentry_log_nodes WHERE level = $1 AND idx = $2",
                )
                .await
                .map_err(|e| store.failed(e))?;
            let index = i64::try_from(id.index).unwrap_or(i64::MAX);
            let row = client
                .query_opt(&statement, &[&i16::from(id.level), &index])
                .await
                .map_err(|e| store.failed(e))?;
            Ok(row.and_then(|row| {
                let hash: Vec<u8> = row.get(0);
                Some(TreeHash::from_bytes(hash.try_into().ok()?))
            }))
        })
    }

    pub(crate) fn log_commit(
        &self,
        nodes: &[(NodeId, TreeHash)],
        size: u64,
        entries: &[Sequenced],
    ) -> Result<(), StoreError> {
        let levels: Vec<i16> = nodes.iter().map(|(id, _)| i16::from(id.level)).collect();
        let indices: Vec<i64> = nodes.iter().map(|(id, _)| id.index as i64).collect();
        let hashes: Vec<Vec<u8>> = nodes.iter().map(|(_, h)| h.as_bytes().to_vec()).collect();
        let times: Vec<Vec<u8>> = entries.iter().map(|e| e.time.to_vec()).collect();
        let leaves: Vec<i64> = entries.iter().map(|e| e.entry.index as i64).collect();
        let salts: Vec<Vec<u8>> = entries
            .iter()
            .map(|e| e.entry.salt.as_bytes().to_vec())
            .collect();
        let before = size as i64 - entries.len() as i64;
        let size = size as i64;
        let store = self.clone();
        self.wait(async move {
            let mut client = store.client().await?;
            let failed = |e| store.failed(e);
            let tx = client.transaction().await.map_err(failed)?;
            let moved = tx
                .execute(
                    "UPDATE consentry_log_size SET size = $1 WHERE id = 1 AND size = $2",
                    &[&size, &before],
                )
                .await
                .map_err(failed)?;
            if moved != 1 {
                return Err(StoreError::unavailable(
                    "another node extended the log meanwhile",
                ));
            }
            tx.execute(
                "INSERT INTO consentry_log_nodes (level, idx, hash)
                 SELECT * FROM unnest($1::int2[], $2::int8[], $3::bytea[])",
                &[&levels, &indices, &hashes],
            )
            .await
            .map_err(failed)?;
            tx.execute(
                "UPDATE consentry_records r SET log_index = e.idx, salt = e.salt
                 FROM unnest($1::bytea[], $2::int8[], $3::bytea[]) AS e(time_key, idx, salt)
                 WHERE r.time_key = e.time_key",
                &[&times, &leaves, &salts],
            )
            .await
            .map_err(failed)?;
            tx.commit().await.map_err(failed)
        })
    }

    pub(crate) fn log_leaf_kept(&self, index: u64) -> Result<bool, StoreError> {
        let store = self.clone();
        let index = i64::try_from(index).unwrap_or(i64::MAX);
        self.wait(async move {
            let client = store.client().await?;
            Ok(client
                .query_opt(
                    "SELECT 1 FROM consentry_records WHERE log_index = $1",
                    &[&index],
                )
                .await
                .map_err(|e| store.failed(e))?
                .is_some())
        })
    }

    pub(crate) fn log_keep_checkpoint(
        &self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<(), StoreError> {
        let store = self.clone();
        let signed_at = nanos(checkpoint.signed_at);
        let size = checkpoint.size as i64;
        let note = checkpoint.note.clone();
        self.wait(async move {
            let client = store.client().await?;
            client
                .execute(
                    "INSERT INTO consentry_log_checkpoints (signed_at, size, note) VALUES ($1, $2, $3)
                     ON CONFLICT (signed_at) DO NOTHING",
                    &[&signed_at, &size, &note],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(())
        })
    }

    pub(crate) fn log_checkpoints(
        &self,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let store = self.clone();
        let since = nanos(since);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.wait(async move {
            let client = store.client().await?;
            let rows = client
                .query(
                    "SELECT signed_at, size, note FROM consentry_log_checkpoints
                     WHERE signed_at >= $1 ORDER BY signed_at LIMIT $2",
                    &[&since, &limit],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(rows.iter().filter_map(checkpoint).collect())
        })
    }

    pub(crate) fn log_latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let store = self.clone();
        self.wait(async move {
            let client = store.client().await?;
            let row = client
                .query_opt(
                    "SELECT signed_at, size, note FROM consentry_log_checkpoints
                     ORDER BY signed_at DESC LIMIT 1",
                    &[],
                )
                .await
                .map_err(|e| store.failed(e))?;
            Ok(row.as_ref().and_then(checkpoint))
        })
    }
}

fn nanos(t: OffsetDateTime) -> i64 {
    i64::try_from(keys::nanos(t)).unwrap_or(i64::MAX)
}

fn checkpoint(row: &tokio_postgres::Row) -> Option<StoredCheckpoint> {
    let (signed_at, size, note): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
    Some(StoredCheckpoint {
        signed_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(signed_at)).ok()?,
        size: u64::try_from(size).ok()?,
        note,
    })
}
