//! The consent endpoints' rate limit: its setting, the limiter that keys it by client address,
//! and the cleanup that bounds its memory.

use std::net::IpAddr;
use std::time::Duration;

use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{
    GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError,
};
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::proxies::{Forwarding, client_key, forwarded_or_peer};
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

    /// This limit's limiter, by client address as `forwarding` tells it; `limited` counts the
    /// requests it refuses.
    pub(crate) fn limiter(self, forwarding: Forwarding, limited: metrics::Counter) -> Limiter {
        GovernorConfigBuilder::default()
            .key_extractor(ClientIp {
                forwarding,
                limited,
            })
            .requests_per_second(u64::from(self.per_second.clamp(1, 1_000_000)))
            .burst_size(self.burst.max(1))
            // Reading a history is public too: unlimited, it let one address probe ids as fast as
            // it liked. One bucket per address for both, as a visitor does little of either.
            .methods(vec![Method::POST, Method::GET])
            .finish()
            .expect("a quota of 1 to 10^6 per second with a burst of at least 1 is valid")
    }
}

/// The rate limiter's configuration (posts and history reads); built once at start-up so every
/// worker shares its state.
pub(crate) type Limiter = GovernorConfig<ClientIp, NoOpMiddleware>;

/// How often counters of clients gone quiet are forgotten.
const CLEANUP_EVERY: Duration = Duration::from_secs(60);

/// Forgets, every minute until the guard drops, the counters of clients whose allowance is
/// whole again: without it the limiter keeps one entry per address ever seen.
pub(crate) fn start_cleanup(config: &Limiter) -> std::io::Result<UpkeepGuard> {
    let limiter = config.limiter().clone();
    upkeep::every("consentry-limiter", CLEANUP_EVERY, move || {
        limiter.retain_recent();
        limiter.shrink_to_fit();
        true
    })
}

/// Rate-limit key: the client address, by `client_key`.
#[derive(Clone, Debug)]
pub(crate) struct ClientIp {
    pub(crate) forwarding: Forwarding,
    /// Counts the requests refused.
    limited: metrics::Counter,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        let ip = forwarded_or_peer(req.headers(), req.peer_addr(), &self.forwarding)
            .ok_or_else(|| SimpleKeyExtractionError::new("cannot tell the client's address"))?;
        Ok(client_key(ip))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &actix_governor::governor::NotUntil<
            actix_governor::governor::clock::QuantaInstant,
        >,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        use actix_governor::governor::clock::{Clock, DefaultClock};
        self.limited.increment(1);
        let wait = negative
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            + 1;
        response
            .status(StatusCode::TOO_MANY_REQUESTS)
            .insert_header((header::RETRY_AFTER, HeaderValue::from(wait)))
            .json(serde_json::json!({
                "error": "rate-limited",
                "message": format!(
                    "too many consent requests from this address; retry in {wait} s"
                ),
            }))
    }
}
