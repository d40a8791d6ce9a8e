//! The database fails over under load: one `consentry serve` on a pg_auto_failover formation
//! (`tests/common/failover.rs`: a monitor, a primary and a synchronous secondary), given both
//! nodes with `target_session_attrs=read-write`, while visitors post; then the primary's machine
//! dies (pg_autoctl and PostgreSQL SIGKILLed). Just before, the primary's WAL stops reaching the
//! standby for a second, so that what it committed last is on it alone: a `201` given for such a
//! commit would be lost with it (with asynchronous replication this test fails so), and only
//! synchronous replication under `synchronous_commit = on` holds those posts until the crash
//! makes them `503`. Ignored where PostgreSQL or pg_auto_failover is not installed
//! (`build.rs`), unless `CONSENTRY_PG_TESTS=required` (which `.ci/run` sets).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::banners::{self, Crowd};
use crate::common::failover::Formation;
use crate::service_process;

/// Visitors deciding at once.
const VISITORS: usize = 16;

/// The longest a post may wait for its answer while the database fails over: the `STALL` and a
/// little, never the store's commit timeout (10 s), since a dead
/// primary's connections are reset, and its port refused, at once.
const NO_HANG: Duration = Duration::from_secs(5);

/// How long the primary's WAL stops reaching the standby before the primary dies.
const STALL: Duration = Duration::from_secs(2);

/// How long the standby may take to be promoted and the service to find it (about 9 s here).
const FAILOVER: Duration = Duration::from_secs(45);

#[actix_rt::test]
#[cfg_attr(
    not(failover_tests),
    ignore = "no PostgreSQL or pg_auto_failover: apt-get install -y postgresql pg-auto-failover-cli postgresql-15-auto-failover"
)]
async fn when_the_primary_dies_posts_get_503_until_the_standby_serves_and_no_acknowledged_decision_is_lost()
 {
    let formation = Arc::new(Formation::start().unwrap_or_else(|missing| panic!("{missing}")));
    let dir = tempfile::tempdir().expect("temp dir");
    let service = service_process::start_with(dir.path(), &["--store", &formation.url()]);
    let primary = formation.primary().expect("a primary");

    let crowd = Crowd::start(&service.address, VISITORS).await;
    actix_rt::time::sleep(Duration::from_secs(2)).await;
    let stalled = Instant::now();
    formation.pause_replication(primary);
    actix_rt::time::sleep(STALL).await;
    let crashed = Instant::now();
    formation.crash(primary);
    let recovered = crowd.acknowledged_after(crashed, FAILOVER).await;
    let recovered_after = crashed.elapsed();
    actix_rt::time::sleep(Duration::from_secs(2)).await;
    let decided = crowd.stop().await;
    let tries = banners::tries(&decided);
    let export = banners::exported(&service.address).await;
    // The monitor's view, off this thread: its queries block.
    let watcher = formation.clone();
    let promoted = actix_rt::task::spawn_blocking(move || watcher.primary().map(|n| n.port))
        .await
        .expect("the monitor is asked");

    assert!(
        recovered,
        "no post was acknowledged within {FAILOVER:?} of the primary's crash"
    );
    assert_ne!(
        promoted,
        Some(primary.port),
        "the standby is the primary now"
    );
    // Answered before the crash; sent from the crash to the first 201 after it.
    let before: Vec<_> = tries.iter().filter(|t| t.sent + t.took < crashed).collect();
    let during: Vec<_> = tries
        .iter()
        .filter(|t| t.sent >= crashed && t.sent < crashed + recovered_after)
        .collect();
    let refused = during.iter().filter(|t| t.status == 503).count();
    let slowest = tries.iter().map(|t| t.took).max().unwrap_or_default();
    println!(
        "{} posts before the crash, {} during the failover ({refused} answered 503), {} others; \
         the first 201 {recovered_after:?} after the crash; the slowest answer took {slowest:?}; \
         {} decisions",
        before.len(),
        during.len(),
        tries.len() - before.len() - during.len(),
        decided.len()
    );
    assert!(
        before.iter().all(|t| t.status == 201),
        "before the crash every post is stored"
    );
    // Commits the standby had confirmed as it stalled may still be answered (on a busy machine,
    // a while later); none after.
    let unreplicated: Vec<_> = tries
        .iter()
        .filter(|t| t.status == 201)
        .filter(|t| t.sent + t.took > stalled + STALL / 4)
        .filter(|t| t.sent + t.took < crashed)
        .collect();
    assert!(
        unreplicated.is_empty(),
        "acknowledged while the standby had not got them: {unreplicated:?}"
    );
    let odd: Vec<_> = tries
        .iter()
        .filter(|t| ![201, 200, 503].contains(&t.status))
        .collect();
    assert!(odd.is_empty(), "only 201, 200 (a repeat) or 503: {odd:?}");
    assert!(
        refused > 0,
        "posts during the failover are refused with 503"
    );
    assert!(
        slowest < NO_HANG,
        "a post waited {slowest:?} for its answer"
    );
    // Every 201 was committed on the survivor: the export now reads from it alone.
    banners::assert_each_kept_once(&decided, &export);
    service.kill();
}
