//! `GET /api/v1/registry`, `/healthz`, `/.well-known/gpc.json`, the demo page and JSON errors.

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn the_registry_json_has_everything_a_client_needs() {
    let app = spawn_app(SMALL).await;
    let json = app.registry().await;
    assert_eq!(json["site"]["name"]["en"], "Example");
    assert_eq!(json["site"]["url"], "https://www.example.com");
    assert_eq!(json["site"]["consent_days"], 182);
    assert_eq!(json["site"]["honor_gpc"], true);
    assert_eq!(json["languages"], serde_json::json!(["en", "fr"]));
    let revision = json["revision"].as_str().unwrap();
    assert_eq!(revision.len(), 8);
    for lang in ["en", "fr"] {
        let shown = json["shown"][lang].as_str().unwrap();
        assert_eq!(shown.len(), 16, "shown hash of {lang}");
    }
    assert_ne!(json["shown"]["en"], json["shown"]["fr"]);
    assert_eq!(json["categories"][1]["id"], "analytics");
    assert_eq!(json["categories"][1]["title"]["fr"], "Mesure d'audience");
    assert_eq!(
        json["categories"][1]["google_consent"],
        serde_json::json!(["analytics_storage"])
    );
    assert_eq!(json["categories"][0]["required"], true);
    assert_eq!(json["cookies"][1]["name"], "_ga");
    assert_eq!(json["cookies"][1]["expires"], "13 months");
    assert_eq!(json["cookies"][1]["kind"], "cookie");
}

#[actix_web::test]
async fn the_registry_is_revalidated_with_its_etag() {
    let app = spawn_app(SMALL).await;
    let (status, headers, _) = app.get("/api/v1/registry").await;
    assert_eq!(status, 200);
    let etag = headers
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag {etag}"
    );
    let res = app
        .client
        .get(app.url("/api/v1/registry"))
        .insert_header(("If-None-Match", etag.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);
    assert_eq!(res.headers().get("etag").unwrap().to_str().unwrap(), etag);
    let res = app
        .client
        .get(app.url("/api/v1/registry"))
        .insert_header(("If-None-Match", "\"stale\""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

#[actix_web::test]
async fn health_is_ok_when_the_store_is_writable() {
    let app = spawn_app(SMALL).await;
    let (status, _, body) = app.healthz().await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[actix_web::test]
async fn a_flood_of_health_checks_shares_one_probe_write_a_second() {
    let app = spawn_app(SMALL).await;
    let probed_at = |headers: &awc::http::header::HeaderMap| {
        headers
            .get("consentry-probed-at")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    let burst = futures_util::future::join_all((0..64).map(|_| app.healthz())).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, later, _) = app.healthz().await;

    assert!(
        burst
            .iter()
            .all(|(status, _, body)| *status == 200 && body == "ok")
    );
    let mut probes: Vec<String> = burst.iter().filter_map(|(_, h, _)| probed_at(h)).collect();
    assert_eq!(probes.len(), 64, "every answer names its probe");
    probes.sort();
    probes.dedup();
    assert!(
        probes.len() <= 2,
        "64 checks made {} probe writes",
        probes.len()
    );
    let later = probed_at(&later).expect("named");
    assert!(
        probes.iter().all(|p| *p < later),
        "a check a second later probes anew"
    );
}

#[actix_web::test]
async fn the_demo_page_links_the_policy() {
    let app = spawn_app(SMALL).await;
    let (status, headers, body) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains("href=\"/cookie-policy\""), "{body}");
}

#[actix_web::test]
async fn unknown_paths_get_a_json_error() {
    let app = spawn_app(SMALL).await;
    let (status, headers, body) = app.get("/no/such/thing").await;
    assert_eq!(status, 404);
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "not-found");
    assert!(json["message"].as_str().unwrap().contains("/no/such/thing"));
}

#[actix_rt::test]
async fn gpc_json_announces_support_when_the_registry_honours_it() {
    let site = "languages = [\"en\", \"fr\"]";
    let dated = SMALL.replace(site, &format!("{site}\nupdated = 2026-11-01"));
    let honours = spawn_app_configured(&dated, |_| {}).await;
    let ignores = spawn_app_configured(
        &SMALL.replace(site, &format!("{site}\nhonor_gpc = false")),
        |_| {},
    )
    .await;

    let support = honours.get_json("/.well-known/gpc.json").await;
    let (status, _, _) = ignores.get("/.well-known/gpc.json").await;

    assert_eq!(support, json!({"gpc": true, "lastUpdate": "2026-11-01"}));
    assert_eq!(status, 404);
}
