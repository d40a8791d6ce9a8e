//! A decision the service did not acknowledge is kept in the visitor's browser and posted again
//! until it is (CONTRACT §4.4): through a proxy answering 503, a dropped connection, an offline
//! browser, a page left before the answer, a browser whose storage throws or is cleared; and a
//! repeat is stored once. The service's own refusals (429, 400) are in `retries_refused.rs`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::front::State;
use crate::harness::{Harness, PENDING_KEY, SOON, Setup};
use crate::site::shop_registry;

const CONSENTS: &str = "/api/v1/consents";

/// Waits until the proxy has answered `count` consent posts; their statuses.
#[track_caller]
fn posts_answered(h: &Harness, count: usize) -> Vec<Option<u16>> {
    let deadline = Instant::now() + SOON;
    loop {
        let answers = h.front().answers("POST", CONSENTS);
        if answers.len() >= count || Instant::now() >= deadline {
            assert_eq!(answers.len(), count, "consent posts through the proxy");
            return answers;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The statuses of the consent posts as the page read them (none for a post that failed).
pub fn statuses_read_by_the_page(h: &mut Harness) -> Vec<Value> {
    h.browser
        .events("Network.responseReceived")
        .iter()
        .filter(|e| {
            e["response"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with(CONSENTS))
        })
        .map(|e| e["response"]["status"].clone())
        .collect()
}

/// The one decision kept undelivered, checked to be the one the visitor just made.
#[track_caller]
pub fn kept(h: &mut Harness, decision: &Value) -> Value {
    let pending = h
        .pending()
        .unwrap_or_else(|| panic!("no decision kept under {PENDING_KEY} after a failed post"));
    assert_eq!(pending["consent_id"], decision["consent_id"], "{pending}");
    let id = pending["decision_id"].as_str().unwrap_or_default();
    assert!(
        (22..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "a decision_id of 22 to 64 URL-safe characters: {pending}"
    );
    pending
}

/// Every record the service holds, once the page has nothing left to deliver and a moment has
/// passed for a stray second post to land.
pub fn all_records_once_settled(h: &mut Harness) -> Vec<Value> {
    assert!(
        h.nothing_pending(),
        "the decision is still kept undelivered: {:?}",
        h.pending()
    );
    std::thread::sleep(Duration::from_millis(500));
    h.service.all_records()
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_made_while_the_service_answers_503_is_recorded_on_the_next_page_view_once_it_answers_again()
 {
    let mut h = Harness::behind_front();
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");

    h.front().set(State::Down);
    h.click("accept-all");

    assert!(h.banner_goes_away(), "the banner stays after accept all");
    let decision = h.wait_decision();
    assert!(
        h.consent_cookie().is_some(),
        "no consentry cookie while down"
    );
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('marketing')"),
        true,
        "the decision applies in the page although it was not recorded"
    );
    assert_eq!(posts_answered(&h, 1), [Some(503)]);
    assert_eq!(
        statuses_read_by_the_page(&mut h),
        [json!(503)],
        "the page could not read the proxy's 503"
    );
    let pending = kept(&mut h, &decision);
    assert_eq!(pending["action"], "accept-all");
    assert_eq!(h.service.all_records(), Vec::<Value>::new());

    // Another page while the service is still unreachable: posted again, refused again, kept.
    let catalogue = h.shop_url().replace("/shop/product", "/shop/catalogue");
    h.open(&catalogue);
    assert_eq!(posts_answered(&h, 2), [Some(503), Some(503)]);
    assert_eq!(
        h.pending(),
        Some(pending.clone()),
        "the kept decision changed"
    );
    assert_eq!(h.service.all_records(), Vec::<Value>::new());

    h.front().set(State::Up);
    h.open_shop();

    assert_eq!(posts_answered(&h, 3)[2], Some(201));
    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "exactly one record: {records:?}");
    let record = &records[0];
    assert_eq!(record["consent_id"], decision["consent_id"]);
    assert_eq!(record["decision_id"], pending["decision_id"], "{record}");
    assert_eq!(record["action"], "accept-all");
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
fn a_repeat_is_never_stored_twice() {
    let mut h = Harness::behind_front();
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");
    h.front().set(State::Down);
    h.click("reject-all");
    let decision = h.wait_decision();
    posts_answered(&h, 1);
    kept(&mut h, &decision);
    // The page has read the 503 (its timing entry comes once the answer's body is in), so the
    // banner has no post out and will answer the `online` event below.
    assert!(
        h.browser.poll(
            &format!(
                "performance.getEntriesByType('resource').some(e => e.name.endsWith('{CONSENTS}'))"
            ),
            SOON
        ),
        "the page never saw the 503"
    );
    std::thread::sleep(Duration::from_millis(100));
    h.front().set(State::Up);

    // The kept decision arrives four times at once: three tabs retrying it, and this page's
    // banner, which the browser tells it is back online.
    let statuses = h.browser.evaluate(&format!(
        r#"(async () => {{
          const body = localStorage.getItem({PENDING_KEY:?});
          const tabs = [1, 2, 3].map(() => fetch({origin:?} + "{CONSENTS}", {{ method: "POST", body }}).then(r => r.status));
          window.dispatchEvent(new Event("online"));
          return Promise.all(tabs);
        }})()"#,
        origin = h.front().origin,
    ));

    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "a repeat was stored again: {records:?}");
    assert_eq!(records[0]["action"], "reject-all");
    let mut answered: Vec<u16> = posts_answered(&h, 5)[1..]
        .iter()
        .map(|s| s.expect("answered"))
        .collect();
    answered.sort();
    assert_eq!(
        answered,
        [200, 200, 200, 201],
        "one post stores, the repeats are answered 200 (the tabs saw {statuses})"
    );

    // The next page has nothing left to post.
    h.open_shop();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(h.front().answers("POST", CONSENTS).len(), 5);
    assert_eq!(h.service.all_records().len(), 1);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_whose_connection_dropped_is_recorded_on_the_next_page_view() {
    let mut h = Harness::behind_front();
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");

    h.front().set(State::Dropping);
    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no preferences dialog");
    h.switch("analytics", true);
    h.click("save");
    let decision = h.wait_decision();
    assert_eq!(
        posts_answered(&h, 1),
        [None],
        "the connection was not dropped"
    );
    kept(&mut h, &decision);
    assert_eq!(h.service.all_records(), Vec::<Value>::new());

    h.front().set(State::Up);
    h.open_shop();

    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["action"], "custom");
    assert_eq!(
        records[0]["categories"],
        json!({"necessary": true, "analytics": true, "marketing": false})
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_made_offline_is_recorded_as_soon_as_the_browser_is_back_online() {
    let mut h = Harness::first_visit();
    let offline = |h: &mut Harness, offline: bool| {
        h.browser.call(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        );
    };

    offline(&mut h, true);
    h.click("accept-all");
    let decision = h.wait_decision();
    let deadline = Instant::now() + SOON;
    while h.browser.events("Network.loadingFailed").is_empty() {
        assert!(Instant::now() < deadline, "the offline post did not fail");
        std::thread::sleep(Duration::from_millis(50));
    }
    kept(&mut h, &decision);
    assert_eq!(h.service.all_records(), Vec::<Value>::new());
    // A moment for the page to settle the failed post: a retry is skipped while one is out.
    std::thread::sleep(Duration::from_millis(200));

    // No new page view: the browser's `online` event is enough.
    offline(&mut h, false);

    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["consent_id"], decision["consent_id"]);
    assert_eq!(records[0]["action"], "accept-all");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_whose_answer_the_page_did_not_wait_for_is_posted_again_and_stored_once() {
    let mut h = Harness::behind_front();
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");

    // Accept and leave at once on a slow network: the post outlives the page, which never
    // learns that it was stored. Two seconds: under CI's load, leaving the page once took
    // longer than 400 ms, so the page read the 201 and had nothing left to post again.
    h.latency(2000);
    h.eval(r#"target("accept-all").click()"#);
    h.browser.navigate("about:blank");
    assert_eq!(posts_answered(&h, 1), [Some(201)]);
    h.latency(0);

    h.open_shop();

    assert_eq!(
        posts_answered(&h, 2),
        [Some(201), Some(200)],
        "the next page view posts the unacknowledged decision again, and the service knows it"
    );
    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["action"], "accept-all");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_browser_whose_storage_throws_still_applies_and_records_the_decision() {
    let mut h = Harness::start();
    // Storage switched off: reading `localStorage` throws, as in Safari with storage blocked.
    h.browser.before_every_document(
        r#"Object.defineProperty(window, "localStorage", {
             get() { throw new DOMException("The operation is insecure.", "SecurityError"); } });"#,
    );
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner when storage throws");

    h.click("accept-all");

    assert!(h.banner_goes_away(), "the banner stays after accept all");
    let decision = h.wait_decision();
    assert_eq!(h.record_of(&decision)["action"], "accept-all");
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn deleting_a_refused_categorys_storage_keeps_the_undelivered_decision() {
    // Every local-storage key of the site declared as marketing's, by a pattern.
    let registry = |origins: &[String]| {
        format!(
            "{}\n[[cookie]]\nname = \"*\"\nkind = \"local-storage\"\ncategory = \"marketing\"\n\
             purpose = \"Remembers campaigns.\"\nexpires = \"1 year\"\n",
            shop_registry(origins)
        )
    };
    let setup = Setup {
        front: true,
        ..Setup::default()
    };
    let mut h = Harness::start_set_up(registry, setup);
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");
    h.browser
        .evaluate("localStorage.setItem('campaign', 'spring')");
    h.front().set(State::Down);
    h.click("reject-all");
    let decision = h.wait_decision();
    posts_answered(&h, 1);

    // The next page view deletes marketing's storage again, then retries.
    h.open_shop();

    assert_eq!(
        h.browser.evaluate("localStorage.getItem('campaign')"),
        Value::Null,
        "the refused category's storage stays"
    );
    posts_answered(&h, 2);
    kept(&mut h, &decision);
    h.front().set(State::Up);
    h.open_shop();
    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["action"], "reject-all");
}
