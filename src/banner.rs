//! The served `banner.js`: the banner code, its styles and the configuration of every language in
//! one script, so a site pays one request. Built once per registry revision, compressed once with
//! brotli and gzip, and served from memory.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::LazyLock;

use actix_web::web::Bytes;

use crate::registry::{Lang, short_hash};
use crate::served::Snapshot;

const CODE: &str = include_str!("../static/banner.js");
const STYLES: &str = include_str!("../static/banner.css");

/// The interface texts the banner shows; the other keys belong to the policy page.
pub(crate) const TEXT_KEYS: [&str; 15] = [
    "banner_title",
    "banner_text",
    "accept_all",
    "reject_all",
    "customize",
    "save",
    "preferences_title",
    "preferences_text",
    "close",
    "always_on",
    "cookie_policy",
    "gpc_notice",
    "gpc_title",
    "settings",
    "show_cookies",
];

/// The code and styles exactly as served, and the version that names them.
struct Code {
    js: String,
    css: String,
    version: String,
}

static SERVED: LazyLock<Code> = LazyLock::new(|| {
    let js = strip_js(CODE);
    let css = strip_css(STYLES);
    let hash = short_hash(format!("{js}\0{css}").as_bytes(), 12);
    let version = format!("consentry-{}+{hash}", env!("CARGO_PKG_VERSION"));
    Code { js, css, version }
});

/// Names the banner code and styles; part of every `shown` hash, so a changed banner is a new
/// snapshot even when the registry is the same.
pub fn version() -> &'static str {
    &SERVED.version
}

/// A content coding the client accepts, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best coding an `Accept-Encoding` header allows (`q=0` refuses one).
    pub fn negotiate(accept: Option<&str>) -> Encoding {
        let allowed = |name: &str| {
            accept.into_iter().flat_map(|a| a.split(',')).any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let coding = parts.next().unwrap_or_default();
                let refused = parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if allowed("br") {
            Encoding::Brotli
        } else if allowed("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// One representation of the script: its bytes and strong ETag.
pub struct Variant {
    pub body: Bytes,
    pub etag: String,
}

/// The script of one registry revision in every coding.
pub struct Bundle {
    identity: Variant,
    gzip: Variant,
    brotli: Variant,
}

impl Bundle {
    /// `try { (code)({"en": [shown, config], ...}, "en", css) } catch {}`: each config is the
    /// snapshot's JSON byte for byte, so what runs is what `shown` names.
    pub fn build(snapshots: &BTreeMap<Lang, Snapshot>, default: &Lang) -> Bundle {
        let code = &*SERVED;
        let mut script = Vec::with_capacity(code.js.len() + code.css.len() + 16 * 1024);
        // Chromium (136+) compiles every function up front, off the main thread when the script
        // streams, instead of compiling each one when the banner first calls it (0.6 ms less
        // main-thread work before the banner shows, measured with scripts/measure-banner).
        script.extend_from_slice(b"//# allFunctionsCalledOnLoad\ntry{(");
        script.extend_from_slice(code.js.trim_end().as_bytes());
        script.extend_from_slice(b")({");
        for (i, (lang, snapshot)) in snapshots.iter().enumerate() {
            if i > 0 {
                script.push(b',');
            }
            let key = serde_json::to_string(lang.as_str()).expect("a string serializes");
            let shown = serde_json::to_string(&snapshot.shown).expect("a string serializes");
            script.extend_from_slice(format!("{key}:[{shown},").as_bytes());
            script.extend_from_slice(&snapshot.json);
            script.push(b']');
        }
        script.extend_from_slice(b"},");
        script.extend_from_slice(
            serde_json::to_string(default.as_str())
                .expect("a string serializes")
                .as_bytes(),
        );
        script.push(b',');
        script.extend_from_slice(
            serde_json::to_string(&code.css)
                .expect("a string serializes")
                .as_bytes(),
        );
        script.extend_from_slice(b")}catch(e){}\n");

        let hash = short_hash(&script, 16);
        Bundle {
            gzip: Variant {
                body: gzip(&script).into(),
                etag: format!("\"{hash}-gz\""),
            },
            brotli: Variant {
                body: brotli(&script).into(),
                etag: format!("\"{hash}-br\""),
            },
            identity: Variant {
                body: script.into(),
                etag: format!("\"{hash}\""),
            },
        }
    }

    pub fn variant(&self, encoding: Encoding) -> &Variant {
        match encoding {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
            Encoding::Identity => &self.identity,
        }
    }
}

fn brotli(input: &[u8]) -> Vec<u8> {
    let mut out = brotli::CompressorWriter::new(Vec::new(), 4096, 11, 22);
    out.write_all(input).expect("writing to memory succeeds");
    out.into_inner()
}

fn gzip(input: &[u8]) -> Vec<u8> {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    out.write_all(input).expect("writing to memory succeeds");
    out.finish().expect("writing to memory succeeds")
}

/// Drops whole-line `//` comments, blank lines and indentation; nothing inside a line changes,
/// so the code means exactly what static/banner.js says (it keeps no multi-line literals).
fn strip_js(src: &str) -> String {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .fold(String::with_capacity(src.len()), |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        })
}

/// Drops comments and the whitespace CSS does not need, for hand-written static/banner.css (no
/// strings with braces, colons or repeated spaces).
fn strip_css(src: &str) -> String {
    let mut text = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut css = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in ["{", "}", ";", ",", ">"] {
        css = css
            .replace(&format!(" {p}"), p)
            .replace(&format!("{p} "), p);
    }
    css.replace(": ", ":").replace(";}", "}")
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::served::Served;

    fn served() -> Served {
        let src = include_str!("../cookies.toml");
        let loaded = crate::registry::parse("cookies.toml", src)
            .expect("the repository's registry is valid");
        Served::build(loaded.registry)
    }

    #[test]
    fn the_script_holds_every_snapshot_byte_for_byte_with_its_shown_hash() {
        let served = served();
        let script = &served.banner.variant(Encoding::Identity).body;
        for (lang, snapshot) in &served.snapshots {
            let mut entry = format!("\"{lang}\":[\"{}\",", snapshot.shown).into_bytes();
            entry.extend_from_slice(&snapshot.json);
            entry.push(b']');
            assert!(
                script.windows(entry.len()).any(|w| w == entry.as_slice()),
                "the {lang} snapshot is not in the script as archived"
            );
            let config: serde_json::Value = serde_json::from_slice(&snapshot.json).unwrap();
            assert_eq!(
                config["banner"],
                version(),
                "shown must cover the banner code"
            );
        }
    }

    #[test]
    fn every_coding_holds_the_same_script_under_its_own_strong_etag() {
        let served = served();
        let bundle = &served.banner;
        let identity = &bundle.variant(Encoding::Identity).body;
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&bundle.variant(Encoding::Brotli).body[..], 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        let mut ungzip = Vec::new();
        flate2::read::GzDecoder::new(&bundle.variant(Encoding::Gzip).body[..])
            .read_to_end(&mut ungzip)
            .unwrap();
        assert_eq!(&unbrotli[..], &identity[..]);
        assert_eq!(&ungzip[..], &identity[..]);
        let etags: std::collections::HashSet<&str> =
            [Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
                .iter()
                .map(|e| bundle.variant(*e).etag.as_str())
                .collect();
        assert_eq!(etags.len(), 3);
        assert!(etags.iter().all(|e| e.starts_with('"') && e.ends_with('"')));
    }

    #[test]
    fn the_banner_for_the_repository_registry_stays_within_its_size_budget() {
        let served = served();
        let size = served.banner.variant(Encoding::Brotli).body.len();
        assert!(
            size <= 6_500,
            "banner.js is {size} bytes brotli, over the 6,500-byte budget"
        );
    }

    #[test]
    fn the_served_code_keeps_no_literal_across_lines() {
        for line in SERVED.js.lines() {
            assert_eq!(
                line.matches('`').count() % 2,
                0,
                "template literal spans lines: {line}"
            );
        }
    }

    #[test]
    fn stripping_css_keeps_selectors_and_values() {
        let css = strip_css(
            "/* a */\n.a :focus-visible,\n.b > c {\n  font: 15px/1.5 \"Segoe UI\", x;\n}\n@media (x: y) { a { b: c } }",
        );
        assert_eq!(
            css,
            ".a :focus-visible,.b>c{font:15px/1.5 \"Segoe UI\",x}@media (x:y){a{b:c}}"
        );
    }

    #[test]
    fn brotli_is_preferred_and_a_zero_quality_refuses_a_coding() {
        let cases = [
            (None, Encoding::Identity),
            (Some("gzip, deflate, br"), Encoding::Brotli),
            (Some("gzip"), Encoding::Gzip),
            (Some("br;q=0, gzip;q=0.5"), Encoding::Gzip),
            (Some("identity"), Encoding::Identity),
            (Some("BR"), Encoding::Brotli),
        ];
        for (accept, expected) in cases {
            assert_eq!(Encoding::negotiate(accept), expected, "{accept:?}");
        }
    }
}
