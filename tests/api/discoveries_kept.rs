//! What the store keeps of a discovery report, read from the sled files themselves with the
//! service gone: the name's history, and nothing of the visitor who reported it.

use std::time::Duration;

use serde_json::Value;

use crate::discoveries::{discovering, report};
use crate::service_process::{ORIGIN, Service, start};

const USER_AGENT: &str = "DiscoveryProbe/9.9 (ua-marker-7f3a)";
const COOKIE_VALUE: &str = "visitor-secret-cookie-value";

/// Starts the service on a discovering registry in `dir` and posts one report the way a
/// browser would, with everything a request says about its visitor.
async fn report_once(dir: &std::path::Path) -> Service {
    std::fs::write(dir.join("cookies.toml"), discovering()).expect("write registry");
    let service = start(dir);
    let body = report(
        "/account?token=query-secret",
        &[("_hjid", "cookie"), ("ajs_anonymous_id", "local-storage")],
    );
    let res = service
        .client
        .post(service.url("/api/v1/discoveries"))
        .insert_header(("Origin", ORIGIN))
        .insert_header(("Content-Type", "text/plain;charset=UTF-8"))
        .insert_header(("User-Agent", USER_AGENT))
        .insert_header(("Cookie", format!("sid={COOKIE_VALUE}")))
        .insert_header((
            "Referer",
            "https://www.example.com/account?token=referer-secret",
        ))
        .send_body(body.to_string())
        .await
        .expect("posted");
    assert_eq!(res.status().as_u16(), 204);
    service
}

/// Every key and value of every tree of the stopped service's database, by tree.
fn read_store(dir: &std::path::Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let db = sled::open(dir.join("data/sled")).expect("the stopped service's database opens");
    let mut out = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).expect("a tree");
        for entry in tree.iter() {
            let (k, v) = entry.expect("an entry");
            out.push((
                String::from_utf8_lossy(&name).into_owned(),
                k.to_vec(),
                v.to_vec(),
            ));
        }
    }
    out
}

fn discoveries(store: &[(String, Vec<u8>, Vec<u8>)]) -> Vec<(String, Value)> {
    store
        .iter()
        .filter(|(tree, _, _)| tree == "discoveries-v1")
        .map(|(_, k, v)| {
            let key = String::from_utf8_lossy(k).replace('\0', " ");
            (key, serde_json::from_slice(v).expect("a JSON value"))
        })
        .collect()
}

#[actix_rt::test]
async fn a_report_is_on_disk_once_the_flusher_has_been_idle_even_if_the_service_is_killed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = report_once(dir.path()).await;
    // No consent post comes to flush it along: the idle flusher does, within 200 ms.
    actix_rt::time::sleep(Duration::from_millis(800)).await;

    service.kill();

    let kept = discoveries(&read_store(dir.path()));
    let keys: Vec<&str> = kept.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "www.example.com cookie _hjid",
            "www.example.com local-storage ajs_anonymous_id"
        ]
    );
}

#[actix_rt::test]
async fn the_store_keeps_the_names_history_and_nothing_of_the_visitor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = report_once(dir.path()).await;
    actix_rt::time::sleep(Duration::from_millis(800)).await;
    service.kill();

    let store = read_store(dir.path());

    let kept = discoveries(&store);
    assert_eq!(kept.len(), 2, "the report is not on disk");
    for (_, value) in kept {
        let fields: Vec<&String> = value.as_object().expect("an object").keys().collect();
        assert_eq!(
            fields,
            ["first_seen", "last_seen", "pages", "times_seen"],
            "{value}"
        );
        assert_eq!(value["pages"], serde_json::json!(["/account"]));
    }
    for (tree, key, value) in &store {
        let text = format!(
            "{} {}",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(value)
        );
        for visitor in [
            "ua-marker-7f3a",
            "DiscoveryProbe",
            COOKIE_VALUE,
            "127.0.0",
            "query-secret",
            "referer-secret",
        ] {
            assert!(!text.contains(visitor), "{tree} keeps {visitor:?}: {text}");
        }
    }
    assert!(
        store.iter().all(|(tree, _, _)| tree != "records-v1"),
        "a report is no consent record"
    );
}
