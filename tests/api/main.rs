//! The service driven over real HTTP on loopback, the way its users drive it.

mod check;
mod helpers;
mod policy;
mod registry_api;
mod reload;
