//! The log: stderr, one event a line (journald keeps each as one entry), as text for a person
//! or, with `--log-format json` (`CONSENTRY_LOG_FORMAT=json`), as one JSON object a line for a
//! log pipeline: `timestamp`, `level`, `message`, the event's fields, `target`.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-01T22:22:59.898411Z  INFO consentry::startup: started: …`
    #[default]
    Text,
    /// `{"timestamp":"2026-12-01T22:22:59.898411Z","level":"INFO","message":"started: …",…}`
    Json,
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Installs the log for the whole process; `CONSENTRY_LOG` filters it (default `info`, without
/// chromiumoxide's).
pub fn init(format: LogFormat) {
    // chromiumoxide (the scan's browser driver) logs every DevTools message it does not know.
    let filter = EnvFilter::try_from_env("CONSENTRY_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,chromiumoxide=off"));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => {
            // Colour only for a person at a terminal: journald and log files keep escape codes
            // as text.
            let colour = std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            log.with_ansi(colour).init();
        }
        LogFormat::Json => {
            // The fields beside `message`, as pipelines index them; the handler's span by name
            // only, as the request event names its route already.
            log.json().flatten_event(true).with_span_list(false).init();
            // A panic's text would be the one line that is not JSON.
            std::panic::set_hook(Box::new(|panic| tracing::error!(%panic, "panic")));
        }
    }
    let _ = FORMAT.set(format);
}

/// Why the service could not run or stopped failing: a sentence for a person at a terminal, an
/// `ERROR` event in a JSON log.
pub(crate) fn fatal(error: &dyn std::fmt::Display) {
    match FORMAT.get() {
        Some(LogFormat::Json) => tracing::error!("{error}"),
        _ => eprintln!("consentry: {error}"),
    }
}
