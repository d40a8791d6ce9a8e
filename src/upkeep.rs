//! Background upkeep: a named thread that runs a task at a steady pace until its guard drops.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// Stops its upkeep thread when dropped (mini-redis's `DbDropGuard`): whoever holds the guard
/// owns the task, so the task lives exactly as long as the service that needs it. The thread
/// is told, not joined, so a drop never waits for a purge in progress.
#[derive(Debug)]
pub(crate) struct UpkeepGuard {
    /// Dropping the sender wakes the thread at once: its `recv_timeout` sees the channel closed.
    _stop: mpsc::Sender<()>,
}

/// Runs `task` now, then every `period`, in a thread named `name`, until the guard drops or
/// `task` answers `false`.
pub(crate) fn every(
    name: &str,
    period: Duration,
    mut task: impl FnMut() -> bool + Send + 'static,
) -> std::io::Result<UpkeepGuard> {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            while task() {
                match stopped.recv_timeout(period) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })?;
    Ok(UpkeepGuard { _stop: stop })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn the_task_stops_when_its_guard_drops() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let guard = every("upkeep-test", Duration::from_millis(5), move || {
            counted.fetch_add(1, Ordering::SeqCst);
            true
        })
        .expect("a thread");
        std::thread::sleep(Duration::from_millis(50));

        drop(guard);
        std::thread::sleep(Duration::from_millis(20));
        let after_drop = runs.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));

        assert!(after_drop > 1, "the task ran at its pace");
        assert_eq!(runs.load(Ordering::SeqCst), after_drop, "the task stopped");
    }
}
