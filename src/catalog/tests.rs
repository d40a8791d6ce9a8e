//! The catalog as data: it loads as a registry's cookies would, says each name once, links every
//! third party's privacy policy, and holds the facts it claims.

use super::{Catalog, CatalogError, KNOWN, KnownCategory, catalog};
use crate::registry::{Kind, Lifetime, Unit};

/// Who the site runs itself, so who may lack a privacy_url (see `Known::is_site_software`).
const SITE_SOFTWARE: &[&str] = &[
    "Matomo",
    "WordPress",
    "WooCommerce",
    "PHP",
    "ASP.NET",
    "ASP.NET Core",
    "Java Servlet",
    "Ruby on Rails",
    "Django",
    "Laravel",
    "CakePHP",
    "CodeIgniter",
    "Express",
    "IAB Europe TCF",
    "CookieConsent (orestbida)",
    "Klaro",
    "Complianz",
    "GDPR Cookie Compliance",
];

fn loaded() -> Catalog {
    match Catalog::load(KNOWN) {
        Ok((catalog, _)) => catalog,
        Err(e) => panic!("known.toml does not load:\n{e}"),
    }
}

#[test]
fn every_entry_loads_as_a_registry_cookie_and_there_are_at_least_200() {
    let (catalog, warnings) = Catalog::load(KNOWN).unwrap_or_else(|e| panic!("{e}"));
    // The loader's only remark may be the CNIL's 13-month limit on analytics cookies, which
    // vendors' defaults (such as _ga's two years) exceed: a fact a site should hear about.
    let other: Vec<String> = warnings
        .to_string()
        .lines()
        .filter(|l| !l.contains("the CNIL limits audience-measurement cookies to 13 months"))
        .map(str::to_owned)
        .collect();
    assert!(other.is_empty(), "{other:#?}");
    let count = catalog.entries().len();
    assert!(count >= 200, "only {count} entries");
    assert_eq!(
        count,
        KNOWN.matches("[[cookie]]\n").count(),
        "every table read"
    );
}

#[test]
fn the_built_in_catalog_is_the_loaded_file() {
    assert_eq!(catalog().entries().len(), loaded().entries().len());
}

#[test]
fn a_broken_entry_is_refused_at_its_own_line() {
    let text = "[[cookie]]\nname = \"a\"\ncategory = \"marketing\"\nprovider = \"X\"\npurpose = \"p\"\nexpires = \"forever\"\n";
    match Catalog::load(text) {
        Err(CatalogError::Invalid(report)) => {
            let shown = report.to_string();
            assert!(
                shown
                    .lines()
                    .any(|l| l.starts_with("known.toml:6:11: error: ") && l.contains("forever")),
                "{shown}"
            );
        }
        other => panic!("accepted: {other:?}"),
    }
    let text = "[[cookie]]\nname = \"a\"\ncategory = \"marketing\"\npurpose = \"p\"\nexpires = \"1 day\"\n";
    assert!(matches!(
        Catalog::load(text),
        Err(CatalogError::NoProvider(name)) if name == "a"
    ));
}

/// No two entries of a kind have one name; an entry another's pattern covers (its name, or
/// its pattern written out, fits the other pattern) is a more specific entry of the same
/// provider, never a second owner.
#[test]
fn no_two_entries_claim_the_same_name() {
    let catalog = loaded();
    let entries = catalog.entries();
    let mut wrong = Vec::new();
    for (i, a) in entries.iter().enumerate() {
        for b in &entries[i + 1..] {
            if a.kind != b.kind {
                continue;
            }
            let (na, nb) = (a.name.as_str(), b.name.as_str());
            if na == nb {
                wrong.push(format!("{na} ({:?}) twice", a.kind));
            } else if (b.name.matches(na) || a.name.matches(nb)) && a.provider != b.provider {
                wrong.push(format!(
                    "{na} of {} and {nb} of {} overlap",
                    a.provider, b.provider
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_third_party_entry_links_its_privacy_policy() {
    for known in loaded().entries() {
        let own = SITE_SOFTWARE.contains(&known.provider.as_str());
        assert_eq!(
            known.privacy_url.is_none(),
            own,
            "{} of {}: software the site runs has no privacy_url, every other provider one",
            known.name.as_str(),
            known.provider
        );
        assert!(
            known.domain.is_none() || !own,
            "{} lives on a vendor's domain",
            known.name.as_str()
        );
    }
}

#[test]
fn find_prefers_an_exact_name_then_the_longest_pattern() {
    let catalog = loaded();
    let found = |name: &str, kind: Kind| catalog.find(name, kind).map(|k| k.name.as_str());
    assert_eq!(found("_ga", Kind::Cookie), Some("_ga"));
    assert_eq!(found("_ga_4XK7Q2", Kind::Cookie), Some("_ga_*"));
    // `wordpress_*` fits both, yet the exact name and the longer pattern win.
    assert_eq!(
        found("wordpress_test_cookie", Kind::Cookie),
        Some("wordpress_test_cookie")
    );
    assert_eq!(
        found("wordpress_logged_in_5f2a", Kind::Cookie),
        Some("wordpress_logged_in_*")
    );
    assert_eq!(found("wordpress_5f2a", Kind::Cookie), Some("wordpress_*"));
    assert_eq!(
        found("AMP_MKTG_a1b2c3d4e5", Kind::Cookie),
        Some("AMP_MKTG_*")
    );
    assert_eq!(found("AMP_a1b2c3d4e5", Kind::Cookie), Some("AMP_*"));
    assert_eq!(found("nothing-like-it", Kind::Cookie), None);
    assert_eq!(found("_GA", Kind::Cookie), None, "case matters to browsers");
}

#[test]
fn find_tells_a_cookie_from_a_storage_key_of_the_same_name() {
    let catalog = loaded();
    assert!(catalog.find("_ga", Kind::LocalStorage).is_none());
    let cookie = catalog.find("_uetsid", Kind::Cookie).expect("UET's cookie");
    let stored = catalog
        .find("_uetsid", Kind::LocalStorage)
        .expect("UET's key");
    assert_eq!(cookie.kind, Kind::Cookie);
    assert_eq!(stored.kind, Kind::LocalStorage);
    let hotjar = catalog
        .find("_hjSession_1234567", Kind::LocalStorage)
        .expect("Hotjar's session key");
    assert_eq!(hotjar.provider, "Hotjar");
    // `exact` looks up a pattern as written, not the patterns it fits.
    assert!(catalog.exact("_ga_*", Kind::Cookie).is_some());
    assert!(catalog.exact("_ga_4XK7Q2", Kind::Cookie).is_none());
}

#[test]
fn the_catalog_holds_the_facts_it_claims() {
    let catalog = loaded();
    let years = |count| Lifetime::For {
        count,
        unit: Unit::Year,
    };
    let months = |count| Lifetime::For {
        count,
        unit: Unit::Month,
    };
    let cases = [
        (
            "_ga",
            "Google Analytics",
            KnownCategory::Analytics,
            years(2),
        ),
        ("_fbp", "Meta", KnownCategory::Marketing, months(3)),
        (
            "PHPSESSID",
            "PHP",
            KnownCategory::Necessary,
            Lifetime::Session,
        ),
        (
            "IDE",
            "Google DoubleClick",
            KnownCategory::Marketing,
            months(13),
        ),
        (
            "OptanonConsent",
            "OneTrust",
            KnownCategory::Necessary,
            years(1),
        ),
        (
            "_clck",
            "Microsoft Clarity",
            KnownCategory::Analytics,
            years(1),
        ),
    ];
    for (name, provider, category, expires) in cases {
        let k = catalog.find(name, Kind::Cookie).expect(name);
        assert_eq!(
            (k.provider.as_str(), k.category, k.expires),
            (provider, category, expires),
            "{name}"
        );
    }
    let ide = catalog.find("IDE", Kind::Cookie).expect("IDE");
    assert_eq!(ide.domain.as_deref(), Some(".doubleclick.net"));
    assert!(!ide.is_site_software());
    assert!(
        catalog
            .find("PHPSESSID", Kind::Cookie)
            .expect("PHP")
            .is_site_software()
    );
}

#[test]
fn the_catalog_covers_the_platforms_sites_really_use() {
    let catalog = loaded();
    let providers: Vec<&str> = catalog
        .entries()
        .iter()
        .map(|k| k.provider.as_str())
        .collect();
    for wanted in [
        "Google Analytics",
        "Google Ads",
        "Google DoubleClick",
        "Google Tag Manager",
        "Meta",
        "Microsoft Clarity",
        "Microsoft Advertising",
        "LinkedIn",
        "TikTok",
        "Pinterest",
        "X (Twitter)",
        "HubSpot",
        "Hotjar",
        "Matomo",
        "Adobe Analytics",
        "Segment",
        "Mixpanel",
        "Amplitude",
        "Intercom",
        "Zendesk",
        "Stripe",
        "PayPal",
        "Shopify",
        "WordPress",
        "WooCommerce",
        "Cloudflare",
        "Amazon Web Services",
        "Akamai",
        "YouTube",
        "Vimeo",
        "Vercel",
        "PHP",
        "ASP.NET",
        "Java Servlet",
        "Ruby on Rails",
        "Django",
        "Laravel",
        "Cookiebot",
        "OneTrust",
        "IAB Europe TCF",
    ] {
        assert!(providers.contains(&wanted), "no entry of {wanted}");
    }
    for kind in [Kind::LocalStorage, Kind::SessionStorage] {
        assert!(
            catalog.entries().iter().any(|k| k.kind == kind),
            "no {kind:?} entry"
        );
    }
}
