//! An export streamed to a client: written on a thread of its own into a bounded channel, so the
//! reader waits while the client is slow and memory stays at a few chunks however large the
//! export.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use super::{ExportFormat, Exporter, Store, StoreError, TimeRange};

/// Bytes handed to the response at a time; also bounds what the export buffers.
const EXPORT_CHUNK: usize = 64 * 1024;

impl Store {
    /// Every record of `range` as `format`, in time order, as a stream of chunks. `preferred`
    /// orders the CSV's category columns (see `Exporter::new`); a client that takes no chunk
    /// for `stall` is cut off, so it cannot keep an export thread, and its buffers, forever.
    /// A stream that stopped short ends with an error, so the connection is cut instead of
    /// closing the body as if it were complete.
    pub(crate) async fn export(
        &self,
        range: TimeRange,
        format: ExportFormat,
        preferred: Vec<String>,
        stall: Duration,
    ) -> Result<impl Stream<Item = std::io::Result<Bytes>> + use<>, StoreError> {
        let exporter = self
            .blocking(move |store| Exporter::new(store.clone(), range, format, &preferred))
            .await?;
        let (tx, mut rx) = mpsc::channel::<Bytes>(4);
        let failed = Arc::new(AtomicBool::new(false));
        let failure = failed.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut sink = ChunkSink {
                tx,
                buf: Vec::with_capacity(EXPORT_CHUNK),
                stall,
            };
            match exporter.write_to(&mut sink) {
                Ok(count) => tracing::info!(count, "export finished"),
                Err(e) => {
                    failure.store(true, Ordering::SeqCst);
                    tracing::warn!(error = %e, "export stopped");
                }
            }
        });
        Ok(futures_util::stream::poll_fn(move |cx| {
            rx.poll_recv(cx).map(|chunk| match chunk {
                Some(chunk) => Some(Ok(chunk)),
                None if failed.load(Ordering::SeqCst) => Some(Err(std::io::Error::other(
                    "the export stopped before its end",
                ))),
                None => None,
            })
        }))
    }
}

/// Hands the export to the response in chunks; fails once the client has gone, or has taken
/// longer than `stall` to take one chunk.
struct ChunkSink {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
    stall: Duration,
}

impl std::io::Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= EXPORT_CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(EXPORT_CHUNK),
        ));
        send_within(&self.tx, chunk, self.stall)
    }
}

/// Sends from a blocking thread, giving up after `limit`; polls with a growing pause, since
/// tokio's channel offers a deadline only to async senders.
fn send_within(tx: &mpsc::Sender<Bytes>, mut chunk: Bytes, limit: Duration) -> std::io::Result<()> {
    use tokio::sync::mpsc::error::TrySendError;
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    loop {
        match tx.try_send(chunk) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(_)) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "the client went away",
                ));
            }
            Err(TrySendError::Full(back)) => chunk = back,
        }
        if Instant::now() >= deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the client read nothing for {} s", limit.as_secs()),
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}
