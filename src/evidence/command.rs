//! `consentry evidence ID` writes a visitor's evidence document to stdout, from the store
//! itself (stop the service first on sled: one process at a time holds its folder);
//! `consentry verify FILE` checks a document, or an NDJSON export with a checkpoint, offline.
//! Exit codes of `verify`: 0 every check held, 1 a check failed (each named on stdout), 2 the
//! input could not be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{Document, EvidenceError, build, export_check, verify};
use crate::consent::ConsentId;
use crate::settings::DEFAULT_DATA;
use crate::store::{Store, StoreUrl};
use crate::tlog::{KEY_FILE, KeyFileError, VerifierKey, read_key};

#[derive(clap::Args)]
pub(crate) struct EvidenceArgs {
    /// The visitor's consent id.
    consent_id: String,
    /// The data folder the service writes to (the same default as `serve`).
    #[arg(long, env = "CONSENTRY_DATA", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Where the records are, as `serve --store` names it (default: sled in --data).
    #[arg(long, env = "CONSENTRY_STORE")]
    store: Option<StoreUrl>,
    /// The log's signing key file, when the service is given one instead of DATA/log-key.
    #[arg(long, env = "CONSENTRY_LOG_KEY")]
    log_key: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// An evidence document, or an NDJSON export (then with --checkpoint and --key).
    file: PathBuf,
    /// The verifier key you trust (<name>+<id>+<key>), or a file holding it. A document's own
    /// key must then be this one.
    #[arg(long)]
    key: Option<String>,
    /// With an NDJSON export: the signed checkpoint (GET /api/v1/log/checkpoint) to hold it to.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
}

pub(crate) fn evidence(args: EvidenceArgs) -> ExitCode {
    let id = match ConsentId::parse(&args.consent_id) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("consentry evidence: {e}");
            return ExitCode::from(2);
        }
    };
    let key_path = args.log_key.unwrap_or_else(|| args.data.join(KEY_FILE));
    let key = match read_key(&key_path) {
        Ok(signer) => signer.verifier().clone(),
        Err(e @ KeyFileError::Missing { .. }) => {
            eprintln!("consentry evidence: {e}: name the service's key file with --log-key FILE");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("consentry evidence: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = args.store.unwrap_or_else(|| StoreUrl::sled(&args.data));
    let while_running = "get it while it runs with GET /api/v1/admin/consents/ID/evidence";
    let store = match Store::open_offline(&url, while_running) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("consentry evidence: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Offline no sequencer runs: a record not in the log yet will not be, so no wait.
    let built = actix_web::rt::System::new()
        .block_on(async { build(&store, &key, &id, std::time::Duration::ZERO).await });
    match built.map(|doc| serde_json::to_string_pretty(&doc)) {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("consentry evidence: {e}");
            ExitCode::FAILURE
        }
        Err(e @ EvidenceError::NotLogged { .. }) => {
            eprintln!(
                "consentry evidence: {e} (offline: start the service for a few seconds so it \
                 sequences the record, stop it, and run this again)"
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("consentry evidence: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Input `verify` cannot read: exit 2.
fn unreadable(what: impl std::fmt::Display) -> ExitCode {
    eprintln!("consentry verify: {what}");
    ExitCode::from(2)
}

/// A verifier key given as itself, or as a file that holds it.
fn trusted_key(given: &str) -> Result<VerifierKey, String> {
    let text = if Path::new(given).is_file() {
        std::fs::read_to_string(given).map_err(|e| format!("--key {given}: {e}"))?
    } else {
        given.to_owned()
    };
    VerifierKey::parse(text.trim()).map_err(|e| format!("--key {given}: not a verifier key: {e}"))
}

pub(crate) fn verify(args: VerifyArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => return unreadable(format_args!("cannot read {}: {e}", args.file.display())),
    };
    let trusted = match args.key.as_deref().map(trusted_key).transpose() {
        Ok(key) => key,
        Err(e) => return unreadable(e),
    };
    let first: Option<serde_json::Value> = serde_json::from_str(&text).ok().or_else(|| {
        text.lines()
            .next()
            .and_then(|l| serde_json::from_str(l).ok())
    });
    let is_document = first.as_ref().is_some_and(|v| v.get("format").is_some());
    let report = if is_document {
        match serde_json::from_str::<Document>(&text) {
            Ok(doc) => verify::document(&doc, trusted.as_ref()),
            Err(e) => {
                return unreadable(format_args!(
                    "{} is not an evidence document: {e}",
                    args.file.display()
                ));
            }
        }
    } else if first.is_some() {
        let (Some(checkpoint), Some(key)) = (&args.checkpoint, &trusted) else {
            return unreadable(format_args!(
                "{} is an export: check it with --checkpoint FILE (GET /api/v1/log/checkpoint) \
                 and --key KEY (GET /api/v1/log/key)",
                args.file.display()
            ));
        };
        match std::fs::read_to_string(checkpoint) {
            Ok(signed) => export_check::export(&text, &signed, key),
            Err(e) => {
                return unreadable(format_args!("cannot read {}: {e}", checkpoint.display()));
            }
        }
    } else {
        return unreadable(format_args!(
            "{} is neither an evidence document nor an NDJSON export",
            args.file.display()
        ));
    };
    print!("{report}");
    if report.passed() {
        eprintln!("consentry verify: every check held");
        ExitCode::SUCCESS
    } else {
        eprintln!("consentry verify: {} checks failed", report.failures.len());
        ExitCode::FAILURE
    }
}
