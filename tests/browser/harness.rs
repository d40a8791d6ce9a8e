//! What every browser test stands on: the real service in-process on its own port
//! (`service.rs`), a small website on another port that embeds the banner the way a customer's
//! site does (`site.rs`), and one headless Chromium with a fresh profile. Helpers here speak of
//! what a visitor sees and what the service then keeps; finding the banner on screen, waiting
//! for it and acting on it is in `visitor.rs`.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use consentry::settings::Settings;
use serde_json::Value;

pub use crate::common::SOON;

use crate::cdp::Chromium;
use crate::front::Front;
use crate::host::HostSite;
use crate::service::Service;
use crate::site::{
    ANALYTICS_JS, FRAME_HTML, PAGE_JS, SETUP_JS, SHOP_CSS, SHOP_HOST, SHOP_PAGE, STRICT_PAGE,
    catalogue_page, shop_registry,
};

/// The browser storage key the banner keeps an undelivered decision in.
pub const PENDING_KEY: &str = "consentry:pending";

// ---------------------------------------------------------------------------------------------
// Browser availability and a limit on simultaneous browsers.

/// At most this many browsers at once, however many test threads run.
const BROWSERS_AT_ONCE: usize = 2;
static RUNNING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

struct Slot;

impl Slot {
    fn take() -> Slot {
        let (count, freed) = &RUNNING;
        let mut running = count.lock().unwrap_or_else(|e| e.into_inner());
        while *running >= BROWSERS_AT_ONCE {
            running = freed.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        *running += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (count, freed) = &RUNNING;
        *count.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        freed.notify_one();
    }
}

/// The browser to test with. A test that needs it runs only where it was found at build time,
/// or under `CONSENTRY_BROWSER_TESTS=required` (see `build.rs`), so a missing one fails here,
/// saying what to install.
fn chromium_binary() -> PathBuf {
    crate::common::tools::chromium().unwrap_or_else(|missing| panic!("{missing}"))
}

// ---------------------------------------------------------------------------------------------
// One test's world.

/// Service, website and browser for one test, with what a visitor sees and does.
pub struct Harness {
    pub browser: Chromium,
    pub service: Service,
    pub host: HostSite,
    /// The reverse proxy the pages reach the service through, when the test asked for one.
    pub front: Option<Front>,
    _slot: Slot,
}

/// How a test's world differs from the usual one.
#[derive(Default)]
pub struct Setup {
    /// Pages embed the banner through a reverse proxy (`Harness::front`).
    pub front: bool,
    /// Changes the service's settings before it starts.
    pub settings: Option<fn(&mut Settings)>,
    /// Keeps the records in this PostgreSQL database (`postgres://…`) instead of sled.
    pub store: Option<String>,
}

impl Harness {
    /// The shop with its own registry.
    pub fn start() -> Harness {
        Harness::start_with(shop_registry)
    }

    /// A first visit to the shop: started, opened, and the banner shown.
    pub fn first_visit() -> Harness {
        let mut h = Harness::start();
        h.open_shop();
        assert!(h.banner_shows(SOON), "no banner on a first visit");
        h
    }

    /// Like `start`, with the registry made from the website's origins.
    pub fn start_with(registry: impl FnOnce(&[String]) -> String) -> Harness {
        Harness::start_set_up(registry, Setup::default())
    }

    /// The shop with its own registry, its pages reaching the service through a reverse proxy
    /// that the test can take down.
    pub fn behind_front() -> Harness {
        let setup = Setup {
            front: true,
            ..Setup::default()
        };
        Harness::start_set_up(shop_registry, setup)
    }

    /// Like `start_with`, in the world `setup` describes.
    pub fn start_set_up(registry: impl FnOnce(&[String]) -> String, setup: Setup) -> Harness {
        let binary = chromium_binary();
        let slot = Slot::take();
        let host = HostSite::start();
        let origins = [format!("http://{SHOP_HOST}:{}", host.port), host.origin()];
        let adjust = setup.settings.unwrap_or(|_| {});
        let store = setup.store.clone();
        let service = Service::start_with(&registry(&origins), move |settings| {
            adjust(settings);
            if let Some(url) = store {
                settings.store = Some(url.parse().expect("a store URL"));
            }
        });
        let front = setup.front.then(|| {
            Front::start(
                service
                    .origin
                    .strip_prefix("http://")
                    .expect("an http origin"),
            )
        });
        // Where the pages find the service: itself, or the proxy in front of it.
        let reach = front
            .as_ref()
            .map_or(service.origin.clone(), |f| f.origin.clone());
        let put = |path, content_type, body: &str| {
            host.put(path, content_type, body.replace("{service}", &reach), None)
        };
        put("/shop/product", "text/html; charset=utf-8", SHOP_PAGE);
        put("/shop.css", "text/css", SHOP_CSS);
        put("/tags/setup.js", "text/javascript", SETUP_JS);
        put("/tags/page.js", "text/javascript", PAGE_JS);
        put("/tags/analytics.js", "text/javascript", ANALYTICS_JS);
        put("/frame.html", "text/html; charset=utf-8", FRAME_HTML);
        let catalogue = |lang| catalogue_page(&reach, lang);
        host.put(
            "/shop/catalogue",
            "text/html; charset=utf-8",
            catalogue("en"),
            None,
        );
        host.put(
            "/fr/catalogue",
            "text/html; charset=utf-8",
            catalogue("fr"),
            None,
        );
        let csp = format!(
            "default-src 'self'; script-src {0}; style-src 'self'; connect-src {0}; img-src 'self' data:",
            reach
        );
        host.put(
            "/strict",
            "text/html; charset=utf-8",
            STRICT_PAGE.replace("{service}", &reach),
            Some(csp),
        );
        let browser = Chromium::launch(
            &binary,
            &[
                format!("--host-resolver-rules=MAP {SHOP_HOST} 127.0.0.1, MAP shop.test 127.0.0.1"),
                "--lang=en-US".to_owned(),
                "--accept-lang=en-US,en".to_owned(),
            ],
        );
        Harness {
            browser,
            service,
            host,
            front,
            _slot: slot,
        }
    }

    /// Every request of the page takes `ms` longer (0: as fast as the loopback).
    pub fn latency(&mut self, ms: u64) {
        self.browser.call(
            "Network.emulateNetworkConditions",
            serde_json::json!({"offline": false, "latency": ms, "downloadThroughput": -1, "uploadThroughput": -1}),
        );
    }

    /// The shop's product page, as visitors reach it.
    pub fn shop_url(&self) -> String {
        format!("http://{SHOP_HOST}:{}/shop/product", self.host.port)
    }

    /// Opens `url` and waits until the banner script has run.
    pub fn open(&mut self, url: &str) {
        self.browser.navigate(url);
        assert!(
            self.browser.poll(
                "typeof window.Consentry === 'object' && window.Consentry !== null",
                SOON
            ),
            "{url}: banner.js did not define window.Consentry"
        );
    }

    /// Opens the shop's product page.
    pub fn open_shop(&mut self) {
        let url = self.shop_url();
        self.open(&url);
    }

    /// `Consentry.get()`.
    pub fn decision(&mut self) -> Value {
        self.browser.evaluate("window.Consentry.get()")
    }

    /// Waits until the banner holds no undelivered decision: its post was answered. A page
    /// opened before that posts the decision again, as it should, which a test counting posts
    /// across page views must not mistake for a second decision.
    pub fn wait_delivered(&mut self) {
        let expression = format!("localStorage.getItem({PENDING_KEY:?}) === null");
        assert!(
            self.browser.poll(&expression, SOON),
            "the decision's post was never answered"
        );
    }

    /// Waits for a decision with its consent id.
    pub fn wait_decision(&mut self) -> Value {
        assert!(
            self.browser.poll(
                "(() => { const d = window.Consentry.get(); return d && d.consent_id; })()",
                SOON
            ),
            "no decision with a consent_id: Consentry.get() = {}",
            self.decision()
        );
        self.decision()
    }

    /// The `consentry` cookie, if the browser holds one.
    pub fn consent_cookie(&mut self) -> Option<Value> {
        self.browser
            .cookies()
            .into_iter()
            .find(|c| c["name"] == "consentry")
    }

    /// The reverse proxy in front of the service (`Harness::behind_front`).
    pub fn front(&self) -> &Front {
        self.front.as_ref().expect("a harness started behind_front")
    }

    /// The decision the banner keeps in the page's `localStorage` until the service
    /// acknowledges it, as it will post it.
    pub fn pending(&mut self) -> Option<Value> {
        let kept = self
            .browser
            .evaluate(&format!("localStorage.getItem({PENDING_KEY:?})"));
        kept.as_str()
            .map(|body| serde_json::from_str(body).expect("a kept decision is JSON"))
    }

    /// Waits until the page holds no undelivered decision.
    pub fn nothing_pending(&mut self) -> bool {
        self.browser.poll(
            &format!("localStorage.getItem({PENDING_KEY:?}) === null"),
            SOON,
        )
    }

    /// The consent posts the page has sent so far.
    pub fn consent_posts(&mut self) -> usize {
        self.posts_to("/api/v1/consents").len()
    }

    /// The bodies of the posts the page has sent so far to a URL holding `path`, as sent.
    pub fn posts_to(&mut self, path: &str) -> Vec<String> {
        self.browser
            .events("Network.requestWillBeSent")
            .iter()
            .filter(|e| {
                e["request"]["method"] == "POST"
                    && e["request"]["url"]
                        .as_str()
                        .is_some_and(|u| u.contains(path))
            })
            .map(|e| {
                e["request"]["postData"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// The one record the service stored for `decision` (from `wait_decision`).
    pub fn record_of(&mut self, decision: &Value) -> Value {
        let id = decision["consent_id"].as_str().expect("consent_id");
        let mut records = self.stored(id, 1);
        records.pop().expect("a stored record")
    }

    /// The decisions the service stored for `consent_id` once there are `count`; on failure,
    /// the service's answers to the page's consent posts say why.
    #[track_caller]
    pub fn stored(&mut self, consent_id: &str, count: usize) -> Vec<Value> {
        match self.service.stored_records(consent_id, count) {
            Ok(records) => records,
            Err(problem) => panic!("{problem}\nconsent posts: {:#?}", self.consent_answers()),
        }
    }

    /// Each consent post the page sent, with the service's status and body.
    pub fn consent_answers(&mut self) -> Vec<String> {
        let posts: Vec<Value> = self
            .browser
            .events("Network.requestWillBeSent")
            .into_iter()
            .filter(|e| e["request"]["method"] == "POST")
            .collect();
        let answers = self.browser.events("Network.responseReceived");
        posts
            .iter()
            .map(|post| {
                let answer = answers.iter().find(|a| a["requestId"] == post["requestId"]);
                let status = answer.map_or(Value::Null, |a| a["response"]["status"].clone());
                let body = match answer {
                    Some(_) => self.browser.call(
                        "Network.getResponseBody",
                        serde_json::json!({"requestId": post["requestId"]}),
                    )["body"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    None => String::new(),
                };
                let sent = post["request"]["postData"].as_str().unwrap_or_default();
                format!("{sent} → {status} {body}")
            })
            .collect()
    }

    /// Uncaught exceptions in the page so far (the banner must throw nothing into it).
    /// Fails the test if the page threw: the banner must never throw into its host page.
    pub fn assert_no_exceptions(&mut self) {
        assert_eq!(
            self.exceptions(),
            Vec::<String>::new(),
            "the page saw exceptions"
        );
    }

    pub fn exceptions(&mut self) -> Vec<String> {
        self.browser
            .events("Runtime.exceptionThrown")
            .iter()
            .map(|e| {
                let d = &e["exceptionDetails"];
                d["exception"]["description"]
                    .as_str()
                    .or(d["text"].as_str())
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect()
    }
}

/// Where screenshots go: `target/screenshots/`, never committed.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// axe-core's script, installed from npm by `npm ci --prefix tests/browser` (as `.ci/run` does).
/// The scan runs only where it was found at build time, or under
/// `CONSENTRY_BROWSER_TESTS=required`, so a missing one fails here, saying how to install it.
pub fn axe_source() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = crate::common::tools::axe(root).unwrap_or_else(|missing| panic!("{missing}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
