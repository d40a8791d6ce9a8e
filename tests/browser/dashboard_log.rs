//! The dashboard and the consent log (CONTRACT §7): a looked-up record shows its leaf and, once
//! signed, a working link to its inclusion proof; the log's panel shows the tree's size, when
//! it was signed, its root and key, and checks a checkpoint kept earlier against today's log.

use serde_json::{Value, json};

use crate::cdp_commands::Key;
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
        let signed = found.as_ref().is_some_and(|f| {
            f[1].as_str()
                .is_some_and(|t| t.contains("signed checkpoint of"))
        });
        if signed || started.elapsed() > std::time::Duration::from_secs(30) {
            break found;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };

    // The harness's service holds this one record: the log's first leaf, in the signed tree
    // of one leaf, with a link to its proof.
    assert_eq!(
        log,
        Some(json!([
            "Consent log",
            "leaf 0, in the signed checkpoint of 1 leaf: inclusion proof"
        ])),
        "{}",
        facts(&mut h)
    );
    let proof = h.browser.evaluate(
        "fetch([...document.querySelectorAll('#records .record-facts a')]
            .find((a) => a.textContent === 'inclusion proof').href)
           .then((r) => r.json()).then((p) => [p.index, p.tree_size])",
    );
    assert_eq!(proof, json!([0, 1]));
}

/// The log's panel: its state from the latest checkpoint, and the check of a kept one.
fn log_state(h: &mut Harness) -> Value {
    h.browser.evaluate(
        "['log-size', 'log-signed', 'log-root', 'log-key', 'log-checkpoint', 'log-status']
           .map((id) => document.getElementById(id).textContent)",
    )
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_dashboard_shows_the_logs_state_and_checks_a_kept_checkpoint_by_keyboard() {
    let mut h = Harness::first_visit();
    h.click("accept-all");
    let id = h.wait_decision()["consent_id"]
        .as_str()
        .expect("a consent id")
        .to_owned();
    h.stored(&id, 1);
    // Kept by an auditor now (once the record is signed into it), checked after more records.
    assert!(h.service.evidence_signed(&id), "signed into the log");
    let (status, kept) = h.service.get_text("/api/v1/log/checkpoint");
    assert_eq!(status, 200, "{kept}");
    h.eval("window.Consentry.show()");
    assert!(h.dialog_opens());
    h.click("reject-all");
    h.stored(&id, 2);
    assert!(h.service.evidence_signed(&id), "signed into the log");

    h.browser.navigate(&format!("{}/admin", h.service.origin));
    assert!(
        h.browser.poll(
            "document.getElementById('log-checkpoint').textContent !== ''",
            SOON
        ),
        "the log's state never came: {}",
        log_state(&mut h)
    );
    let state = log_state(&mut h);
    assert_eq!(state[0], "2 leaves", "{state}");
    assert!(
        state[1].as_str().is_some_and(|t| t.ends_with(" UTC")),
        "{state}"
    );
    let (_, key) = h.service.get_text("/api/v1/log/key");
    assert_eq!(state[3], key.trim(), "the verifier key");
    assert!(
        state[4]
            .as_str()
            .is_some_and(|t| t.contains(state[2].as_str().unwrap_or("?")))
    );

    // By keyboard: the token, then the kept checkpoint, then Enter on the button.
    h.browser
        .evaluate("document.getElementById('token').focus()");
    h.browser.type_text(ADMIN_TOKEN);
    h.browser
        .evaluate("document.getElementById('log-earlier').focus()");
    h.browser.evaluate(&format!(
        "document.getElementById('log-earlier').value = {kept:?}"
    ));
    h.browser.press(Key::Tab);
    let focused = h.browser.evaluate("document.activeElement.textContent");
    assert_eq!(focused, "Check consistency");
    h.browser.press(Key::Enter);
    assert!(
        h.browser.poll(
            "document.getElementById('log-status').textContent.startsWith('Consistent')",
            SOON
        ),
        "{}",
        log_state(&mut h)
    );
    let said = log_state(&mut h)[5].as_str().unwrap_or_default().to_owned();
    assert!(
        said.contains("today's log of 2 leaves extends the earlier checkpoint of 1"),
        "{said}"
    );

    // Text that is no checkpoint: the service's reason, said where the check is.
    h.browser.evaluate(
        "document.getElementById('log-earlier').value = 'a checkpoint, I promise';
         document.getElementById('log-form').requestSubmit()",
    );
    assert!(
        h.browser.poll(
            "document.getElementById('log-status').textContent.includes('not a signed checkpoint')",
            SOON
        ),
        "{}",
        log_state(&mut h)
    );
}
