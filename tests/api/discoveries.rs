//! `POST /api/v1/discoveries` and `GET /api/v1/admin/discoveries`: the undeclared names that
//! visitors' pages report (`[banner] discover = true`), kept per name, kind and host.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Answer, ORIGIN, SMALL, TestApp, spawn_app_configured};
use crate::reload::RELOAD_DEADLINE;

/// `SMALL` with discovery on: it declares the cookies `sid` and `_ga`.
pub(crate) fn discovering() -> String {
    format!("{SMALL}\n[banner]\ndiscover = true\n")
}

async fn spawn_discovering() -> TestApp {
    spawn_app_configured(&discovering(), |s| s.rate_limit = None).await
}

/// A report as the banner sends it from `page` of the registry's site.
pub(crate) fn report(page: &str, items: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|(name, kind)| json!({"name": name, "kind": kind}))
        .collect();
    json!({"host": "www.example.com", "page": format!("https://www.example.com{page}"), "items": items})
}

async fn post(app: &TestApp, body: &Value) -> Answer {
    app.post_discovery(body, Some(ORIGIN), &[]).await
}

/// The names and kinds listed.
fn names(listed: &[Value]) -> BTreeSet<(String, String)> {
    listed
        .iter()
        .map(|e| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (text(&e["name"]), text(&e["kind"]))
        })
        .collect()
}

/// The listed entry of `name` and `kind`.
fn entry<'a>(listed: &'a [Value], name: &str, kind: &str) -> Option<&'a Value> {
    listed
        .iter()
        .find(|e| e["name"] == name && e["kind"] == kind)
}

#[actix_rt::test]
async fn reported_names_are_kept_per_name_kind_and_host_and_listed() {
    let app = spawn_discovering().await;

    let first = post(
        &app,
        &report(
            "/shop?utm_source=mail#top",
            &[("_hjid", "cookie"), ("ajs_user_id", "local-storage")],
        ),
    )
    .await;
    let second = post(
        &app,
        &report("/cart;jsessionid=0A1B", &[("_hjid", "cookie")]),
    )
    .await;

    assert_eq!(first.status, 204, "{}", first.json);
    assert_eq!(second.status, 204, "{}", second.json);
    assert_eq!(
        first
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN),
        "the banner's page may read the answer"
    );
    let listed = app.discoveries().await;
    assert_eq!(listed.len(), 2, "{listed:#?}");
    let hjid = entry(&listed, "_hjid", "cookie").expect("_hjid is listed");
    assert_eq!(hjid["host"], "www.example.com");
    assert_eq!(hjid["times_seen"], 2);
    assert_eq!(
        hjid["pages"],
        json!(["/shop", "/cart"]),
        "paths only, no query"
    );
    assert!(hjid["first_seen"].as_str() <= hjid["last_seen"].as_str());
    let ajs = entry(&listed, "ajs_user_id", "local-storage").expect("a storage key is listed");
    assert_eq!(ajs["times_seen"], 1);
    assert_eq!(
        listed[0]["name"], "_hjid",
        "the most recently seen comes first"
    );
}

#[actix_rt::test]
async fn names_the_registry_declares_are_not_counted() {
    let app = spawn_discovering().await;

    let answer = post(
        &app,
        &report(
            "/",
            &[
                ("_ga", "cookie"),
                ("sid", "cookie"),
                ("consentry", "cookie"),
                ("sid", "local-storage"),
                ("_hjid", "cookie"),
            ],
        ),
    )
    .await;

    assert_eq!(answer.status, 204, "{}", answer.json);
    let listed = names(&app.discoveries().await);
    let expected: BTreeSet<(String, String)> = [("_hjid", "cookie"), ("sid", "local-storage")]
        .map(|(n, k)| (n.to_owned(), k.to_owned()))
        .into();
    assert_eq!(
        listed, expected,
        "a cookie named sid is declared, a storage key is not"
    );
}

#[actix_rt::test]
async fn declaring_a_reported_name_and_reloading_takes_it_off_the_list() {
    let app = spawn_discovering().await;
    let answer = post(
        &app,
        &report("/", &[("_hjid", "cookie"), ("_clck", "cookie")]),
    )
    .await;
    assert_eq!(answer.status, 204, "{}", answer.json);
    assert_eq!(app.discoveries().await.len(), 2);

    app.save_registry(&format!(
        "{}\n[[cookie]]\nname = \"_hj*\"\ncategory = \"analytics\"\nprovider = \"Hotjar\"\npurpose = \"Counts visits.\"\nexpires = \"1 year\"\n",
        discovering()
    ));

    let gone = app
        .eventually(RELOAD_DEADLINE, || async {
            names(&app.discoveries().await)
                == BTreeSet::from([("_clck".to_owned(), "cookie".to_owned())])
        })
        .await;
    assert!(gone, "still listed: {:#?}", app.discoveries().await);
}

#[actix_rt::test]
async fn a_report_from_outside_the_registrys_origins_is_refused_with_403_and_kept_nowhere() {
    let app = spawn_discovering().await;
    let body = report("/", &[("_hjid", "cookie")]);

    let foreign = app
        .post_discovery(&body, Some("https://evil.example"), &[])
        .await;
    let missing = app.post_discovery(&body, None, &[]).await;

    for answer in [&foreign, &missing] {
        assert_eq!(answer.status, 403, "{}", answer.json);
        assert_eq!(answer.json["error"], "forbidden");
    }
    assert!(foreign.headers.get("access-control-allow-origin").is_none());
    assert!(app.discoveries().await.is_empty());
}

#[actix_rt::test]
async fn a_bad_report_is_refused_naming_its_field_and_nothing_of_it_is_kept() {
    let app = spawn_discovering().await;
    let fifty_one: Vec<String> = (0..51).map(|i| format!("n{i}")).collect();
    let fifty_one: Vec<(&str, &str)> = fifty_one.iter().map(|n| (n.as_str(), "cookie")).collect();
    let cases = [
        (
            report("/", &[("_hjid", "cookie"), ("a=b", "cookie")]),
            "invalid-name",
            "items[1].name",
        ),
        (
            report("/", &[("_hjid", "cookie"), ("has space", "cookie")]),
            "invalid-name",
            "items[1].name",
        ),
        (report("/", &fifty_one), "too-many-items", "items"),
        (
            report("/", &[("_hjid", "cookie"), ("_hjid", "indexeddb")]),
            "invalid-kind",
            "items[1].kind",
        ),
        (
            json!({"host": "junk.example", "page": "https://junk.example/", "items": [{"name": "x", "kind": "cookie"}]}),
            "unknown-host",
            "host",
        ),
        (
            json!({"host": "www.example.com", "page": "https://www.example.com/", "items": [], "value": "secret"}),
            "invalid-report",
            "body",
        ),
    ];
    for (body, code, field) in cases {
        let answer = post(&app, &body).await;

        assert_eq!(answer.status, 400, "{body}: {}", answer.json);
        assert_eq!(answer.json["error"], code, "{}", answer.json);
        assert_eq!(answer.json["field"], field, "{}", answer.json);
        let message = answer.json["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(field) || code == "invalid-report",
            "{message}"
        );
    }
    assert!(
        app.discoveries().await.is_empty(),
        "the valid names of a refused report were kept"
    );
}

#[actix_rt::test]
async fn with_discover_off_a_report_is_refused_and_kept_nowhere() {
    let app = spawn_app_configured(SMALL, |s| s.rate_limit = None).await;

    let answer = post(&app, &report("/", &[("_hjid", "cookie")])).await;

    assert_eq!(answer.status, 403, "{}", answer.json);
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("discover = true")),
        "{}",
        answer.json
    );
    assert!(app.discoveries().await.is_empty());
}

#[actix_rt::test]
async fn reports_and_decisions_share_one_rate_limit_per_address() {
    let app = spawn_app_configured(&discovering(), |s| {
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 2,
        });
    })
    .await;
    let decision = app.decision("en", "reject-all", &[]).await;
    for _ in 0..2 {
        let answer = app.post_consent(&decision, &[]).await;
        assert_eq!(answer.status, 201, "{}", answer.json);
    }

    let answer = post(&app, &report("/", &[("_hjid", "cookie")])).await;

    assert_eq!(answer.status, 429, "{}", answer.json);
    assert!(app.discoveries().await.is_empty());
}

#[actix_rt::test]
async fn the_admin_list_needs_the_token_and_is_absent_without_one() {
    let app = spawn_discovering().await;
    let closed = spawn_app_configured(&discovering(), |s| s.admin_token = None).await;
    let path = "/api/v1/admin/discoveries";

    let (none, _) = app.admin_call("GET", path, None).await;
    let (wrong, _) = app.admin_call("GET", path, Some("not-the-token")).await;
    let (right, _) = app.admin_call("GET", path, Some(ADMIN_TOKEN)).await;
    let (absent, _) = closed.admin_call("GET", path, Some(ADMIN_TOKEN)).await;

    assert_eq!((none, wrong, right, absent), (401, 401, 200, 404));
}

#[actix_rt::test]
async fn the_policy_page_lists_the_discovery_key_only_when_discover_is_on() {
    let on = spawn_discovering().await;
    let off = spawn_app_configured(SMALL, |_| {}).await;

    let (_, _, with) = on.get("/cookie-policy").await;
    let (_, _, without) = off.get("/cookie-policy").await;

    assert!(with.contains("consentry:discovered"), "not disclosed");
    assert!(!without.contains("consentry:discovered"));
    assert!(without.contains("consentry:pending"));
}
