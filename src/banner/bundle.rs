//! The served `banner.js`: the banner code, its styles and the configuration of every language in
//! one script, so a site pays one request. Built once per registry revision, compressed once with
//! brotli and gzip, and served from memory.

use std::collections::BTreeMap;
use std::io::Write;

use actix_web::web::Bytes;

use super::code::SERVED;
use super::config::Snapshot;
use super::discover::{self, Discovery};
use crate::registry::{Lang, short_hash};

/// A content coding the client accepts, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best coding an `Accept-Encoding` header allows (`q=0` refuses one).
    pub(crate) fn negotiate(accept: Option<&str>) -> Encoding {
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

    pub(crate) fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// One representation of the script: its bytes and strong ETag.
pub(crate) struct Variant {
    pub body: Bytes,
    pub etag: String,
}

/// The script of one registry revision in every coding.
pub(crate) struct Bundle {
    identity: Variant,
    gzip: Variant,
    brotli: Variant,
}

impl Bundle {
    /// `try { (code)({"en": [shown, config], ...}, "en", css) } catch {}`: each config is the
    /// snapshot's JSON byte for byte, so what runs is what `shown` names; every JSON in it is
    /// written by `script_safe_json`, so the script holds no `</script>` or `<!--` even when the
    /// registry's texts do, and can be pasted inline. With a `discovery`, then
    /// `try { (discover)(declared) } catch {}`: its own statement, so the banner's code and
    /// every `shown` are the same with it or without.
    pub(crate) fn build(
        snapshots: &BTreeMap<Lang, Snapshot>,
        default: &Lang,
        discovery: Option<&Discovery>,
    ) -> Bundle {
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
            script.extend_from_slice(&script_safe_json(lang.as_str()));
            script.extend_from_slice(b":[");
            script.extend_from_slice(&script_safe_json(&snapshot.shown));
            script.push(b',');
            script.extend_from_slice(&snapshot.json);
            script.push(b']');
        }
        script.extend_from_slice(b"},");
        script.extend_from_slice(&script_safe_json(default.as_str()));
        script.push(b',');
        script.extend_from_slice(&script_safe_json(&code.css));
        script.extend_from_slice(b")}catch(e){}\n");
        if let Some(discovery) = discovery {
            script.extend_from_slice(b"try{(");
            script.extend_from_slice(discover::SERVED.trim_end().as_bytes());
            script.extend_from_slice(b")(");
            script.extend_from_slice(&discovery.declared);
            script.extend_from_slice(b")}catch(e){}\n");
        }

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

    pub(crate) fn variant(&self, encoding: Encoding) -> &Variant {
        match encoding {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
            Encoding::Identity => &self.identity,
        }
    }
}

/// `value` as compact JSON that is also safe inside an inline `<script>` element: `<`, `>` and `&`
/// are written `\u003c`, `\u003e` and `\u0026`, so no `</script>` or `<!--` can end or change
/// the script, and U+2028 and U+2029 as `\u2028` and `\u2029`, which JavaScript before ES2019
/// reads as line ends inside a string. The same JSON value, only spelled differently: the banner
/// snapshots are archived in this form, so `shown` is the hash of the bytes served.
pub(crate) fn script_safe_json<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, ScriptSafe);
    value.serialize(&mut ser).expect("plain data serializes");
    out
}

struct ScriptSafe;

impl serde_json::ser::Formatter for ScriptSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}']) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().expect("found at a char boundary");
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
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

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::banner::BannerConfig;
    use crate::banner::code::version;
    use crate::localized::Localized;

    /// What `Served` builds of a registry for the banner: each language's snapshot, and the
    /// script.
    struct Built {
        snapshots: BTreeMap<Lang, Snapshot>,
        banner: Bundle,
    }

    fn build(src: &str) -> Built {
        let loaded = crate::registry::parse("cookies.toml", src).expect("a valid registry");
        let registry = loaded.registry;
        let snapshots: BTreeMap<Lang, Snapshot> = registry
            .site
            .languages
            .iter()
            .map(|lang| {
                let view = Localized::new(&registry, lang);
                (
                    lang.clone(),
                    Snapshot::of(&BannerConfig::new(&registry, &view)),
                )
            })
            .collect();
        let discovery = Discovery::of(&registry);
        let banner = Bundle::build(&snapshots, registry.default_lang(), discovery.as_ref());
        Built { snapshots, banner }
    }

    fn served() -> Built {
        build(include_str!("../../cookies.toml"))
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
    fn registry_texts_that_could_end_an_inline_script_are_served_escaped_and_read_back_exactly() {
        let title = "Cookies </script><script>alert(1)</script> <!-- & -->";
        let text = "One line\u{2028}another\u{2029}and a third";
        let src = format!(
            "{}\n[texts.en]\nbanner_title = {title:?}\nbanner_text = \"{}\"\n",
            include_str!("../../cookies.toml"),
            text.replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029"),
        );
        let served = build(&src);

        let script = String::from_utf8(served.banner.variant(Encoding::Identity).body.to_vec())
            .expect("the script is UTF-8");
        for raw in ["</script", "<!--", "-->", "\u{2028}", "\u{2029}"] {
            assert!(!script.contains(raw), "{raw:?} is in banner.js literally");
        }
        let en = &served.snapshots[&Lang::parse("en").unwrap()];
        assert_eq!(
            en.shown,
            short_hash(&en.json, 16),
            "shown names the bytes served"
        );
        assert!(
            script.contains(std::str::from_utf8(&en.json).unwrap()),
            "the archived snapshot is not what banner.js holds"
        );
        let config: serde_json::Value = serde_json::from_slice(&en.json).unwrap();
        assert_eq!(config["texts"]["banner_title"], title);
        assert_eq!(config["texts"]["banner_text"], text);
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
        // At most half of what vanilla-cookieconsent 3.1.0 makes a site download, its JS and CSS
        // at brotli -q 11 (9,063 + 4,719 = 13,782 bytes, README "Size and speed"), and that
        // without its configuration, which ours includes.
        const BUDGET: usize = 13_782 / 2;
        let size = served.banner.variant(Encoding::Brotli).body.len();
        eprintln!("banner.js: {size} bytes brotli");
        assert!(
            size <= BUDGET,
            "banner.js is {size} bytes brotli, over the {BUDGET}-byte budget"
        );
    }

    fn script(built: &Built) -> String {
        String::from_utf8(built.banner.variant(Encoding::Identity).body.to_vec()).expect("UTF-8")
    }

    #[test]
    fn the_discovery_code_is_served_only_when_the_registry_switches_it_on() {
        let src = include_str!("../../cookies.toml");
        let off = script(&build(src));
        let on = script(&build(
            &src.replace("[banner]\n", "[banner]\ndiscover = true\n"),
        ));
        for mark in ["/api/v1/discoveries", "consentry:discovered"] {
            assert!(!off.contains(mark), "the default banner carries {mark:?}");
            assert!(on.contains(mark), "the discovering banner lacks {mark:?}");
        }
        assert!(
            on.starts_with(&off),
            "the banner's own statement is the same with discovery on"
        );
        assert!(on.ends_with(")}catch(e){}\n"));
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
