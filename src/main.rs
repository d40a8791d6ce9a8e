use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // Colour only for a person at a terminal: journald and log files keep escape codes as text.
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("CONSENTRY_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,chromiumoxide=off")),
        )
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();
    consentry::cli::Cli::parse().run()
}
