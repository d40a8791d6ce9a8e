//! One headless Chromium with a fresh profile, driven over the DevTools protocol by
//! chromiumoxide: open a page, let it settle, and read what it holds. Nothing a page returns
//! is run or trusted: it is parsed as bounded data.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::dom_storage::{GetDomStorageItemsParams, StorageId};
use chromiumoxide::cdp::browser_protocol::network::{BlockPattern, SetBlockedUrLsParams};
use chromiumoxide::cdp::browser_protocol::page::{FrameTree, GetFrameTreeParams};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use futures_util::StreamExt;
use serde::Deserialize;

use super::ScanError;
use super::network::{Network, lock};

/// The flags Chromium needs on a closed network and in containers (DEVELOPERS.md); without
/// the background-networking ones it hangs trying to reach Google's hosts.
const FLAGS: [&str; 6] = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Wraps the `document.cookie` setter before any of the page's scripts run, to note which
/// script wrote which cookie (from the caller's stack). Page code could read or spoil the
/// note; it only ever serves as a hint in the report.
const COOKIE_WATCH: &str = r#"(() => {
  const d = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (!d || !d.set) return;
  const log = [];
  Object.defineProperty(window, "__consentryScan", { value: log });
  Object.defineProperty(Document.prototype, "cookie", {
    configurable: true,
    get() { return d.get.call(this); },
    set(v) {
      try {
        const name = String(v).split(";")[0].split("=")[0].trim();
        const lines = (new Error().stack || "").split("\n").slice(2);
        const m = lines.map(l => l.match(/(https?:\/\/[^\s()]+?):\d+:\d+\)?\s*$/)).find(Boolean);
        if (log.length < 500) log.push([name, m ? m[1] : location.href]);
      } catch (e) {}
      d.set.call(this, v);
    }
  });
})();"#;

/// What a settled page holds, read in one evaluation.
const READ_PAGE: &str = r#"JSON.stringify((() => {
  const keys = s => { try { return Object.keys(window[s]).slice(0, 500); } catch (e) { return []; } };
  return {
    links: Array.from(document.querySelectorAll("a[href]"), a => a.href).slice(0, 2000),
    local: keys("localStorage"),
    session: keys("sessionStorage"),
    writes: (window.__consentryScan || []).slice(0, 500),
    banner: !!document.getElementById("consentry"),
  };
})())"#;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageRead {
    pub links: Vec<String>,
    pub local: Vec<String>,
    pub session: Vec<String>,
    /// `[cookie name, script URL]` for each `document.cookie` write.
    pub writes: Vec<(String, String)>,
    pub banner: bool,
}

/// A page once loaded and settled, still open.
pub(crate) struct Loaded {
    pub status: Option<u16>,
    pub read: PageRead,
    /// Storage keys of the page's frames of other origins: (origin, local?, key).
    pub frame_keys: Vec<(String, bool, String)>,
    /// The origin of the page's own document.
    pub origin: String,
    page: Page,
    network: Network,
}

impl Loaded {
    /// The hosts asked since the page opened, or since the last call.
    pub(crate) fn take_hosts(&mut self) -> Vec<String> {
        std::mem::take(&mut lock(&self.network.state).hosts)
    }

    /// The cookies this page's responses set by header: (name, response URL).
    pub(crate) fn take_header_cookies(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut lock(&self.network.state).header_cookies)
    }

    /// Clicks the banner's button for `action` (`accept-all` or `reject-all`), waiting up to
    /// 5 s for the banner to show it, then lets the page settle again and reads it anew;
    /// false when there is no such button.
    pub(crate) async fn click(
        &mut self,
        action: &str,
        patience: Patience,
    ) -> Result<bool, ScanError> {
        let script = format!(
            r#"(async () => {{
  for (let i = 0; i < 50; i++) {{
    const host = document.getElementById("consentry");
    const root = host && (host.shadowRoot || host);
    const button = root && root.querySelector('[data-action="{action}"]');
    if (button) {{ button.click(); return true; }}
    await new Promise(r => setTimeout(r, 100));
  }}
  return false;
}})()"#
        );
        let params = EvaluateParams::builder()
            .expression(script)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .map_err(ScanError::Launch)?;
        let value = self
            .page
            .evaluate(params)
            .await
            .map_err(ScanError::browser)?;
        if !value.into_value::<bool>().unwrap_or(false) {
            return Ok(false);
        }
        // What the click set off: tagged scripts, their requests, their cookies.
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.network.settle(Instant::now(), patience).await;
        self.read = read(&self.page).await?;
        self.frame_keys = frame_keys(&self.page, &self.origin).await;
        Ok(true)
    }

    pub(crate) async fn close(self) {
        self.network.stop();
        let _ = self.page.close().await;
    }
}

pub(crate) struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

/// How long to wait for pages: the load itself, then quiet on the network.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Patience {
    pub load: Duration,
    pub settle: Duration,
    pub quiet: Duration,
}

/// The browser to drive: `--chromium`, else the first of the usual names found.
pub(crate) fn find_chromium(given: Option<&Path>) -> Result<PathBuf, ScanError> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path.to_owned())
        } else {
            Err(ScanError::NoBrowser(format!(
                "{} does not exist",
                path.display()
            )))
        };
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
        .ok_or_else(|| ScanError::NoBrowser("none of chromium, google-chrome on PATH".into()))
}

impl Chromium {
    pub(crate) async fn launch(executable: &Path) -> Result<Chromium, ScanError> {
        let profile = tempfile::Builder::new()
            .prefix("consentry-scan-")
            .tempdir()
            .map_err(ScanError::Profile)?;
        let mut config = BrowserConfig::builder()
            .chrome_executable(executable)
            .user_data_dir(profile.path())
            .disable_default_args()
            .args(FLAGS)
            .window_size(1280, 900)
            .launch_timeout(Duration::from_secs(20));
        // Chromium refuses to start its sandbox as root (containers, CI); elsewhere keep it:
        // the scanned pages are someone else's code.
        if is_root() {
            config = config.no_sandbox();
        }
        let config = config.build().map_err(ScanError::Launch)?;
        let (browser, mut handler) = Browser::launch(config)
            .await
            .map_err(|e| ScanError::Launch(e.to_string()))?;
        let handler = tokio::spawn(async move {
            // A message chromiumoxide cannot read is not fatal to the scan: read on.
            while handler.next().await.is_some() {}
        });
        Ok(Chromium {
            browser,
            handler,
            _profile: profile,
        })
    }

    /// Every cookie the profile holds, HttpOnly and third-party ones included.
    pub(crate) async fn cookies(
        &self,
    ) -> Result<Vec<chromiumoxide::cdp::browser_protocol::network::Cookie>, ScanError> {
        self.browser.get_cookies().await.map_err(ScanError::browser)
    }

    /// Opens `url` in a new tab, waits for it to load and for its network to go quiet (or
    /// the settle time to pass), and reads it.
    pub(crate) async fn open(&self, url: &str, patience: Patience) -> Result<Loaded, ScanError> {
        let page = self
            .browser
            .new_page("about:blank")
            .await
            .map_err(ScanError::browser)?;
        page.evaluate_on_new_document(COOKIE_WATCH)
            .await
            .map_err(ScanError::browser)?;
        // The scanner's own clicks must not become consent records in the site's evidence:
        // the banner keeps them pending instead, as it would offline.
        let block = SetBlockedUrLsParams::builder()
            .url_pattern(BlockPattern::new("*://*:*/api/v1/consents", true))
            .build();
        if let Err(e) = page.execute(block).await {
            tracing::warn!(error = %e, "the scanner's consent posts could not be held back");
        }
        let network = Network::watch(&page).await?;
        let started = Instant::now();
        let navigated = tokio::time::timeout(patience.load, page.goto(url)).await;
        match navigated {
            Err(_) => {
                return Err(ScanError::Page(format!(
                    "no load within {:?}",
                    patience.load
                )));
            }
            Ok(Err(e)) => return Err(ScanError::Page(e.to_string())),
            Ok(Ok(_)) => {}
        }
        network.settle(started, patience).await;
        let read = read(&page).await?;
        let origin = evaluate_string(&page, "location.origin")
            .await
            .unwrap_or_default();
        let frame_keys = frame_keys(&page, &origin).await;
        let status = lock(&network.state).status;
        Ok(Loaded {
            status,
            read,
            frame_keys,
            origin,
            page,
            network,
        })
    }

    pub(crate) async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

async fn evaluate_string(page: &Page, expression: &str) -> Option<String> {
    let value = page.evaluate(expression).await.ok()?;
    value.into_value::<String>().ok()
}

async fn read(page: &Page) -> Result<PageRead, ScanError> {
    let json = evaluate_string(page, READ_PAGE)
        .await
        .ok_or_else(|| ScanError::Page("the page could not be read".into()))?;
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

/// Keys of the storage of every frame whose origin is not the page's own.
async fn frame_keys(page: &Page, own: &str) -> Vec<(String, bool, String)> {
    let Ok(tree) = page.execute(GetFrameTreeParams::default()).await else {
        return Vec::new();
    };
    let mut origins = HashSet::new();
    collect_origins(&tree.result.frame_tree, &mut origins);
    origins.remove(own);
    let mut keys = Vec::new();
    for origin in origins.into_iter().filter(|o| o.starts_with("http")) {
        for local in [true, false] {
            let mut id = StorageId::new(local);
            id.security_origin = Some(origin.clone());
            let Ok(items) = page.execute(GetDomStorageItemsParams::new(id)).await else {
                continue;
            };
            for entry in items.result.entries.iter().take(500) {
                if let Some(key) = entry.inner().first() {
                    keys.push((origin.clone(), local, key.clone()));
                }
            }
        }
    }
    keys
}

fn collect_origins(tree: &FrameTree, into: &mut HashSet<String>) {
    into.insert(tree.frame.security_origin.clone());
    for child in tree.child_frames.iter().flatten() {
        collect_origins(child, into);
    }
}
