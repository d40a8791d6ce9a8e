//! `GET /metrics`: what an operator's Prometheus scrapes, read back from the real service
//! after real requests, and closed to the public.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

/// The samples of a Prometheus text page: name, labels, value.
pub struct Samples(Vec<(String, BTreeMap<String, String>, f64)>);

impl Samples {
    pub fn parse(text: &str) -> Samples {
        let samples = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a sample line");
                let value: f64 = value.parse().expect("a number");
                let Some((name, labels)) = series.split_once('{') else {
                    return (series.to_owned(), BTreeMap::new(), value);
                };
                let labels = labels.strip_suffix('}').expect("labels end with }");
                (name.to_owned(), parse_labels(labels), value)
            })
            .collect();
        Samples(samples)
    }

    /// The value of the series `name` with exactly `labels`, if it exists.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.0
            .iter()
            .find(|(n, l, _)| n == name && *l == wanted)
            .map(|(_, _, v)| *v)
    }

    /// The value of a series that must exist.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no {name}{labels:?} among {:#?}", self.names()))
    }

    fn names(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(n, l, v)| format!("{n}{l:?} {v}"))
            .collect()
    }
}

/// `a="x",b="y"`, values with `\"` and `\\` escapes.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '"' => {
                    end = i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        labels.insert(key.trim_start_matches(',').to_owned(), value);
        rest = &after[end..];
    }
    labels
}

async fn samples(app: &TestApp) -> Samples {
    Samples::parse(&app.metrics().await)
}

const VISITOR: &str = "lnp0k3b2_9999999999_8888888888_7777777777";

#[actix_rt::test]
async fn posts_are_counted_by_action_and_outcome_and_requests_by_route_pattern() {
    let app = spawn_unlimited().await;
    app.post_decisions(3, "accept-all", &["analytics"]).await;
    let mut retried = app.decision("en", "custom", &[]).await;
    retried["consent_id"] = json!(VISITOR);
    retried["decision_id"] = json!("d3c1s10n-0f-th3-m3tr1cs-01");
    assert_eq!(app.post_consent(&retried, &[]).await.status, 201);
    assert_eq!(app.post_consent(&retried, &[]).await.status, 200);
    let mut unknown = app.decision("en", "reject-all", &[]).await;
    unknown["shown"] = json!("0000000000000000");
    assert_eq!(app.post_consent(&unknown, &[]).await.status, 400);
    let not_json = app
        .post_consent_raw("{".to_owned(), "application/json", Some(ORIGIN), &[])
        .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(app.history(VISITOR, "").await.0, 200);

    let text = app.metrics().await;
    let metrics = Samples::parse(&text);

    let posts = "consentry_consent_posts_total";
    let post = |action, outcome| metrics.value(posts, &[("action", action), ("outcome", outcome)]);
    assert_eq!(post("accept-all", "created"), 3.0);
    assert_eq!(post("custom", "created"), 1.0);
    assert_eq!(post("custom", "repeated"), 1.0);
    assert_eq!(post("reject-all", "unknown-shown"), 1.0);
    assert_eq!(post("none", "malformed-json"), 1.0);
    let requests = "consentry_http_requests_total";
    let request = |method, route, status| {
        metrics.value(
            requests,
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(request("POST", "/api/v1/consents", "201"), 4.0);
    assert_eq!(request("POST", "/api/v1/consents", "400"), 2.0);
    assert_eq!(request("GET", "/api/v1/consents/{consent_id}", "200"), 1.0);
    assert!(
        !text.contains(VISITOR),
        "a consent id reached the metrics: {text}"
    );
    let latency = "consentry_http_request_duration_seconds_count";
    let route = [("method", "POST"), ("route", "/api/v1/consents")];
    assert_eq!(metrics.value(latency, &route), 7.0);
    let within_a_second = [
        ("method", "POST"),
        ("route", "/api/v1/consents"),
        ("le", "1"),
    ];
    assert_eq!(
        metrics.value(
            "consentry_http_request_duration_seconds_bucket",
            &within_a_second
        ),
        7.0,
        "every post answered within a second"
    );
    let store = [("store", crate::helpers::engine())];
    // Every write reaches the writer, the repeat too; batches may hold several.
    assert_eq!(
        metrics.value("consentry_store_batch_records_sum", &store),
        5.0
    );
    let batches = metrics.value("consentry_store_batch_records_count", &store);
    assert!((1.0..=5.0).contains(&batches), "{batches} batches");
    assert!(metrics.value("consentry_store_commit_seconds_count", &store) >= 1.0);
    assert!(metrics.value("consentry_store_commit_writes_sum", &store) >= 5.0);
}

#[actix_rt::test]
async fn a_rate_limited_request_is_counted() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 1,
        });
    })
    .await;
    let body = app.decision("en", "reject-all", &[]).await;
    let before = samples(&app).await;

    let first = app.post_consent(&body, &[]).await;
    let second = app.post_consent(&body, &[]).await;
    let after = samples(&app).await;

    assert_eq!((first.status, second.status), (201, 429));
    let limited = "consentry_rate_limited_total";
    assert_eq!(before.value(limited, &[("limit", "requests")]), 0.0);
    assert_eq!(after.value(limited, &[("limit", "requests")]), 1.0);
    assert_eq!(after.value(limited, &[("limit", "connections")]), 0.0);
    let refused = [
        ("method", "POST"),
        ("route", "/api/v1/consents"),
        ("status", "429"),
    ];
    assert_eq!(after.value("consentry_http_requests_total", &refused), 1.0);
}

/// Waits until the registry reloads of `outcome` are counted; the metrics then.
async fn counted_reload(app: &TestApp, outcome: &str) -> Option<Samples> {
    let seen = app
        .eventually(Duration::from_secs(5), || async {
            samples(app)
                .await
                .get(RELOADS, &[("outcome", outcome)])
                .is_some()
        })
        .await;
    if seen { Some(samples(app).await) } else { None }
}

const RELOADS: &str = "consentry_registry_reloads_total";

#[actix_rt::test]
async fn registry_reloads_are_counted_and_a_broken_edit_as_rejected() {
    let app = spawn_app(SMALL).await;
    let count = |metrics: &Samples, outcome| metrics.get(RELOADS, &[("outcome", outcome)]);

    app.save_registry(&SMALL.replace("category = \"analytics\"", "categroy = \"analytics\""));
    let before_good_edit = counted_reload(&app, "rejected").await;
    app.save_registry(&SMALL.replace("Counts visits.", "Counts every visit."));
    let after = counted_reload(&app, "applied").await;

    let before_good_edit = before_good_edit.expect("the broken edit is counted");
    let after = after.expect("the good edit is counted");
    assert_eq!(count(&before_good_edit, "rejected"), Some(1.0));
    assert_eq!(count(&before_good_edit, "applied"), None);
    assert_eq!(count(&after, "applied"), Some(1.0));
    assert_eq!(count(&after, "rejected"), Some(1.0));
}

#[actix_rt::test]
async fn the_public_cannot_read_the_metrics() {
    let app = spawn_unlimited().await;
    let closed = spawn_app_configured(SMALL, |s| s.admin_token = None).await;

    let (anonymous, _) = app.admin_call("GET", "/metrics", None).await;
    let (wrong, _) = app
        .admin_call("GET", "/metrics", Some("not-the-token"))
        .await;
    let (without_admin, body) = closed.admin_call("GET", "/metrics", None).await;

    assert_eq!(anonymous, 401);
    assert_eq!(wrong, 401);
    assert_eq!(without_admin, 404, "{body}");
    assert!(!body.contains("consentry_"), "{body}");
}

#[actix_rt::test]
async fn the_metrics_listener_serves_the_metrics_without_a_token_and_nothing_else() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.metrics_bind = Some("127.0.0.1:0".to_owned());
    })
    .await;
    app.post_decisions(2, "reject-all", &[]).await;
    let port = app.metrics_port.expect("a metrics listener");
    let on_listener = |path: &str| format!("http://127.0.0.1:{port}{path}");

    let mut res = app
        .client
        .get(on_listener("/metrics"))
        .send()
        .await
        .expect("sent");
    let text = String::from_utf8_lossy(&res.body().await.expect("read")).into_owned();
    let content_type = res.headers().get("content-type").cloned();
    let registry = app.client.get(on_listener("/api/v1/registry")).send().await;
    let (on_main_port, _) = app.admin_call("GET", "/metrics", None).await;

    assert_eq!(res.status().as_u16(), 200);
    assert!(
        content_type.is_some_and(|v| v.as_bytes().starts_with(b"text/plain; version=0.0.4")),
        "the exposition format's type"
    );
    let posts = [("action", "reject-all"), ("outcome", "created")];
    assert_eq!(
        Samples::parse(&text).value("consentry_consent_posts_total", &posts),
        2.0
    );
    assert_eq!(
        registry.expect("sent").status().as_u16(),
        404,
        "only /metrics there"
    );
    assert_eq!(on_main_port, 401, "the main port still asks for the token");
}
