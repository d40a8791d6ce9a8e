//! The service driven over real HTTP on loopback, the way its users drive it.

mod admin;
mod admin_closed;
mod check;
mod connections;
mod consents;
mod durability;
mod helpers;
mod history;
mod http;
mod policy;
mod registry_api;
mod reload;
mod retries;
mod stalls;
mod startup;
