pub mod cli;
pub mod error;
pub mod i18n;
pub mod registry;
pub mod routes;
pub mod served;
pub mod startup;
pub mod store;
