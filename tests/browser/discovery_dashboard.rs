//! The dashboard's "Discovered on visitors' pages": what real visits reported, shown as text
//! (it came from browsers), with the TOML to paste, usable from the keyboard and clean to axe.

use serde_json::Value;

use crate::accessibility::serious_violations;
use crate::cdp_commands::Key;
use crate::common::ADMIN_TOKEN;
use crate::discovery::{discovering, tracked_page, wait_listed, wait_reports};
use crate::harness::{Harness, SOON, axe_source};
use crate::site::SHOP_HOST;

/// A report no banner would send, from an allowed page: a path holding markup and a name with
/// the only HTML characters a cookie name may hold.
fn forge_report(h: &mut Harness) -> Value {
    let page = format!(
        "http://{SHOP_HOST}:{}/<img/src=x/onerror=window.__injected=1>",
        h.host.port
    );
    let body = serde_json::json!({
        "host": SHOP_HOST, "page": page, "items": [{"name": "x&amp'y", "kind": "cookie"}],
    });
    h.browser.evaluate(&format!(
        "fetch({:?}, {{ method: 'POST', body: {:?} }}).then(r => r.status)",
        format!("{}/api/v1/discoveries", h.service.origin),
        body.to_string()
    ))
}

/// Opens the dashboard and shows it with the admin token, as an admin does.
fn open_dashboard(h: &mut Harness, rows: usize) {
    h.browser.navigate(&format!("{}/admin", h.service.origin));
    h.browser.evaluate(&format!(
        "document.getElementById('token').value = {ADMIN_TOKEN:?};
         document.getElementById('token-form').requestSubmit();"
    ));
    let loaded = format!("document.querySelectorAll('#discoveries tbody tr').length === {rows}");
    assert!(
        h.browser.poll(&loaded, SOON),
        "the dashboard lists {} row(s), status: {}",
        h.browser
            .evaluate("document.querySelectorAll('#discoveries tbody tr').length"),
        h.browser
            .evaluate("document.getElementById('status').textContent")
    );
}

/// Each listed row's cells, as text.
fn rows(h: &mut Harness) -> Vec<Vec<String>> {
    let cells = h.browser.evaluate(
        "[...document.querySelectorAll('#discoveries tbody tr')]
           .map(r => [...r.cells].map(c => c.textContent))",
    );
    serde_json::from_value(cells).expect("rows of text")
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_dashboard_shows_what_visitors_pages_reported_as_text_with_the_toml_to_paste() {
    let mut h = Harness::start_with(discovering);
    let url = tracked_page(&h);
    h.open(&url);
    wait_reports(&mut h, 1);
    assert_eq!(forge_report(&mut h), 204);
    wait_listed(&h, 4);

    open_dashboard(&mut h, 4);

    let rows = rows(&mut h);
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name} is not listed: {rows:#?}"))
            .clone()
    };
    let hjid = row("_hjid");
    assert_eq!(&hjid[1..4], ["cookie", SHOP_HOST, "1"]);
    assert_eq!(hjid[5], "/shop/tracked");
    assert_eq!(hjid[6], "analytics · Hotjar", "the catalog's suggestion");
    assert!(
        hjid[7].contains("[[cookie]]") && hjid[7].contains("name = \"_hjid\""),
        "{hjid:?}"
    );
    let forged = row("x&amp'y");
    assert_eq!(forged[5], "/<img/src=x/onerror=window.__injected=1>");
    assert_eq!(forged[6], "Not in the catalog");
    assert_eq!(
        h.browser.evaluate(
            "document.querySelectorAll('#discoveries img').length + (window.__injected || 0)"
        ),
        0,
        "text from a browser became markup"
    );
    assert!(
        h.browser
            .evaluate("document.getElementById('discoveries-none').hidden")
            .as_bool()
            .unwrap_or(false),
        "says nothing was reported"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_toml_of_a_discovered_name_opens_and_is_reached_from_the_keyboard() {
    let mut h = Harness::start_with(discovering);
    let url = tracked_page(&h);
    h.open(&url);
    wait_reports(&mut h, 1);
    wait_listed(&h, 3);
    open_dashboard(&mut h, 3);
    // From the table's scrolling region, the first row's TOML is the next stop.
    h.browser
        .evaluate("document.querySelector('#discoveries').closest('[tabindex]').focus()");

    h.browser.press(Key::Tab);
    let summary = h.browser.evaluate("document.activeElement.tagName");
    h.browser.press(Key::Enter);
    h.browser.press(Key::Tab);

    assert_eq!(summary, "SUMMARY");
    let reached = h.browser.evaluate(
        "[document.activeElement.tagName, document.activeElement.closest('details').open,
          document.activeElement.textContent]",
    );
    assert_eq!(reached[0], "PRE");
    assert_eq!(reached[1], true, "Enter on the summary opens it");
    let toml = reached[2].as_str().unwrap_or_default();
    assert!(toml.contains("[[cookie]]"), "{toml}");
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
fn axe_finds_no_serious_or_critical_violation_in_the_discoveries_section() {
    let axe = axe_source();
    let mut h = Harness::start_with(discovering);
    let url = tracked_page(&h);
    h.open(&url);
    wait_reports(&mut h, 1);
    wait_listed(&h, 3);

    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        h.browser.color_scheme(scheme);
        open_dashboard(&mut h, 3);
        h.browser.evaluate(
            "document.querySelectorAll('#discoveries details').forEach(d => d.open = true)",
        );
        h.browser.evaluate(&axe);
        for v in serious_violations(&mut h) {
            problems.push(format!("{scheme}: {v}"));
        }
    }
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}
