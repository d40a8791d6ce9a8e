//! The real service, in-process on its own thread and loopback port, as the browser tests reach
//! it.

use std::path::PathBuf;
use std::time::Duration;

use actix_web::rt::System;
use consentry::settings::Settings;
use consentry::startup::Application;
use serde_json::Value;

use crate::common::{ADMIN_TOKEN, SOON};

/// The real service, running in its own thread on a free loopback port.
pub struct Service {
    pub origin: String,
    pub config: PathBuf,
    system: System,
    _dir: tempfile::TempDir,
}

impl Service {
    /// Starts the service on `registry`, `adjust` changing the usual test settings first.
    pub fn start_with(registry: &str, adjust: impl FnOnce(&mut Settings)) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = crate::common::test_settings(dir.path(), registry, adjust);
        let config = settings.config.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            System::new().block_on(async move {
                let app = Application::build(settings).expect("the service starts");
                tx.send((app.port(), System::current()))
                    .expect("test waits");
                let _ = app.run_until_stopped().await;
            })
        });
        let (port, system) = rx.recv_timeout(SOON).expect("the service started");
        Service {
            origin: format!("http://127.0.0.1:{port}"),
            config,
            system,
            _dir: dir,
        }
    }

    /// GETs `path` from the service: status and body as text.
    pub fn get_text(&self, path: &str) -> (u16, String) {
        let url = format!("{}{path}", self.origin);
        System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(10))
                .finish();
            let mut res = client.get(&url).send().await.expect("request sent");
            let body = res.body().limit(16 << 20).await.expect("body read");
            (
                res.status().as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
            )
        })
    }

    /// GETs `path` from the service: status and body as JSON (`Null` if not JSON).
    pub fn get_json(&self, path: &str) -> (u16, Value) {
        let (status, body) = self.get_text(path);
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// GETs `path` of the admin API with the test token, whatever it answers: the status,
    /// the headers and the body.
    pub fn admin_request(
        &self,
        path: &str,
    ) -> (u16, awc::http::header::HeaderMap, actix_web::web::Bytes) {
        let url = format!("{}{path}", self.origin);
        System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(10))
                .finish();
            let mut res = client
                .get(&url)
                .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
                .send()
                .await
                .expect("request sent");
            let body = res.body().limit(16 << 20).await.expect("body read");
            (res.status().as_u16(), res.headers().clone(), body)
        })
    }

    /// Whether the service answers `consent_id`'s evidence (every record in a signed
    /// checkpoint) within 30 s: it holds each answer up to its 10 s merge delay, then 503,
    /// which a loaded machine can reach, so it is asked again.
    pub fn evidence_signed(&self, consent_id: &str) -> bool {
        let url = format!(
            "{}/api/v1/admin/consents/{consent_id}/evidence",
            self.origin
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .finish();
            while std::time::Instant::now() < deadline {
                let answer = client
                    .get(&url)
                    .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
                    .send()
                    .await;
                if answer.is_ok_and(|res| res.status().as_u16() == 200) {
                    return true;
                }
                actix_web::rt::time::sleep(Duration::from_millis(250)).await;
            }
            false
        })
    }

    /// GETs `path` of the admin API with the test token; it must answer 200. Its body.
    fn admin_get(&self, path: &str) -> actix_web::web::Bytes {
        let (status, _, body) = self.admin_request(path);
        assert_eq!(status, 200, "GET {path}");
        body
    }

    /// GETs `path` of the admin API with the test token; it must answer 200 with JSON.
    pub fn admin_json(&self, path: &str) -> Value {
        serde_json::from_slice(&self.admin_get(path)).expect("a JSON answer")
    }

    /// Every record the service holds, through the admin export.
    pub fn all_records(&self) -> Vec<Value> {
        let body = self.admin_get("/api/v1/admin/consents?format=ndjson");
        String::from_utf8_lossy(&body)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("one JSON record a line"))
            .collect()
    }

    /// The registry as the service now serves it.
    pub fn registry(&self) -> Value {
        let (status, json) = self.get_json("/api/v1/registry");
        assert_eq!(status, 200, "GET /api/v1/registry");
        json
    }

    /// The decisions stored for `consent_id`, oldest first, once there are at least `count`.
    pub fn stored_records(&self, consent_id: &str, count: usize) -> Result<Vec<Value>, String> {
        let path = format!("/api/v1/consents/{consent_id}");
        let deadline = std::time::Instant::now() + SOON;
        loop {
            let (status, json) = self.get_json(&path);
            let records = json.as_array().cloned().unwrap_or_default();
            if status == 200 && records.len() >= count {
                return Ok(records);
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!(
                    "GET {path}: expected {count} stored decision(s), got {status} {json}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.system.stop();
    }
}
