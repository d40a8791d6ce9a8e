//! Where the log's signing key is kept: `DATA/log-key`, made at the first start, or a file the
//! operator names with `--log-key FILE`. One line, `PRIVATE+KEY+<name>+<key id>+<base64(0x01
//! ‖ seed)>`, the format of Go's `note.GenerateKey`, so the same file works with Go's tools.

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::keys::{KeyError, LogName, LogSigner};

/// The key's file in the data folder.
pub const KEY_FILE: &str = "log-key";

/// The key file is missing, unreadable or not a key. Never carries the file's content.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("the log's signing key {} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read the log's signing key {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} is not a log signing key: {error} (one line: \
         PRIVATE+KEY+<name>+<key id>+<base64 key>)",
        path.display()
    )]
    Malformed { path: PathBuf, error: KeyError },
    #[error("cannot write the log's new signing key {}: {source}", path.display())]
    Unwritable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads the key in `path`.
pub fn read(path: &Path) -> Result<LogSigner, KeyFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyFileError::Missing {
                path: path.to_owned(),
            });
        }
        Err(source) => {
            return Err(KeyFileError::Unreadable {
                path: path.to_owned(),
                source,
            });
        }
    };
    LogSigner::parse(&text).map_err(|error| KeyFileError::Malformed {
        path: path.to_owned(),
        error,
    })
}

/// The key of the data folder `data`, made for `name` if it has none yet. The key keeps the
/// name it was made with: a log's identity does not change with the site's URL, so the caller
/// compares `signer.name()` with the site's and warns when they differ.
pub fn open_or_create(data: &Path, name: &LogName) -> Result<LogSigner, KeyFileError> {
    let path = data.join(KEY_FILE);
    match read(&path) {
        Err(KeyFileError::Missing { .. }) => {}
        found => return found,
    }
    let signer = LogSigner::generate(name.clone());
    let unwritable = |source| KeyFileError::Unwritable {
        path: path.clone(),
        source,
    };
    match write_new(data, &signer) {
        Ok(()) => Ok(signer),
        // Another process made it first: its key is the log's.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(unwritable(e)),
    }
}

/// Writes the key durably, readable by its owner only, and never over an existing key: a
/// temporary file (tempfile makes it 0600) is fsynced, then linked into place only if no file
/// is there, then the folder is fsynced. After a crash the key is either absent or whole.
fn write_new(data: &Path, signer: &LogSigner) -> std::io::Result<()> {
    std::fs::create_dir_all(data)?;
    let mut file = tempfile::Builder::new()
        .prefix(".log-key.")
        .tempfile_in(data)?;
    let mut line = signer.private_line();
    line.push('\n');
    file.write_all(line.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist_noclobber(data.join(KEY_FILE))
        .map_err(|e| e.error)?;
    std::fs::File::open(data)?.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn name() -> LogName {
        LogName::parse("www.example.com/consentry").expect("a valid name")
    }

    #[test]
    fn the_first_start_makes_a_key_only_its_owner_can_read_and_later_starts_read_it() {
        let data = tempfile::tempdir().expect("a temporary folder");

        let made = open_or_create(data.path(), &name()).expect("a new key");
        let again = open_or_create(data.path(), &name()).expect("the same key");

        assert_eq!(made.verifier(), again.verifier());
        let path = data.path().join(KEY_FILE);
        let mode = std::fs::metadata(&path)
            .expect("the key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let text = std::fs::read_to_string(&path).expect("the key file");
        assert!(
            text.starts_with("PRIVATE+KEY+www.example.com/consentry+"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);
        let leftovers: Vec<_> = std::fs::read_dir(data.path())
            .expect("the folder")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        assert_eq!(leftovers, [KEY_FILE], "no temporary file left");
    }

    #[test]
    fn a_key_keeps_its_name_when_the_site_moves() {
        let data = tempfile::tempdir().expect("a temporary folder");
        open_or_create(data.path(), &name()).expect("a new key");

        let moved = LogName::parse("new.example.com/consentry").expect("a valid name");
        let signer = open_or_create(data.path(), &moved).expect("the existing key");

        assert_eq!(signer.name(), &name());
    }

    #[test]
    fn a_bad_key_file_is_an_error_naming_the_file_and_never_showing_it() {
        let data = tempfile::tempdir().expect("a temporary folder");
        let path = data.path().join("given-key");
        let line = LogSigner::generate(name()).private_line();
        // The key's base64 may hold '+'; the name and id cannot.
        let parts: Vec<&str> = line.splitn(5, '+').collect();
        let key = parts[4];
        let altered = format!("PRIVATE+KEY+{}+00000000+{key}\n", parts[2]);
        std::fs::write(&path, altered).expect("written");

        let error = read(&path).expect_err("a wrong key id");
        let message = error.to_string();

        assert!(matches!(
            error,
            KeyFileError::Malformed {
                error: KeyError::IdMismatch { .. },
                ..
            }
        ));
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!message.contains(key), "{message}");

        let missing = read(&data.path().join("nothing")).expect_err("no file");
        assert!(matches!(missing, KeyFileError::Missing { .. }));
        assert!(missing.to_string().contains("nothing"), "{missing}");
        let directory = read(data.path()).expect_err("a folder");
        assert!(
            matches!(directory, KeyFileError::Unreadable { .. }),
            "{directory}"
        );
    }
}
