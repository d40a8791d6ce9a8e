//! Holds what the browser saw against the registry and the catalog: which entry declares each
//! item, what the catalog suggests for the rest, and the violations of CONTRACT §5.

use std::collections::BTreeSet;

use super::observed::{Observed, Sighting};
use super::report::{Declared, Item, Phase, Report, RequestHost, Suggested, Summary, Violation};
use crate::registry::{Cookie, Covering, Kind, Lifetime, Registry, within};

/// What the scan asks of the catalog of well-known cookies: kept apart so that the
/// comparison can be read (and tested) without it.
pub(crate) trait Knowledge {
    fn suggest(&self, name: &str, kind: Kind) -> Option<Suggested>;
    /// Ready-to-paste `[[cookie]]` TOML for an undeclared item.
    fn toml(&self, item: &Item, registry: &Registry) -> String;
}

/// The start URLs' hosts: what counts as first party.
pub(crate) struct Hosts(pub Vec<String>);

impl Hosts {
    /// A cookie domain (leading dot or not) or a host is first party when it is one of the
    /// start hosts, a subdomain of one, or a parent domain of one (`.example.com` for
    /// `www.example.com`).
    pub(crate) fn first_party(&self, domain: &str) -> bool {
        let d = domain.trim_start_matches('.').to_ascii_lowercase();
        self.0.iter().any(|h| within(h, &d) || within(&d, h))
    }
}

/// The host of a storage key's origin (`http://127.0.0.1:8080` → `127.0.0.1`).
fn origin_host(origin: &str) -> &str {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

pub(crate) fn report(
    observed: Observed,
    registry: &Registry,
    hosts: &Hosts,
    start: Vec<String>,
    knowledge: &dyn Knowledge,
) -> Report {
    let mut items = Vec::new();
    for ((name, domain), seen) in &observed.cookies {
        let expires = match seen.what.lifetime {
            None => "session".to_owned(),
            Some(s) => Lifetime::approximate(s).to_string(),
        };
        let mut item = blank(name, Kind::Cookie, domain, !hosts.first_party(domain), seen);
        item.http_only = seen.what.http_only;
        item.secure = seen.what.secure;
        item.expires = Some(expires);
        item.set_by = observed.set_by.get(name).cloned();
        if let Some(page) = observed.set_on.get(name) {
            item.first_page = page.clone();
        }
        items.push(item);
    }
    for ((name, origin, _), seen) in &observed.keys {
        let third = !hosts.first_party(origin_host(origin));
        let mut item = blank(name, seen.what, origin, third, seen);
        item.secure = origin.starts_with("https:");
        item.expires = (seen.what == Kind::SessionStorage).then(|| "session".to_owned());
        items.push(item);
    }
    for item in &mut items {
        judge(item, registry, knowledge);
    }

    let declared_not_seen = registry
        .cookies
        .iter()
        .filter(|c| !seen_anywhere(c, &items, &observed, hosts))
        .map(|c| Declared {
            name: c.name.as_str().to_owned(),
            category: c.category.as_str().to_owned(),
        })
        .collect();
    let requests = observed
        .requests
        .iter()
        .map(|(host, phases)| RequestHost {
            host: host.clone(),
            third_party: !hosts.first_party(host),
            phases: phases.iter().copied().collect(),
        })
        .collect();
    let pages: BTreeSet<&str> = observed.visits.iter().map(|v| v.url.as_str()).collect();
    let summary = Summary {
        pages: pages.len(),
        items: items.len(),
        undeclared: items.iter().filter(|i| i.declared.is_none()).count(),
        violations: items.iter().map(|i| i.violations.len()).sum(),
    };
    let suggest = items
        .iter()
        .filter(|i| i.declared.is_none())
        .map(|i| knowledge.toml(i, registry))
        .collect::<Vec<_>>()
        .join("\n");
    Report {
        scanned_at: now_rfc3339(),
        start,
        registry_revision: registry.revision.clone(),
        phases: observed.phases,
        banner_found: observed.banner_found,
        notes: observed.notes,
        pages: observed.visits,
        items,
        declared_not_seen,
        requests,
        summary,
        suggest,
    }
}

fn blank<T>(name: &str, kind: Kind, domain: &str, third_party: bool, seen: &Sighting<T>) -> Item {
    Item {
        name: name.to_owned(),
        kind,
        domain: domain.to_owned(),
        third_party,
        http_only: false,
        secure: false,
        expires: None,
        phases: seen.phases.iter().copied().collect(),
        first_page: seen.first_page.clone(),
        declared: None,
        suggested: None,
        violations: Vec::new(),
        set_by: None,
    }
}

/// Declared, suggested, and the violations that follow from the category.
fn judge(item: &mut Item, registry: &Registry, knowledge: &dyn Knowledge) {
    let host = match item.kind {
        Kind::Cookie => item.domain.trim_start_matches('.'),
        _ => origin_host(&item.domain),
    };
    item.declared = declared(registry, &item.name, item.kind, host);
    let required = match &item.declared {
        Some(d) => registry.category(&d.category).map(|c| c.required),
        None => {
            item.suggested = knowledge.suggest(&item.name, item.kind);
            item.suggested.as_ref().map(|s| s.category == "necessary")
        }
    };
    // An item of no known category cannot be shown to be necessary: it needs consent.
    let required = required.unwrap_or(false);
    if item.declared.is_none() {
        item.violations.push(Violation::Undeclared);
    }
    if !required && item.phases.contains(&Phase::BeforeConsent) {
        item.violations.push(Violation::SetBeforeConsent);
    }
    if !required && item.phases.contains(&Phase::AfterReject) {
        item.violations.push(Violation::KeptAfterReject);
    }
}

/// The registry entry that covers a name of this kind on this host (`Registry::covering`);
/// Consentry's own storage is declared under the first required category.
fn declared(registry: &Registry, name: &str, kind: Kind, host: &str) -> Option<Declared> {
    Some(match registry.covering(name, kind, host)? {
        Covering::Entry(c) => Declared {
            name: c.name.as_str().to_owned(),
            category: c.category.as_str().to_owned(),
        },
        Covering::Own(own) => {
            let category = registry
                .categories
                .iter()
                .find(|c| c.required)
                .or(registry.categories.first())?;
            Declared {
                name: own.name().to_owned(),
                category: category.id.as_str().to_owned(),
            }
        }
    })
}

/// Whether a declared entry matched anything the scan saw; a `pixel` is seen when a request
/// went to its domain.
fn seen_anywhere(c: &Cookie, items: &[Item], observed: &Observed, hosts: &Hosts) -> bool {
    if c.kind == Kind::Pixel {
        return match &c.domain {
            Some(d) => {
                let d = d.trim_start_matches('.').to_ascii_lowercase();
                observed.requests.keys().any(|h| within(h, &d))
            }
            None => observed.requests.keys().any(|h| hosts.first_party(h)),
        };
    }
    items.iter().any(|i| {
        i.declared
            .as_ref()
            .is_some_and(|d| d.name == c.name.as_str() && d.category == c.category.as_str())
            && i.kind == c.kind
    })
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
