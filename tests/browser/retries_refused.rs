//! A kept decision the service itself refuses: one refused with its own 429 is posted again
//! and recorded on a later page view; one it can never accept (400) is dropped rather than
//! posted forever.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use consentry::rate_limit::RateLimit;
use serde_json::{Value, json};

use crate::harness::{Harness, PENDING_KEY, SOON, Setup};
use crate::retries::{all_records_once_settled, kept, statuses_read_by_the_page};
use crate::site::shop_registry;

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_kept_decision_the_service_can_never_accept_is_dropped_rather_than_posted_forever() {
    let mut h = Harness::first_visit();
    let registry = h.service.registry();
    // Kept by an earlier page (the service has since lost the snapshot it names, say).
    let refused = json!({
        "consent_id": "lost_0123456789abcdefghijkl", "decision_id": "0123456789abcdef0123456789abcdef",
        "revision": registry["revision"], "shown": "0000000000000000", "accepted": ["necessary"],
        "action": "reject-all", "language": "en", "page": h.shop_url(),
    })
    .to_string();
    h.browser.evaluate(&format!(
        "localStorage.setItem({PENDING_KEY:?}, {refused:?})"
    ));

    h.open_shop();

    assert!(
        h.nothing_pending(),
        "a body refused with 400 is still kept: {:?}",
        h.pending()
    );
    let answered = statuses_read_by_the_page(&mut h);
    assert_eq!(
        answered,
        [json!(400)],
        "the kept decision was posted once, and refused"
    );
    assert_eq!(h.service.all_records(), Vec::<Value>::new());
    h.open_shop();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(h.consent_posts(), 1, "posted again after it was refused");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_decision_refused_with_429_is_recorded_on_a_later_page_view() {
    let setup = Setup {
        settings: Some(|s| {
            s.rate_limit = Some(RateLimit {
                per_second: 1,
                burst: 1,
            })
        }),
        ..Setup::default()
    };
    let mut h = Harness::start_set_up(shop_registry, setup);
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");

    // Someone else behind the visitor's address keeps the service's rate limit (one post a
    // second) used up: posting back to back, it takes each new allowance within a millisecond
    // or two, so the visitor's post finds none left.
    let service = h.service.origin.trim_start_matches("http://").to_owned();
    let busy = Arc::new(AtomicBool::new(true));
    let neighbour = {
        let busy = busy.clone();
        std::thread::spawn(move || {
            while busy.load(Ordering::SeqCst) {
                if let Ok(mut conn) = TcpStream::connect(&service) {
                    let _ = conn.write_all(
                        b"POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    let _ = conn.read_to_end(&mut Vec::new());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    h.click("accept-all");
    let decision = h.wait_decision();
    let deadline = Instant::now() + SOON;
    let answered = loop {
        let answered = statuses_read_by_the_page(&mut h);
        if !answered.is_empty() || Instant::now() >= deadline {
            break answered;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(answered, [json!(429)], "the post was not refused with 429");
    kept(&mut h, &decision);
    busy.store(false, Ordering::SeqCst);
    neighbour.join().expect("the neighbour stops");
    assert_eq!(h.service.all_records(), Vec::<Value>::new());

    // Once the limit has room again (one post a second), the next page view records it.
    std::thread::sleep(Duration::from_millis(1200));
    h.open_shop();

    let records = all_records_once_settled(&mut h);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["consent_id"], decision["consent_id"]);
}
