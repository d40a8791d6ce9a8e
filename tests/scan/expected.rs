//! What the fixture really sets, phase by phase: the table both the fixture's own check
//! (`fixture_itself.rs`, in Chromium without the scan) and the scan's tests are held to.
//!
//! An item is present in a phase when the browser holds it once a page of that phase has
//! settled: in `after-accept` and `after-reject`, from the moment the banner's button was
//! clicked on the first page. An undeclared item whose category nobody knows (no registry
//! entry, nothing in the catalog) is not known to be required: before consent it is
//! `set-before-consent`, after Reject all `kept-after-reject` (CONTRACT §5).

use crate::fixture::Variant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    BeforeConsent,
    AfterAccept,
    AfterReject,
}

use Phase::{AfterAccept as A, AfterReject as R, BeforeConsent as B};

impl Phase {
    pub const ALL: [Phase; 3] = [B, A, R];

    /// The phase's name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            B => "before-consent",
            A => "after-accept",
            R => "after-reject",
        }
    }
}

/// Where an item lives, as the report writes its `domain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// A host-only cookie of the site: "127.0.0.1".
    SiteHost,
    /// A storage key of the site's origin: "http://127.0.0.1:PORT".
    SiteOrigin,
    /// A cookie of another host.
    Host(&'static str),
}

/// What the catalog knows of an undeclared item: its category, and a word of its provider.
#[derive(Clone, Copy, Debug)]
pub struct Suggestion {
    pub category: &'static str,
    pub provider_contains: &'static str,
}

/// One item of the report, as CONTRACT §5 writes it.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub name: &'static str,
    /// "cookie", "local-storage" or "session-storage".
    pub kind: &'static str,
    pub domain: Domain,
    pub third_party: bool,
    pub http_only: bool,
    pub secure: bool,
    /// The lifetime in the registry's words as the browser holds it (Chromium caps a cookie
    /// at 400 days: "13 months"); `None` for storage keys, which have none.
    pub expires: Option<&'static str>,
    pub phases: &'static [Phase],
    /// The path of the first page it was seen on.
    pub first_page: &'static str,
    /// The registry entry that covers it: (name or pattern, category).
    pub declared: Option<(&'static str, &'static str)>,
    pub suggested: Option<Suggestion>,
    pub violations: &'static [&'static str],
}

const fn cookie(name: &'static str) -> Item {
    Item {
        name,
        kind: "cookie",
        domain: Domain::SiteHost,
        third_party: false,
        http_only: false,
        secure: false,
        expires: Some("session"),
        phases: &[],
        first_page: "/",
        declared: None,
        suggested: None,
        violations: &[],
    }
}

const fn storage(name: &'static str, kind: &'static str) -> Item {
    Item {
        kind,
        domain: Domain::SiteOrigin,
        expires: None,
        ..cookie(name)
    }
}

/// The full site (`Variant::Full`).
pub const FULL: &[Item] = &[
    // Set-Cookie on /account: necessary, so allowed before consent.
    Item {
        http_only: true,
        phases: &[B, A, R],
        first_page: "/account",
        declared: Some(("sid", "necessary")),
        ..cookie("sid")
    },
    // Set-Cookie on every page, HttpOnly: the banner cannot delete it after Reject all.
    Item {
        http_only: true,
        expires: Some("1 month"),
        phases: &[B, A, R],
        declared: Some(("srv_track", "analytics")),
        violations: &["set-before-consent", "kept-after-reject"],
        ..cookie("srv_track")
    },
    // An untagged script before the banner: the banner deletes it on each page after Reject.
    Item {
        expires: Some("1 year"),
        phases: &[B, A],
        declared: Some(("shop_visits", "analytics")),
        violations: &["set-before-consent"],
        ..cookie("shop_visits")
    },
    // An untagged script, and no one knows the cookie.
    Item {
        expires: Some("6 months"),
        phases: &[B, A, R],
        violations: &["undeclared", "set-before-consent", "kept-after-reject"],
        ..cookie("mystery_id")
    },
    // A script that waits for any decision and sets it after the banner deleted it.
    Item {
        expires: Some("2 weeks"),
        phases: &[A, R],
        declared: Some(("ab_variant", "analytics")),
        violations: &["kept-after-reject"],
        ..cookie("ab_variant")
    },
    // The tagged analytics script: only after Accept all.
    Item {
        expires: Some("13 months"),
        phases: &[A],
        declared: Some(("_ga", "analytics")),
        ..cookie("_ga")
    },
    Item {
        expires: Some("13 months"),
        phases: &[A],
        declared: Some(("_ga_*", "analytics")),
        ..cookie("_ga_FIXTURE")
    },
    Item {
        phases: &[A],
        declared: Some(("ga_last_visit", "analytics")),
        ..storage("ga_last_visit", "local-storage")
    },
    // The tagged marketing script: a well-known cookie the registry forgot.
    Item {
        expires: Some("3 months"),
        phases: &[A],
        suggested: Some(Suggestion {
            category: "marketing",
            provider_contains: "Meta",
        }),
        violations: &["undeclared"],
        ..cookie("_fbp")
    },
    // The ad partner's pixel, loaded by the tagged marketing script: a third-party cookie.
    Item {
        domain: Domain::Host("127.0.0.3"),
        third_party: true,
        secure: true,
        expires: Some("13 months"),
        phases: &[A],
        declared: Some(("tp_uid", "marketing")),
        ..cookie("tp_uid")
    },
    // An untagged script on every page: necessary, so allowed before consent.
    Item {
        phases: &[B, A, R],
        declared: Some(("checkout_step", "necessary")),
        ..storage("checkout_step", "session-storage")
    },
];

/// The clean site (`Variant::Clean`): nothing optional before consent, everything declared.
pub const CLEAN: &[Item] = &[
    Item {
        http_only: true,
        phases: &[B, A, R],
        declared: Some(("sid", "necessary")),
        ..cookie("sid")
    },
    Item {
        expires: Some("13 months"),
        phases: &[A],
        declared: Some(("_ga", "analytics")),
        ..cookie("_ga")
    },
];

/// The banner-less site (`Variant::NoBanner`): only the first phase runs.
pub const NO_BANNER: &[Item] = &[
    Item {
        expires: Some("13 months"),
        phases: &[B],
        declared: Some(("_ga", "analytics")),
        violations: &["set-before-consent"],
        ..cookie("_ga")
    },
    Item {
        phases: &[B],
        violations: &["undeclared", "set-before-consent"],
        ..storage(crate::fixture::MARKUP_KEY, "local-storage")
    },
];

/// What Consentry itself keeps (the decision, an undelivered decision): the scan may list
/// them, never as a violation.
pub const OWN: [&str; 2] = ["consentry", "consentry:pending"];

/// Items that exist on the full site's servers but must never be reached.
pub const NEVER: [&str; 2] = ["orphan_cookie", "offsite_cookie"];

/// The table for `variant`.
pub fn items(variant: Variant) -> &'static [Item] {
    match variant {
        Variant::Full => FULL,
        Variant::Clean => CLEAN,
        Variant::NoBanner => NO_BANNER,
    }
}

/// One request host of the report.
pub struct Request {
    pub host: &'static str,
    pub third_party: bool,
    pub phases: &'static [Phase],
}

/// The full site's request hosts: itself (and the banner's service on it), the image of
/// 127.0.0.2 on every page, and the ad partner called after Accept all only.
pub const FULL_REQUESTS: &[Request] = &[
    Request {
        host: "127.0.0.1",
        third_party: false,
        phases: &[B, A, R],
    },
    Request {
        host: "127.0.0.2",
        third_party: true,
        phases: &[B, A, R],
    },
    Request {
        host: "127.0.0.3",
        third_party: true,
        phases: &[A],
    },
];

/// The full registry's entries that no page sets: (name, category).
pub const FULL_NOT_SEEN: &[(&str, &str)] = &[("_gcl_aw", "marketing")];
