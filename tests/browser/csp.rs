//! A website with a strict Content-Security-Policy: no inline script, no inline style.

use crate::harness::{Harness, SOON};

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_host_page_with_a_strict_csp_shows_a_styled_working_banner() {
    let mut h = Harness::start();
    h.browser.before_every_document(
        "window.__violations = [];
         document.addEventListener('securitypolicyviolation', (e) =>
           window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));",
    );
    // Served with `default-src 'self'; script-src <service>; style-src 'self';
    // connect-src <service>` from another origin than the service's.
    let page = format!("http://127.0.0.1:{}/strict", h.host.port);

    h.open(&page);

    assert!(h.banner_shows(SOON), "no banner on a strict-CSP page");
    let styled = h.eval(
        r#"(() => {
        const button = target("accept-all"), s = getComputedStyle(button);
        let fixed = false;
        for (let el = button; el; el = el.parentElement || (el.getRootNode() && el.getRootNode().host)) {
          const p = getComputedStyle(el).position;
          if (p === "fixed" || p === "sticky") { fixed = true; break; }
        }
        return { fixed, padded: parseFloat(s.paddingLeft) >= 4,
                 background: s.backgroundColor !== "rgba(0, 0, 0, 0)" || s.borderStyle !== "none",
                 tall: button.getBoundingClientRect().height >= 24 };
      })()"#,
    );
    for (what, value) in styled.as_object().expect("style facts") {
        assert_eq!(
            value, true,
            "the banner is unstyled under a strict CSP ({what}): {styled}"
        );
    }

    h.click("accept-all");

    assert!(
        h.banner_goes_away(),
        "accept all does not work under a strict CSP"
    );
    let decision = h.wait_decision();
    let record = h.record_of(&decision);
    assert_eq!(record["action"], "accept-all");
    assert_eq!(record["page"], page.as_str());
    assert!(
        h.consent_cookie().is_some(),
        "no consentry cookie on the strict page"
    );
    assert_eq!(
        h.browser.evaluate("window.__violations"),
        serde_json::json!([]),
        "the banner broke the page's CSP"
    );
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_tag_the_page_forbids_to_run_does_not_stop_the_decision() {
    let mut h = Harness::start();
    // Trusted Types: the page refuses scripts the banner would start from held-back tags, so
    // releasing them throws. The decision must still hold, be announced and be recorded.
    let page = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop · Trusted Types</title>
<script src="{service}/banner.js"></script>
<script type="text/plain" data-category="analytics" src="/tags/analytics.js"></script>
<script type="text/plain" data-category="marketing">window.marketingRan = true;</script>
</head><body><main><h1>Trusted Types only</h1></main></body></html>"#
        .replace("{service}", &h.service.origin);
    h.host.put(
        "/trusted",
        "text/html; charset=utf-8",
        page,
        Some("require-trusted-types-for 'script'".to_owned()),
    );
    h.browser.before_every_document(
        "window.__changes = 0;
         document.addEventListener('consentry:change', () => window.__changes++);",
    );
    h.open(&format!("http://127.0.0.1:{}/trusted", h.host.port));
    assert!(h.banner_shows(SOON), "no banner on a Trusted Types page");

    h.click("accept-all");

    assert!(h.banner_goes_away(), "the banner stays after accept all");
    assert_eq!(
        h.browser.evaluate("window.__changes"),
        1,
        "no consentry:change"
    );
    let decision = h.decision();
    let record = h.record_of(&decision);
    assert_eq!(record["action"], "accept-all");
    assert_eq!(
        h.browser.evaluate("window.marketingRan === undefined"),
        true,
        "the page's policy was bypassed"
    );
    h.assert_no_exceptions();
}
