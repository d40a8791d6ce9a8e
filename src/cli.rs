//! The command line: `serve` (the default), `check`, `export`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::registry::{self, LoadError};
use crate::startup::{Application, Settings};

#[derive(Parser)]
#[command(name = "consentry", version, about = "Self-hosted cookie consent")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// Check a registry file and print every problem with its line and column.
    Check {
        /// The registry to check.
        #[arg(default_value = "cookies.toml")]
        file: PathBuf,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The registry file.
    #[arg(long, default_value = "cookies.toml")]
    config: PathBuf,
    /// The data folder (consent records, snapshots).
    #[arg(long, default_value = "data")]
    data: PathBuf,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            config: "cookies.toml".into(),
            data: "data".into(),
            bind: "127.0.0.1:8080".into(),
        }
    }
}

impl Cli {
    pub fn run(self) -> ExitCode {
        match self.command {
            None => serve(ServeArgs::default()),
            Some(Command::Serve(args)) => serve(args),
            Some(Command::Check { file }) => check(&file),
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let mut settings = Settings::new(args.config, args.data, &args.bind);
    settings.admin_token = std::env::var("CONSENTRY_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone()).map_err(|e| e.to_string())?;
        let base = format!("http://{}", display_addr(&settings.bind, app.port()));
        println!("Consentry is running:");
        println!("  demo page      {base}/");
        println!("  cookie policy  {base}/cookie-policy");
        println!("  banner script  {base}/banner.js");
        println!("  registry JSON  {base}/api/v1/registry");
        if settings.admin_token.is_some() {
            println!("  admin          {base}/admin");
        } else {
            println!("  admin          closed (set CONSENTRY_ADMIN_TOKEN to open it)");
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("consentry: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `0.0.0.0:8080` is not a URL anyone can open; show loopback instead.
fn display_addr(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(h, _)| h);
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        h => h,
    };
    format!("{host}:{port}")
}

fn check(file: &std::path::Path) -> ExitCode {
    match registry::load_file(file) {
        Ok(loaded) => {
            if !loaded.warnings.diagnostics.is_empty() {
                eprintln!("{}", loaded.warnings);
            }
            let r = &loaded.registry;
            let optional = r.categories.iter().filter(|c| !c.required).count();
            println!(
                "{}: ok, revision {}: {} categories ({} optional), {} cookies, {} languages ({}), {}",
                file.display(),
                r.revision,
                r.categories.len(),
                optional,
                r.cookies.len(),
                r.site.languages.len(),
                r.site
                    .languages
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                plural(loaded.warnings.diagnostics.len(), "warning"),
            );
            ExitCode::SUCCESS
        }
        Err(LoadError::Invalid(report)) => {
            eprintln!("{report}");
            let errors = report.errors().count();
            let warnings = report.warnings().count();
            eprintln!(
                "{}: refused: {}, {}",
                file.display(),
                plural(errors, "error"),
                plural(warnings, "warning")
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("consentry: {e}");
            ExitCode::FAILURE
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
