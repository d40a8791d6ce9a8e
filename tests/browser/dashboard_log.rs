//! The dashboard's places for the consent log (CONTRACT §7), which the store does not write
//! yet: a record read back with a `log` member shows its leaf index, and the evidence button
//! shows once `GET /api/v1/admin/consents/{id}/evidence` answers. Until the log lands, DevTools
//! stands in for it, adding `log` to the real history's answer and answering the evidence
//! path; once it lands, `dashboard.rs` checks both against the real service, and this test
//! can go.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::ADMIN_TOKEN;
use crate::harness::{Harness, SOON};

/// Answers the next request DevTools paused: the history with `log` added to each record,
/// the evidence path with an empty 200.
fn answer_paused(h: &mut Harness) {
    let paused = h.browser.wait_event("Fetch.requestPaused", SOON)["params"].clone();
    let request = paused["requestId"].clone();
    let url = paused["request"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let engine = base64::engine::general_purpose::STANDARD;
    let body = if url.contains("/evidence") {
        String::new()
    } else {
        let kept = h
            .browser
            .call("Fetch.getResponseBody", json!({"requestId": request}));
        let text = kept["body"].as_str().unwrap_or_default();
        let raw = if kept["base64Encoded"] == true {
            engine.decode(text).expect("base64")
        } else {
            text.as_bytes().to_vec()
        };
        let mut records: Vec<Value> = serde_json::from_slice(&raw).expect("the history");
        for (index, record) in records.iter_mut().enumerate() {
            record["log"] = json!({"index": 17 + index, "salt": "c2FsdHNhbHRzYWx0c2FsdA"});
        }
        serde_json::to_string(&records).expect("JSON")
    };
    h.browser.call(
        "Fetch.fulfillRequest",
        json!({
            "requestId": request, "responseCode": 200,
            "responseHeaders": [{"name": "Content-Type", "value": "application/json"}],
            "body": engine.encode(body),
        }),
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_record_with_its_log_shows_its_leaf_and_the_evidence_button_shows_once_offered() {
    let mut h = Harness::first_visit();
    h.click("accept-all");
    let id = h.wait_decision()["consent_id"]
        .as_str()
        .expect("a consent id")
        .to_owned();
    h.stored(&id, 1);
    h.browser.navigate(&format!("{}/admin", h.service.origin));
    h.browser.call(
        "Fetch.enable",
        json!({"patterns": [
            {"urlPattern": format!("*/api/v1/consents/{id}?*"), "requestStage": "Response"},
            {"urlPattern": "*/evidence", "requestStage": "Request"},
        ]}),
    );

    h.browser.evaluate(&format!(
        "document.getElementById('token').value = {ADMIN_TOKEN:?};
         document.getElementById('consent-id').value = {id:?};
         document.getElementById('lookup-form').requestSubmit();"
    ));
    answer_paused(&mut h);
    answer_paused(&mut h);

    assert!(
        h.browser
            .poll("!document.getElementById('evidence').hidden", SOON),
        "no evidence button once the service offers it: {}",
        h.browser
            .evaluate("document.getElementById('lookup-status').textContent")
    );
    let facts = h.browser.evaluate(
        "[...document.querySelectorAll('#records .record-facts dt')]
           .map((dt) => [dt.textContent, dt.nextElementSibling.textContent])",
    );
    let log = facts
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f[0] == "Consent log")
        .cloned();
    assert_eq!(log, Some(json!(["Consent log", "leaf 17"])), "{facts}");
}
