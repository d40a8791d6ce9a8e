//! The consent log checked by someone else's code: `verify.mjs`, a verifier written in
//! JavaScript from RFC 9162 and the C2SP signed-note and tlog-checkpoint texts (Node's own
//! crypto, no npm module), accepts what Consentry's log signs and proves, and refuses it
//! altered. If the formats were only our own, it would not.

#[path = "../common/tools.rs"]
mod tools;

mod formats;
mod log_key;
mod refusals;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use consentry::tlog::{Log, LogName, LogSigner, Salt, SledNodes, TreeHash};

/// The script, beside this file.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verifier/verify.mjs")
}

/// Runs the verifier; the tool's absence is a failure here (the test is ignored where Node is
/// missing, unless CONSENTRY_BROWSER_TESTS=required).
fn verify<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let node = tools::node().unwrap_or_else(|missing| panic!("{missing}"));
    Command::new(node)
        .arg(script())
        .args(args)
        .output()
        .expect("node runs")
}

#[track_caller]
fn accepts<S: AsRef<OsStr>>(args: &[S]) {
    let out = verify(args);
    assert!(
        out.status.success(),
        "refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Refused with exit status 1 and a message holding `says`.
#[track_caller]
fn refuses<S: AsRef<OsStr>>(args: &[S], says: &str) {
    let out = verify(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(says), "expected {says:?} in: {stderr}");
}

/// A log on real sled with its own signing key, in a temporary folder that holds every file
/// handed to the verifier.
struct Fixture {
    folder: tempfile::TempDir,
    log: Log<SledNodes>,
    signer: LogSigner,
    /// Each record's bytes and salt, by index.
    records: Vec<(Vec<u8>, Salt)>,
    _db: sled::Db,
}

impl Fixture {
    fn new() -> Fixture {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let db = sled::open(folder.path().join("sled")).expect("a database");
        let log = Log::open(SledNodes::open(&db).expect("the nodes' tree")).expect("a log");
        let name = LogName::parse("www.example.com/consentry").expect("a log name");
        let signer =
            consentry::tlog::open_or_create_key(folder.path(), &name).expect("the log's key");
        let fixture = Fixture {
            folder,
            log,
            signer,
            records: Vec::new(),
            _db: db,
        };
        fixture.write("key", fixture.signer.verifier().to_string());
        fixture
    }

    /// Appends records until the tree holds `size` leaves, in one batch as a group commit
    /// would.
    fn grow_to(&mut self, size: u64) {
        let mut leaves = Vec::new();
        for index in self.log.size()..size {
            let record = format!(
                r#"{{"consent_id":"id-{index}","action":"accept-all","accepted":["analytics"]}}"#
            )
            .into_bytes();
            let salt = Salt::generate();
            leaves.push(salt.leaf_hash(&record));
            self.records.push((record, salt));
        }
        self.log.append(&leaves).expect("appended");
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).expect("written");
        path
    }

    /// The signed checkpoint of the tree at `size`, written to a file.
    fn checkpoint(&self, size: u64) -> PathBuf {
        let root = self.log.root(size).expect("a root");
        let checkpoint = consentry::tlog::Checkpoint::new(self.signer.name(), size, root);
        self.write(&format!("checkpoint-{size}"), checkpoint.sign(&self.signer))
    }

    /// The inclusion proof's JSON, and the record and salt files, for `index` at `size`.
    fn inclusion(&self, index: u64, size: u64) -> (PathBuf, PathBuf, String) {
        let proof = self.log.inclusion(index, size).expect("a proof");
        let json = serde_json::to_string(&proof).expect("JSON");
        let (record, salt) = &self.records[index as usize];
        (
            self.write(&format!("inclusion-{index}-{size}.json"), json),
            self.write(&format!("record-{index}"), record),
            salt.to_base64url(),
        )
    }

    fn consistency(&self, first: u64, second: u64) -> PathBuf {
        let proof = self.log.consistency(first, second).expect("a proof");
        let json = serde_json::to_string(&proof).expect("JSON");
        self.write(&format!("consistency-{first}-{second}.json"), json)
    }
}

/// A command of the verifier with its `--flag value` pairs.
fn command(name: &str, flags: &[(&str, &OsStr)]) -> Vec<String> {
    let mut args = vec![name.to_owned()];
    for (flag, value) in flags {
        args.push(format!("--{flag}"));
        args.push(value.to_string_lossy().into_owned());
    }
    args
}

fn inclusion_args(
    key: &Path,
    checkpoint: &Path,
    proof: &Path,
    record: &Path,
    salt: &str,
) -> Vec<String> {
    command(
        "inclusion",
        &[
            ("key", key.as_os_str()),
            ("checkpoint", checkpoint.as_os_str()),
            ("proof", proof.as_os_str()),
            ("record", record.as_os_str()),
            ("salt", salt.as_ref()),
        ],
    )
}

fn consistency_args(key: &Path, old: &Path, new: &Path, proof: &Path) -> Vec<String> {
    command(
        "consistency",
        &[
            ("key", key.as_os_str()),
            ("old", old.as_os_str()),
            ("new", new.as_os_str()),
            ("proof", proof.as_os_str()),
        ],
    )
}

fn flip_first_path_byte(json: &str) -> String {
    let mut proof: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let first = proof["path"][0].as_str().expect("a path hash");
    let mut bytes = *TreeHash::parse_base64(first).expect("a hash").as_bytes();
    bytes[0] ^= 0x80;
    proof["path"][0] = TreeHash::from_bytes(bytes).to_base64().into();
    proof.to_string()
}
