//! The service spawned in-process on port 0, with its own registry file and data folder, and a
//! method per endpoint, as a client calls it.

use std::path::PathBuf;
use std::time::Duration;

use awc::http::header::HeaderMap;
use consentry::settings::Settings;
use consentry::startup::Application;
use serde_json::{Value, json};

#[allow(unused_imports)]
// the PostgreSQL suite leaves out the modules that use the repository's registry
pub use crate::common::{ADMIN_TOKEN, REPO_COOKIES, SMALL, SMALL_ORIGIN as ORIGIN};

#[allow(dead_code)] // not every test module reads every field
pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// `--metrics-bind`'s listener, when the settings asked for one.
    pub metrics_port: Option<u16>,
    pub config: PathBuf,
    pub data: PathBuf,
    pub client: awc::Client,
    _dir: tempfile::TempDir,
}

/// A JSON answer: its status, headers and body (`Null` when the body is not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
}

/// The store of a test service: sled in its own folder, or, in the PostgreSQL suite
/// (`tests/api_postgres`), a database of its own in the test process's cluster.
pub fn test_store() -> Option<consentry::StoreUrl> {
    test_database().map(|url| url.parse().expect("the test cluster's URL names a store"))
}

/// In the PostgreSQL suite, the URL of a fresh database; `None` in the sled suite.
pub fn test_database() -> Option<String> {
    if !crate::POSTGRES {
        return None;
    }
    let database =
        crate::common::postgres::database().unwrap_or_else(|missing| panic!("{missing}"));
    Some(database.url)
}

/// The engine the services of this test binary run on, as `/readyz` and `/metrics` name it.
pub fn engine() -> &'static str {
    if crate::POSTGRES { "postgres" } else { "sled" }
}

/// Starts the service on a free port with `registry` as its `cookies.toml`.
pub async fn spawn_app(registry: &str) -> TestApp {
    spawn_app_configured(registry, |_| {}).await
}

/// The small registry's service, rate limit off so tests may post freely.
pub async fn spawn_unlimited() -> TestApp {
    spawn_app_configured(SMALL, |s| s.rate_limit = None).await
}

/// Like `spawn_app`, with a hook to adjust the settings (retention, rate limit, proxies…).
pub async fn spawn_app_configured(
    registry: &str,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = test_store();
    let settings = crate::common::test_settings(dir.path(), registry, |s| {
        s.store = store;
        configure(s)
    });
    let (config, data) = (settings.config.clone(), settings.data.clone());
    let app = Application::build(settings).expect("the service starts");
    let port = app.port();
    let metrics_port = app.metrics_port();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        config,
        data,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish(),
        _dir: dir,
    }
}

impl TestApp {
    /// Writes the registry the way editors do: a new file renamed over the old one.
    pub fn save_registry(&self, text: &str) {
        let tmp = self.config.with_extension("toml.swp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &self.config).unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// `GET path`: status, headers and body as text.
    pub async fn get(&self, path: &str) -> (u16, HeaderMap, String) {
        self.send(awc::http::Method::GET, path, None).await
    }

    /// `GET path` with `headers`: status, headers and body as text.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, String) {
        let mut req = self.client.get(self.url(path));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut res = req.send().await.expect("request sent");
        let body = res.body().limit(1 << 26).await.expect("body read");
        (
            res.status().as_u16(),
            res.headers().clone(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// `GET path`, which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let (status, _, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON body")
    }

    async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        token: Option<&str>,
    ) -> (u16, HeaderMap, String) {
        let mut attempts = 0;
        let mut res = loop {
            let mut req = self.client.request(method.clone(), self.url(path));
            if let Some(token) = token {
                req = req.insert_header(("Authorization", format!("Bearer {token}")));
            }
            match req.send().await {
                Ok(res) => break res,
                // A pooled keep-alive connection the server had just closed: the request never
                // left, so sending it again on a new connection is what any client does.
                Err(awc::error::SendRequestError::Connect(e)) if attempts < 3 => {
                    attempts += 1;
                    tracing::debug!(error = %e, "reconnecting");
                    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("request sent: {e:?}"),
            }
        };
        let body = res.body().limit(1 << 26).await.expect("body read");
        (
            res.status().as_u16(),
            res.headers().clone(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    // -- The public API ------------------------------------------------------------------------

    /// `GET /api/v1/registry`.
    pub async fn registry(&self) -> Value {
        self.get_json("/api/v1/registry").await
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> (u16, HeaderMap, String) {
        self.get("/healthz").await
    }

    /// `GET /readyz`.
    pub async fn readyz(&self) -> Answer {
        let res = self.client.get(self.url("/readyz")).send().await;
        answer(res.expect("request sent")).await
    }

    /// A decision as the banner posts it, for what the service serves now in `lang`.
    pub async fn decision(&self, lang: &str, action: &str, accepted: &[&str]) -> Value {
        let registry = self.registry().await;
        json!({
            "revision": registry["revision"],
            "shown": registry["shown"][lang],
            "accepted": accepted,
            "action": action,
            "language": lang,
            "page": "https://www.example.com/products/a?utm_source=mail#reviews",
        })
    }

    /// `POST /api/v1/consents` with `body` as JSON from the registry's origin, with `extra`
    /// headers.
    pub async fn post_consent(&self, body: &Value, extra: &[(&str, &str)]) -> Answer {
        self.post_consent_raw(body.to_string(), "application/json", Some(ORIGIN), extra)
            .await
    }

    /// `POST /api/v1/consents` with any body, media type and origin.
    pub async fn post_consent_raw(
        &self,
        body: String,
        content_type: &str,
        origin: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .client
            .post(self.url("/api/v1/consents"))
            .insert_header(("Content-Type", content_type));
        if let Some(origin) = origin {
            req = req.insert_header(("Origin", origin));
        }
        for (name, value) in extra {
            req = req.insert_header((*name, *value));
        }
        answer(req.send_body(body).await.expect("request sent")).await
    }

    /// `POST /api/v1/consents` with one `X-Forwarded-For` header per entry of `forwarded`.
    pub async fn post_consent_forwarded(&self, body: &Value, forwarded: &[&str]) -> Answer {
        let mut req = self
            .client
            .post(self.url("/api/v1/consents"))
            .insert_header(("Content-Type", "application/json"))
            .insert_header(("Origin", ORIGIN));
        for value in forwarded {
            req = req.append_header(("X-Forwarded-For", *value));
        }
        answer(req.send_body(body.to_string()).await.expect("request sent")).await
    }

    /// Posts `n` decisions of `action`, each answered 201; the stored records.
    pub async fn post_decisions(&self, n: usize, action: &str, accepted: &[&str]) -> Vec<Value> {
        let body = self.decision("en", action, accepted).await;
        let mut out = Vec::new();
        for _ in 0..n {
            let answer = self.post_consent(&body, &[]).await;
            assert_eq!(answer.status, 201, "{}", answer.json);
            out.push(answer.json);
        }
        out
    }

    /// `GET /api/v1/consents/{consent_id}`, with the query `query` (`""` or `?after=…`).
    pub async fn history(&self, consent_id: &str, query: &str) -> (u16, HeaderMap, String) {
        self.get(&format!("/api/v1/consents/{consent_id}{query}"))
            .await
    }

    /// `POST /api/v1/discoveries` with `body` as `text/plain` (as the banner sends it) from
    /// `origin`, with `extra` headers.
    pub async fn post_discovery(
        &self,
        body: &Value,
        origin: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .client
            .post(self.url("/api/v1/discoveries"))
            .insert_header(("Content-Type", "text/plain;charset=UTF-8"));
        if let Some(origin) = origin {
            req = req.insert_header(("Origin", origin));
        }
        for (name, value) in extra {
            req = req.insert_header((*name, *value));
        }
        answer(req.send_body(body.to_string()).await.expect("request sent")).await
    }

    // -- The admin API, with the test token unless told otherwise --------------------------------

    /// `method path` with `token` as the Bearer token (none when `None`).
    pub async fn admin_call(&self, method: &str, path: &str, token: Option<&str>) -> (u16, String) {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a method");
        let (status, _, body) = self.send(method, path, token).await;
        (status, body)
    }

    /// `method path` with a `text/plain` body and `token`: status and body.
    pub async fn call_with_body(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method, self.url(path))
            .insert_header(("Content-Type", "text/plain"));
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut res = req.send_body(body.to_owned()).await.expect("request sent");
        let body = res.body().limit(1 << 26).await.expect("body read");
        (
            res.status().as_u16(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// `POST path` with a `text/plain` body and the admin token.
    pub async fn admin_post(&self, path: &str, body: &str) -> (u16, String) {
        self.call_with_body("POST", path, Some(ADMIN_TOKEN), body)
            .await
    }

    /// `GET path` with the admin token.
    pub async fn admin_get(&self, path: &str) -> (u16, String) {
        self.admin_call("GET", path, Some(ADMIN_TOKEN)).await
    }

    /// `GET /api/v1/admin/consents/{consent_id}/evidence` with the admin token.
    pub async fn evidence(&self, consent_id: &str) -> (u16, String) {
        self.admin_get(&format!("/api/v1/admin/consents/{consent_id}/evidence"))
            .await
    }

    /// The evidence of `consent_id` once every record is in a signed checkpoint, asked again
    /// for up to 30 s: the service holds each answer up to its 10 s merge delay, then 503,
    /// which a loaded machine can reach.
    pub async fn evidence_signed(&self, consent_id: &str) -> (u16, String) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = self.evidence(consent_id).await;
            if status != 503 || std::time::Instant::now() > deadline {
                return (status, body);
            }
            actix_web::rt::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// `GET /api/v1/admin/consents{query}`: the export.
    pub async fn export(&self, query: &str) -> (u16, String) {
        self.admin_get(&format!("/api/v1/admin/consents{query}"))
            .await
    }

    /// `GET /api/v1/admin/stats{query}`.
    pub async fn stats(&self, query: &str) -> (u16, String) {
        self.admin_get(&format!("/api/v1/admin/stats{query}")).await
    }

    /// `GET /api/v1/admin/charts{query}`: the charts fragment (HTML).
    pub async fn charts(&self, query: &str) -> (u16, String) {
        self.admin_get(&format!("/api/v1/admin/charts{query}"))
            .await
    }

    /// `GET /metrics` with the admin token: the Prometheus text, which must answer 200.
    pub async fn metrics(&self) -> String {
        let (status, body) = self.admin_get("/metrics").await;
        assert_eq!(status, 200, "GET /metrics: {body}");
        body
    }

    /// `GET /api/v1/admin/snapshots/{shown}`.
    pub async fn snapshot(&self, shown: &str) -> (u16, String) {
        self.admin_get(&format!("/api/v1/admin/snapshots/{shown}"))
            .await
    }

    /// `GET /api/v1/admin/discoveries`, which must answer 200 with a JSON list.
    pub async fn discoveries(&self) -> Vec<Value> {
        let (status, body) = self.admin_get("/api/v1/admin/discoveries").await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Vec<Value>>(&body).expect("a JSON list")
    }

    /// `DELETE /api/v1/admin/consents/{consent_id}`: status and headers.
    pub async fn erase(&self, consent_id: &str) -> (u16, HeaderMap) {
        let (status, headers, _) = self
            .send(
                awc::http::Method::DELETE,
                &format!("/api/v1/admin/consents/{consent_id}"),
                Some(ADMIN_TOKEN),
            )
            .await;
        (status, headers)
    }

    /// How many records the store holds, through the admin export.
    pub async fn stored(&self) -> usize {
        let (status, body) = self.export("").await;
        assert_eq!(status, 200);
        body.lines().filter(|l| !l.is_empty()).count()
    }

    /// Polls until `check` holds, for at most `timeout`.
    pub async fn eventually<F, Fut>(&self, timeout: Duration, mut check: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            if check().await {
                return true;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

async fn answer<S>(mut res: awc::ClientResponse<S>) -> Answer
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let body = res.body().limit(1 << 20).await.expect("body read");
    Answer {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}
