//! What request handlers share, and nothing else: the rest of `Settings` is start-up's.

use std::time::Duration;

use crate::admin_token::AdminToken;
use crate::proxies::Forwarding;
use crate::served::Live;
use crate::store::Store;
use crate::telemetry::Metrics;

pub(crate) struct State {
    /// The registry being served, swapped whole on a good reload.
    pub(crate) live: Live,
    pub(crate) store: Store,
    /// `None` closes the admin surface; its routes are then not registered at all.
    pub(crate) admin_token: Option<AdminToken>,
    /// Whose `X-Forwarded-For` (and `X-Forwarded-Host`) is believed.
    pub(crate) forwarding: Forwarding,
    /// How long an export may wait for its client to take the next chunk before it is cut.
    pub(crate) export_stall: Duration,
    /// The longest a consent body may take to arrive.
    pub(crate) body_timeout: Duration,
    /// What `/metrics` shows; requests and consent posts are counted into it.
    pub(crate) metrics: Metrics,
    /// The consent log's verifier key, as `GET /api/v1/log/key` serves it.
    pub(crate) log_key: crate::tlog::VerifierKey,
    /// The latest scheduled scan, when the service was started with `--scan`.
    pub(crate) scan: Option<std::sync::Arc<crate::scan::Latest>>,
}
