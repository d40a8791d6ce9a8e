//! Discovery (`[banner] discover = true`): static/discover.js as served, and the names it is
//! told the registry declares. Only a registry that switches it on gets a `Discovery`, and only
//! a bundle built with one carries the code, so the default banner holds none of it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::bundle::script_safe_json;
use super::code::strip_js;
use crate::registry::{Kind, Registry};

const CODE: &str = include_str!("../../static/discover.js");

/// static/discover.js stripped as static/banner.js is.
pub(super) static SERVED: LazyLock<String> = LazyLock::new(|| strip_js(CODE));

/// The kinds a page's script can list, as discover.js names them.
const KINDS: [Kind; 3] = [Kind::Cookie, Kind::LocalStorage, Kind::SessionStorage];

/// What discover.js is called with: per kind, the names and `*` patterns the registry declares,
/// Consentry's own storage included, so that only what no entry covers is reported. An entry
/// with a `domain` is written `"<name> <domain>"` (a name has no space): it covers only pages
/// on that domain, so a third party's `*` does not hide every name the site's pages hold.
pub(crate) struct Discovery {
    pub(super) declared: Vec<u8>,
}

impl Discovery {
    /// The registry's discovery, or `None` when `[banner] discover` is off.
    pub(crate) fn of(registry: &Registry) -> Option<Discovery> {
        if !registry.banner.discover {
            return None;
        }
        let mut declared: BTreeMap<&str, Vec<String>> = KINDS
            .iter()
            .map(|kind| (kind.as_str(), Vec::new()))
            .collect();
        let entries = registry.cookies.iter().map(|c| {
            let name = c.name.as_str();
            let entry = match &c.domain {
                Some(d) => format!("{name} {}", d.trim_start_matches('.').to_ascii_lowercase()),
                None => name.to_owned(),
            };
            (c.kind, entry)
        });
        let own = registry
            .own_storage()
            .into_iter()
            .map(|o| (o.kind(), o.name().to_owned()));
        for (kind, entry) in entries.chain(own) {
            if let Some(list) = declared.get_mut(kind.as_str()) {
                list.push(entry);
            }
        }
        Some(Discovery {
            declared: script_safe_json(&declared),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository's registry, with `[banner] discover` as `on` says.
    fn registry(on: bool) -> Registry {
        let src = include_str!("../../cookies.toml");
        let src = if on {
            src.replace("[banner]\n", "[banner]\ndiscover = true\n")
        } else {
            src.to_owned()
        };
        crate::registry::parse("cookies.toml", &src)
            .expect("a valid registry")
            .registry
    }

    fn declared(registry: &Registry) -> serde_json::Value {
        let discovery = Discovery::of(registry).expect("discovery is on");
        serde_json::from_slice(&discovery.declared).expect("JSON")
    }

    #[test]
    fn discovery_exists_only_when_the_registry_switches_it_on() {
        assert!(Discovery::of(&registry(false)).is_none());
        assert!(Discovery::of(&registry(true)).is_some());
    }

    #[test]
    fn the_declared_names_hold_every_entry_of_its_kind_and_consentrys_own() {
        let r = registry(true);
        let declared = declared(&r);
        let of = |kind: &str| -> Vec<String> {
            declared[kind]
                .as_array()
                .unwrap_or_else(|| panic!("{kind} is listed"))
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        for cookie in &r.cookies {
            if cookie.kind == Kind::Pixel {
                continue;
            }
            let entry = match &cookie.domain {
                Some(d) => format!("{} {}", cookie.name.as_str(), d.trim_start_matches('.')),
                None => cookie.name.as_str().to_owned(),
            };
            assert!(
                of(cookie.kind.as_str()).contains(&entry),
                "{entry} is not declared"
            );
        }
        assert!(
            of("cookie").contains(&"* trackdiscovery.net".to_owned()),
            "a third party's pattern carries its domain: {declared}"
        );
        assert!(of("cookie").contains(&"consentry".to_owned()));
        assert!(of("local-storage").contains(&"consentry:pending".to_owned()));
        assert!(of("local-storage").contains(&"consentry:discovered".to_owned()));
        assert!(declared.get("pixel").is_none(), "a pixel keeps nothing");
    }

    /// The kinds documented at the top of static/discover.js are the ones served.
    #[test]
    fn the_documented_argument_is_what_rust_serializes() {
        let documented: Vec<String> = CODE
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != "//   type Declared = {")
            .skip(1)
            .take_while(|l| *l != "//   };")
            .filter_map(|l| l.trim_start_matches("//").trim().split('"').nth(1))
            .map(str::to_owned)
            .collect();
        let served: Vec<String> = declared(&registry(true))
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(documented, served);
    }
}
