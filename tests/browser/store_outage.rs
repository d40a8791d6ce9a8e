//! The banner's retry is what carries a decision across a database outage or failover end to
//! end (issue 12 §2): the real service on PostgreSQL, its database refusing connections when
//! the visitor decides, answers 503; the decision is applied and kept in the browser; once the
//! database is back, a later page view posts it again and it is stored once.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Harness, SOON, Setup};
use crate::retries::{all_records_once_settled, kept, statuses_read_by_the_page};
use crate::site::shop_registry;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
#[cfg_attr(
    all(chromium_tests, not(postgres_tests)),
    ignore = "no PostgreSQL: apt-get install -y postgresql"
)]
fn a_decision_made_while_the_database_is_down_is_stored_once_it_is_back() {
    let db = crate::common::postgres::database().unwrap_or_else(|missing| panic!("{missing}"));
    let setup = Setup {
        store: Some(db.url.clone()),
        ..Setup::default()
    };
    let mut h = Harness::start_set_up(shop_registry, setup);
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");

    db.allow_connections(false).expect("the database cut off");
    h.click("accept-all");
    assert!(h.banner_goes_away(), "the banner stays after accept all");
    let decision = h.wait_decision();
    let deadline = Instant::now() + SOON;
    while statuses_read_by_the_page(&mut h).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        statuses_read_by_the_page(&mut h),
        [json!(503)],
        "the service, without its database, answers 503"
    );
    let pending = kept(&mut h, &decision);
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('analytics')"),
        true,
        "the decision applies although it was not recorded"
    );

    db.allow_connections(true).expect("the database back");
    // The service reconnects by itself; the visitor just goes on browsing.
    let catalogue = h.shop_url().replace("/shop/product", "/shop/catalogue");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        h.open(&catalogue);
        std::thread::sleep(Duration::from_millis(700));
        if h.nothing_pending() || Instant::now() > deadline {
            break;
        }
    }
    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "exactly one record: {records:?}");
    assert_eq!(records[0]["decision_id"], pending["decision_id"]);
    assert_eq!(records[0]["consent_id"], decision["consent_id"]);
    assert_eq!(records[0]["action"], "accept-all");
    h.assert_no_exceptions();
}
