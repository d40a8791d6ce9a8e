//! What a scan found, in the shape CONTRACT §5 fixes: the JSON document is this module's types
//! serialized, and the text and HTML reports read the same values.

use serde::Serialize;

use crate::registry::Kind;

/// One of the three visits of §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    BeforeConsent,
    AfterAccept,
    AfterReject,
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::BeforeConsent, Phase::AfterAccept, Phase::AfterReject];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::BeforeConsent => "before-consent",
            Phase::AfterAccept => "after-accept",
            Phase::AfterReject => "after-reject",
        }
    }
}

/// A finding against the registry (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Violation {
    /// Not in the registry.
    Undeclared,
    /// Present before consent although its category is not required.
    SetBeforeConsent,
    /// Present after "Reject all" although its category was refused.
    KeptAfterReject,
}

impl Violation {
    pub fn as_str(self) -> &'static str {
        match self {
            Violation::Undeclared => "undeclared",
            Violation::SetBeforeConsent => "set-before-consent",
            Violation::KeptAfterReject => "kept-after-reject",
        }
    }

    /// What it means, for a person reading the text or HTML report.
    pub fn explain(self) -> &'static str {
        match self {
            Violation::Undeclared => {
                "not declared in cookies.toml: the policy page does not list it"
            }
            Violation::SetBeforeConsent => {
                "present before the visitor chose, although its category needs consent"
            }
            Violation::KeptAfterReject => {
                "still present after \"Reject all\", although its category was refused"
            }
        }
    }
}

/// A page as one phase saw it.
#[derive(Clone, Debug, Serialize)]
pub struct PageVisit {
    pub url: String,
    pub phase: Phase,
    /// The HTTP status of the page's document; `null` when it could not be loaded.
    pub status: Option<u16>,
    /// Why the page could not be loaded, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The registry entry that covers an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Declared {
    pub name: String,
    pub category: String,
}

/// What the catalog of well-known cookies knows of an undeclared item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggested {
    pub category: String,
    pub provider: String,
    pub purpose: String,
    pub expires: String,
}

/// A cookie or storage key, with every phase it was present in.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub name: String,
    pub kind: Kind,
    /// A cookie's domain as the browser holds it, or a storage key's origin.
    pub domain: String,
    pub third_party: bool,
    pub http_only: bool,
    pub secure: bool,
    /// `"session"` or a lifetime in the registry's words; `null` for a `localStorage` key,
    /// which lives until something deletes it.
    pub expires: Option<String>,
    pub phases: Vec<Phase>,
    pub first_page: String,
    pub declared: Option<Declared>,
    pub suggested: Option<Suggested>,
    pub violations: Vec<Violation>,
    /// The script that wrote the cookie through `document.cookie`, or the response whose
    /// `Set-Cookie` header set it, where the browser told (an extension of §5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_by: Option<String>,
}

impl Item {
    /// Its kind in a person's words, for the text and HTML reports.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            Kind::Cookie if self.http_only => "cookie (HttpOnly)",
            Kind::Cookie => "cookie",
            Kind::LocalStorage => "localStorage",
            Kind::SessionStorage => "sessionStorage",
            Kind::Pixel => "pixel",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RequestHost {
    pub host: String,
    pub third_party: bool,
    pub phases: Vec<Phase>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Distinct pages visited.
    pub pages: usize,
    pub items: usize,
    pub undeclared: usize,
    /// Every violation of every item, `undeclared` included: what the exit status counts.
    pub violations: usize,
}

/// The whole report (`--format json` prints it as is).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scanned_at: String,
    pub start: Vec<String>,
    pub registry_revision: String,
    pub phases: Vec<Phase>,
    /// Whether the first page carried the Consentry banner; without it only the first phase ran.
    pub banner_found: bool,
    /// What a reader should know about how the scan went (no banner, pages that failed).
    pub notes: Vec<String>,
    pub pages: Vec<PageVisit>,
    pub items: Vec<Item>,
    pub declared_not_seen: Vec<Declared>,
    pub requests: Vec<RequestHost>,
    pub summary: Summary,
    /// Ready-to-paste `[[cookie]]` tables for every undeclared item.
    pub suggest: String,
}

impl Report {
    pub fn has_violations(&self) -> bool {
        self.summary.violations > 0
    }

    /// Items with a violation first (most violations first), then the rest, each group by name.
    pub fn items_by_severity(&self) -> Vec<&Item> {
        let mut items: Vec<&Item> = self.items.iter().collect();
        items.sort_by(|a, b| {
            b.violations
                .len()
                .cmp(&a.violations.len())
                .then_with(|| a.name.cmp(&b.name))
        });
        items
    }
}
