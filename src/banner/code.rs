//! The banner's code and styles exactly as served: static/banner.js and static/banner.css with
//! their comments and indentation stripped, and the version that names them.

use std::sync::LazyLock;

use crate::registry::short_hash;

const CODE: &str = include_str!("../../static/banner.js");
const STYLES: &str = include_str!("../../static/banner.css");

/// The code and styles exactly as served, and the version that names them.
pub(super) struct Code {
    pub(super) js: String,
    pub(super) css: String,
    version: String,
}

pub(super) static SERVED: LazyLock<Code> = LazyLock::new(|| {
    let js = strip_js(CODE);
    let css = strip_css(STYLES);
    let hash = short_hash(format!("{js}\0{css}").as_bytes(), 12);
    let version = format!("consentry-{}+{hash}", env!("CARGO_PKG_VERSION"));
    Code { js, css, version }
});

/// Names the banner code and styles; part of every `shown` hash, so a changed banner is a new
/// snapshot even when the registry is the same.
pub(crate) fn version() -> &'static str {
    &SERVED.version
}

/// Drops whole-line `//` comments, blank lines and indentation; nothing inside a line changes,
/// so the code means exactly what static/banner.js says (it keeps no multi-line literals).
pub(super) fn strip_js(src: &str) -> String {
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
    use super::*;

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
}
