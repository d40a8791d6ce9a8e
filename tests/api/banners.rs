//! Many visitors deciding at once, as the banner posts: each decision carries the visitor's id
//! and a decision id of its own, and is posted again under the same ids until it is
//! acknowledged (the banner's retry of unacknowledged decisions). With that retry, a node or a
//! database lost in between must lose no decision and store none twice (`cluster.rs`,
//! `failover.rs`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, ORIGIN};
use crate::service_process::without_log;

/// How long a visitor waits before posting an unacknowledged decision again.
const RETRY_AFTER: Duration = Duration::from_millis(200);

/// One post of a decision, as its client saw it.
#[derive(Debug, Clone)]
pub(crate) struct Try {
    /// The answer's status; 0 when none came (connection refused or cut: see `error`).
    pub(crate) status: u16,
    #[allow(dead_code)] // read in failure messages
    pub(crate) error: Option<String>,
    pub(crate) sent: Instant,
    pub(crate) took: Duration,
}

/// A decision and what became of it.
pub(crate) struct Decided {
    pub(crate) consent_id: String,
    pub(crate) decision_id: String,
    pub(crate) tries: Vec<Try>,
    /// The record of the answer that acknowledged it: a 201, or a 200 for a repeat.
    pub(crate) record: Option<Value>,
}

/// Visitors posting one decision after another to `base` until told to stop.
pub(crate) struct Crowd {
    stop: Rc<Cell<bool>>,
    tries: Rc<RefCell<Vec<Try>>>,
    tasks: Vec<actix_rt::task::JoinHandle<Vec<Decided>>>,
}

impl Crowd {
    /// `visitors` clients, each deciding again as soon as its last decision was acknowledged;
    /// the decision is the one the banner makes for what `base` serves now.
    pub(crate) async fn start(base: &str, visitors: usize) -> Crowd {
        let mut res = client()
            .get(format!("{base}/api/v1/registry"))
            .send()
            .await
            .expect("the registry answers");
        let registry: Value = res.json().limit(1 << 20).await.expect("registry JSON");
        let body = json!({
            "revision": registry["revision"],
            "shown": registry["shown"]["en"],
            "accepted": ["analytics"],
            "action": "custom",
            "language": "en",
            "page": "https://www.example.com/products/a",
        });
        let stop = Rc::new(Cell::new(false));
        let tries: Rc<RefCell<Vec<Try>>> = Rc::default();
        // Ids unique to this run, as the banner's are to its visitor.
        let run = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let tasks = (0..visitors)
            .map(|visitor| {
                let (base, body, stop, tries) =
                    (base.to_owned(), body.clone(), stop.clone(), tries.clone());
                actix_rt::spawn(async move {
                    let client = client();
                    let mut decided = Vec::new();
                    for n in 0.. {
                        if stop.get() {
                            break;
                        }
                        let ids = (
                            format!("v{run:x}{visitor:04}{n:08}"),
                            format!("d{run:x}{visitor:04}{n:08}"),
                        );
                        decided.push(decide(&client, &base, &body, ids, &stop, &tries).await);
                    }
                    decided
                })
            })
            .collect();
        Crowd { stop, tries, tasks }
    }

    /// Waits until a post sent after `since` was answered 201; false after `timeout`.
    pub(crate) async fn acknowledged_after(&self, since: Instant, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            let acknowledged =
                (self.tries.borrow().iter()).any(|t| t.sent > since && t.status == 201);
            if acknowledged {
                return true;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Stops deciding: each visitor's last decision is still retried until acknowledged (or
    /// for `SETTLE`), then every decision made.
    pub(crate) async fn stop(self) -> Vec<Decided> {
        self.stop.set(true);
        let mut all = Vec::new();
        for task in self.tasks {
            all.extend(task.await.expect("a visitor's task ends"));
        }
        all
    }
}

/// How long a decision is retried once the crowd stops.
const SETTLE: Duration = Duration::from_secs(30);

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish()
}

/// Posts one decision until it is acknowledged (or for `SETTLE` after `stop`).
async fn decide(
    client: &awc::Client,
    base: &str,
    body: &Value,
    (consent_id, decision_id): (String, String),
    stop: &Cell<bool>,
    log: &RefCell<Vec<Try>>,
) -> Decided {
    let mut body = body.clone();
    body["consent_id"] = json!(consent_id);
    body["decision_id"] = json!(decision_id);
    let body = body.to_string();
    let mut decided = Decided {
        consent_id,
        decision_id,
        tries: Vec::new(),
        record: None,
    };
    let mut stopped_at = None;
    loop {
        let sent = Instant::now();
        let answer = client
            .post(format!("{base}/api/v1/consents"))
            .insert_header(("Origin", ORIGIN))
            .insert_header(("Content-Type", "text/plain;charset=UTF-8"))
            .send_body(body.clone())
            .await;
        let (status, record, error) = match answer {
            Ok(mut res) => {
                let status = res.status().as_u16();
                match res.body().await {
                    Ok(bytes) => (status, serde_json::from_slice::<Value>(&bytes).ok(), None),
                    Err(e) => (0, None, Some(e.to_string())),
                }
            }
            Err(e) => (0, None, Some(e.to_string())),
        };
        let done = Try {
            status,
            error,
            sent,
            took: sent.elapsed(),
        };
        log.borrow_mut().push(done.clone());
        decided.tries.push(done);
        if status == 201 || status == 200 {
            decided.record = record;
            return decided;
        }
        if stop.get() && stopped_at.get_or_insert_with(Instant::now).elapsed() > SETTLE {
            return decided;
        }
        actix_rt::time::sleep(RETRY_AFTER).await;
    }
}

/// Every post of `decided`, in the order they were sent.
pub(crate) fn tries(decided: &[Decided]) -> Vec<&Try> {
    let mut tries: Vec<&Try> = decided.iter().flat_map(|d| &d.tries).collect();
    tries.sort_by_key(|t| t.sent);
    tries
}

/// Every record the admin export of `base` holds.
pub(crate) async fn exported(base: &str) -> Vec<Value> {
    let mut res = client()
        .get(format!("{base}/api/v1/admin/consents"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .expect("the export answers");
    assert_eq!(res.status().as_u16(), 200, "the export");
    let body = res.body().limit(1 << 30).await.expect("the export's body");
    String::from_utf8_lossy(&body)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a record a line"))
        .collect()
}

/// Every decision was acknowledged, and is in `export` exactly once, as acknowledged (but for
/// the `log` member it gains in the consent log).
pub(crate) fn assert_each_kept_once(decided: &[Decided], export: &[Value]) {
    let unacknowledged: Vec<&Decided> = decided.iter().filter(|d| d.record.is_none()).collect();
    assert!(
        unacknowledged.is_empty(),
        "{} of {} decisions were never acknowledged, e.g. {} tried {:?}",
        unacknowledged.len(),
        decided.len(),
        unacknowledged[0].decision_id,
        unacknowledged[0].tries
    );
    let mut stored: std::collections::HashMap<(&str, &str), Vec<&Value>> = Default::default();
    for record in export {
        let key = (
            record["consent_id"].as_str().unwrap_or_default(),
            record["decision_id"].as_str().unwrap_or_default(),
        );
        stored.entry(key).or_default().push(record);
    }
    for decision in decided {
        let copies = stored
            .get(&(decision.consent_id.as_str(), decision.decision_id.as_str()))
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(
            copies.len(),
            1,
            "decision {} (tried {:?}) is stored {} times",
            decision.decision_id,
            decision.tries,
            copies.len()
        );
        assert_eq!(
            Some(without_log(copies[0])),
            decision.record,
            "decision {} is stored otherwise than acknowledged",
            decision.decision_id
        );
    }
}
