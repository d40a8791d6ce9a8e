//! The banner: its code and styles as served, its configuration in each language, and the
//! `banner.js` bundle that holds them all in one script.

mod bundle;
mod code;
mod config;
#[cfg(test)]
mod contract;

pub(crate) use bundle::{Bundle, Encoding};
pub(crate) use config::{BannerConfig, Snapshot};
