//! Consentry as a library: what the binary and the integration tests use is `pub` (the
//! command line, the settings and the application they build, the registry checker); every
//! other module is the crate's own.
#![warn(unreachable_pub)]

pub mod admin_token;
pub(crate) mod banner;
pub(crate) mod catalog;
pub(crate) mod charts;
pub mod cli;
pub(crate) mod connections;
pub(crate) mod consent;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod evidence;
pub(crate) mod i18n;
pub(crate) mod localized;
pub mod logging;
pub mod proxies;
pub mod rate_limit;
pub(crate) mod receipt;
pub mod registry;
pub(crate) mod reload;
pub mod retention;
pub(crate) mod routes;
pub mod scan;
pub(crate) mod sequencer;
pub(crate) mod served;
pub mod settings;
pub(crate) mod shutdown;
pub mod startup;
pub(crate) mod state;
pub(crate) mod store;
pub(crate) mod suggest;
pub(crate) mod telemetry;
pub mod tlog;
pub(crate) mod upkeep;
pub(crate) mod url;

pub use store::{InvalidStore, StoreError, StoreUrl};
