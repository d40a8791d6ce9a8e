//! Stopping without losing a post. On SIGTERM (systemd, Kubernetes) or SIGINT (Ctrl-C) the
//! service stops accepting connections and lets the requests in flight finish: a consent post
//! still gets its `201` only once its record is durable, and keep-alive connections close after
//! their current answer. Whatever is still running after the shutdown timeout is cut. A second
//! signal ends the process at once, with the shell's status for death by that signal (143 for
//! SIGTERM, 130 for SIGINT): actix's servers take no command while a graceful stop runs, and a
//! post cut short was never acknowledged, so nothing answered is lost. actix stops on SIGINT
//! without waiting, so its own signal handling is off and this one stops both listeners alike.

use actix_web::dev::ServerHandle;
use actix_web::rt::signal::unix::{Signal, SignalKind, signal};
use futures_util::future::{Either, select};

/// The signals that stop the service, listened to from the moment the service runs.
pub(crate) struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl StopSignals {
    /// Must be called on the service's runtime.
    pub(crate) fn listen() -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// The next signal: its name and number.
    async fn next(&mut self) -> (&'static str, i32) {
        let terminate = Box::pin(self.terminate.recv());
        let interrupt = Box::pin(self.interrupt.recv());
        match select(terminate, interrupt).await {
            Either::Left(_) => ("SIGTERM", libc::SIGTERM),
            Either::Right(_) => ("SIGINT", libc::SIGINT),
        }
    }

    /// Stops `servers` gracefully at the first signal; ends the process at the second.
    pub(crate) async fn stop_on_signal(mut self, servers: Vec<ServerHandle>, timeout_secs: u64) {
        let (first, _) = self.next().await;
        tracing::info!(
            "{first} received: finishing the requests in flight (at most {timeout_secs} s), then stopping"
        );
        for server in &servers {
            actix_web::rt::spawn(server.stop(true));
        }
        let (second, number) = self.next().await;
        tracing::warn!("{second} received again: exiting now, cutting the requests in flight");
        std::process::exit(128 + number);
    }
}
