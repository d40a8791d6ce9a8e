//! Noticing edits of `cookies.toml` while the service runs.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

/// Editors save in bursts (truncate, write, rename); wait this long for the burst to end.
const SETTLE: Duration = Duration::from_millis(150);

/// Calls `on_change` after each burst of changes to `file`. Watches the folder rather than the
/// file, so editors that save by renaming a new file over the old one are seen too. The watcher
/// lives as long as the returned handle.
pub fn watch(
    file: &Path,
    on_change: impl Fn() + Send + 'static,
) -> notify::Result<notify::RecommendedWatcher> {
    let file: PathBuf = std::path::absolute(file)?;
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let name = file.file_name().map(|n| n.to_owned());
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if event.kind.is_access() {
            return;
        }
        if event.paths.iter().any(|p| p.file_name() == name.as_deref()) {
            let _ = tx.send(());
        }
    })?;
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    std::thread::Builder::new()
        .name("registry-watch".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                while rx.recv_timeout(SETTLE).is_ok() {}
                on_change();
            }
        })?;
    Ok(watcher)
}
