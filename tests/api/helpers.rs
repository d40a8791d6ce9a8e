//! Spawning the real service in-process on port 0, with its own registry file and data folder.

use std::path::PathBuf;
use std::time::Duration;

use consentry::admin_token::AdminToken;
use consentry::settings::Settings;
use consentry::startup::Application;

/// The repository's own registry: what a new admin starts from.
pub const REPO_COOKIES: &str = include_str!("../../cookies.toml");

/// A small registry for tests that need exact control.
pub const SMALL: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
origins = ["https://www.example.com"]
languages = ["en", "fr"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true

[[category]]
id = "analytics"
title = { en = "Analytics", fr = "Mesure d'audience" }
description = "Counts visits."
google_consent = ["analytics_storage"]

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps your session."
expires = "session"

[[cookie]]
name = "_ga"
category = "analytics"
provider = "Google Analytics"
purpose = { en = "Distinguishes visitors.", fr = "Distingue les visiteurs." }
expires = "13 months"
privacy_url = "https://policies.google.com/privacy"
"#;

#[allow(dead_code)] // not every test module reads every field
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub config: PathBuf,
    pub data: PathBuf,
    pub client: awc::Client,
    _dir: tempfile::TempDir,
}

/// The admin token every test service opens its admin API with.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// Starts the service on a free port with `registry` as its `cookies.toml`.
pub async fn spawn_app(registry: &str) -> TestApp {
    spawn_app_configured(registry, |_| {}).await
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> (u16, awc::http::header::HeaderMap, String) {
        let mut res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent");
        let body = res.body().limit(16 * 1024 * 1024).await.expect("body read");
        (
            res.status().as_u16(),
            res.headers().clone(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON body")
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

/// Like `spawn_app`, with a hook to adjust the settings (retention, rate limit, proxies…).
pub async fn spawn_app_configured(
    registry: &str,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("cookies.toml");
    std::fs::write(&config, registry).expect("write registry");
    let data = dir.path().join("data");
    let mut settings = Settings::new(&config, &data, "127.0.0.1:0");
    settings.admin_token = Some(AdminToken::parse(ADMIN_TOKEN).expect("a sendable token"));
    settings.workers = Some(1);
    configure(&mut settings);
    let app = Application::build(settings).expect("the service starts");
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        config,
        data,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish(),
        _dir: dir,
    }
}
