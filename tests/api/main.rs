//! The service driven over real HTTP on loopback, the way its users drive it.

#[path = "../common/mod.rs"]
mod common;

/// The services of this binary keep their records on sled; `tests/api_postgres` runs the
/// store's part of this suite again on PostgreSQL.
const POSTGRES: bool = false;

mod admin;
mod admin_closed;
mod banners;
mod captured;
mod charts;
mod check;
mod check_catalog;
mod check_output;
mod client_address;
mod cluster;
mod connections;
mod consents;
mod discoveries;
mod discoveries_kept;
mod discoveries_listed;
mod durability;
mod evidence;
mod export_verify;
mod exports;
mod failover;
mod format_upgrade;
mod helpers;
mod history;
mod http;
mod log;
mod log_backfill;
mod log_check;
mod logs;
mod metrics;
mod nginx;
mod openapi;
mod origins;
mod policy;
mod policy_rows;
mod readiness;
mod receipt;
mod record_fields;
mod refusals;
mod registry_api;
mod reload;
mod retries;
mod retry_races;
mod service_process;
mod shutdown;
mod stalls;
mod startup;
mod systemd;
