//! `serve --scan URL`: the scan on a schedule inside the service, its latest report at
//! `GET /api/v1/admin/scan` (JSON, or the HTML page), and a scan that fails reported there
//! while the service goes on.

use std::time::{Duration, Instant};

use consentry::scan::{ScanOptions, ScanSchedule};

use crate::fixture::{Fixture, Variant};
use crate::run::{chromium, one_browser_at_a_time};
use crate::service::Service;

/// A service that scans `start` (once: the next run is a day away).
fn scanning(registry: &str, start: &str) -> Service {
    Service::start_with(registry, |settings| {
        let mut options = ScanOptions::new(vec![start.to_owned()]);
        options.pages = 3;
        options.chromium = Some(chromium());
        settings.scan = Some(ScanSchedule {
            options,
            every: Duration::from_secs(86_400),
        });
    })
}

/// GET `path` with the admin token: status, Content-Security-Policy, body.
fn admin_get(service: &Service, path: &str) -> (u16, String, String) {
    let (status, headers, body) = service.admin_request(path);
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, csp, String::from_utf8_lossy(&body).into_owned())
}

/// Polls the scan endpoint until the first scan has ended (anything but 404).
fn first_outcome(service: &Service) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let (status, _, body) = admin_get(service, "/api/v1/admin/scan");
        if status != 404 || Instant::now() > deadline {
            return (status, body);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn the_service_scans_on_its_schedule_and_serves_the_latest_report_to_the_admin() {
    let _turn = one_browser_at_a_time();
    let fixture = Fixture::start(Variant::Full);
    let registry = std::fs::read_to_string(fixture.config()).expect("the fixture's registry");
    let service = scanning(&registry, &fixture.start_url());

    let (before, _, body) = admin_get(&service, "/api/v1/admin/scan");
    assert_eq!(before, 404, "no report before the first scan ends: {body}");
    assert!(body.contains("has not finished yet"), "{body}");

    let (status, body) = first_outcome(&service);
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).expect("the report as JSON");
    assert_eq!(report["start"][0], fixture.start_url());
    assert!(
        report["summary"]["violations"].as_u64() > Some(0),
        "{report}"
    );
    let names: Vec<&str> = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(names.contains(&"mystery_id"), "{names:?}");

    let (status, csp, html) = admin_get(&service, "/api/v1/admin/scan?format=html");
    assert_eq!(status, 200);
    assert!(html.contains("<code>mystery_id</code>"), "{html}");
    assert!(
        csp.contains("default-src 'none'"),
        "no script may run in the report: {csp}"
    );

    // Without the token the report is not there at all for the public.
    let (status, _) = service.get_json("/api/v1/admin/scan");
    assert_eq!(status, 401);
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_scan_that_fails_is_reported_and_the_service_goes_on() {
    let _turn = one_browser_at_a_time();
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let service = scanning(crate::common::SMALL, &format!("http://127.0.0.1:{port}/"));

    let (status, body) = first_outcome(&service);
    assert_eq!(status, 502, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["error"], "scan-failed", "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("could not be loaded")),
        "{error}"
    );
    let (health, _) = service.get_json("/healthz");
    assert_eq!(health, 200, "the service goes on");
}
