//! Coming back: no banner while the decision holds; asked again when the registry changes or
//! the decision grows old.

use std::time::Duration;

use crate::harness::{Harness, SOON};
use crate::site::NEW_COOKIE;

/// Accepts everything on the shop's first layer and waits until the service has it.
fn accept_all(h: &mut Harness) -> serde_json::Value {
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");
    h.click("accept-all");
    assert!(h.banner_goes_away(), "the banner stays after accept all");
    let decision = h.wait_decision();
    h.wait_delivered();
    decision
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_return_visit_with_the_same_revision_shows_no_banner() {
    let mut h = Harness::start();
    let decision = accept_all(&mut h);

    h.open_shop();

    assert!(
        h.banner_stays_hidden(Duration::from_millis(1500)),
        "the banner asks again on a return visit"
    );
    assert_eq!(h.decision()["consent_id"], decision["consent_id"]);
    assert_eq!(
        h.consent_posts(),
        1,
        "a return visit posted another consent"
    );
    assert!(
        h.browser.poll("window.__runs.analytics === 1", SOON),
        "the granted analytics tag does not run on the return visit"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_new_revision_of_the_registry_asks_again() {
    let mut h = Harness::start();
    let first = accept_all(&mut h);
    let old_revision = h.service.registry()["revision"].clone();

    // The admin declares one more cookie; the service picks the edit up by itself.
    let mut registry = std::fs::read_to_string(&h.service.config).expect("registry");
    registry.push_str(NEW_COOKIE);
    std::fs::write(&h.service.config, registry).expect("edit registry");
    let deadline = std::time::Instant::now() + SOON;
    let new_revision = loop {
        let now = h.service.registry()["revision"].clone();
        if now != old_revision {
            break now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the edit was not reloaded"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // The visitor comes back after the cached banner.js has expired.
    h.browser.disable_cache();
    h.open_shop();

    assert!(h.banner_shows(SOON), "a new revision does not ask again");
    h.click("reject-all");
    assert!(h.banner_goes_away(), "the banner stays after reject all");
    let again = h.wait_decision();
    assert_eq!(again["revision"], new_revision, "{again}");
    let id = again["consent_id"].as_str().expect("consent_id");
    // The visitor may keep their id: then the new decision comes after the first.
    let count = if again["consent_id"] == first["consent_id"] {
        2
    } else {
        1
    };
    let records = h.stored(id, count);
    let last = records.last().unwrap();
    assert_eq!(last["revision"], new_revision, "{last}");
    assert_eq!(last["action"], "reject-all");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn an_expired_decision_asks_again() {
    let mut h = Harness::start();
    accept_all(&mut h);

    // The cookie lives for consent_days (182) in the browser.
    let cookie = h.consent_cookie().expect("a consentry cookie");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let days = (cookie["expires"].as_f64().unwrap_or(-1.0) - now) / 86_400.0;
    assert!(
        (181.0..=183.0).contains(&days),
        "the consentry cookie should last 182 days, lasts {days:.1}: {cookie}"
    );

    // The visitor comes back 183 days later (the page's clock says so; the cookie is still
    // there, so the banner itself must notice the decision's age).
    h.browser.before_every_document(
        r#"(() => {
          const shift = 183 * 86400000, Real = Date;
          class Later extends Real {
            constructor(...args) { if (args.length) super(...args); else super(Real.now() + shift); }
            static now() { return Real.now() + shift; }
          }
          window.Date = Later;
        })();"#,
    );
    h.open_shop();

    assert!(
        h.banner_shows(SOON),
        "a decision older than consent_days does not ask again"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn with_a_cookie_domain_a_decision_on_www_holds_on_the_bare_domain() {
    let mut h = Harness::start_with(|origins| {
        crate::site::shop_registry(origins).replace(
            "honor_gpc = true",
            "honor_gpc = true\ncookie_domain = \".shop.test\"",
        )
    });
    let decision = accept_all(&mut h);
    let cookie = h.consent_cookie().expect("a consentry cookie");
    assert_eq!(cookie["domain"], ".shop.test", "{cookie}");

    h.open(&format!("http://shop.test:{}/shop/product", h.host.port));

    assert!(
        h.banner_stays_hidden(Duration::from_millis(1500)),
        "the bare domain asks again although cookie_domain shares the decision"
    );
    assert_eq!(h.decision()["consent_id"], decision["consent_id"]);
}
