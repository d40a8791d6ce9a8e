//! The banner: its configuration in each language and the served `banner.js` bundle (code,
//! styles and every configuration in one script).

mod bundle;
mod config;
#[cfg(test)]
mod contract;

pub use bundle::{Bundle, Encoding, Variant, version};
pub use config::{BannerConfig, Snapshot};
