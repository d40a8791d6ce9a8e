//! The registry revision: a short hash of what a visitor consents to, not of its wording.

use sha2::{Digest, Sha256};

use super::model::{Category, Cookie};

/// Hex of the first `len / 2` bytes of SHA-256(`data`).
pub fn short_hash(data: &[u8], len: usize) -> String {
    let digest = Sha256::digest(data);
    let mut hex = String::with_capacity(len);
    for byte in digest.iter().take(len.div_ceil(2)) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex.truncate(len);
    hex
}

/// Category ids (and whether each is required) and each cookie's name, domain, provider and
/// category; order-independent, so reordering the file does not ask visitors again.
pub(crate) fn of(categories: &[Category], cookies: &[Cookie]) -> String {
    let mut lines: Vec<String> = categories
        .iter()
        .map(|c| format!("category\t{}\t{}", c.id, c.required))
        .chain(cookies.iter().map(|c| {
            let provider = c
                .provider
                .as_ref()
                .map(|p| serde_json::to_string(p).unwrap_or_default())
                .unwrap_or_default();
            format!(
                "cookie\t{}\t{}\t{}\t{}",
                c.name.as_str(),
                c.domain.as_deref().unwrap_or_default().to_ascii_lowercase(),
                provider,
                c.category
            )
        }))
        .collect();
    lines.sort();
    short_hash(lines.join("\n").as_bytes(), 8)
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    const BASE: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
languages = ["en", "fr"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed."
required = true

[[category]]
id = "analytics"
title = "Analytics"
description = "Counting."

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps the session."
expires = "session"

[[cookie]]
name = "_ga"
category = "analytics"
provider = "Google"
purpose = "Counts visits."
expires = "13 months"
"#;

    fn revision(src: &str) -> String {
        parse("t.toml", src).expect("valid").registry.revision
    }

    #[test]
    fn is_eight_hex_digits() {
        let r = revision(BASE);
        assert_eq!(r.len(), 8);
        assert!(r.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn ignores_wording_lifetimes_and_order() {
        let base = revision(BASE);
        let reworded = BASE
            .replace("Counts visits.", "Counts visits and their length.")
            .replace(
                "title = \"Analytics\"",
                "title = { en = \"Audience\", fr = \"Audience\" }",
            )
            .replace("13 months", "12 months");
        assert_eq!(revision(&reworded), base);
        let reordered = BASE.replace(
            "[[cookie]]\nname = \"sid\"\ncategory = \"necessary\"\npurpose = \"Keeps the session.\"\nexpires = \"session\"\n",
            "",
        ) + "\n[[cookie]]\nname = \"sid\"\ncategory = \"necessary\"\npurpose = \"Keeps the session.\"\nexpires = \"session\"\n";
        assert_eq!(revision(&reordered), base);
    }

    #[test]
    fn changes_with_what_visitors_consent_to() {
        let base = revision(BASE);
        let added = format!(
            "{BASE}\n[[cookie]]\nname = \"_gid\"\ncategory = \"analytics\"\npurpose = \"x\"\nexpires = \"1 day\"\n"
        );
        let other_provider = BASE.replace("provider = \"Google\"", "provider = \"Matomo\"");
        let moved = BASE.replace(
            "name = \"_ga\"\ncategory = \"analytics\"",
            "name = \"_ga\"\ncategory = \"necessary\"",
        );
        let renamed_category = BASE.replace("\"analytics\"", "\"statistics\"");
        for changed in [added, other_provider, moved, renamed_category] {
            assert_ne!(revision(&changed), base, "{changed}");
        }
    }
}
