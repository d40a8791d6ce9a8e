//! `consentry log key`: prints the log's verifier key, the line auditors and witnesses check
//! checkpoints with (what `GET /api/v1/log/key` serves). It only reads: the service makes the
//! key at its first start, and a command that printed a key it had just made in a mistyped
//! folder would have an operator publish a key no checkpoint is signed with.

use std::path::PathBuf;
use std::process::ExitCode;

use super::key_file::{self, KEY_FILE, KeyFileError};
use crate::settings::DEFAULT_DATA;

#[derive(clap::Args)]
pub struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

#[derive(clap::Subcommand)]
enum LogCommand {
    /// Print the log's verifier key (<name>+<key id>+<key>), to publish and to check
    /// checkpoints with.
    Key(KeyArgs),
}

#[derive(clap::Args)]
struct KeyArgs {
    /// The data folder whose signing key (DATA/log-key) is read; the same default as `serve`.
    #[arg(long, env = "CONSENTRY_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// The signing key file the service is given instead of DATA/log-key.
    #[arg(long, env = "CONSENTRY_LOG_KEY")]
    log_key: Option<PathBuf>,
}

pub fn run(args: LogArgs) -> ExitCode {
    let LogCommand::Key(args) = args.command;
    let path = args.log_key.unwrap_or_else(|| args.data.join(KEY_FILE));
    match key_file::read(&path) {
        Ok(signer) => {
            println!("{}", signer.verifier());
            ExitCode::SUCCESS
        }
        Err(e @ KeyFileError::Missing { .. }) => {
            eprintln!(
                "consentry log key: {e}: the service makes it at its first start \
                 (consentry serve --data {}), or name the key file with --log-key FILE",
                args.data.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("consentry log key: {e}");
            ExitCode::FAILURE
        }
    }
}
