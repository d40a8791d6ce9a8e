//! Scripts and iframes held back by `data-category` run or load when, and only when, their
//! category is granted: without a reload, and exactly once.

use std::time::Duration;

use crate::harness::{Harness, SOON};

fn runs(h: &mut Harness) -> (u64, u64) {
    let runs = h.browser.evaluate("window.__runs");
    (
        runs["analytics"].as_u64().unwrap_or(99),
        runs["marketing"].as_u64().unwrap_or(99),
    )
}

/// Opens the dialog from the page and clicks `action` in it.
fn decide_again(h: &mut Harness, action: &str) {
    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click(action);
    assert!(h.banner_goes_away(), "the dialog stays after {action}");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn each_tagged_script_runs_exactly_once_when_its_category_is_granted() {
    let mut h = Harness::first_visit();
    assert_eq!(
        runs(&mut h),
        (0, 0),
        "a tagged script ran before any decision"
    );
    assert_eq!(
        h.host.hits("/tags/analytics.js"),
        0,
        "a held-back script was fetched"
    );

    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog");
    h.switch("analytics", true);
    h.click("save");
    assert!(
        h.browser.poll("window.__runs.analytics >= 1", SOON),
        "the analytics tag never ran"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        runs(&mut h),
        (1, 0),
        "only the granted category's script runs"
    );

    decide_again(&mut h, "accept-all");
    assert!(
        h.browser.poll("window.__runs.marketing >= 1", SOON),
        "the inline marketing tag never ran"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(runs(&mut h), (1, 1), "each granted tag runs exactly once");
    decide_again(&mut h, "accept-all");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(runs(&mut h), (1, 1), "a later decision ran a tag again");
    assert_eq!(h.host.hits("/tags/analytics.js"), 1);

    // A new page with the decision kept runs each granted tag once.
    h.open_shop();
    assert!(
        h.browser.poll("window.__runs.marketing >= 1", SOON),
        "tags do not run on the next page"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(runs(&mut h), (1, 1));
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_tagged_iframe_loads_only_when_its_category_is_granted() {
    let mut h = Harness::first_visit();
    h.click("reject-all");
    assert!(h.banner_goes_away(), "the banner stays after reject all");
    std::thread::sleep(Duration::from_millis(500));
    let src = h
        .browser
        .evaluate("document.querySelector('iframe[data-category]').getAttribute('src')");
    assert!(
        src.is_null() || src == "about:blank",
        "the held-back iframe has a src although marketing was rejected: {src}"
    );
    assert_eq!(
        h.host.hits("/frame.html"),
        0,
        "the iframe loaded although marketing was rejected"
    );

    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.switch("marketing", true);
    h.click("save");

    assert!(
        h.browser.poll(
            "(() => { const f = document.querySelector('iframe[data-category]');
                      return !!(f && f.contentDocument && f.contentDocument.getElementById('video')); })()",
            SOON
        ),
        "the iframe did not load once marketing was granted"
    );
    assert_eq!(h.host.hits("/frame.html"), 1);
}

/// Adds a held-back inline tag to the page, as a tag manager or a single-page app does after
/// load; it counts its runs in `window.__late[name]`.
fn add_late_tag(h: &mut Harness, category: &str, name: &str) {
    h.browser.evaluate(&format!(
        r#"(() => {{
            window.__late = window.__late || {{}};
            const s = document.createElement("script");
            s.type = "text/plain";
            s.dataset.category = "{category}";
            s.textContent = "window.__late['{name}'] = (window.__late['{name}'] || 0) + 1";
            document.body.append(s);
        }})()"#
    ));
}

fn late_runs(h: &mut Harness, name: &str) -> u64 {
    h.browser
        .evaluate(&format!("(window.__late || {{}})['{name}'] || 0"))
        .as_u64()
        .unwrap_or(99)
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_tag_added_after_load_runs_once_granted_and_never_while_refused() {
    let mut h = Harness::first_visit();
    add_late_tag(&mut h, "analytics", "before");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(late_runs(&mut h, "before"), 0, "ran before any decision");

    h.click("accept-all");
    assert!(
        h.browser.poll("(window.__late || {}).before >= 1", SOON),
        "a tag added before the decision never ran once granted"
    );
    add_late_tag(&mut h, "analytics", "granted");
    assert!(
        h.browser.poll("(window.__late || {}).granted >= 1", SOON),
        "a tag added after the grant never ran"
    );

    decide_again(&mut h, "reject-all");
    add_late_tag(&mut h, "analytics", "refused");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(late_runs(&mut h, "refused"), 0, "ran while refused");
    assert_eq!(late_runs(&mut h, "before"), 1, "ran more than once");
    assert_eq!(late_runs(&mut h, "granted"), 1, "ran more than once");
    h.assert_no_exceptions();
}
