//! A page's network, from its DevTools events: requests in flight (to tell when it has
//! settled), the hosts it asked, its document's status, and the cookies its responses set.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
    EventResponseReceivedExtraInfo, ResourceType,
};
use futures_util::StreamExt;

use super::ScanError;
use super::browser::Patience;

/// Requests in flight and the hosts asked, from the page's network events.
pub(super) struct Network {
    pub(super) state: Arc<Mutex<NetState>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Default)]
pub(super) struct NetState {
    pub(super) in_flight: HashSet<String>,
    pub(super) last_change: Option<Instant>,
    pub(super) hosts: Vec<String>,
    pub(super) status: Option<u16>,
    /// Request URLs by id, to name the response that set a cookie.
    pub(super) urls: std::collections::HashMap<String, String>,
    pub(super) header_cookies: Vec<(String, String)>,
}

impl NetState {
    fn touch(&mut self) {
        self.last_change = Some(Instant::now());
    }
}

impl Network {
    pub(super) async fn watch(page: &Page) -> Result<Network, ScanError> {
        let state = Arc::new(Mutex::new(NetState::default()));
        let mut sent = page
            .event_listener::<EventRequestWillBeSent>()
            .await
            .map_err(ScanError::browser)?;
        let mut received = page
            .event_listener::<EventResponseReceived>()
            .await
            .map_err(ScanError::browser)?;
        let mut finished = page
            .event_listener::<EventLoadingFinished>()
            .await
            .map_err(ScanError::browser)?;
        let mut failed = page
            .event_listener::<EventLoadingFailed>()
            .await
            .map_err(ScanError::browser)?;
        let s = state.clone();
        let sent = tokio::spawn(async move {
            while let Some(e) = sent.next().await {
                let mut st = lock(&s);
                if let Ok(url) = url::Url::parse(&e.request.url)
                    && let Some(host) = url.host_str()
                    && url.scheme().starts_with("http")
                    && st.hosts.len() < 10_000
                {
                    st.hosts.push(host.to_owned());
                }
                if st.urls.len() < 10_000 {
                    st.urls
                        .insert(e.request_id.inner().clone(), e.request.url.clone());
                }
                st.in_flight.insert(e.request_id.inner().clone());
                st.touch();
            }
        });
        let s = state.clone();
        let received = tokio::spawn(async move {
            while let Some(e) = received.next().await {
                if e.r#type == ResourceType::Document && e.frame_id.is_some() {
                    let mut st = lock(&s);
                    // The top document answers first; later documents are frames.
                    if st.status.is_none() {
                        st.status = u16::try_from(e.response.status).ok();
                    }
                }
            }
        });
        let mut extra = page
            .event_listener::<EventResponseReceivedExtraInfo>()
            .await
            .map_err(ScanError::browser)?;
        let s = state.clone();
        let extra = tokio::spawn(async move {
            while let Some(e) = extra.next().await {
                let names = set_cookie_names(e.headers.inner());
                let mut st = lock(&s);
                let url = st
                    .urls
                    .get(e.request_id.inner())
                    .cloned()
                    .unwrap_or_default();
                for name in names.into_iter().take(100) {
                    if st.header_cookies.len() < 1_000 {
                        st.header_cookies.push((name, url.clone()));
                    }
                }
            }
        });
        let s = state.clone();
        let finished = tokio::spawn(async move {
            while let Some(e) = finished.next().await {
                let mut st = lock(&s);
                st.in_flight.remove(e.request_id.inner());
                st.touch();
            }
        });
        let s = state.clone();
        let failed = tokio::spawn(async move {
            while let Some(e) = failed.next().await {
                let mut st = lock(&s);
                st.in_flight.remove(e.request_id.inner());
                st.touch();
            }
        });
        Ok(Network {
            state,
            tasks: vec![sent, received, extra, finished, failed],
        })
    }

    /// Returns once nothing was in flight for `quiet`, or `settle` after the start.
    pub(super) async fn settle(&self, started: Instant, patience: Patience) {
        loop {
            let quiet = {
                let st = lock(&self.state);
                st.in_flight.is_empty()
                    && st.last_change.is_none_or(|t| t.elapsed() >= patience.quiet)
            };
            if quiet || started.elapsed() >= patience.settle {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The cookie names a response's `Set-Cookie` headers carry (the protocol joins repeated
/// headers with newlines; header names come in any case).
fn set_cookie_names(headers: &serde_json::Value) -> Vec<String> {
    let Some(map) = headers.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.as_str())
        .flat_map(|v| v.lines())
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim().to_owned()))
        .filter(|name| !name.is_empty())
        .collect()
}

pub(super) fn lock(state: &Mutex<NetState>) -> std::sync::MutexGuard<'_, NetState> {
    // A listener task that panicked leaves counts that are still usable.
    state.lock().unwrap_or_else(|p| p.into_inner())
}
