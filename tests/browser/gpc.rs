//! Global Privacy Control: the browser's signal answers for the visitor.

use serde_json::json;

use crate::harness::{Harness, SOON};

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn global_privacy_control_rejects_without_asking_records_gpc_and_says_so() {
    // With the floating button on, to see that it does not stand beside the notice.
    let mut h = Harness::start_with(crate::site::shop_registry_with_floating_button);
    h.browser.before_every_document(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', \
         { get: () => true, configurable: true });",
    );

    h.open_shop();

    let decision = h.wait_decision();
    assert!(
        h.banner_stays_hidden(std::time::Duration::from_millis(1000)),
        "the banner asks although the browser sent GPC"
    );
    assert_eq!(decision["accepted"], json!(["necessary"]), "{decision}");
    let id = decision["consent_id"]
        .as_str()
        .expect("consent_id")
        .to_owned();
    let record = h.stored(&id, 1).pop().unwrap();
    assert_eq!(record["action"], "gpc", "{record}");
    assert_eq!(
        record["categories"],
        json!({"necessary": true, "analytics": false, "marketing": false})
    );
    assert!(
        h.poll(
            r#"all("*").some((el) => visible(el) &&
                 /global privacy control|\bGPC\b|privacy signal/i.test(el.textContent))"#,
            SOON
        ),
        "no visible notice that the GPC signal was honoured"
    );
    assert_eq!(
        h.browser
            .evaluate("!!document.getElementById('consentry').shadowRoot.querySelector('.fab')"),
        false,
        "a floating settings button stands beside the notice's own settings button"
    );
    assert_eq!(h.browser.evaluate("window.__runs.analytics"), 0);

    // The visitor may still opt in, and that choice then holds.
    h.browser.evaluate("window.Consentry.show()");
    assert!(
        h.dialog_opens(),
        "Consentry.show() opens no dialog under GPC"
    );
    h.switch("analytics", true);
    h.click("save");
    assert!(h.dialog_closes(), "the dialog stays after save");
    assert!(
        h.browser.poll("window.__runs.analytics === 1", SOON),
        "opt-in did not run the tag"
    );
    let records = h.stored(&id, 2);
    assert_eq!(records[1]["categories"]["analytics"], true, "{records:?}");
    h.wait_delivered();
    h.open_shop();
    assert!(
        h.banner_stays_hidden(std::time::Duration::from_millis(1000)),
        "the banner asks after the opt-in"
    );
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('analytics')"),
        true,
        "the opt-in under GPC is lost on the next page"
    );
    assert_eq!(
        h.consent_posts(),
        2,
        "GPC was recorded again over the visitor's own choice"
    );
}
