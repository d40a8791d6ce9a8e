//! What a page reports holding: a name, and where a page's script found it.

use serde::Serialize;

use crate::registry::{CookieName, Kind};

/// Longest name accepted, in bytes: real cookie names are a few dozen.
const NAME_MAX: usize = 200;

/// Where a page's script finds a name: the kinds of `cookies.toml` a page can list (a pixel
/// keeps nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SeenKind {
    Cookie,
    LocalStorage,
    SessionStorage,
}

impl SeenKind {
    const ALL: [SeenKind; 3] = [
        SeenKind::Cookie,
        SeenKind::LocalStorage,
        SeenKind::SessionStorage,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        self.kind().as_str()
    }

    pub(crate) fn parse(s: &str) -> Option<SeenKind> {
        SeenKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The registry's word for it.
    pub(crate) fn kind(self) -> Kind {
        match self {
            SeenKind::Cookie => Kind::Cookie,
            SeenKind::LocalStorage => Kind::LocalStorage,
            SeenKind::SessionStorage => Kind::SessionStorage,
        }
    }
}

/// A name a page holds, as a registry could declare it: an RFC 6265 token of at most
/// `NAME_MAX` bytes (so never a NUL, which the store's keys use as a separator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SeenName(String);

impl SeenName {
    pub(super) fn parse(s: &str) -> Result<SeenName, &'static str> {
        if s.len() > NAME_MAX {
            return Err("longer than 200 bytes");
        }
        CookieName::parse(s)
            .map(|_| SeenName(s.to_owned()))
            .ok_or("a cookie name is a non-empty RFC 6265 token: ASCII letters, digits and !#$%&'*+-.^_`|~")
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// One name a page holds, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) name: SeenName,
    pub(crate) kind: SeenKind,
}
