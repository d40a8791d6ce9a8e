//! `discoveries-v1`: the names visitors' pages reported (`[banner] discover`), one entry per
//! host, kind and name. Not evidence: written off the consent writer, in one transaction per
//! report, and made durable by the next flush without waiting for it (`Commit::note_lazy`), so
//! a report never holds a consent post back.

use std::sync::atomic::Ordering;

use time::OffsetDateTime;

use super::Sled;
use crate::discovery::{Discovered, Report, SeenKind, Sighting};
use crate::store::StoreError;

/// Distinct names kept at most: a client forging reports from an allowed origin can add names,
/// but not without bound. A report's new names past it are dropped; known ones still count.
pub(crate) const MAX_DISCOVERIES: usize = 10_000;

/// `host \0 kind \0 name`: sorted by host, then kind, then name. None of them holds a NUL.
fn key(host: &str, kind: SeenKind, name: &str) -> Vec<u8> {
    [host.as_bytes(), kind.as_str().as_bytes(), name.as_bytes()].join(&0u8)
}

fn parse_key(key: &[u8]) -> Option<(String, SeenKind, String)> {
    let mut parts = key
        .split(|b| *b == 0)
        .map(|part| std::str::from_utf8(part).ok());
    let host = parts.next()??.to_owned();
    let kind = SeenKind::parse(parts.next()??)?;
    let name = parts.next()??.to_owned();
    Some((host, kind, name))
}

impl Sled {
    /// Counts each name of `report` as seen now. Acknowledged once applied, before it is
    /// durable: a crash may lose the last fraction of a second of reports, which browsers make
    /// again the next day.
    pub(crate) async fn note_discoveries(
        &self,
        report: Report,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if report.items.is_empty() {
            return Ok(());
        }
        self.blocking(move |store| store.note_blocking(&report, now))
            .await
    }

    fn note_blocking(&self, report: &Report, now: OffsetDateTime) -> Result<(), StoreError> {
        let trees = self.shared.trees()?;
        let keys: Vec<Vec<u8>> = report
            .items
            .iter()
            .map(|seen| key(&report.host, seen.kind, seen.name.as_str()))
            .collect();
        let room = MAX_DISCOVERIES.saturating_sub(trees.discovered.load(Ordering::Relaxed));
        let added = trees
            .discoveries
            .transaction(|tx| {
                let mut added = 0;
                for key in &keys {
                    let sighting = match tx.get(key)? {
                        Some(old) => {
                            let mut sighting: Sighting = serde_json::from_slice(&old)
                                .map_err(|e| Abort::Abort(StoreError::Corrupt(e)))?;
                            sighting.again(now, &report.path);
                            sighting
                        }
                        None if added < room => {
                            added += 1;
                            Sighting::first(now, &report.path)
                        }
                        None => continue,
                    };
                    let value = serde_json::to_vec(&sighting).expect("plain data serializes");
                    tx.insert(&key[..], value)?;
                }
                Ok(added)
            })
            .map_err(StoreError::from)?;
        let before = trees.discovered.fetch_add(added, Ordering::Relaxed);
        if added < keys.len() && before + added >= MAX_DISCOVERIES {
            tracing::warn!(
                limit = MAX_DISCOVERIES,
                "discoveries are full: new names are no longer kept"
            );
        }
        self.shared.commit.note_lazy();
        Ok(())
    }

    /// Every name kept, in key order (host, kind, name).
    pub(crate) async fn discoveries(&self) -> Result<Vec<Discovered>, StoreError> {
        self.blocking(|store| {
            let trees = store.shared.trees()?;
            let mut out = Vec::new();
            for entry in trees.discoveries.iter() {
                let (key, value) = entry?;
                let Some((host, kind, name)) = parse_key(&key) else {
                    continue;
                };
                out.push(Discovered {
                    host,
                    kind,
                    name,
                    sighting: serde_json::from_slice(&value)?,
                });
            }
            Ok(out)
        })
        .await
    }
}

type Abort = sled::transaction::ConflictableTransactionError<StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_and_sort_by_host_kind_then_name() {
        let a = key("a.example", SeenKind::SessionStorage, "z");
        let b = key("b.example", SeenKind::Cookie, "a");
        let c = key("b.example", SeenKind::Cookie, "b");
        assert!(a < b && b < c);
        assert_eq!(
            parse_key(&c),
            Some(("b.example".to_owned(), SeenKind::Cookie, "b".to_owned()))
        );
    }
}
