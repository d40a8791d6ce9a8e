//! `--store URL`: where the records live (CONTRACT §6), checked before anything opens.

use std::path::PathBuf;
use std::str::FromStr;

/// A store the service can open: sled in a data folder, or a PostgreSQL database.
#[derive(Clone)]
pub enum StoreUrl {
    /// `sled:DIR`.
    Sled(PathBuf),
    /// `postgres://…` or `postgresql://…`, in libpq's URL form (several `host:port` pairs,
    /// `target_session_attrs=read-write`).
    Postgres(Box<PostgresUrl>),
}

/// A PostgreSQL URL, parsed; shown (in logs and errors) without its password.
#[derive(Clone)]
pub struct PostgresUrl {
    pub(crate) config: tokio_postgres::Config,
    /// The hosts and database, for messages.
    pub(crate) shown: String,
}

/// A `--store` that names no store this version can open.
#[derive(Debug, thiserror::Error)]
pub enum InvalidStore {
    #[error("store must be sled:DIR or postgres://user@host:port/database, not {0:?}")]
    Scheme(String),
    #[error("store sled: needs a folder after the colon (sled:./data)")]
    EmptyFolder,
    #[error("store {shown} is not a PostgreSQL URL libpq would accept: {reason}")]
    Postgres { shown: String, reason: String },
    #[error("store {0} names no database: add /DATABASE after the host")]
    NoDatabase(String),
}

impl StoreUrl {
    /// The sled store in `dir`: the default, `sled:` + `--data`.
    pub fn sled(dir: impl Into<PathBuf>) -> StoreUrl {
        StoreUrl::Sled(dir.into())
    }

    /// What logs and errors show: the folder, or the hosts and database without the password.
    pub fn shown(&self) -> String {
        match self {
            StoreUrl::Sled(dir) => format!("sled:{}", dir.display()),
            StoreUrl::Postgres(pg) => pg.shown.clone(),
        }
    }
}

impl FromStr for StoreUrl {
    type Err = InvalidStore;

    fn from_str(text: &str) -> Result<StoreUrl, InvalidStore> {
        let text = text.trim();
        if let Some(dir) = text.strip_prefix("sled:") {
            if dir.is_empty() {
                return Err(InvalidStore::EmptyFolder);
            }
            return Ok(StoreUrl::Sled(PathBuf::from(dir)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let shown = without_password(text);
            let config =
                tokio_postgres::Config::from_str(text).map_err(|e| InvalidStore::Postgres {
                    shown: shown.clone(),
                    reason: e.to_string(),
                })?;
            if config.get_dbname().is_none_or(str::is_empty) {
                return Err(InvalidStore::NoDatabase(shown));
            }
            return Ok(StoreUrl::Postgres(Box::new(PostgresUrl { config, shown })));
        }
        Err(InvalidStore::Scheme(without_password(text)))
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl std::fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

/// The URL with the password of its user part (`user:password@`) and of a `password=`
/// parameter replaced, so that it can be logged.
fn without_password(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut shown = match head.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((user, hosts)) => {
                let name = user.split_once(':').map_or(user, |(name, _)| name);
                let hidden = if user.contains(':') { ":…" } else { "" };
                format!("{scheme}://{name}{hidden}@{hosts}")
            }
            None => head.to_owned(),
        },
        None => head.to_owned(),
    };
    if let Some(query) = query {
        let kept: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("password", _)) => "password=…".to_owned(),
                _ => pair.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&kept.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        let url: StoreUrl =
            "postgres://app:s3cret@db1:5432,db2:5433/consent?target_session_attrs=read-write"
                .parse()
                .expect("a valid URL");
        let shown = url.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db1:5432,db2:5433/consent"), "{shown}");
        assert!(shown.contains("target_session_attrs=read-write"), "{shown}");
        let StoreUrl::Postgres(pg) = url else {
            panic!("PostgreSQL")
        };
        assert_eq!(pg.config.get_hosts().len(), 2);

        let query: StoreUrl = "postgres://app@db/consent?password=hunter2"
            .parse()
            .expect("valid");
        assert!(!query.to_string().contains("hunter2"), "{query}");
        let plain: StoreUrl = "postgres://app@db/consent".parse().expect("valid");
        assert_eq!(plain.to_string(), "postgres://app@db/consent");
    }

    #[test]
    fn a_store_that_is_neither_sled_nor_postgres_is_refused_with_what_is_accepted() {
        for (bad, says) in [
            ("mysql://db/consent", "sled:DIR or postgres://"),
            ("./data", "sled:DIR or postgres://"),
            ("sled:", "needs a folder"),
            ("postgres://app@db", "names no database"),
            ("postgres://app@db:notaport/consent", "libpq"),
        ] {
            let error = bad.parse::<StoreUrl>().expect_err(bad).to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        assert!(matches!(
            "sled:/var/lib/consentry".parse::<StoreUrl>(),
            Ok(StoreUrl::Sled(dir)) if dir == std::path::Path::new("/var/lib/consentry")
        ));
    }
}
