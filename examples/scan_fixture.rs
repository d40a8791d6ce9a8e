//! The scan fixture of `tests/scan` outside `cargo test`, for `benches/scan.sh` and for looking
//! at it by hand: the same site, third parties and Consentry service, on free loopback ports.
//!
//!     cargo run --release --example scan_fixture [full|clean|no-banner]
//!
//! prints `url <start URL>` and `config <registry file>`, one a line, then serves until its
//! standard input closes (Ctrl-D, or the script that started it closing the pipe), and removes
//! its temporary files on the way out.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/scan/fixture.rs"]
#[allow(dead_code)]
mod fixture;
#[path = "../tests/browser/host.rs"]
mod host;
#[path = "../tests/browser/service.rs"]
#[allow(dead_code)]
mod service;

use std::io::{Read, Write};
use std::process::ExitCode;

use fixture::{Fixture, Variant};

fn main() -> ExitCode {
    let variant = match std::env::args().nth(1).as_deref() {
        None | Some("full") => Variant::Full,
        Some("clean") => Variant::Clean,
        Some("no-banner") => Variant::NoBanner,
        Some(other) => {
            eprintln!("scan_fixture: unknown variant {other:?}; use full, clean or no-banner");
            return ExitCode::from(2);
        }
    };
    let fixture = Fixture::start(variant);
    let mut out = std::io::stdout().lock();
    let printed = writeln!(out, "url {}", fixture.start_url())
        .and_then(|()| writeln!(out, "config {}", fixture.config().display()))
        .and_then(|()| out.flush());
    if let Err(e) = printed {
        eprintln!("scan_fixture: cannot print where it serves: {e}");
        return ExitCode::FAILURE;
    }
    drop(out);
    // Serves until stdin closes; whatever was read is not used.
    let _ = std::io::stdin().lock().read_to_end(&mut Vec::new());
    drop(fixture);
    ExitCode::SUCCESS
}
