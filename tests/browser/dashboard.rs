//! The admin dashboard as a privacy engineer uses it, by keyboard alone, at desktop and phone
//! width, light and dark: the charts' tables hold the stats API's numbers, a visitor's
//! decisions are looked up with what the banner showed them in their language, and erasing
//! asks first and erases only once confirmed. axe-core checks every state; a screenshot of
//! each goes to target/screenshots/ for a person to look at.

use std::time::Duration;

use serde_json::json;

use crate::accessibility::serious_violations;
use crate::cdp_commands::Key;
use crate::common::ADMIN_TOKEN;
use crate::dashboard_charts::assert_charts_match_the_stats;
use crate::harness::{Harness, SOON, axe_source, screenshot_dir};
use crate::site::SHOP_HOST;

/// The browser the visitor decides in sends markup as its user agent; the dashboard must
/// show it as text.
const HOSTILE_AGENT: &str = "Mozilla/5.0 (X11) <img src=x onerror=window.__injected=1> Chrome/140";

/// A visitor of the shop's French catalogue who switched analytics on and saved, then opened
/// the preferences again and refused everything (a withdrawal): two decisions under one
/// consent id, which this returns.
fn french_visitor(h: &mut Harness) -> String {
    h.browser.call("Network.clearBrowserCookies", json!({}));
    h.browser.call(
        "Network.setUserAgentOverride",
        json!({"userAgent": HOSTILE_AGENT}),
    );
    h.open(&format!("http://{SHOP_HOST}:{}/fr/catalogue", h.host.port));
    assert!(h.banner_shows(SOON), "no banner for a new visitor");
    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog");
    h.switch("analytics", true);
    h.click("save");
    let first = h.wait_decision();
    let id = first["consent_id"]
        .as_str()
        .expect("a consent id")
        .to_owned();
    h.wait_delivered();
    h.eval("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click("reject-all");
    h.stored(&id, 2);
    h.wait_delivered();
    id
}

/// What has the focus: its id, else its tag.
fn focused(h: &mut Harness) -> String {
    let described = h.browser.evaluate(
        "(() => { const a = document.activeElement;
                  return a ? (a.id || a.tagName.toLowerCase()) : ''; })()",
    );
    described.as_str().unwrap_or_default().to_owned()
}

/// Presses `key` (Tab or Shift+Tab) until `wanted` (an id, or a tag such as `summary`) has
/// the focus.
fn press_to(h: &mut Harness, key: Key, wanted: &str) {
    let mut path = Vec::new();
    for _ in 0..80 {
        let now = focused(h);
        if now == wanted {
            return;
        }
        path.push(now);
        h.browser.press(key);
    }
    panic!("{key:?} never reached {wanted}; the focus went {path:?}");
}

fn tab_to(h: &mut Harness, wanted: &str) {
    press_to(h, Key::Tab, wanted);
}

/// Waits for `expression` to be true in the page, saying what was awaited and what the
/// dashboard's status lines say otherwise.
fn wait_for(h: &mut Harness, expression: &str, what: &str) {
    if !h.browser.poll(expression, SOON) {
        let said = h.browser.evaluate(
            "[document.getElementById('status').textContent,
              document.getElementById('lookup-status').textContent]",
        );
        panic!("{what}: never came; the page says {said}");
    }
}

/// Axe's serious and critical findings in the page as it is, labelled with `state`.
fn axe(h: &mut Harness, state: &str, problems: &mut Vec<String>) {
    // Let transitions settle, so contrast is measured on what is finally shown.
    std::thread::sleep(Duration::from_millis(300));
    problems.extend(
        serious_violations(h)
            .into_iter()
            .map(|v| format!("{state}: {v}")),
    );
}

/// A screenshot of the viewport with `selector` scrolled to its top, as `name`.png; the page
/// must fit the viewport's width, never scrolling sideways.
fn picture(h: &mut Harness, selector: &str, name: &str) {
    let widths = h.browser.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth,
          [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)]",
    );
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "{name}: the page is wider than the screen: {widths}"
    );
    h.browser.evaluate(&format!(
        "document.querySelector({selector:?}).scrollIntoView({{block: 'start'}})"
    ));
    std::thread::sleep(Duration::from_millis(300));
    let png = h.browser.screenshot_png();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("write");
}

/// One pass of the whole dashboard at one size and scheme, by keyboard; axe's findings
/// gathered into `problems`.
fn walk(h: &mut Harness, size: &str, scheme: &str, problems: &mut Vec<String>) {
    let id = french_visitor(h);
    h.browser.color_scheme(scheme);
    let axe_js = axe_source();
    // A new tab's dashboard: no token kept from the previous pass.
    let dashboard = format!("{}/admin", h.service.origin);
    h.browser.navigate(&dashboard);
    h.browser.evaluate("sessionStorage.clear()");
    h.browser.navigate(&dashboard);
    h.browser.evaluate(&axe_js);
    let state = |s: &str| format!("dashboard-{s}-{size}-{scheme}");

    // The token, typed, and Enter: the charts come.
    tab_to(h, "token");
    h.browser.type_text(ADMIN_TOKEN);
    h.browser.press(Key::Enter);
    wait_for(
        h,
        "document.querySelectorAll('#charts svg.chart-svg[role=img]').length >= 2",
        "the charts",
    );
    assert_charts_match_the_stats(h);
    axe(h, &state("charts"), problems);
    picture(h, "#charts-title", &state("charts"));
    // The log's panel, once its state has come (it needs no token).
    wait_for(
        h,
        "document.getElementById('log-checkpoint').textContent !== ''",
        "the consent log's state",
    );
    picture(h, "#log-title", &state("log"));

    // The service answers for the evidence once the records are in a signed checkpoint: asked
    // first, so the page below looks up records that already carry their place in the log.
    assert!(
        h.service.evidence_signed(&id),
        "the visitor's records reach a signed checkpoint"
    );
    // The visitor, looked up: both decisions, each with the banner as shown, in French.
    tab_to(h, "consent-id");
    h.browser.type_text(&id);
    h.browser.press(Key::Enter);
    wait_for(
        h,
        "document.querySelectorAll('#records > li').length === 2",
        "the visitor's two decisions",
    );
    let headings = h
        .browser
        .evaluate("[...document.querySelectorAll('#records h4')].map((h) => h.textContent)");
    let headings: Vec<String> = serde_json::from_value(headings).expect("headings");
    assert!(
        headings[0].starts_with("Decision 1 of 2: Chose per category")
            && headings[1].starts_with("Decision 2 of 2: Withdrew"),
        "{headings:?}"
    );
    let records = h.browser.evaluate(
        "[document.getElementById('records').textContent,
          document.querySelectorAll('#records img').length + (window.__injected || 0)]",
    );
    let text = records[0].as_str().unwrap_or_default();
    assert!(
        text.contains(HOSTILE_AGENT),
        "the user agent, as text: {text}"
    );
    assert!(text.contains("/fr/catalogue"), "the page: {text}");
    assert_eq!(records[1], 0, "text from a visitor's browser became markup");
    // The evidence button shows once the page's own request is answered, a moment after it
    // lists the decisions.
    wait_for(
        h,
        "!document.getElementById('evidence').hidden",
        "the evidence button, as the service has the evidence",
    );
    let logged = h.service.stored_records(&id, 2).expect("the records")[0]
        .get("log")
        .is_some();
    assert_eq!(text.contains("Consent log"), logged, "{text}");
    tab_to(h, "summary");
    h.browser.press(Key::Enter);
    let record = h.service.stored_records(&id, 2).expect("the records")[0].clone();
    let shown = record["shown"].as_str().expect("shown");
    let snapshot = h
        .service
        .admin_json(&format!("/api/v1/admin/snapshots/{shown}"));
    assert_eq!(snapshot["language"], "fr");
    let replica = h.browser.evaluate(
        "(() => { const r = document.querySelector('#records details[open] .replica');
                  return r && [r.lang, r.querySelector('.replica-title').textContent,
                               r.textContent]; })()",
    );
    assert_eq!(
        replica[0], "fr",
        "the snapshot is marked as French: {replica}"
    );
    assert_eq!(replica[1], snapshot["texts"]["banner_title"]);
    let all = replica[2].as_str().unwrap_or_default();
    for text in [
        &snapshot["texts"]["accept_all"],
        &snapshot["texts"]["reject_all"],
        &snapshot["categories"][1]["title"],
    ] {
        let text = text.as_str().expect("a text");
        assert!(all.contains(text), "{text:?} is not in the replica: {all}");
    }
    assert!(all.contains("Mesure d'audience"), "{all}");
    axe(h, &state("lookup"), problems);
    picture(h, "#lookup-heading", &state("lookup"));

    // Erase asks first, naming the id and the count; Escape keeps everything.
    press_to(h, Key::ShiftTab, "erase");
    h.browser.press(Key::Enter);
    wait_for(
        h,
        "document.getElementById('erase-dialog').open",
        "the confirmation",
    );
    assert_eq!(focused(h), "erase-cancel", "the safe choice has the focus");
    let asked = h
        .browser
        .evaluate("document.getElementById('erase-text').textContent");
    let asked = asked.as_str().unwrap_or_default();
    assert!(
        asked.contains(&id) && asked.contains("2 records"),
        "{asked}"
    );
    axe(h, &state("confirm"), problems);
    picture(h, "#erase-dialog", &state("confirm"));
    h.browser.press(Key::Escape);
    wait_for(
        h,
        "!document.getElementById('erase-dialog').open",
        "the dialog to close",
    );
    assert_eq!(focused(h), "erase", "the focus returns to the erase button");
    assert_eq!(h.service.stored_records(&id, 2).map(|r| r.len()), Ok(2));

    // Confirmed: erased, and the history is gone.
    h.browser.press(Key::Enter);
    wait_for(
        h,
        "document.getElementById('erase-dialog').open",
        "the confirmation again",
    );
    h.browser.press(Key::Tab);
    assert_eq!(focused(h), "erase-confirm");
    h.browser.press(Key::Enter);
    wait_for(
        h,
        "document.getElementById('lookup-heading').textContent.startsWith('No decisions')",
        "the empty history",
    );
    let said = h
        .browser
        .evaluate("document.getElementById('lookup-status').textContent");
    assert_eq!(said, format!("Erased 2 records under consent id {id}."));
    assert_eq!(
        focused(h),
        "lookup-heading",
        "the focus goes to what replaced the records"
    );
    let (status, _) = h.service.get_json(&format!("/api/v1/consents/{id}"));
    assert_eq!(
        status, 404,
        "the visitor's history is gone from the service"
    );
    axe(h, &state("erased"), problems);
    picture(h, "#lookup-title", &state("erased"));
    let refused = h.browser.evaluate("window.__csp");
    assert_eq!(
        refused,
        json!([]),
        "the page's CSP refused something the dashboard needs"
    );
}

fn walk_both_schemes(size: &str, width: u32, height: u32, mobile: bool) {
    let mut h = Harness::start();
    h.browser.viewport(width, height, mobile);
    h.browser.before_every_document(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',
           (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        walk(&mut h, size, scheme, &mut problems);
    }
    h.assert_no_exceptions();
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
#[cfg_attr(
    all(chromium_tests, not(axe_tests)),
    ignore = "no axe-core: npm ci --prefix tests/browser"
)]
fn the_dashboard_works_by_keyboard_alone_at_desktop_width_in_light_and_dark() {
    walk_both_schemes("desktop", 1280, 800, false);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
#[cfg_attr(
    all(chromium_tests, not(axe_tests)),
    ignore = "no axe-core: npm ci --prefix tests/browser"
)]
fn the_dashboard_works_by_keyboard_alone_at_phone_width_in_light_and_dark() {
    walk_both_schemes("phone", 390, 844, true);
}
