//! What a first-time visitor sees.

use crate::harness::{Harness, SOON};

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_first_visit_shows_the_first_layer_with_accept_all_and_reject_all_side_by_side_and_equal() {
    let mut h = Harness::start();

    h.open_shop();

    assert!(h.banner_shows(SOON), "a first visit shows no banner");
    let layer = h.eval(
        r#"(() => {
        const box = (el) => {
          if (!el) return null;
          const b = el.getBoundingClientRect(), s = getComputedStyle(el);
          return { top: b.top, left: b.left, width: b.width, height: b.height,
                   fontSize: s.fontSize, fontWeight: s.fontWeight,
                   background: s.backgroundColor, color: s.color };
        };
        return {
          accept: box(target("accept-all")), reject: box(target("reject-all")),
          customize: box(target("customize")),
          text: root.textContent,
          policyLink: all("a[href]").some((a) => visible(a) && a.href.includes("/cookie-policy")),
        };
      })()"#,
    );
    let (accept, reject) = (&layer["accept"], &layer["reject"]);
    assert!(!reject.is_null(), "no visible reject-all button: {layer}");
    assert!(
        !layer["customize"].is_null(),
        "no visible customize button: {layer}"
    );
    let n = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    assert!(
        (n(accept, "top") - n(reject, "top")).abs() < 1.0
            && (n(accept, "left") - n(reject, "left")).abs() >= n(accept, "width") - 1.0,
        "accept-all and reject-all are not side by side: {accept} / {reject}"
    );
    assert!(
        (n(accept, "width") - n(reject, "width")).abs() <= 1.0
            && (n(accept, "height") - n(reject, "height")).abs() <= 1.0,
        "accept-all and reject-all differ in size: {accept} / {reject}"
    );
    for style in ["fontSize", "fontWeight", "background", "color"] {
        assert_eq!(
            accept[style], reject[style],
            "accept-all and reject-all differ in {style}: one is pushed over the other"
        );
    }
    let text = layer["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Shop"),
        "the banner does not name the site: {text:?}"
    );
    assert_eq!(
        layer["policyLink"], true,
        "no visible link to the cookie policy"
    );
    assert!(
        h.decision().is_null(),
        "a decision exists before any choice"
    );
    assert!(
        h.consent_cookie().is_none(),
        "a consentry cookie before any choice"
    );
    assert_eq!(
        h.consent_posts(),
        0,
        "a consent was posted before any choice"
    );
    let from_service: Vec<String> = h
        .browser
        .events("Network.requestWillBeSent")
        .iter()
        .filter_map(|e| e["request"]["url"].as_str().map(str::to_owned))
        .filter(|url| url.starts_with(&h.service.origin))
        .collect();
    assert_eq!(
        from_service,
        [format!("{}/banner.js", h.service.origin)],
        "the banner costs the page one request"
    );
    h.assert_no_exceptions();
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn at_320_px_wide_the_banner_and_dialog_fit_and_every_button_is_at_least_24_px() {
    let mut h = Harness::start();
    h.browser.viewport(320, 640, true);
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner at 320 px");

    const FIT: &str = r#"(() => {
        const problems = [];
        if (document.documentElement.scrollWidth > innerWidth)
          problems.push("the page scrolls sideways: " + document.documentElement.scrollWidth);
        for (const b of all("button, [role=button]").filter(visible)) {
          const r = b.getBoundingClientRect();
          const name = b.getAttribute("data-action") || b.textContent.trim();
          if (r.left < 0 || r.right > innerWidth) problems.push(name + " sticks out: " + r.left + ".." + r.right);
          if (r.width < 24 || r.height < 24) problems.push(name + " is " + r.width + "×" + r.height);
        }
        return problems;
      })()"#;
    let first = h.eval(FIT);
    assert_eq!(first, serde_json::json!([]), "first layer at 320 px");
    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog at 320 px");
    let dialog = h.eval(FIT);
    assert_eq!(dialog, serde_json::json!([]), "dialog at 320 px");
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_french_page_gets_the_french_banner_and_its_record_says_so() {
    let mut h = Harness::start();
    let url = format!(
        "http://{}:{}/fr/catalogue",
        crate::site::SHOP_HOST,
        h.host.port
    );
    h.open(&url);
    assert!(h.banner_shows(SOON), "no banner on a French page");
    let registry = h.service.registry();

    h.click("customize");
    assert!(h.dialog_opens(), "customize opens no dialog");
    let text = h.eval("prefs().textContent");
    assert!(
        text.as_str()
            .is_some_and(|t| t.contains("Mesure d'audience")),
        "the dialog is not in French: {text}"
    );
    h.click("reject-all");
    assert!(h.banner_goes_away(), "the dialog stays after reject all");

    let decision = h.wait_decision();
    let record = h.record_of(&decision);
    assert_eq!(record["language"], "fr", "{record}");
    assert_eq!(
        record["shown"], registry["shown"]["fr"],
        "the French texts were shown"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn registry_texts_holding_markup_and_line_separators_are_shown_exactly_as_written() {
    const TITLE: &str = "Cookies </script><script>window.__ran = 1</script> <!-- & -->";
    const TEXT: &str = "We use cookies.\u{2028}Line two\u{2029}<b>not bold</b> & done.";
    let mut h = Harness::start_with(|origins| {
        format!(
            "{}\n[texts.en]\nbanner_title = {TITLE:?}\nbanner_text = \"{}\"\n",
            crate::site::shop_registry(origins),
            TEXT.replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029"),
        )
    });

    h.open_shop();

    assert!(h.banner_shows(SOON), "no banner with these texts");
    let shown = h.eval(
        r#"({ title: root.getElementById("cy-t").textContent,
              text: root.querySelector(".bar p").firstChild.data,
              ran: window.__ran === undefined ? null : window.__ran })"#,
    );
    assert_eq!(shown["title"], TITLE);
    assert_eq!(shown["text"], TEXT);
    assert_eq!(
        shown["ran"],
        serde_json::Value::Null,
        "a registry text ran as code"
    );
    let png = h.browser.screenshot_png();
    std::fs::write(
        crate::harness::screenshot_dir().join("banner-texts-with-markup.png"),
        png,
    )
    .expect("write");
}
