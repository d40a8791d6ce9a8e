//! Discoveries on PostgreSQL: the same sightings as on sled, kept per host, kind and name,
//! updated in one transaction per report (rows locked, so two nodes noting one name at once
//! both count), and capped at `MAX_DISCOVERIES` names across the nodes.

use time::OffsetDateTime;

use super::Postgres;
use crate::discovery::{Discovered, Report, SeenKind, Sighting};
use crate::store::StoreError;

/// See the sled store's: the same ceiling, so the list stays readable and bounded.
const MAX_DISCOVERIES: i64 = 10_000;

impl Postgres {
    /// Notes a report's names: a name seen before is seen again, a new one is added while
    /// there is room.
    pub(crate) async fn note_discoveries(
        &self,
        report: Report,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let store = self.clone();
        self.run(async move {
            let mut client = store.client().await?;
            let failed = |e| store.failed(e);
            let tx = client.transaction().await.map_err(failed)?;
            let held: i64 = tx
                .query_one("SELECT count(*) FROM consentry_discoveries", &[])
                .await
                .map_err(failed)?
                .get(0);
            let mut room = MAX_DISCOVERIES.saturating_sub(held);
            for seen in &report.items {
                let (kind, name) = (seen.kind.as_str(), seen.name.as_str());
                let old = tx
                    .query_opt(
                        "SELECT sighting FROM consentry_discoveries
                         WHERE host = $1 AND kind = $2 AND name = $3 FOR UPDATE",
                        &[&report.host, &kind, &name],
                    )
                    .await
                    .map_err(failed)?;
                let sighting = match old {
                    Some(row) => {
                        let mut sighting: Sighting =
                            serde_json::from_slice(&row.get::<_, Vec<u8>>(0))?;
                        sighting.again(now, &report.path);
                        sighting
                    }
                    None if room > 0 => {
                        room -= 1;
                        Sighting::first(now, &report.path)
                    }
                    None => continue,
                };
                let value = serde_json::to_vec(&sighting)?;
                tx.execute(
                    "INSERT INTO consentry_discoveries (host, kind, name, sighting)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (host, kind, name) DO UPDATE SET sighting = excluded.sighting",
                    &[&report.host, &kind, &name, &value],
                )
                .await
                .map_err(failed)?;
            }
            tx.commit().await.map_err(failed)?;
            if room == 0 {
                tracing::warn!(
                    limit = MAX_DISCOVERIES,
                    "discoveries are full: new names are no longer kept"
                );
            }
            Ok(())
        })
        .await
    }

    /// Every discovered name, by host, kind and name.
    pub(crate) async fn discoveries(&self) -> Result<Vec<Discovered>, StoreError> {
        let store = self.clone();
        self.run(async move {
            let client = store.client().await?;
            let rows = client
                .query(
                    "SELECT host, kind, name, sighting FROM consentry_discoveries
                     ORDER BY host COLLATE \"C\", kind COLLATE \"C\", name COLLATE \"C\"",
                    &[],
                )
                .await
                .map_err(|e| store.failed(e))?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let Some(kind) = SeenKind::parse(row.get(1)) else {
                    continue;
                };
                out.push(Discovered {
                    host: row.get(0),
                    kind,
                    name: row.get(2),
                    sighting: serde_json::from_slice(&row.get::<_, Vec<u8>>(3))?,
                });
            }
            Ok(out)
        })
        .await
    }
}
