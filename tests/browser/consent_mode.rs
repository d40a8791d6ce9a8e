//! Google Consent Mode v2: denied by default before any tag, updated on every decision.

use serde_json::Value;

use crate::harness::{Harness, SOON};

/// `window.dataLayer` with gtag's `arguments` objects turned into arrays.
const DATA_LAYER: &str = r#"(window.dataLayer || []).map((e) =>
  e && typeof e === "object" && typeof e.length === "number" ? Array.from(e) : e)"#;

fn data_layer(h: &mut Harness) -> Vec<Value> {
    h.browser
        .evaluate(DATA_LAYER)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Index and settings of every `gtag("consent", kind, settings)` entry.
fn consent_calls(layer: &[Value], kind: &str) -> Vec<(usize, Value)> {
    layer
        .iter()
        .enumerate()
        .filter(|(_, e)| e[0] == "consent" && e[1] == kind)
        .map(|(i, e)| (i, e[2].clone()))
        .collect()
}

fn event_index(layer: &[Value], event: &str) -> Option<usize> {
    layer.iter().position(|e| e["event"] == event)
}

const SIGNALS: [&str; 4] = [
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
];

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn consent_mode_defaults_to_denied_before_any_tag_then_updates_on_each_decision() {
    let mut h = Harness::first_visit();

    let layer = data_layer(&mut h);
    let defaults = consent_calls(&layer, "default");
    assert_eq!(defaults.len(), 1, "one consent default: {layer:?}");
    let (at, default) = &defaults[0];
    let page_script = event_index(&layer, "page_script_ran").expect("the page script ran");
    assert!(
        at < &page_script,
        "the default comes after a page script: {layer:?}"
    );
    for signal in SIGNALS {
        assert_eq!(
            default[signal], "denied",
            "{signal} in the default: {default}"
        );
    }
    for (signal, value) in default.as_object().expect("default settings") {
        if signal != "wait_for_update" && signal != "region" {
            assert_eq!(
                value, "denied",
                "every signal defaults to denied: {default}"
            );
        }
    }
    assert!(
        default["wait_for_update"].as_u64().is_some_and(|ms| ms > 0),
        "the default should wait for the visitor's update: {default}"
    );
    assert!(
        consent_calls(&layer, "update").is_empty(),
        "an update before any decision"
    );

    // Analytics only.
    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog");
    h.switch("analytics", true);
    h.click("save");
    assert!(
        h.browser.poll("window.__runs.analytics === 1", SOON),
        "the analytics tag never ran"
    );
    let layer = data_layer(&mut h);
    let updates = consent_calls(&layer, "update");
    assert_eq!(updates.len(), 1, "one update per decision: {layer:?}");
    let (update_at, update) = &updates[0];
    for (signal, wanted) in [
        ("analytics_storage", "granted"),
        ("ad_storage", "denied"),
        ("ad_user_data", "denied"),
        ("ad_personalization", "denied"),
    ] {
        assert_eq!(
            update[signal], wanted,
            "{signal}: the update follows google_consent: {update}"
        );
    }
    for (signal, value) in update.as_object().expect("update settings") {
        if signal != "analytics_storage" {
            assert_eq!(
                value, "denied",
                "only analytics_storage is granted: {update}"
            );
        }
    }
    let tag_at = event_index(&layer, "analytics_tag_ran").expect("tag event");
    assert!(
        consent_calls(&layer, "default")[0].0 < *update_at && update_at < &tag_at,
        "default, then update, then the tag: {layer:?}"
    );

    // Then everything.
    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click("accept-all");
    assert!(h.banner_goes_away(), "the dialog stays after accept all");
    assert!(
        h.browser.poll(
            &format!(
                "{DATA_LAYER}.filter((e) => e[0] === 'consent' && e[1] === 'update').length === 2"
            ),
            SOON
        ),
        "no second update after the second decision"
    );
    let layer = data_layer(&mut h);
    let updates = consent_calls(&layer, "update");
    let marketing_at = event_index(&layer, "marketing_tag_ran").expect("marketing tag event");
    assert!(
        updates[1].0 < marketing_at,
        "the marketing tag ran before the update that granted it: {layer:?}"
    );
    for signal in SIGNALS {
        assert_eq!(
            updates[1].1[signal], "granted",
            "{signal} after accept all: {layer:?}"
        );
    }
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn on_a_return_visit_the_update_comes_right_after_the_default_before_any_tag() {
    let mut h = Harness::first_visit();
    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog");
    h.switch("analytics", true);
    h.click("save");
    assert!(h.banner_goes_away(), "the dialog stays after save");

    h.open_shop();
    assert!(
        h.browser.poll("window.__runs.analytics === 1", SOON),
        "the granted analytics tag did not run on the return visit"
    );
    let layer = data_layer(&mut h);
    let defaults = consent_calls(&layer, "default");
    let updates = consent_calls(&layer, "update");
    assert_eq!(
        (defaults.len(), updates.len()),
        (1, 1),
        "one default and one update on a return visit: {layer:?}"
    );
    let (update_at, update) = &updates[0];
    assert_eq!(update["analytics_storage"], "granted", "{update}");
    assert_eq!(update["ad_storage"], "denied", "{update}");
    let page_script = event_index(&layer, "page_script_ran").expect("the page script ran");
    let tag = event_index(&layer, "analytics_tag_ran").expect("the tag ran");
    assert!(
        defaults[0].0 < *update_at && *update_at < page_script && *update_at < tag,
        "the returning visitor's decision must reach Consent Mode before any tag: {layer:?}"
    );
}
