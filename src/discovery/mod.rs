//! Discovery from real visits (`[banner] discover = true`): what a visitor's page reports of the
//! names it holds, parsed at the edge; what the service keeps of each name (never anything of the
//! visitor); and what the admin is shown of it.

mod listing;
mod report;
mod seen;
mod sighting;

pub(crate) use listing::list;

pub(crate) use report::{Report, ReportError};
pub(crate) use seen::SeenKind;
pub(crate) use sighting::{Discovered, Sighting};
