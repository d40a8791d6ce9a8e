//! Serving edits of `cookies.toml` while the service runs: watch, check, archive, swap.

use crate::registry::{self, Loaded};
use crate::served::{Live, Served};
use crate::store::{Store, StoreError};
use crate::telemetry::{Metrics, ReloadOutcome};

/// Watches the registry file while it lives; dropping it stops the reloads (the watcher's
/// thread ends with it).
pub(crate) struct ReloadGuard {
    _watcher: notify::RecommendedWatcher,
}

/// Reloads `live` from its file after each edit, archiving the new snapshots in `store` first;
/// each outcome is counted in `metrics`.
pub(crate) fn start(live: &Live, store: &Store, metrics: &Metrics) -> notify::Result<ReloadGuard> {
    let path = live.path().to_path_buf();
    let (live, store, metrics) = (live.clone(), store.clone(), metrics.clone());
    let watcher = registry::watch(&path, move || metrics.reload(reload(&live, &store)))?;
    Ok(ReloadGuard { _watcher: watcher })
}

/// Keeps every snapshot the service is about to serve, before it serves it.
pub(crate) fn archive(store: &Store, served: &Served) -> Result<(), StoreError> {
    store.archive_snapshots(
        served
            .snapshots
            .values()
            .map(|s| (s.shown.as_str(), s.json.as_slice())),
    )
}

/// Applies an edit of the registry file; a broken edit is logged and the last good one stays.
fn reload(live: &Live, store: &Store) -> ReloadOutcome {
    let loaded = match registry::load_file(live.path()) {
        Ok(loaded) => loaded,
        Err(e) => {
            let serving = live.get().registry.revision.clone();
            tracing::error!(
                "registry edit rejected, still serving revision {serving}: {}",
                one_line(&e)
            );
            return ReloadOutcome::Rejected;
        }
    };
    log_warnings(&loaded);
    let served = Served::build(loaded.registry);
    if let Err(e) = archive(store, &served) {
        tracing::error!(error = %e, "cannot archive the new registry's snapshots; still serving the last good one");
        return ReloadOutcome::Failed;
    }
    let before = live.get().registry.revision.clone();
    let after = served.registry.revision.clone();
    live.replace(served);
    tracing::info!(%before, %after, "registry reloaded");
    ReloadOutcome::Applied
}

pub(crate) fn log_warnings(loaded: &Loaded) {
    if !loaded.warnings.diagnostics.is_empty() {
        tracing::warn!("registry warnings: {}", one_line(&loaded.warnings));
    }
}

/// A report of a line per problem as one log line, the problems joined with `; `: journald
/// keeps one entry per line, and a problem on a line of its own would read as an event of its
/// own, without time or level.
fn one_line(report: &impl std::fmt::Display) -> String {
    let text = report.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}
