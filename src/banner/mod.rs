//! The banner: its code and styles as served, its configuration in each language, the optional
//! discovery code, and the `banner.js` bundle that holds them all in one script.

mod bundle;
mod code;
mod config;
#[cfg(test)]
mod contract;
mod discover;

pub(crate) use bundle::{Bundle, Encoding};
pub(crate) use config::{BannerConfig, Snapshot};
pub(crate) use discover::Discovery;
