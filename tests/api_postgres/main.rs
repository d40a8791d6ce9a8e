//! The store's part of the API suite again, on PostgreSQL: each module below is the sled
//! suite's own file (`tests/api`), each service on a database of its own in the test process's
//! throwaway cluster (`tests/common/postgres.rs`); `nodes.rs` adds what only a shared store
//! has: several nodes on one database, its schema, the database going away.
//!
//! Where PostgreSQL is not installed the suite is one ignored test naming the install command,
//! unless `CONSENTRY_PG_TESTS=required`, where it runs and fails on what is missing.

#[path = "../common/mod.rs"]
mod common;

/// Every service of this binary keeps its records on PostgreSQL.
#[cfg(postgres_tests)]
const POSTGRES: bool = true;

#[cfg(postgres_tests)]
#[path = "../api/admin.rs"]
mod admin;
#[cfg(postgres_tests)]
#[path = "../api/captured.rs"]
mod captured;
#[cfg(postgres_tests)]
#[path = "../api/consents.rs"]
mod consents;
#[cfg(postgres_tests)]
#[path = "../api/discoveries.rs"]
mod discoveries;
#[cfg(postgres_tests)]
#[path = "../api/discoveries_listed.rs"]
mod discoveries_listed;
#[cfg(postgres_tests)]
#[path = "../api/durability.rs"]
mod durability;
#[cfg(postgres_tests)]
#[path = "../api/evidence.rs"]
mod evidence;
#[cfg(postgres_tests)]
#[path = "../api/export_verify.rs"]
mod export_verify;
#[cfg(postgres_tests)]
#[path = "../api/exports.rs"]
mod exports;
#[cfg(postgres_tests)]
#[path = "../api/helpers.rs"]
#[allow(dead_code)] // shared with the sled suite, which uses all of it
mod helpers;
#[cfg(postgres_tests)]
#[path = "../api/history.rs"]
mod history;
#[cfg(postgres_tests)]
#[path = "../api/log.rs"]
mod log;
#[cfg(postgres_tests)]
#[path = "../api/log_check.rs"]
mod log_check;
#[cfg(postgres_tests)]
#[path = "../api/metrics.rs"]
mod metrics;
#[cfg(postgres_tests)]
mod nodes;
#[cfg(postgres_tests)]
#[path = "../api/origins.rs"]
mod origins;
#[cfg(postgres_tests)]
#[path = "../api/receipt.rs"]
mod receipt;
#[cfg(postgres_tests)]
#[path = "../api/record_fields.rs"]
mod record_fields;
#[cfg(postgres_tests)]
#[path = "../api/refusals.rs"]
mod refusals;
#[cfg(postgres_tests)]
#[path = "../api/reload.rs"]
mod reload;
#[cfg(postgres_tests)]
#[path = "../api/retries.rs"]
mod retries;
#[cfg(postgres_tests)]
#[path = "../api/retry_races.rs"]
mod retry_races;
#[cfg(postgres_tests)]
#[path = "../api/service_process.rs"]
#[allow(dead_code)] // shared with the sled suite, which uses all of it
mod service_process;

#[cfg(not(postgres_tests))]
#[test]
#[ignore = "PostgreSQL is not installed: apt-get install -y postgresql (CONSENTRY_PG_TESTS=required makes this a failure)"]
fn the_api_suite_on_postgresql() {}
