//! An axe-core scan of the first layer and of the dialog, light and dark.

use crate::harness::{Harness, SOON, axe_source};

/// The serious and critical violations axe finds on the page, one line each.
pub(crate) fn serious_violations(h: &mut Harness) -> Vec<String> {
    let found = h.browser.evaluate(
        r#"axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .flatMap((v) => v.nodes.map((n) =>
              `${v.impact} ${v.id} (${v.help}) at ${JSON.stringify(n.target)}: ${n.failureSummary}`)))"#,
    );
    found
        .as_array()
        .expect("axe results")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
#[cfg_attr(
    all(chromium_tests, not(axe_tests)),
    ignore = "no axe-core: npm ci --prefix tests/browser"
)]
fn axe_finds_no_serious_or_critical_violation_in_the_banner_or_the_dialog() {
    let axe = axe_source();
    let mut h = Harness::start();

    let mut problems = Vec::new();
    for scheme in ["light", "dark"] {
        h.browser.color_scheme(scheme);
        h.open_shop();
        assert!(h.banner_shows(SOON), "no banner on a first visit");
        h.browser.evaluate(&axe);
        // Let entrance transitions finish, so contrast is measured on the settled banner.
        std::thread::sleep(std::time::Duration::from_millis(600));
        for v in serious_violations(&mut h) {
            problems.push(format!("{scheme} first layer: {v}"));
        }
        h.click("customize");
        assert!(h.dialog_opens(), "customize opens no dialog");
        std::thread::sleep(std::time::Duration::from_millis(600));
        for v in serious_violations(&mut h) {
            problems.push(format!("{scheme} dialog: {v}"));
        }
    }
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}
