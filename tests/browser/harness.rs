//! What every browser test stands on: the real service in-process on its own port, a small
//! website on another port that embeds the banner the way a customer's site does, and one
//! headless Chromium with a fresh profile. Helpers here speak of what a visitor sees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use actix_web::rt::System;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use consentry::admin_token::AdminToken;
use consentry::settings::Settings;
use consentry::startup::Application;
use serde_json::Value;

use crate::cdp::Chromium;
use crate::front::Front;

/// The repository's own registry: what a new admin starts from.
pub const REPO_COOKIES: &str = include_str!("../../cookies.toml");

/// The hostname of the test website; Chromium resolves it (and `shop.test`) to loopback, so the
/// site has a parent domain on which cookies can be set.
pub const SHOP_HOST: &str = "www.shop.test";

/// The browser storage key the banner keeps an undelivered decision in.
pub const PENDING_KEY: &str = "consentry:pending";

/// How long a visitor-visible effect may take.
pub const SOON: Duration = Duration::from_secs(10);

/// The registry of the test website; `origins` lists the pages allowed to embed and post.
pub fn shop_registry(origins: &[String]) -> String {
    let origins = origins
        .iter()
        .map(|o| format!("{o:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[site]
name = "Shop"
url = "https://www.shop.test"
contact = "privacy@shop.test"
origins = [{origins}]
languages = ["en", "fr"]
consent_days = 182
honor_gpc = true
updated = 2026-11-01

[[category]]
id = "necessary"
title = "Strictly necessary"
description = "Needed for the shop to work."
required = true

[[category]]
id = "analytics"
title = {{ en = "Analytics", fr = "Mesure d'audience" }}
description = "Count visits so we can improve the shop."
google_consent = ["analytics_storage"]

[[category]]
id = "marketing"
title = "Marketing"
description = "Measure our campaigns and show our ads elsewhere."
google_consent = ["ad_storage", "ad_user_data", "ad_personalization"]

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps your basket while you browse."
expires = "session"

[[cookie]]
name = "_ga"
category = "analytics"
provider = "Google Analytics"
purpose = "Distinguishes visitors."
expires = "13 months"
privacy_url = "https://policies.google.com/privacy"

[[cookie]]
name = "_ga_*"
category = "analytics"
provider = "Google Analytics"
purpose = "Keeps the state of a visit."
expires = "13 months"

[[cookie]]
name = "_fbp"
category = "marketing"
provider = "Meta"
purpose = "Measures our ads."
expires = "3 months"
"#
    )
}

/// The shop's registry with the floating settings button switched on.
pub fn shop_registry_with_floating_button(origins: &[String]) -> String {
    format!(
        "{}\n[banner]\nfloating_button = true\n",
        shop_registry(origins)
    )
}

/// A declared cookie more: a new revision, so visitors are asked again.
pub const NEW_COOKIE: &str = r#"
[[cookie]]
name = "_gcl_au"
category = "marketing"
provider = "Google Ads"
purpose = "Measures ad conversions."
expires = "3 months"
"#;

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

/// The browser to test with, or `None` (with a notice) where there is none and the browser
/// tests are not required. `CONSENTRY_BROWSER_TESTS=required` makes a missing browser fail.
fn chromium_binary() -> Option<PathBuf> {
    let found = crate::cdp::find_chromium();
    if found.is_none() {
        let required = std::env::var("CONSENTRY_BROWSER_TESTS").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "CONSENTRY_BROWSER_TESTS=required but no Chromium was found \
             (install Debian's `chromium` or set CONSENTRY_CHROMIUM)"
        );
        eprintln!("notice: no Chromium found; browser test skipped (apt-get install chromium)");
    }
    found
}

// ---------------------------------------------------------------------------------------------
// The service.

const ADMIN_TOKEN: &str = "test-admin-token";

/// The real service, running in its own thread on a free loopback port.
pub struct Service {
    pub origin: String,
    pub config: PathBuf,
    system: System,
    _dir: tempfile::TempDir,
}

impl Service {
    /// Starts the service on `registry`, `adjust` changing the usual test settings first.
    pub fn start_with(registry: &str, adjust: impl FnOnce(&mut Settings)) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("cookies.toml");
        std::fs::write(&config, registry).expect("write registry");
        let mut settings = Settings::new(&config, dir.path().join("data"), "127.0.0.1:0");
        settings.admin_token = Some(AdminToken::parse(ADMIN_TOKEN).expect("a sendable token"));
        settings.workers = Some(1);
        adjust(&mut settings);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            System::new().block_on(async move {
                let app = Application::build(settings).expect("the service starts");
                tx.send((app.port(), System::current()))
                    .expect("test waits");
                let _ = app.run_until_stopped().await;
            })
        });
        let (port, system) = rx.recv_timeout(SOON).expect("the service started");
        Service {
            origin: format!("http://127.0.0.1:{port}"),
            config,
            system,
            _dir: dir,
        }
    }

    /// GETs `path` from the service: status and body as JSON (`Null` if not JSON).
    pub fn get_json(&self, path: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.origin);
        System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(10))
                .finish();
            let mut res = client.get(&url).send().await.expect("request sent");
            let body = res.body().limit(16 << 20).await.expect("body read");
            let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
            (res.status().as_u16(), json)
        })
    }

    /// Every record the service holds, through the admin export.
    pub fn all_records(&self) -> Vec<Value> {
        let url = format!("{}/api/v1/admin/consents?format=ndjson", self.origin);
        let body = System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(10))
                .finish();
            let mut res = client
                .get(&url)
                .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
                .send()
                .await
                .expect("request sent");
            assert_eq!(res.status().as_u16(), 200, "GET {url}");
            res.body().limit(16 << 20).await.expect("body read")
        });
        String::from_utf8_lossy(&body)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("one JSON record a line"))
            .collect()
    }

    /// The registry as the service now serves it.
    pub fn registry(&self) -> Value {
        let (status, json) = self.get_json("/api/v1/registry");
        assert_eq!(status, 200, "GET /api/v1/registry");
        json
    }

    /// The decisions stored for `consent_id`, oldest first, once there are at least `count`.
    pub fn stored_records(&self, consent_id: &str, count: usize) -> Result<Vec<Value>, String> {
        let path = format!("/api/v1/consents/{consent_id}");
        let deadline = std::time::Instant::now() + SOON;
        loop {
            let (status, json) = self.get_json(&path);
            let records = json.as_array().cloned().unwrap_or_default();
            if status == 200 && records.len() >= count {
                return Ok(records);
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!(
                    "GET {path}: expected {count} stored decision(s), got {status} {json}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.system.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// The website that embeds the banner.

#[derive(Clone)]
struct Resource {
    content_type: &'static str,
    body: String,
    csp: Option<String>,
}

type Resources = Arc<Mutex<HashMap<String, Resource>>>;

/// A tiny website on its own loopback port, serving pages put into it and noting every path
/// the browser asks for.
pub struct HostSite {
    pub port: u16,
    resources: Resources,
    hits: Arc<Mutex<Vec<String>>>,
    system: System,
}

impl HostSite {
    pub fn start() -> HostSite {
        let resources: Resources = Arc::default();
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (r, h) = (resources.clone(), hits.clone());
        std::thread::spawn(move || {
            System::new().block_on(async move {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
                let port = listener.local_addr().expect("bound").port();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new((r.clone(), h.clone())))
                        .default_service(web::to(serve))
                })
                .workers(1)
                .listen(listener)
                .expect("listen")
                .run();
                tx.send((port, System::current())).expect("test waits");
                let _ = server.await;
            })
        });
        let (port, system) = rx.recv_timeout(SOON).expect("the website started");
        HostSite {
            port,
            resources,
            hits,
            system,
        }
    }

    /// Serves `body` at `path`.
    pub fn put(&self, path: &str, content_type: &'static str, body: String, csp: Option<String>) {
        self.resources.lock().unwrap().insert(
            path.to_owned(),
            Resource {
                content_type,
                body,
                csp,
            },
        );
    }

    /// How many times the browser asked for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

impl Drop for HostSite {
    fn drop(&mut self) {
        self.system.stop();
    }
}

async fn serve(
    req: HttpRequest,
    site: web::Data<(Resources, Arc<Mutex<Vec<String>>>)>,
) -> HttpResponse {
    let (resources, hits) = site.get_ref();
    hits.lock().unwrap().push(req.path().to_owned());
    let Some(found) = resources.lock().unwrap().get(req.path()).cloned() else {
        return HttpResponse::NotFound().body("not found");
    };
    let mut res = HttpResponse::Ok();
    res.content_type(found.content_type)
        .insert_header(("Cache-Control", "no-store"));
    if let Some(csp) = found.csp {
        res.insert_header(("Content-Security-Policy", csp));
    }
    res.body(found.body)
}

/// The product page of the shop: the banner, an untagged page script, a tagged script per
/// optional category (one external, one inline), a settings link and a tagged iframe.
const SHOP_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop · A product</title>
<link rel="stylesheet" href="/shop.css">
<script src="/tags/setup.js"></script>
<script src="{service}/banner.js"></script>
<script src="/tags/page.js"></script>
<script type="text/plain" data-category="analytics" src="/tags/analytics.js"></script>
<script type="text/plain" data-category="marketing">window.__runs.marketing += 1; window.dataLayer.push({event: "marketing_tag_ran"});</script>
</head>
<body>
<header><a href="/shop/product">Shop</a></header>
<main>
<h1>A product</h1>
<p>A fine product that you will want to buy. It comes in three colours and ships tomorrow.</p>
<p><a href="#" id="settings" data-consentry="show">Cookie settings</a></p>
<iframe data-category="marketing" data-src="/frame.html" title="Product video" width="320" height="180"></iframe>
</main>
</body>
</html>
"##;

const SHOP_CSS: &str = "body { font: 16px/1.5 Georgia, serif; margin: 0 auto; max-width: 60rem; \
padding: 1rem; color: #222; background: #fff; } a { color: #0645ad; } iframe { max-width: 100%; }";

const SETUP_JS: &str = r#"window.__runs = { analytics: 0, marketing: 0 };
window.__changes = [];
document.addEventListener("consentry:change", function (e) { window.__changes.push(e.detail); });
"#;

/// An ordinary page script right after the banner: Consent Mode's default must already be there.
const PAGE_JS: &str = r#"window.dataLayer = window.dataLayer || [];
window.dataLayer.push({ event: "page_script_ran" });
"#;

const ANALYTICS_JS: &str = r#"window.__runs.analytics += 1;
(window.dataLayer = window.dataLayer || []).push({ event: "analytics_tag_ran" });
"#;

const FRAME_HTML: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Video</title></head>
<body><p id="video">The product video plays here.</p></body></html>"#;

/// A long page of links in French, for keyboard walks behind the banner and for the language.
fn catalogue_page(service: &str, lang: &str) -> String {
    let items: String = (1..=40)
        .map(|n| format!("<li><a href=\"#item-{n}\">Product {n}</a></li>\n"))
        .collect();
    format!(
        r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop · Catalogue</title>
<link rel="stylesheet" href="/shop.css">
<script src="{service}/banner.js"></script>
</head>
<body>
<header><a href="/shop/product">Shop</a></header>
<main>
<h1>Catalogue</h1>
<ul>
{items}</ul>
</main>
</body>
</html>
"##
    )
}

/// A page whose CSP forbids inline script and inline style: scripts only from the service.
const STRICT_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop · Strict page</title>
<link rel="stylesheet" href="/shop.css">
<script src="{service}/banner.js"></script>
</head>
<body>
<main>
<h1>A page with a strict Content-Security-Policy</h1>
<p><a href="#" data-consentry="show">Cookie settings</a></p>
</main>
</body>
</html>
"##;

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
}

impl Harness {
    /// The shop with its own registry, or `None` where browser tests are skipped.
    pub fn start() -> Option<Harness> {
        Harness::start_with(shop_registry)
    }

    /// A first visit to the shop: started, opened, and the banner shown.
    pub fn first_visit() -> Option<Harness> {
        let mut h = Harness::start()?;
        h.open_shop();
        assert!(h.banner_shows(SOON), "no banner on a first visit");
        Some(h)
    }

    /// Like `start`, with the registry made from the website's origins.
    pub fn start_with(registry: impl FnOnce(&[String]) -> String) -> Option<Harness> {
        Harness::start_set_up(registry, Setup::default())
    }

    /// The shop with its own registry, its pages reaching the service through a reverse proxy
    /// that the test can take down.
    pub fn behind_front() -> Option<Harness> {
        let setup = Setup {
            front: true,
            ..Setup::default()
        };
        Harness::start_set_up(shop_registry, setup)
    }

    /// Like `start_with`, in the world `setup` describes.
    pub fn start_set_up(
        registry: impl FnOnce(&[String]) -> String,
        setup: Setup,
    ) -> Option<Harness> {
        let binary = chromium_binary()?;
        let slot = Slot::take();
        let host = HostSite::start();
        let origins = [
            format!("http://{SHOP_HOST}:{}", host.port),
            format!("http://127.0.0.1:{}", host.port),
        ];
        let service = Service::start_with(&registry(&origins), setup.settings.unwrap_or(|_| {}));
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
        Some(Harness {
            browser,
            service,
            host,
            front,
            _slot: slot,
        })
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

    /// Evaluates `expression` with the banner helpers of `BANNER_JS` in scope.
    pub fn eval(&mut self, expression: &str) -> Value {
        self.browser.evaluate(&banner_js(expression))
    }

    /// Polls `expression` (with the banner helpers) until truthy.
    pub fn poll(&mut self, expression: &str, timeout: Duration) -> bool {
        self.browser.poll(&banner_js(expression), timeout)
    }

    /// True once the first layer (with its accept-all button) is on screen.
    pub fn banner_shows(&mut self, timeout: Duration) -> bool {
        self.poll("firstLayer() !== null", timeout)
    }

    /// True while no first layer is on screen for `during`.
    pub fn banner_stays_hidden(&mut self, during: Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < during {
            if self.eval("firstLayer() !== null") == Value::Bool(true) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// True once the preferences dialog is open.
    pub fn dialog_opens(&mut self) -> bool {
        self.poll("prefs() !== null", SOON)
    }

    /// True once the preferences dialog is closed.
    pub fn dialog_closes(&mut self) -> bool {
        self.poll("prefs() === null", SOON)
    }

    /// True once neither the first layer nor the dialog is on screen.
    pub fn banner_goes_away(&mut self) -> bool {
        self.poll("firstLayer() === null && prefs() === null", SOON)
    }

    /// Clicks, with the mouse, the visible button for `action` (the dialog's if it is open).
    pub fn click(&mut self, action: &str) {
        let at = self.eval(&format!(
            "(() => {{ const el = target({action:?}); if (!el) return null;
               el.scrollIntoView({{block: 'center', inline: 'center'}});
               return centre(el); }})()"
        ));
        let Some([x, y]) = at.as_array().map(|a| [a[0].as_f64(), a[1].as_f64()]) else {
            panic!("no visible button with data-action={action:?}");
        };
        self.browser.click_at(x.expect("x"), y.expect("y"));
    }

    /// Switches the category `id` in the open dialog on or off (clicking its checkbox).
    pub fn switch(&mut self, id: &str, on: bool) {
        let done = self.eval(&format!(
            "(() => {{ const box = all('input[type=checkbox][name={id}]')[0];
               if (!box) return 'missing';
               if (box.disabled) return 'disabled';
               if (box.checked !== {on}) box.click();
               return box.checked === {on} ? 'ok' : 'stuck'; }})()"
        ));
        assert_eq!(done, "ok", "switching {id} to {on}");
    }

    /// The states of the dialog's category checkboxes: name → (checked, disabled).
    pub fn switches(&mut self) -> Value {
        self.eval(
            "Object.fromEntries(all('input[type=checkbox][name]')
               .map(b => [b.name, {checked: b.checked, disabled: b.disabled}]))",
        )
    }

    /// `Consentry.get()`.
    pub fn decision(&mut self) -> Value {
        self.browser.evaluate("window.Consentry.get()")
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
        self.browser
            .events("Network.requestWillBeSent")
            .iter()
            .filter(|e| {
                e["request"]["method"] == "POST"
                    && e["request"]["url"]
                        .as_str()
                        .is_some_and(|u| u.contains("/api/v1/consents"))
            })
            .count()
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

    /// The element that has the focus, through shadow roots, described for messages.
    pub fn focused(&mut self) -> Value {
        self.eval("describe(deepActive())")
    }

    /// Uncaught exceptions in the page so far (the banner must throw nothing into it).
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

/// Helpers for finding the banner the way a visitor does: by what is on screen.
const BANNER_JS: &str = r#"
const host = document.getElementById("consentry");
const root = host ? (host.shadowRoot || host) : null;
const all = (sel) => root ? Array.from(root.querySelectorAll(sel)) : [];
const visible = (el) => {
  if (!el || !el.isConnected) return false;
  if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true,
                            checkOpacity: true, checkVisibilityCSS: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
      && r.top < innerHeight && r.left < innerWidth;
};
const prefs = () => {
  const box = all("input[type=checkbox][name]")[0];
  if (!box) return null;
  const dialog = box.closest("dialog, [role=dialog]") || box.parentElement;
  return visible(dialog) ? dialog : null;
};
const actions = (name) => all('[data-action="' + name + '"]').filter(visible);
const firstLayer = () => {
  const p = prefs();
  return actions("accept-all").find((el) => !(p && p.contains(el))) || null;
};
const target = (name) => {
  const p = prefs();
  const inDialog = p && actions(name).find((el) => p.contains(el));
  return inDialog || actions(name).find((el) => !(p && p.contains(el))) || null;
};
// An element's centre in the coordinates of mouse events (the visual viewport, zoom included).
const centre = (el) => {
  const r = el.getBoundingClientRect(), v = window.visualViewport;
  return [(r.left + r.width / 2 - v.offsetLeft) * v.scale, (r.top + r.height / 2 - v.offsetTop) * v.scale];
};
const deepActive = () => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
const inBanner = (el) => !!el && !!host && (el === host || host.contains(el) || el.getRootNode() === root);
const describe = (el) => el ? {
  tag: el.tagName.toLowerCase(), action: el.getAttribute("data-action"), name: el.getAttribute("name"),
  id: el.id || null, text: (el.textContent || "").trim().slice(0, 40),
  inBanner: inBanner(el), inDialog: !!(prefs() && prefs().contains(el)),
} : null;
"#;

/// Wraps `expression` so that the helpers above are in scope.
fn banner_js(expression: &str) -> String {
    format!("(() => {{ {BANNER_JS}\n return ({expression}); }})()")
}

/// Where screenshots go: `target/screenshots/`, never committed.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// axe-core's script, installed from npm by `.ci/run` (`npm ci --prefix tests/browser`).
pub fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}
