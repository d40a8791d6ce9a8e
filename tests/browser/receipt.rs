//! The visitor's way to their receipt: the preferences dialog shows nothing of the kind before
//! a decision, then their consent id and a link, reached by keyboard inside the dialog's focus
//! trap, to `/consent/{id}` in the banner's language; the receipt lists the decision with a
//! working proof link, and axe-core finds nothing serious on it at desktop and phone width,
//! light and dark. Screenshots go to target/screenshots/ for a person to look at.

use std::time::Duration;

use serde_json::Value;

use crate::accessibility::serious_violations;
use crate::cdp_commands::Key;
use crate::harness::{Harness, SOON, axe_source, screenshot_dir};
use crate::site::SHOP_HOST;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
#[cfg_attr(
    all(chromium_tests, not(axe_tests)),
    ignore = "no axe-core: npm ci --prefix tests/browser"
)]
fn the_dialog_leads_a_visitor_by_keyboard_to_a_receipt_in_their_language() {
    let mut h = Harness::start();
    h.open(&format!("http://{SHOP_HOST}:{}/fr/catalogue", h.host.port));
    assert!(h.banner_shows(SOON), "no banner for a new visitor");
    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog");
    assert_eq!(
        h.eval("all('#cy-id')[0].textContent + all('#cy-id a').length"),
        "0",
        "an id or a receipt before any decision"
    );
    h.click("accept-all");
    let id = h.wait_decision()["consent_id"]
        .as_str()
        .expect("a consent id")
        .to_owned();
    h.wait_delivered();
    h.stored(&id, 1);

    h.eval("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    let shown = h.eval(
        "(() => { const a = all('#cy-id a')[0];
                  return a ? [all('#cy-id')[0].textContent, a.href, a.target] : null; })()",
    );
    let receipt = format!("{}/consent/{id}?lang=fr", h.service.origin);
    let text = shown[0].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Votre identifiant de consentement\u{a0}: ")
            && text.contains(&id)
            && text.ends_with("Votre reçu de consentement"),
        "{shown}"
    );
    assert_eq!(shown[1], receipt.as_str());
    assert_eq!(shown[2], "_blank");
    h.eval("all('#cy-id')[0].scrollIntoView({block: 'end'})");
    std::thread::sleep(Duration::from_millis(500));
    let png = h.browser.screenshot_png();
    std::fs::write(screenshot_dir().join("dialog-receipt-link.png"), png).expect("write");
    // Inside the dialog's focus trap: Tab reaches the link.
    let mut reached = false;
    for _ in 0..40 {
        if h.eval("deepActive() === all('#cy-id a')[0]") == Value::Bool(true) {
            reached = true;
            break;
        }
        h.browser.press(Key::Tab);
    }
    assert!(
        reached,
        "Tab never reaches the receipt link; focus is on {}",
        h.focused()
    );

    // The receipt, once the decision is in a signed checkpoint (the evidence answer waits).
    assert!(
        h.service.evidence_signed(&id),
        "the decision is signed into the log"
    );
    let axe = axe_source();
    let mut problems = Vec::new();
    for (size, width, height, mobile) in [("desktop", 1280, 800, false), ("phone", 375, 812, true)]
    {
        for scheme in ["light", "dark"] {
            h.browser.viewport(width, height, mobile);
            h.browser.color_scheme(scheme);
            h.browser.navigate(&receipt);
            let page = h.browser.evaluate(
                "[document.documentElement.lang, document.querySelector('h1').textContent,
                  document.querySelectorAll('.decisions > li').length,
                  document.querySelector('.log-entry a')?.href || null,
                  document.documentElement.scrollWidth <= document.documentElement.clientWidth]",
            );
            assert_eq!(page[0], "fr", "{page}");
            assert_eq!(page[1], "Votre reçu de consentement", "{page}");
            assert_eq!(page[2], 1, "one decision: {page}");
            assert_eq!(
                page[4], true,
                "{size}: the receipt is wider than the screen"
            );
            let proof = page[3].as_str().expect("a proof link").to_owned();
            let index = h.browser.evaluate(&format!(
                "fetch({proof:?}).then((r) => r.json()).then((p) => p.index)"
            ));
            assert!(index.is_u64(), "the proof link answers a proof: {index}");
            h.browser.evaluate(&axe);
            std::thread::sleep(Duration::from_millis(300));
            for v in serious_violations(&mut h) {
                problems.push(format!("receipt {size} {scheme}: {v}"));
            }
            let png = h.browser.screenshot_png();
            std::fs::write(
                screenshot_dir().join(format!("receipt-{size}-{scheme}.png")),
                png,
            )
            .expect("write");
        }
    }
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}
