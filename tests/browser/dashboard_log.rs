//! The dashboard shows a record's place in the consent log (CONTRACT §7): looked up once the
//! sequencer has given it a leaf (within the merge delay), the record shows its leaf index.

use serde_json::{Value, json};

use crate::common::ADMIN_TOKEN;
use crate::harness::{Harness, SOON};

/// The record facts the lookup shows, as `[term, value]` pairs.
fn facts(h: &mut Harness) -> Value {
    h.browser.evaluate(
        "[...document.querySelectorAll('#records .record-facts dt')]
           .map((dt) => [dt.textContent, dt.nextElementSibling.textContent])",
    )
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_record_in_the_log_shows_its_leaf_in_the_lookup() {
    let mut h = Harness::first_visit();
    h.click("accept-all");
    let id = h.wait_decision()["consent_id"]
        .as_str()
        .expect("a consent id")
        .to_owned();
    h.stored(&id, 1);
    h.browser.navigate(&format!("{}/admin", h.service.origin));

    let started = std::time::Instant::now();
    let log = loop {
        h.browser.evaluate(&format!(
            "document.getElementById('token').value = {ADMIN_TOKEN:?};
             document.getElementById('consent-id').value = {id:?};
             document.getElementById('lookup-form').requestSubmit();"
        ));
        h.browser.poll(
            "document.querySelector('#records .record-facts') !== null",
            SOON,
        );
        let found = facts(&mut h)
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f[0] == "Consent log")
            .cloned();
        if found.is_some() || started.elapsed() > std::time::Duration::from_secs(10) {
            break found;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };

    // The harness's service holds this one record: the log's first leaf.
    assert_eq!(
        log,
        Some(json!(["Consent log", "leaf 0"])),
        "{}",
        facts(&mut h)
    );
}
