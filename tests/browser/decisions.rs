//! The three ways to decide, what the browser then keeps and what the service stores; and the
//! two ways not to decide.

use serde_json::json;

use crate::harness::{Harness, SOON};

fn accepted(decision: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = decision["accepted"]
        .as_array()
        .unwrap_or_else(|| panic!("no accepted list in {decision}"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn accepting_all_grants_every_category_hides_the_banner_and_is_recorded() {
    let mut h = Harness::first_visit();

    h.click("accept-all");

    assert!(h.banner_goes_away(), "the banner stays after accept all");
    let decision = h.wait_decision();
    assert_eq!(accepted(&decision), ["analytics", "marketing", "necessary"]);
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('marketing')"),
        true
    );
    let changes = h.browser.evaluate("window.__changes");
    assert_eq!(
        changes.as_array().map(Vec::len),
        Some(1),
        "consentry:change should fire once: {changes}"
    );
    assert_eq!(
        changes[0], decision,
        "the event's detail is the decision, as Consentry.get() gives it"
    );
    let cookie = h
        .consent_cookie()
        .expect("a consentry cookie after accept all");
    assert_eq!(cookie["sameSite"], "Lax", "consentry cookie: {cookie}");
    let record = h.record_of(&decision);
    assert_eq!(record["action"], "accept-all", "{record}");
    assert_eq!(
        record["categories"],
        json!({"necessary": true, "analytics": true, "marketing": true})
    );
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn rejecting_all_keeps_only_the_required_category_and_is_recorded() {
    let mut h = Harness::first_visit();

    h.click("reject-all");

    assert!(h.banner_goes_away(), "the banner stays after reject all");
    let decision = h.wait_decision();
    assert_eq!(accepted(&decision), ["necessary"]);
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('analytics')"),
        false
    );
    assert!(
        h.consent_cookie().is_some(),
        "no consentry cookie after reject all"
    );
    let record = h.record_of(&decision);
    assert_eq!(record["action"], "reject-all", "{record}");
    assert_eq!(
        record["categories"],
        json!({"necessary": true, "analytics": false, "marketing": false})
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn customising_saves_exactly_the_categories_the_visitor_switched_on() {
    let mut h = Harness::first_visit();

    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no preferences dialog");
    assert_eq!(
        h.switches(),
        json!({
            "necessary": {"checked": true, "disabled": true},
            "analytics": {"checked": false, "disabled": false},
            "marketing": {"checked": false, "disabled": false},
        }),
        "required categories are on and locked, optional ones start off"
    );
    h.switch("analytics", true);
    h.click("save");

    assert!(h.banner_goes_away(), "the banner stays after save");
    let decision = h.wait_decision();
    assert_eq!(accepted(&decision), ["analytics", "necessary"]);
    let record = h.record_of(&decision);
    assert_eq!(record["action"], "custom", "{record}");
    assert_eq!(
        record["categories"],
        json!({"necessary": true, "analytics": true, "marketing": false})
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn escape_and_the_close_button_record_nothing() {
    let mut h = Harness::first_visit();

    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no preferences dialog");
    h.switch("analytics", true);
    h.browser.press(crate::cdp_commands::Key::Escape);
    assert!(h.dialog_closes(), "Escape does not close the dialog");
    assert!(
        h.banner_shows(SOON),
        "after Escape the visitor has not decided, so the first layer should still ask"
    );

    h.click("customize");
    assert!(h.dialog_opens(), "customize does not open the dialog again");
    let close = h.eval(
        r#"(() => {
        const p = prefs();
        const el = all("button, [role=button]").filter(visible).find((b) => p.contains(b) &&
          (b.dataset.action === "close" ||
           /close|dismiss|fermer/i.test(b.getAttribute("aria-label") || "") ||
           /^(×|✕|close)$/i.test((b.textContent || "").trim())));
        return el ? centre(el) : null;
      })()"#,
    );
    let [x, y] = [close[0].as_f64(), close[1].as_f64()];
    let (Some(x), Some(y)) = (x, y) else {
        panic!("the preferences dialog has no visible close button");
    };
    h.browser.click_at(x, y);
    assert!(
        h.dialog_closes(),
        "the close button does not close the dialog"
    );

    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(h.consent_posts(), 0, "closing or Escape posted a consent");
    assert!(
        h.consent_cookie().is_none(),
        "closing or Escape set a cookie"
    );
    assert!(h.decision().is_null(), "closing or Escape made a decision");
    assert_eq!(h.browser.evaluate("window.__changes.length"), 0);
    assert_eq!(h.browser.evaluate("window.__runs.analytics"), 0);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_record_stored_by_the_service_matches_what_the_visitor_chose_and_saw() {
    let mut h = Harness::start();
    let url = h.shop_url();
    h.open(&format!(
        "{url}?utm_source=newsletter&email=someone%40example.com"
    ));
    assert!(h.banner_shows(SOON), "no banner on a first visit");
    let registry = h.service.registry();

    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no preferences dialog");
    h.switch("marketing", true);
    h.click("save");
    let decision = h.wait_decision();

    let id = decision["consent_id"]
        .as_str()
        .expect("consent_id")
        .to_owned();
    assert!(
        id.len() >= 22,
        "a consent_id of at least 128 random bits: {id:?}"
    );
    assert_eq!(decision["revision"], registry["revision"]);
    let record = h.stored(&id, 1).pop().unwrap();
    assert_eq!(record["consent_id"], id.as_str());
    assert_eq!(record["revision"], registry["revision"], "{record}");
    assert_eq!(record["shown"], registry["shown"]["en"], "{record}");
    assert_eq!(record["action"], "custom");
    assert_eq!(record["language"], "en");
    assert_eq!(
        record["page"],
        url.as_str(),
        "origin and path, never the query"
    );
    assert_eq!(
        record["categories"],
        json!({"necessary": true, "analytics": false, "marketing": true})
    );
    assert_eq!(record["ip_prefix"], "127.0.0.0/24");
    assert!(
        record["user_agent"]
            .as_str()
            .is_some_and(|ua| ua.contains("Chrome")),
        "{record}"
    );
    for field in ["recorded_at", "expires_at"] {
        assert!(record[field].is_string(), "no {field} in {record}");
    }

    // A second decision is kept under the same id, after the first.
    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click("accept-all");
    assert!(h.banner_goes_away(), "the dialog stays after accept all");
    let records = h.stored(&id, 2);
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[1]["action"], "accept-all");
    assert_eq!(
        h.decision()["consent_id"],
        id.as_str(),
        "the visitor keeps one id"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_made_just_before_leaving_the_page_is_still_recorded() {
    let mut h = Harness::first_visit();

    // On a slow network, accept and leave at once, before the post can have been answered:
    // the post must survive the unload.
    h.latency(400);
    h.eval(r#"target("accept-all").click()"#);
    h.browser.navigate("about:blank");

    let deadline = std::time::Instant::now() + SOON;
    let records = loop {
        let records = h.service.all_records();
        if !records.is_empty() || std::time::Instant::now() >= deadline {
            break records;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(
        records.len(),
        1,
        "the decision was lost with the page: {records:?}"
    );
    assert_eq!(records[0]["action"], "accept-all");

    // Back on the site, the visitor's id is the one the service stored, although its answer
    // never reached the page: a later decision continues the same history.
    h.latency(0);
    h.open_shop();
    let decision = h.decision();
    assert_eq!(
        decision["consent_id"], records[0]["consent_id"],
        "the page kept another id than the stored decision's"
    );
    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click("reject-all");
    let id = decision["consent_id"].as_str().expect("consent_id");
    let history: Vec<_> = h
        .stored(id, 2)
        .iter()
        .map(|r| r["action"].clone())
        .collect();
    assert_eq!(history, [json!("accept-all"), json!("withdraw")]);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn decisions_made_before_any_answer_share_one_visitor_id() {
    let mut h = Harness::first_visit();

    // A slow network: the second decision is made before the first post is answered.
    h.latency(600);
    h.click("reject-all");
    let first = h.decision();
    let id = first["consent_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no visitor id right after the decision: {first}"))
        .to_owned();
    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click("accept-all");
    assert_eq!(
        h.decision()["consent_id"],
        json!(id),
        "the second decision started another history"
    );
    assert_eq!(h.consent_answers().len(), 2, "both posts left at once");

    let history: Vec<_> = h
        .stored(&id, 2)
        .iter()
        .map(|r| r["action"].clone())
        .collect();
    assert_eq!(
        history,
        [json!("reject-all"), json!("accept-all")],
        "the service holds the visitor's whole history under one id"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_made_in_another_tab_meanwhile_lends_this_one_its_visitor_id() {
    let mut h = Harness::first_visit();

    // Another tab of the site decided while this one still shows the banner.
    let other = "othertab_0123456789abcdefghij";
    h.browser.evaluate(&format!(
        r#"document.cookie = "consentry=" + encodeURIComponent(JSON.stringify({{
             consent_id: "{other}", revision: "earlier", accepted: ["necessary"],
             decided_at: new Date().toISOString() }})) + "; path=/""#
    ));
    h.click("accept-all");

    let decision = h.decision();
    assert_eq!(
        decision["consent_id"], other,
        "this tab started a second history"
    );
    assert_eq!(h.record_of(&decision)["action"], "accept-all");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_on_a_page_whose_path_is_very_long_is_recorded_with_the_page_cut() {
    let mut h = Harness::first_visit();
    // 1,370 é in the path: 8,220 bytes as the browser encodes it, more than a post may carry.
    h.browser
        .evaluate("history.replaceState(null, '', '/shop/' + '\\u00e9'.repeat(1370))");

    h.click("reject-all");

    let decision = h.wait_decision();
    let record = h.record_of(&decision);
    let page = record["page"].as_str().expect("a page");
    assert!(page.contains("/shop/%C3%A9%C3%A9"), "{page}");
    assert!(page.len() <= 2048, "{} bytes", page.len());
}
