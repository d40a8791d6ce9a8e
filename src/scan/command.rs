//! `consentry scan`: its flags, where the report goes, and the exit status of §5
//! (0 no violation, 1 violations, 2 the scan could not run).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{Report, ScanOptions};
use crate::registry;

#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum ReportFormat {
    /// For a person, violations first.
    #[default]
    Text,
    /// The document of CONTRACT §5.
    Json,
    /// A self-contained page to hand on.
    Html,
}

#[derive(clap::Args)]
pub struct ScanArgs {
    /// The pages to start from; the crawl stays on their hosts.
    #[arg(required = true)]
    urls: Vec<String>,
    /// The registry the site's cookies are held against.
    #[arg(long, env = "CONSENTRY_CONFIG", default_value = "cookies.toml")]
    config: PathBuf,
    /// Pages to visit at most.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..))]
    pages: u16,
    /// Tabs open at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    concurrency: u8,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print only the ready-to-paste `[[cookie]]` TOML for what is undeclared.
    #[arg(long)]
    suggest: bool,
    /// The Chromium (or Chrome) binary; default: the first on PATH.
    #[arg(long, env = "CONSENTRY_CHROMIUM")]
    chromium: Option<PathBuf>,
}

pub fn run(args: ScanArgs) -> ExitCode {
    let registry = match registry::load_file(&args.config) {
        Ok(loaded) => loaded.registry,
        Err(e) => {
            eprintln!(
                "consentry scan: {} cannot be used: {e}",
                args.config.display()
            );
            return ExitCode::from(2);
        }
    };
    let mut options = ScanOptions::new(args.urls.clone());
    options.pages = usize::from(args.pages);
    options.concurrency = usize::from(args.concurrency);
    options.chromium = args.chromium.clone();
    options.progress = std::io::stderr().is_terminal();
    let report = match super::run(&options, &registry) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("consentry scan: {e}");
            return ExitCode::from(2);
        }
    };
    let body = if args.suggest {
        report.suggest.clone()
    } else {
        render(&report, args.format)
    };
    if let Err(e) = write(args.out.as_deref(), &body) {
        eprintln!("consentry scan: {e}");
        return ExitCode::from(2);
    }
    if args.out.is_some() || matches!(args.format, ReportFormat::Json | ReportFormat::Html) {
        let s = &report.summary;
        eprintln!(
            "consentry scan: {} pages, {} items, {} undeclared, {} violations",
            s.pages, s.items, s.undeclared, s.violations
        );
    }
    if report.has_violations() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn render(report: &Report, format: ReportFormat) -> String {
    match format {
        ReportFormat::Text => super::render_text(report),
        ReportFormat::Json => super::render_json(report),
        ReportFormat::Html => super::render_html(report),
    }
}

/// To stdout, or whole to a file: written beside it and renamed, so a report is never
/// left half written.
fn write(out: Option<&Path>, body: &str) -> Result<(), String> {
    let Some(path) = out else {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(body.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write the report: {e}"));
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(body.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.persist(path)
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
