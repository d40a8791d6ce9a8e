//! Discovery (`[banner] discover = true`) in a real browser: what the banner reports of a page
//! that holds undeclared cookies and storage keys with values, how often, and that a banner
//! without `discover` carries none of it.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::harness::{Harness, SOON};
use crate::site::{SHOP_HOST, shop_registry};

/// The shop's registry with discovery on, and two entries with a domain: a third party's `*`,
/// which covers none of the shop's own names, and a cookie of the shop's parent domain.
pub(crate) fn discovering(origins: &[String]) -> String {
    format!(
        r#"{}
[[cookie]]
name = "*"
category = "marketing"
provider = "Tracker"
purpose = "Whatever the tracker keeps on its own domain."
expires = "1 year"
domain = "tracker.example"
privacy_url = "https://tracker.example/privacy"

[[cookie]]
name = "_shop_*"
category = "necessary"
purpose = "The shop's own settings, on all its subdomains."
expires = "1 year"
domain = ".shop.test"

[banner]
discover = true
"#,
        shop_registry(origins)
    )
}

/// Every value the page below writes; none may ever leave the page.
const SECRETS: [&str; 8] = [
    "VALUE-hjid-5b1e",
    "VALUE-nameless-93c2",
    "VALUE-ga-7d0f",
    "VALUE-sid-41aa",
    "VALUE-ajs-0c6d",
    "VALUE-uet-e2f8",
    "VALUE-space-19b4",
    "VALUE-shop-c4d1",
];

/// A page whose own script, before the banner, sets undeclared and declared cookies (by name,
/// by pattern, by pattern on the parent domain) and storage keys, each with a value: a cookie
/// with no name (all of its text is its value), a key that is no cookie name.
const TRACKED_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop · Tracked</title>
<script>
document.cookie = "_hjid=VALUE-hjid-5b1e; path=/";
document.cookie = "VALUE-nameless-93c2; path=/";
document.cookie = "_ga=VALUE-ga-7d0f; path=/";
document.cookie = "_ga_XYZ=VALUE-ga-7d0f; path=/";
document.cookie = "sid=VALUE-sid-41aa; path=/";
document.cookie = "_shop_pref=VALUE-shop-c4d1; path=/; domain=shop.test";
localStorage.setItem("ajs_user_id", "VALUE-ajs-0c6d");
sessionStorage.setItem("_uetsid", "VALUE-uet-e2f8");
localStorage.setItem("has space", "VALUE-space-19b4");
</script>
<script src="{service}/banner.js"></script>
</head>
<body><main><h1>A tracked page</h1></main></body>
</html>
"#;

/// What the banner should report of `TRACKED_PAGE`: the undeclared names with a valid name.
fn undeclared() -> BTreeSet<(String, String)> {
    [
        ("_hjid", "cookie"),
        ("ajs_user_id", "local-storage"),
        ("_uetsid", "session-storage"),
    ]
    .iter()
    .map(|(n, k)| ((*n).to_owned(), (*k).to_owned()))
    .collect()
}

/// Puts `TRACKED_PAGE` on the shop; its URL.
pub(crate) fn tracked_page(h: &Harness) -> String {
    let page = TRACKED_PAGE.replace("{service}", &h.service.origin);
    h.host
        .put("/shop/tracked", "text/html; charset=utf-8", page, None);
    format!("http://{SHOP_HOST}:{}/shop/tracked", h.host.port)
}

/// The bodies of the discovery reports the page has sent so far, exactly as sent.
fn reports(h: &mut Harness) -> Vec<String> {
    h.posts_to("/api/v1/discoveries")
}

/// Waits until the page has sent `count` reports; all of them.
#[track_caller]
pub(crate) fn wait_reports(h: &mut Harness, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + SOON;
    loop {
        let sent = reports(h);
        if sent.len() >= count {
            return sent;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} report(s) sent, {count} expected: {sent:#?}",
            sent.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The service's admin list once it holds `count` names (a report is stored when its post is
/// answered, a little after it was sent), or as it is after `SOON`.
pub(crate) fn wait_listed(h: &Harness, count: usize) -> Value {
    let deadline = std::time::Instant::now() + SOON;
    loop {
        let listed = h.service.admin_json("/api/v1/admin/discoveries");
        if listed.as_array().map_or(0, Vec::len) >= count || std::time::Instant::now() > deadline {
            return listed;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Longer than the banner waits after the load event before it looks (1 s).
const LOOKED: Duration = Duration::from_millis(2500);

fn items(body: &str) -> BTreeSet<(String, String)> {
    let report: Value = serde_json::from_str(body).expect("a report is JSON");
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (text(&i["name"]), text(&i["kind"]))
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_banner_reports_the_undeclared_names_a_page_holds_and_never_a_value() {
    let mut h = Harness::start_with(discovering);
    let url = tracked_page(&h);

    h.open(&url);
    let sent = wait_reports(&mut h, 1);

    assert_eq!(sent.len(), 1, "{sent:#?}");
    let body = &sent[0];
    for secret in SECRETS {
        assert!(
            !body.contains(secret),
            "the report carries {secret:?}: {body}"
        );
    }
    assert_eq!(items(body), undeclared(), "{body}");
    let report: Value = serde_json::from_str(body).unwrap();
    assert_eq!(report["host"], SHOP_HOST);
    assert_eq!(report["page"], url, "origin and path");
    assert!(
        h.browser.poll(
            "localStorage.getItem('consentry:discovered') !== null",
            SOON
        ),
        "the day's names are not remembered"
    );
    // The service took it (once it has answered): the admin list has each name once, from
    // this page.
    let listed = wait_listed(&h, undeclared().len());
    let names: BTreeSet<(String, String)> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            assert_eq!(e["pages"], serde_json::json!(["/shop/tracked"]));
            (text(&e["name"]), text(&e["kind"]))
        })
        .collect();
    assert_eq!(names, undeclared());
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn each_name_is_reported_at_most_once_a_day() {
    let mut h = Harness::start_with(discovering);
    let url = tracked_page(&h);
    h.open(&url);
    wait_reports(&mut h, 1);

    // The same names again the same day: nothing is sent.
    h.open(&url);
    std::thread::sleep(LOOKED);
    assert_eq!(
        reports(&mut h).len(),
        1,
        "a name was reported twice in a day"
    );

    // A new name the same day: only it is sent.
    h.browser
        .evaluate("document.cookie = '_clck=VALUE-clck-77aa; path=/'");
    h.open(&url);
    let sent = wait_reports(&mut h, 2);
    assert_eq!(
        items(&sent[1]),
        BTreeSet::from([("_clck".to_owned(), "cookie".to_owned())])
    );
    assert!(!sent[1].contains("VALUE-clck-77aa"));

    // A day later (the remembered day moved back 24 h): every name is reported again, once.
    h.browser.evaluate(
        "const [day, sent] = JSON.parse(localStorage.getItem('consentry:discovered'));
         localStorage.setItem('consentry:discovered', JSON.stringify([day - 864e5, sent]))",
    );
    h.open(&url);
    let sent = wait_reports(&mut h, 3);
    let mut all = undeclared();
    all.insert(("_clck".to_owned(), "cookie".to_owned()));
    assert_eq!(items(&sent[2]), all);
    h.open(&url);
    std::thread::sleep(LOOKED);
    assert_eq!(reports(&mut h).len(), 3, "reported twice on the new day");
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn without_discover_the_banner_carries_no_discovery_code_and_reports_nothing() {
    let mut off = Harness::start();
    let url = tracked_page(&off);
    off.open(&url);
    let served = |h: &Harness| -> String {
        let (status, script) = h.service.get_text("/banner.js");
        assert_eq!(status, 200);
        script
    };

    let without = served(&off);
    std::thread::sleep(LOOKED);

    for mark in [
        "/api/v1/discoveries",
        "consentry:discovered",
        "document.cookie.split(/;\\s*/).filter",
    ] {
        assert!(
            !without.contains(mark),
            "the default banner carries {mark:?}"
        );
    }
    assert!(
        reports(&mut off).is_empty(),
        "a banner without discover reported"
    );
    assert_eq!(
        off.browser
            .evaluate("localStorage.getItem('consentry:discovered')"),
        Value::Null
    );
    // The same marks are there when discovery is on, so their absence above means something.
    drop(off);
    let mut on = Harness::start_with(discovering);
    let url = tracked_page(&on);
    on.open(&url);
    let with = served(&on);
    for mark in [
        "/api/v1/discoveries",
        "consentry:discovered",
        "document.cookie.split(/;\\s*/).filter",
    ] {
        assert!(with.contains(mark), "the discovering banner lacks {mark:?}");
    }
}
