//! `/readyz`: whether a consent post would be stored now, for load balancers and orchestrators;
//! proven with a store that takes durable writes and with one whose disk is full.

use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::spawn_unlimited;
use crate::metrics::Samples;
use crate::service_process::{flood, limit_file_size, size_of, start};

#[actix_rt::test]
async fn readyz_names_the_store_and_when_it_last_took_a_durable_write() {
    let app = spawn_unlimited().await;
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);

    let ready = app.readyz().await;

    assert_eq!(ready.status, 200, "{}", ready.json);
    assert_eq!(ready.json["ready"], true);
    assert_eq!(ready.json["store"], "sled");
    let probed = ready.json["probed_at"].as_str().expect("a time");
    let probed =
        time::OffsetDateTime::parse(probed, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    assert!(probed >= before, "{probed} is the probe just made");
    let cache = ready
        .headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok());
    assert_eq!(cache, Some("no-store"));
}

#[actix_rt::test]
async fn readyz_answers_503_with_the_json_error_while_the_disk_is_full_and_200_once_it_is_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Rc::new(start(dir.path()));
    flood(service.clone(), 2, |s| s.len() >= 10).await;
    assert_eq!(service.get("/readyz", false).await.0, 200);

    limit_file_size(&service, Some(size_of(dir.path().join("data/sled/db"))));
    let (_, statuses) = flood(service.clone(), 4, |s| s.contains(&503) || s.len() > 50_000).await;
    let (status, headers, body) = service.get("/readyz", false).await;
    let (_, _, metrics) = service.get("/metrics", true).await;
    limit_file_size(&service, None);
    let started = Instant::now();
    let mut recovered = service.get("/readyz", false).await;
    while recovered.0 != 200 && started.elapsed() < Duration::from_secs(20) {
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        recovered = service.get("/readyz", false).await;
    }

    assert!(statuses.contains(&503), "the full disk refused a post");
    assert_eq!(status, 503, "{body}");
    let error: Value = serde_json::from_str(&body).expect("a JSON error");
    assert_eq!(error["error"], "store-unavailable");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{error}"
    );
    assert_eq!(
        headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let metrics = Samples::parse(&metrics);
    let failed = ["write", "flush"]
        .iter()
        .filter_map(|op| {
            metrics.get(
                "consentry_store_errors_total",
                &[("store", "sled"), ("operation", op)],
            )
        })
        .sum::<f64>();
    assert!(failed >= 1.0, "the storage failure is counted");
    assert_eq!(
        recovered.0, 200,
        "ready again once there is space: {}",
        recovered.2
    );
    let ready: Value = serde_json::from_str(&recovered.2).expect("JSON");
    assert_eq!(ready["ready"], true);
}
