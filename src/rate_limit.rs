//! The consent endpoints' rate limit: its setting, and the cleanup that bounds its memory.

use std::time::Duration;

use crate::upkeep::{self, UpkeepGuard};

/// A client may post `per_second` decisions a second on average, `burst` at once.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    /// Far above what a visitor does (one decision per page view at most), low enough that one
    /// address cannot fill the store.
    pub const DEFAULT: RateLimit = RateLimit {
        per_second: 10,
        burst: 60,
    };
}

/// How often counters of clients gone quiet are forgotten.
const CLEANUP_EVERY: Duration = Duration::from_secs(60);

/// Forgets, every minute until the guard drops, the counters of clients whose allowance is
/// whole again: without it the limiter keeps one entry per address ever seen.
pub(crate) fn start_cleanup(
    config: &crate::routes::consents::RateLimit,
) -> std::io::Result<UpkeepGuard> {
    let limiter = config.limiter().clone();
    upkeep::every("consentry-limiter", CLEANUP_EVERY, move || {
        limiter.retain_recent();
        limiter.shrink_to_fit();
        true
    })
}
