//! The service as its own process: `consentry serve` started on a test's data folder, posted
//! to, killed with SIGKILL, and starved of disk space (`durability.rs`, `stalls.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::SMALL;
pub(crate) use crate::helpers::{ADMIN_TOKEN as TOKEN, ORIGIN};

/// The service as its own process, on the data folder of a test.
pub(crate) struct Service {
    pub(crate) child: Child,
    pub(crate) address: String,
    pub(crate) client: awc::Client,
}

/// Starts `consentry serve` on a free port and waits until it listens.
pub(crate) fn start(dir: &Path) -> Service {
    start_with(dir, &[])
}

/// `start` with more arguments for `serve`.
pub(crate) fn start_with(dir: &Path, extra: &[&str]) -> Service {
    let config = dir.join("cookies.toml");
    if !config.exists() {
        std::fs::write(&config, SMALL).expect("write registry");
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("service.log"))
        .expect("log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
    command
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
            "--config",
        ])
        .arg(&config)
        .arg("--data")
        .arg(dir.join("data"))
        .args(store_of(dir))
        .args(extra)
        .env("CONSENTRY_ADMIN_TOKEN", TOKEN)
        .env("CONSENTRY_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(log);
    // A file-size limit (set later with prlimit) must make writes fail with EFBIG, as a full disk
    // makes them fail with ENOSPC, rather than kill the process with SIGXFSZ. An ignored signal
    // stays ignored across exec.
    // SAFETY: `signal` is async-signal-safe, as `pre_exec` requires.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the service prints its address")
            .expect("stdout is text");
        if let Some(url) = line.trim().strip_prefix("demo page") {
            break url.trim().trim_end_matches('/').to_owned();
        }
    };
    // Keep reading so the service never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Service {
        child,
        address,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish(),
    }
}

/// `--store URL` for the services of `dir` in the PostgreSQL suite: a database made at the
/// first start and named in `dir/store-url`, so a restart finds the same records.
pub(crate) fn store_of(dir: &Path) -> Vec<String> {
    if !crate::POSTGRES {
        return Vec::new();
    }
    let named = dir.join("store-url");
    let url = match std::fs::read_to_string(&named) {
        Ok(url) => url,
        Err(_) => {
            let url = crate::helpers::test_database().expect("the PostgreSQL suite has a store");
            std::fs::write(&named, &url).expect("write store-url");
            url
        }
    };
    vec!["--store".to_owned(), url]
}

/// A failing test must not leave its service running.
impl Drop for Service {
    fn drop(&mut self) {
        // `Child::kill` is SIGKILL; it fails only if the process is already gone.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// SIGKILL: no shutdown, no final flush.
    pub(crate) fn kill(self) {
        drop(self);
    }

    pub(crate) async fn decision(&self) -> String {
        let mut res = self
            .client
            .get(self.url("/api/v1/registry"))
            .send()
            .await
            .expect("registry");
        let registry: Value = res.json().await.expect("registry JSON");
        json!({
            "revision": registry["revision"],
            "shown": registry["shown"]["en"],
            "accepted": ["analytics"],
            "action": "custom",
            "page": "https://www.example.com/",
        })
        .to_string()
    }

    /// Posts one decision: the status and, for a 201, the stored record.
    pub(crate) async fn post(&self, body: &str) -> Result<(u16, Option<Value>), String> {
        let mut res = self
            .client
            .post(self.url("/api/v1/consents"))
            .insert_header(("Origin", ORIGIN))
            .insert_header(("Content-Type", "text/plain"))
            .send_body(body.to_owned())
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let bytes = res.body().await.map_err(|e| e.to_string())?;
        let record = (status == 201)
            .then(|| serde_json::from_slice(&bytes).ok())
            .flatten();
        Ok((status, record))
    }

    /// `GET path`, with the admin token when `admin`: status, headers and body.
    pub(crate) async fn get(
        &self,
        path: &str,
        admin: bool,
    ) -> (u16, awc::http::header::HeaderMap, String) {
        let mut req = self.client.get(self.url(path));
        if admin {
            req = req.insert_header(("Authorization", format!("Bearer {TOKEN}")));
        }
        let mut res = req.send().await.expect("answered");
        let body = res.body().await.expect("body read");
        (
            res.status().as_u16(),
            res.headers().clone(),
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    pub(crate) async fn status(&self, path: &str) -> u16 {
        match self.client.get(self.url(path)).send().await {
            Ok(res) => res.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// Every stored record, by consent id.
    pub(crate) async fn export(&self) -> HashMap<String, Value> {
        let mut res = self
            .client
            .get(self.url("/api/v1/admin/consents"))
            .insert_header(("Authorization", format!("Bearer {TOKEN}")))
            .send()
            .await
            .expect("export");
        assert_eq!(res.status().as_u16(), 200);
        let body = res.body().limit(1 << 30).await.expect("export body");
        String::from_utf8_lossy(&body)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("a record a line"))
            .map(|r| (r["consent_id"].as_str().unwrap_or_default().to_owned(), r))
            .collect()
    }
}

/// Sets the service's largest writable file size, as a full disk would (`None`: unlimited).
pub(crate) fn limit_file_size(service: &Service, bytes: Option<u64>) {
    let limit = libc::rlimit {
        rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY),
        // Only the soft limit: raising a hard limit again needs CAP_SYS_RESOURCE.
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: prlimit on our own child with a valid, initialized struct.
    let done = unsafe {
        libc::prlimit(
            service.child.id() as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &limit,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(done, 0, "prlimit: {}", std::io::Error::last_os_error());
}

pub(crate) fn size_of(path: PathBuf) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

type Acked = Rc<RefCell<Vec<Value>>>;

/// `clients` concurrent clients post until `stop`; returns what was acknowledged (201) and
/// every status seen.
pub(crate) async fn flood(
    service: Rc<Service>,
    clients: usize,
    until: impl Fn(&[u16]) -> bool + 'static,
) -> (Vec<Value>, Vec<u16>) {
    let body = Rc::new(service.decision().await);
    let acked: Acked = Rc::default();
    let statuses: Rc<RefCell<Vec<u16>>> = Rc::default();
    let until = Rc::new(until);
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (service, body, acked, statuses, until) = (
                service.clone(),
                body.clone(),
                acked.clone(),
                statuses.clone(),
                until.clone(),
            );
            actix_rt::spawn(async move {
                while !until(&statuses.borrow()) {
                    match service.post(&body).await {
                        Ok((status, record)) => {
                            statuses.borrow_mut().push(status);
                            if let Some(record) = record {
                                acked.borrow_mut().push(record);
                            }
                        }
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let acked = acked.borrow().clone();
    let statuses = statuses.borrow().clone();
    (acked, statuses)
}

pub(crate) fn assert_all_kept(acked: &[Value], stored: &HashMap<String, Value>) {
    let missing: Vec<&Value> = acked
        .iter()
        .filter(|r| {
            let kept = stored.get(r["consent_id"].as_str().unwrap_or_default());
            kept.map(without_log).as_ref() != Some(*r)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged records are missing or changed, e.g. {}",
        missing.len(),
        acked.len(),
        missing[0]
    );
}

/// A record as it was acknowledged: without the `log` member it gains once in the consent log.
pub(crate) fn without_log(record: &Value) -> Value {
    let mut record = record.clone();
    if let Some(fields) = record.as_object_mut() {
        fields.remove("log");
    }
    record
}

/// Every record `consentry export` finds in the data folder of a stopped service, by consent id.
pub(crate) fn export_stopped(dir: &Path) -> HashMap<String, Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .arg("export")
        .arg("--data")
        .arg(dir.join("data"))
        .output()
        .expect("export runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a record a line"))
        .map(|r| (r["consent_id"].as_str().unwrap_or_default().to_owned(), r))
        .collect()
}
