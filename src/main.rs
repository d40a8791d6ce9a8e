use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = consentry::cli::Cli::parse();
    consentry::logging::init(cli.log_format());
    cli.run()
}
