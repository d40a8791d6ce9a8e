//! The schema, as versioned migrations embedded in the binary: applied at start by one node at
//! a time (behind an advisory lock, so nodes starting together do not race), each in its own
//! transaction with the version it reaches; a database migrated by a later release is refused,
//! not written to.
//!
//! The SQL keeps to what PostgreSQL's wire-compatible engines share (no extensions, no
//! triggers): plain tables, B-tree indexes, `ON CONFLICT`, `unnest`, advisory locks.

use super::client;
use crate::store::StoreError;

/// Each migration, in order; version N is `MIGRATIONS[N - 1]`. Never edit one that shipped:
/// add the next.
const MIGRATIONS: &[&str] = &[
    // 1: records, snapshots, discoveries, the health probe's row.
    "CREATE TABLE consentry_records (
         time_key bytea PRIMARY KEY,
         nanos bigint NOT NULL,
         consent_id text NOT NULL,
         decision_id text,
         body bytea NOT NULL
     );
     CREATE INDEX consentry_records_by_consent ON consentry_records (consent_id, time_key);
     CREATE UNIQUE INDEX consentry_records_decisions ON consentry_records (consent_id, decision_id)
         WHERE decision_id IS NOT NULL;
     CREATE TABLE consentry_snapshots (
         shown text PRIMARY KEY,
         body bytea NOT NULL
     );
     CREATE TABLE consentry_discoveries (
         host text NOT NULL,
         kind text NOT NULL,
         name text NOT NULL,
         sighting bytea NOT NULL,
         PRIMARY KEY (host, kind, name)
     );
     CREATE TABLE consentry_health (
         id int PRIMARY KEY,
         at timestamptz NOT NULL
     );",
    // 2: the consent log. `seq` orders the records not yet in the log by insertion; `log_index`
    // and `salt` are a record's `log` member, gone with the record on erasure while its leaf's
    // hash stays in `consentry_log_nodes`.
    "ALTER TABLE consentry_records
         ADD COLUMN seq bigserial,
         ADD COLUMN log_index bigint,
         ADD COLUMN salt bytea;
     CREATE INDEX consentry_records_unlogged ON consentry_records (seq) WHERE log_index IS NULL;
     CREATE UNIQUE INDEX consentry_records_log_index ON consentry_records (log_index);
     CREATE TABLE consentry_log_nodes (
         level smallint NOT NULL,
         idx bigint NOT NULL,
         hash bytea NOT NULL,
         PRIMARY KEY (level, idx)
     );
     CREATE TABLE consentry_log_size (
         id int PRIMARY KEY,
         size bigint NOT NULL
     );
     INSERT INTO consentry_log_size (id, size) VALUES (1, 0);
     CREATE TABLE consentry_log_checkpoints (
         signed_at bigint PRIMARY KEY,
         size bigint NOT NULL,
         note text NOT NULL
     );",
];

/// The schema version this release writes.
pub(super) const VERSION: i32 = MIGRATIONS.len() as i32;

/// Taken while migrating: one number for Consentry's schema (any constant the application
/// owns; this one spells "cnsntry" loosely).
pub(super) const MIGRATION_LOCK: i64 = 0x636e_736e_7472_0001;

/// Brings the database to `VERSION`, or refuses a newer one.
pub(super) async fn migrate(pool: deadpool_postgres::Pool, at: String) -> Result<(), StoreError> {
    let failed = |source| StoreError::Postgres {
        at: at.clone(),
        source,
    };
    let mut client = client(&pool, &at).await?;
    // A session lock, held across the migrations' transactions and released however this
    // ends: an error drops the connection (`take`), which ends the session.
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(failed)?;
    let outcome = apply(&mut client, &at).await;
    match &outcome {
        Ok(()) => {
            client
                .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
                .await
                .map_err(failed)?;
        }
        Err(_) => drop(deadpool_postgres::Object::take(client)),
    }
    outcome
}

async fn apply(client: &mut deadpool_postgres::Object, at: &str) -> Result<(), StoreError> {
    let failed = |source| StoreError::Postgres {
        at: at.to_owned(),
        source,
    };
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS consentry_schema (
                 version int NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(failed)?;
    let found: i32 = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM consentry_schema",
            &[],
        )
        .await
        .map_err(failed)?
        .get(0);
    if found > VERSION {
        return Err(StoreError::Schema {
            at: at.to_owned(),
            found,
            known: VERSION,
        });
    }
    for (version, sql) in (found + 1..).zip(&MIGRATIONS[found as usize..]) {
        let tx = client.transaction().await.map_err(failed)?;
        tx.batch_execute(sql).await.map_err(failed)?;
        tx.execute(
            "INSERT INTO consentry_schema (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        tracing::info!(version, "PostgreSQL schema migrated");
    }
    Ok(())
}
