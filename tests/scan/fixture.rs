//! The website `consentry scan` is held to: real servers on loopback, the real Consentry banner
//! from a real service, and pages that set cookies and storage the ways real sites do, before
//! consent and after it. What each page really sets, in which phase, is the table in
//! `expected.rs`; `fixture_itself.rs` checks the site against that table in Chromium without
//! the scan, so a failing scan test is the scan's fault, not the fixture's.
//!
//! Three hosts, as a browser tells them apart: the site on 127.0.0.1, a third party on
//! 127.0.0.2 whose image every page shows (and an off-site page that must never be crawled),
//! and an ad partner on 127.0.0.3 that the tagged marketing script calls. The banner's service
//! runs on 127.0.0.1 too, on its own port: the same host as the site, as a service on a
//! subdomain of the site would be.

use std::path::Path;

use crate::host::{HostSite, Resource};
use crate::service::Service;

/// The origin the registry templates of `tests/fixtures/scan-site/` are written with.
const TEMPLATE_ORIGIN: &str = "http://127.0.0.1:8000";
const FULL_REGISTRY: &str = include_str!("../fixtures/scan-site/cookies.toml");
const CLEAN_REGISTRY: &str = include_str!("../fixtures/scan-site/clean.toml");

/// How many pages a link reaches on the full site: `/`, `/account`, `/broken` and `/p/1` to
/// `/p/17`, three links deep at most.
pub const REACHABLE: usize = 20;
const PRODUCTS: usize = REACHABLE - 3;

/// The localStorage key the banner-less site writes: markup, which a report must show as text.
pub const MARKUP_KEY: &str = "<img src=x onerror=\"document.title='owned'\">";

/// Which site to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Every case of CONTRACT §5: declared and undeclared, before and after consent.
    Full,
    /// A site that keeps its registry's word: nothing optional before consent, all declared.
    Clean,
    /// Pages without the Consentry banner: only the first phase can run.
    NoBanner,
}

/// The fixture's servers, alive as long as it is.
pub struct Fixture {
    pub variant: Variant,
    /// The site scanned, on 127.0.0.1.
    pub site: HostSite,
    /// A third party on 127.0.0.2: an image on every page, and an off-site page.
    pub pixel: HostSite,
    /// The ad partner on 127.0.0.3, called by the tagged marketing script only.
    pub ads: HostSite,
    /// Consentry, serving the banner and keeping the decisions; its `config` is the registry.
    pub service: Service,
}

impl Fixture {
    pub fn start(variant: Variant) -> Fixture {
        let site = HostSite::start();
        let pixel = HostSite::start_on("127.0.0.2");
        let ads = HostSite::start_on("127.0.0.3");
        let template = match variant {
            Variant::Full => FULL_REGISTRY,
            Variant::Clean | Variant::NoBanner => CLEAN_REGISTRY,
        };
        let service =
            Service::start_with(&template.replace(TEMPLATE_ORIGIN, &site.origin()), |_| {});
        let fixture = Fixture {
            variant,
            site,
            pixel,
            ads,
            service,
        };
        match variant {
            Variant::Full => fixture.serve_full(),
            Variant::Clean => fixture.serve_clean(),
            Variant::NoBanner => fixture.serve_no_banner(),
        }
        fixture
    }

    /// The URL the scan starts from.
    pub fn start_url(&self) -> String {
        self.url("/")
    }

    /// `path` on the site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.site.origin())
    }

    /// The registry the service serves and the scan compares with.
    pub fn config(&self) -> &Path {
        &self.service.config
    }

    /// The paths a crawl can reach from `/`, in no particular order.
    pub fn reachable_paths(&self) -> Vec<String> {
        match self.variant {
            Variant::Full => ["/", "/account", "/broken"]
                .map(String::from)
                .into_iter()
                .chain((1..=PRODUCTS).map(|n| format!("/p/{n}")))
                .collect(),
            Variant::Clean | Variant::NoBanner => vec!["/".into(), "/about".into()],
        }
    }

    fn serve_full(&self) {
        let page = |title: &str, links: &str| {
            Resource::html(self.full_page(title, links)).header(
                "Set-Cookie",
                "srv_track=t1; Path=/; Max-Age=2629746; HttpOnly",
            )
        };
        let port = self.site.port;
        let pixel = self.pixel.origin();
        let mut home = String::from(
            "<li><a href=\"/account\">Your account</a></li>\n\
             <li><a href=\"/broken\">A page that fails</a></li>\n\
             <li><a href=\"/p/1#reviews\">Reviews of product 1</a></li>\n",
        );
        for n in 1..=5 {
            home += &format!("<li><a href=\"/p/{n}\">Product {n}</a></li>\n");
        }
        home += &format!(
            "<li><a href=\"mailto:shop@scan-fixture.test\">Write to us</a></li>\n\
             <li><a href=\"{pixel}/offsite\">Our partner</a></li>\n\
             <li><a href=\"http://localhost:{port}/via-localhost\">This site by another name</a></li>\n"
        );
        self.site.serve("/", page("Home", &home));
        self.site.serve(
            "/account",
            page("Your account", "<li><a href=\"/\">Home</a></li>")
                .header("Set-Cookie", "sid=s3cr3t; Path=/; HttpOnly"),
        );
        for n in 1..=PRODUCTS {
            let mut links = String::from("<li><a href=\"/\">Home</a></li>");
            if n + 5 <= PRODUCTS {
                links += &format!("<li><a href=\"/p/{0}\">Product {0}</a></li>", n + 5);
            }
            self.site
                .serve(&format!("/p/{n}"), page(&format!("Product {n}"), &links));
        }
        self.site.serve(
            "/broken",
            Resource::html("<!doctype html><title>Error</title><h1>Internal Server Error</h1>")
                .status(500),
        );
        // Reached by no link: a scan that visits it sees its cookie.
        self.site.serve(
            "/orphan",
            page("Orphan", "").header("Set-Cookie", "orphan_cookie=1; Path=/; Max-Age=3600"),
        );
        // This site through the name "localhost": another host, never to be crawled.
        self.site
            .serve("/via-localhost", page("By another name", ""));
        self.site.serve(
            "/tags/analytics.js",
            Resource::new("text/javascript", ANALYTICS_JS),
        );
        self.pixel
            .serve("/pixel.svg", Resource::new("image/svg+xml", PIXEL_SVG));
        self.pixel.serve(
            "/offsite",
            Resource::html("<!doctype html><title>Partner</title><p>Off site.</p>")
                .header("Set-Cookie", "offsite_cookie=1; Path=/; Max-Age=3600"),
        );
        // Partitioned (CHIPS): Chromium blocks other third-party cookies by default.
        self.ads.serve(
            "/px.svg",
            Resource::new("image/svg+xml", PIXEL_SVG).header(
                "Set-Cookie",
                "tp_uid=u42; Path=/; Max-Age=34186698; SameSite=None; Secure; Partitioned",
            ),
        );
    }

    /// A page of the full site: its scripts, the third party's image, its links.
    fn full_page(&self, title: &str, links: &str) -> String {
        let (service, pixel, ads) = (&self.service.origin, self.pixel.origin(), self.ads.origin());
        format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fixture · {title}</title>
<script>
// Before the banner and untagged: a necessary key, an analytics cookie and an undeclared one.
sessionStorage.setItem("checkout_step", "cart");
document.cookie = "shop_visits=1; path=/; max-age=31556952";
document.cookie = "mystery_id=m7; path=/; max-age=15778476";
</script>
<script src="{service}/banner.js"></script>
<script>
// An A/B test that waits for a decision but never reads it.
(function () {{
  function set() {{ document.cookie = "ab_variant=B; path=/; max-age=1209600"; }}
  if (window.Consentry && window.Consentry.get()) set();
  document.addEventListener("consentry:change", set);
}})();
</script>
<script type="text/plain" data-category="analytics" src="/tags/analytics.js"></script>
<script type="text/plain" data-category="marketing">
document.cookie = "_fbp=fb.1.1700000000000.42; path=/; max-age=7889238";
new Image().src = "{ads}/px.svg";
</script>
</head>
<body>
<h1>{title}</h1>
<img src="{pixel}/pixel.svg" alt="" width="1" height="1">
<ul>
{links}
</ul>
</body>
</html>
"#
        )
    }

    fn serve_clean(&self) {
        let service = &self.service.origin;
        let page = |title: &str, link: &str| {
            Resource::html(format!(
                r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Clean · {title}</title>
<script src="{service}/banner.js"></script>
<script type="text/plain" data-category="analytics" src="/tags/analytics.js"></script>
</head>
<body><h1>{title}</h1><p>{link}</p></body>
</html>
"#
            ))
        };
        self.site.serve(
            "/",
            page("Home", "<a href=\"/about\">About us</a>")
                .header("Set-Cookie", "sid=s3cr3t; Path=/; HttpOnly"),
        );
        self.site
            .serve("/about", page("About us", "<a href=\"/\">Home</a>"));
        self.site.serve(
            "/tags/analytics.js",
            Resource::new("text/javascript", CLEAN_ANALYTICS_JS),
        );
    }

    fn serve_no_banner(&self) {
        let key = serde_json::to_string(MARKUP_KEY).expect("a string");
        let page = |title: &str, link: &str| {
            Resource::html(format!(
                r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>No banner · {title}</title>
<script>
document.cookie = "_ga=GA1.1.42.1700000000; path=/; max-age=63113904";
localStorage.setItem({key}, "1");
</script>
</head>
<body><h1>{title}</h1><p>{link}</p></body>
</html>
"#
            ))
        };
        self.site
            .serve("/", page("Home", "<a href=\"/about\">About us</a>"));
        self.site
            .serve("/about", page("About us", "<a href=\"/\">Home</a>"));
    }
}

/// The tagged analytics script of the full site (held back until analytics is granted).
const ANALYTICS_JS: &str = r#"document.cookie = "_ga=GA1.1.42.1700000000; path=/; max-age=63113904";
document.cookie = "_ga_FIXTURE=GS1.1.1700000000.1.0; path=/; max-age=63113904";
localStorage.setItem("ga_last_visit", String(Date.now()));
"#;

/// The clean site's tagged analytics script: only what its registry declares.
const CLEAN_ANALYTICS_JS: &str =
    r#"document.cookie = "_ga=GA1.1.42.1700000000; path=/; max-age=63113904";"#;

const PIXEL_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;
