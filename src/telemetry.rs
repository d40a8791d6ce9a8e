//! What operators measure: the service's metrics, rendered in the Prometheus text format at
//! `/metrics` (behind the admin token, or on `--metrics-bind`'s own listener).
//!
//! One recorder per service, not the `metrics` crate's process-wide one: the integration tests
//! run many services in one process, and each must count only its own requests. Labels take
//! values from closed sets only (route patterns, status codes, actions, error codes), never
//! from a path or a body, so a consent id can neither leak into the metrics nor multiply them.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::Method;
use metrics::{Counter, Histogram, Key, Label, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::consent::Action;
use crate::upkeep::{self, UpkeepGuard};

const REQUESTS: &str = "consentry_http_requests_total";
const REQUEST_SECONDS: &str = "consentry_http_request_duration_seconds";
const CONSENT_POSTS: &str = "consentry_consent_posts_total";
const RATE_LIMITED: &str = "consentry_rate_limited_total";
const RELOADS: &str = "consentry_registry_reloads_total";
const BATCH_RECORDS: &str = "consentry_store_batch_records";
const COMMIT_WRITES: &str = "consentry_store_commit_writes";
const COMMIT_SECONDS: &str = "consentry_store_commit_seconds";
const STORE_ERRORS: &str = "consentry_store_errors_total";

/// Request times: a registry read takes tens of microseconds, a durable post a few
/// milliseconds, an export of a large store seconds.
const SECONDS_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// Flush times: an fsync on an SSD takes about a millisecond, on a busy disk tens.
const COMMIT_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0,
];
/// Group sizes, up to the writer's largest batch (256).
const SIZE_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// How often histogram samples are folded into their buckets when nobody scrapes: without it
/// they pile up between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// A cheap-to-clone handle on one service's metrics.
#[derive(Clone)]
pub(crate) struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

/// What became of an edit of the registry file.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ReloadOutcome {
    /// Checked, archived and served.
    Applied,
    /// Refused by the checker; the last good registry keeps serving.
    Rejected,
    /// Valid, but its snapshots could not be archived; the last good registry keeps serving.
    Failed,
}

/// Which limit refused a client.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Limit {
    /// Consent posts and history reads per address (`--rate-limit`), answered 429.
    Requests,
    /// Connections per address (`--connections-per-address`), refused at accept.
    Connections,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let builder = [
            (REQUEST_SECONDS, &SECONDS_BUCKETS[..]),
            (COMMIT_SECONDS, &COMMIT_BUCKETS[..]),
            (BATCH_RECORDS, &SIZE_BUCKETS[..]),
            (COMMIT_WRITES, &SIZE_BUCKETS[..]),
        ]
        .into_iter()
        .fold(PrometheusBuilder::new(), |builder, (name, buckets)| {
            builder
                .set_buckets_for_metric(Matcher::Full(name.to_owned()), buckets)
                .expect("bucket lists are not empty")
        });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let metrics = Metrics {
            recorder: Arc::new(recorder),
            handle,
        };
        metrics.describe();
        metrics
    }

    fn describe(&self) {
        let counters = [
            (
                REQUESTS,
                "HTTP requests answered, by method, route pattern and status",
            ),
            (
                CONSENT_POSTS,
                "Consent posts, by action (none when refused before the body was read) and \
                 outcome (created, repeated, or the error code of the refusal)",
            ),
            (
                RATE_LIMITED,
                "Clients refused by a per-address limit: requests (429 rate-limited) or \
                 connections (429 at accept)",
            ),
            (
                RELOADS,
                "Edits of the registry file: applied, rejected (invalid) or failed (not archived)",
            ),
            (
                STORE_ERRORS,
                "Storage failures, by store and operation (write, flush, reopen, probe)",
            ),
        ];
        for (name, help) in counters {
            self.recorder
                .describe_counter(name.into(), None, help.into());
        }
        let histograms = [
            (
                REQUEST_SECONDS,
                Some(Unit::Seconds),
                "Time from a request's head to its answer, by method and route pattern",
            ),
            (
                BATCH_RECORDS,
                None,
                "Consent records applied in one store transaction (the group commit's batch)",
            ),
            (
                COMMIT_WRITES,
                None,
                "Writes made durable by one flush (a 201 waits for one)",
            ),
            (
                COMMIT_SECONDS,
                Some(Unit::Seconds),
                "Time one flush took to make its writes durable",
            ),
        ];
        for (name, unit, help) in histograms {
            self.recorder
                .describe_histogram(name.into(), unit, help.into());
        }
    }

    /// The text format Prometheus scrapes.
    pub(crate) fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds histogram samples into their buckets every few seconds until the guard drops.
    pub(crate) fn start_upkeep(&self) -> std::io::Result<UpkeepGuard> {
        let handle = self.handle.clone();
        upkeep::every("consentry-metrics", UPKEEP_EVERY, move || {
            handle.run_upkeep();
            true
        })
    }

    fn counter(&self, name: &'static str, labels: Vec<Label>) -> Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &metadata())
    }

    fn histogram(&self, name: &'static str, labels: Vec<Label>) -> Histogram {
        self.recorder
            .register_histogram(&Key::from_parts(name, labels), &metadata())
    }

    /// One answered request; `route` is the pattern it matched (`/api/v1/consents/{consent_id}`),
    /// never its path.
    pub(crate) fn request(&self, method: &Method, route: &str, status: u16, took: Duration) {
        let method = Label::new("method", method_label(method));
        let route = Label::new("route", route.to_owned());
        self.counter(
            REQUESTS,
            vec![
                method.clone(),
                route.clone(),
                Label::new("status", status.to_string()),
            ],
        )
        .increment(1);
        self.histogram(REQUEST_SECONDS, vec![method, route])
            .record(took.as_secs_f64());
    }

    /// One consent post: its action, once its body was read as a decision, and its outcome
    /// (`created`, `repeated`, or the refusal's error code).
    pub(crate) fn consent_post(&self, action: Option<Action>, outcome: &'static str) {
        let action = action.map_or("none", Action::as_str);
        self.counter(
            CONSENT_POSTS,
            vec![Label::new("action", action), Label::new("outcome", outcome)],
        )
        .increment(1);
    }

    /// The counter of clients refused by `limit`, to hand to whoever refuses them.
    pub(crate) fn rate_limited(&self, limit: Limit) -> Counter {
        let limit = match limit {
            Limit::Requests => "requests",
            Limit::Connections => "connections",
        };
        self.counter(RATE_LIMITED, vec![Label::new("limit", limit)])
    }

    pub(crate) fn reload(&self, outcome: ReloadOutcome) {
        let outcome = match outcome {
            ReloadOutcome::Applied => "applied",
            ReloadOutcome::Rejected => "rejected",
            ReloadOutcome::Failed => "failed",
        };
        self.counter(RELOADS, vec![Label::new("outcome", outcome)])
            .increment(1);
    }

    /// The measurements of one store, labelled with its engine (`sled`), so that every engine
    /// reports under the same names.
    pub(crate) fn store(&self, engine: &'static str) -> StoreMetrics {
        let label = || vec![Label::new("store", engine)];
        StoreMetrics {
            metrics: self.clone(),
            engine,
            batch: self.histogram(BATCH_RECORDS, label()),
            commit_writes: self.histogram(COMMIT_WRITES, label()),
            commit_seconds: self.histogram(COMMIT_SECONDS, label()),
        }
    }
}

/// A store's measurements: the group commit's batches and flushes, and its failures.
#[derive(Clone)]
pub(crate) struct StoreMetrics {
    metrics: Metrics,
    engine: &'static str,
    batch: Histogram,
    commit_writes: Histogram,
    commit_seconds: Histogram,
}

/// Where in a store a failure happened.
#[derive(Clone, Copy, Debug)]
pub(crate) enum StoreOperation {
    /// Applying a batch of records.
    Write,
    /// Making writes durable.
    Flush,
    /// Opening the database again after a failure.
    Reopen,
    /// The health probe's durable write.
    Probe,
}

impl StoreMetrics {
    /// A batch of `records` applied in one transaction.
    pub(crate) fn batch(&self, records: usize) {
        self.batch.record(records as f64);
    }

    /// A flush that made `writes` durable in `took`.
    pub(crate) fn commit(&self, writes: usize, took: Duration) {
        self.commit_writes.record(writes as f64);
        self.commit_seconds.record(took.as_secs_f64());
    }

    pub(crate) fn error(&self, operation: StoreOperation) {
        let operation = match operation {
            StoreOperation::Write => "write",
            StoreOperation::Flush => "flush",
            StoreOperation::Reopen => "reopen",
            StoreOperation::Probe => "probe",
        };
        self.metrics
            .counter(
                STORE_ERRORS,
                vec![
                    Label::new("store", self.engine),
                    Label::new("operation", operation),
                ],
            )
            .increment(1);
    }
}

fn metadata() -> Metadata<'static> {
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()))
}

/// Methods by name; any other (an extension method a client made up) as `other`, so a client
/// cannot mint label values.
fn method_label(method: &Method) -> String {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if KNOWN.contains(method) {
        method.as_str().to_owned()
    } else {
        "other".to_owned()
    }
}
