//! Everything by keyboard alone: reach the banner, open the dialog, stay inside it, leave it.

use serde_json::Value;

use crate::cdp_commands::Key;
use crate::harness::{Harness, SOON};

/// Presses `key` until the focused element satisfies `wanted`; the path taken on failure.
fn tab_to(h: &mut Harness, key: Key, wanted: impl Fn(&Value) -> bool, what: &str) {
    let mut path = Vec::new();
    for _ in 0..40 {
        let focused = h.focused();
        if wanted(&focused) {
            return;
        }
        path.push(focused);
        h.browser.press(key);
    }
    panic!("{key:?} never reached {what}; focus went: {path:?}");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_dialog_works_by_keyboard_alone_traps_focus_and_escape_returns_it() {
    let mut h = Harness::first_visit();

    tab_to(
        &mut h,
        Key::Tab,
        |f| f["action"] == "customize",
        "the customize button",
    );
    let ring = h.eval(
        "(() => { const s = getComputedStyle(deepActive());
                  return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                      || s.boxShadow !== 'none'; })()",
    );
    assert_eq!(
        ring, true,
        "the focused customize button shows no focus ring"
    );
    h.browser.press(Key::Enter);
    assert!(h.dialog_opens(), "Enter on customize opens no dialog");
    assert!(
        h.poll("describe(deepActive()).inDialog", SOON),
        "opening the dialog does not move focus into it: {}",
        h.focused()
    );

    // The focus stays in the dialog, forwards and backwards, however far the visitor tabs.
    for key in [Key::Tab, Key::ShiftTab] {
        let mut outside = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..30 {
            h.browser.press(key);
            let focused = h.focused();
            if focused["inDialog"] != true {
                outside.push(focused.clone());
            }
            seen.insert(focused.to_string());
        }
        assert!(outside.is_empty(), "{key:?} left the dialog: {outside:?}");
        assert!(seen.len() >= 4, "{key:?} visits too few controls: {seen:?}");
    }

    tab_to(
        &mut h,
        Key::Tab,
        |f| f["name"] == "analytics",
        "the analytics switch",
    );
    h.browser.press(Key::Space);
    assert_eq!(
        h.switches()["analytics"]["checked"],
        true,
        "Space does not switch analytics on"
    );
    h.browser.press(Key::Escape);
    assert!(h.dialog_closes(), "Escape does not close the dialog");
    assert!(
        h.poll("describe(deepActive()).action === 'customize'", SOON),
        "Escape does not return focus to the customize button: {}",
        h.focused()
    );
    assert_eq!(h.consent_posts(), 0, "Escape recorded a consent");

    // Again, and this time save.
    h.browser.press(Key::Enter);
    assert!(
        h.dialog_opens(),
        "Enter on customize opens no dialog the second time"
    );
    tab_to(
        &mut h,
        Key::Tab,
        |f| f["name"] == "analytics",
        "the analytics switch",
    );
    if h.switches()["analytics"]["checked"] != true {
        h.browser.press(Key::Space);
    }
    tab_to(
        &mut h,
        Key::Tab,
        |f| f["action"] == "save",
        "the save button",
    );
    h.browser.press(Key::Enter);
    assert!(h.banner_goes_away(), "Enter on save leaves the banner open");
    let decision = h.wait_decision();
    assert_eq!(
        decision["accepted"].as_array().map(|a| a.len()),
        Some(2),
        "necessary and analytics: {decision}"
    );
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('analytics')"),
        true
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_first_layer_never_hides_the_element_that_has_the_focus() {
    let mut h = Harness::start();
    let url = format!(
        "http://{}:{}/shop/catalogue",
        crate::site::SHOP_HOST,
        h.host.port
    );
    h.open(&url);
    assert!(h.banner_shows(SOON), "no banner on a first visit");

    // Walk the page's own links by keyboard while the banner waits for an answer (WCAG 2.4.11).
    let mut hidden = Vec::new();
    for _ in 0..45 {
        h.browser.press(Key::Tab);
        let covered = h.eval(
            "(() => { const el = deepActive();
                      if (!el || inBanner(el) || el === document.body) return null;
                      const r = el.getBoundingClientRect();
                      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                      return hit === host ? el.textContent.trim() : null; })()",
        );
        if let Some(text) = covered.as_str() {
            hidden.push(text.to_owned());
        }
    }
    assert!(
        hidden.is_empty(),
        "the banner covers the focused link(s): {hidden:?}"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn without_a_floating_button_a_decision_by_keyboard_leaves_focus_on_the_pages_settings_link() {
    let mut h = Harness::first_visit();

    tab_to(
        &mut h,
        Key::Tab,
        |f| f["action"] == "reject-all",
        "the reject-all button",
    );
    h.browser.press(Key::Enter);
    assert!(
        h.banner_goes_away(),
        "Enter on reject all leaves the banner"
    );
    // Not the top of the document: the next Tab goes on from the way back to the settings.
    assert!(
        h.poll("describe(deepActive())?.id === 'settings'", SOON),
        "the focus was lost with the banner: {}",
        h.focused()
    );
    h.browser.press(Key::Enter);
    assert!(
        h.dialog_opens(),
        "Enter on the focused settings link opens no dialog"
    );
}
