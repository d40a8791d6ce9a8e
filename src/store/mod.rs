//! The consent store over sled: one versioned tree per index, inside a `consentry` data folder
//! that carries its format version.

use std::path::{Path, PathBuf};

/// Written in the data folder; a later release reads it to decide whether to migrate.
const FORMAT_FILE: &str = "FORMAT";
const FORMAT: &str = "consentry-store 1\n";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the data folder {path} holds format {found:?}, which this version cannot read")]
    Format { path: PathBuf, found: String },
    #[error("storage failed: {0}")]
    Sled(#[from] sled::Error),
}

/// A cheap-to-clone handle on the store.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    snapshots: sled::Tree,
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let folder = |source| StoreError::Folder {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(folder)?;
        let format_path = dir.join(FORMAT_FILE);
        match std::fs::read_to_string(&format_path) {
            Ok(found) if found == FORMAT => {}
            Ok(found) => {
                return Err(StoreError::Format {
                    path: dir.to_path_buf(),
                    found: found.trim().to_owned(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::write(&format_path, FORMAT).map_err(folder)?;
            }
            Err(e) => return Err(folder(e)),
        }
        let db = sled::Config::new().path(dir.join("sled")).open()?;
        let snapshots = db.open_tree("snapshots-v1")?;
        Ok(Store { db, snapshots })
    }

    /// Archives what the banner shows under its `shown` hash, durably; a known hash is kept as
    /// first stored (the content is the same by construction).
    pub fn archive_snapshot(&self, shown: &str, json: &[u8]) -> Result<(), StoreError> {
        if self.snapshots.contains_key(shown)? {
            return Ok(());
        }
        self.snapshots.insert(shown, json)?;
        self.db.flush()?;
        Ok(())
    }

    pub fn snapshot(&self, shown: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.snapshots.get(shown)?.map(|v| v.to_vec()))
    }

    /// Proves the store accepts a durable write.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        self.db.insert(
            "health",
            &time::OffsetDateTime::now_utc()
                .unix_timestamp()
                .to_be_bytes(),
        )?;
        self.db.flush()?;
        Ok(())
    }
}
