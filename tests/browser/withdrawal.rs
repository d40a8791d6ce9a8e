//! Withdrawing consent is as easy as giving it, and removes what the category left behind.

use serde_json::json;

use crate::harness::{Harness, SOON};

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn rejecting_deletes_prefixed_secure_cookies_and_a_pixel_leaves_session_storage_alone() {
    // On a secure page (127.0.0.1 is one), cookies named __Secure- and __Host- can only be
    // deleted by a secure write; a pixel keeps nothing in the browser.
    let mut h = Harness::start_with(|origins| {
        crate::site::shop_registry(origins)
            + r#"
[[cookie]]
name = "__Secure-mk"
category = "marketing"
purpose = "Measures our ads."
expires = "3 months"

[[cookie]]
name = "__Host-mk"
category = "marketing"
purpose = "Measures our ads."
expires = "3 months"

[[cookie]]
name = "px"
kind = "pixel"
category = "marketing"
purpose = "Counts ad views."
expires = "session"
"#
    });
    let url = format!("http://127.0.0.1:{}/shop/product", h.host.port);
    h.open(&url);
    assert!(h.banner_shows(SOON), "no banner on a first visit");
    h.click("accept-all");
    assert!(h.banner_goes_away(), "the banner stays after accept all");
    h.browser.evaluate(
        r#"
        document.cookie = "__Secure-mk=1; path=/; secure";
        document.cookie = "__Host-mk=1; path=/; secure";
        document.cookie = "_fbp=fb.1; path=/";
        sessionStorage.setItem("px", "the page's own");
        "#,
    );
    let marketing =
        "document.cookie.split('; ').filter(c => /^(__Secure-mk|__Host-mk|_fbp)=/.test(c)).length";
    assert_eq!(
        h.browser.evaluate(marketing),
        3,
        "the test could not set its cookies: {}",
        h.browser.evaluate("document.cookie")
    );

    h.browser.evaluate("window.Consentry.show()");
    assert!(h.dialog_opens(), "Consentry.show() opens no dialog");
    h.click("reject-all");
    assert!(
        h.browser.poll(&format!("{marketing} === 0"), SOON),
        "marketing cookies survive the rejection: {}",
        h.browser.evaluate("document.cookie")
    );
    assert_eq!(
        h.browser.evaluate("sessionStorage.getItem('px')"),
        "the page's own",
        "rejecting a pixel deleted a session-storage key of the same name"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn withdrawing_a_category_deletes_its_declared_cookies_on_the_host_and_parent_domain() {
    let mut h = Harness::first_visit();
    h.click("accept-all");
    assert!(h.banner_goes_away(), "the banner stays after accept all");
    let id = h.wait_decision()["consent_id"]
        .as_str()
        .expect("consent_id")
        .to_owned();

    // What the granted tags would have left: on the host, on the parent domain, on this path.
    h.browser.evaluate(
        r#"
        document.cookie = "_ga=GA1.1.host; path=/";
        document.cookie = "_ga=GA1.1.parent; path=/; domain=shop.test";
        document.cookie = "_ga_ABC123=GS1.1.path; path=/shop";
        document.cookie = "_fbp=fb.1.kept; path=/";
        document.cookie = "sid=kept; path=/";
        "#,
    );
    // As a tag's server response would set it, for the whole site.
    h.browser.set_cookie(json!({
        "name": "_ga_XYZ", "value": "GS1.1.parent", "domain": ".shop.test", "path": "/",
    }));
    let names = |h: &mut Harness| {
        let mut v: Vec<String> = h
            .browser
            .cookies()
            .iter()
            .filter(|c| c["name"] != "consentry")
            .map(|c| {
                format!(
                    "{}@{}{}",
                    c["name"].as_str().unwrap(),
                    c["domain"].as_str().unwrap(),
                    c["path"].as_str().unwrap()
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&mut h).len(),
        6,
        "the test could not set its cookies: {:?}",
        names(&mut h)
    );

    // The settings link on the page reopens the preferences.
    let at = h.eval("centre(document.getElementById('settings'))");
    h.browser
        .click_at(at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    assert!(
        h.dialog_opens(),
        "the data-consentry=show link opens no dialog"
    );
    assert_eq!(
        h.switches()["analytics"]["checked"],
        true,
        "the dialog forgot the decision"
    );
    h.switch("analytics", false);
    h.click("save");
    assert!(h.banner_goes_away(), "the dialog stays after save");

    let gone = h.browser.poll(
        "!document.cookie.split('; ').some((c) => c.startsWith('_ga'))",
        SOON,
    );
    let left = names(&mut h);
    assert!(gone, "analytics cookies survive the withdrawal: {left:?}");
    assert_eq!(
        left,
        [
            format!("_fbp@{}/", crate::site::SHOP_HOST),
            format!("sid@{}/", crate::site::SHOP_HOST)
        ],
        "only the withdrawn category's cookies go, everywhere the page reaches"
    );
    assert_eq!(
        h.browser.evaluate("window.Consentry.accepted('analytics')"),
        false
    );
    let records = h.stored(&id, 2);
    let last = records.last().unwrap();
    assert_eq!(
        last["categories"],
        json!({"necessary": true, "analytics": false, "marketing": true})
    );
    assert!(
        last["action"] == "custom" || last["action"] == "withdraw",
        "{last}"
    );
}

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn after_a_decision_the_floating_button_reopens_the_settings_and_escape_returns_to_it() {
    let mut h = Harness::start_with(crate::site::shop_registry_with_floating_button);
    h.open_shop();
    assert!(h.banner_shows(SOON), "no banner on a first visit");
    h.click("reject-all");
    assert!(h.banner_goes_away(), "the banner stays after reject all");

    let size = h.eval(
        r#"(() => { const b = target("settings"); if (!b) return null;
                    const r = b.getBoundingClientRect(); return [r.width, r.height]; })()"#,
    );
    let [w, hgt] = [size[0].as_f64(), size[1].as_f64()];
    let (Some(w), Some(hgt)) = (w, hgt) else {
        panic!("no floating settings button after the decision");
    };
    assert!(
        (24.0..=64.0).contains(&w) && (24.0..=64.0).contains(&hgt),
        "the floating button should be small but at least 24 px: {w}×{hgt}"
    );
    let label = h.eval(
        r#"target("settings").getAttribute("aria-label") || target("settings").textContent.trim()"#,
    );
    assert!(
        label.as_str().is_some_and(|l| !l.is_empty()),
        "the floating button has no accessible name"
    );

    h.click("settings");
    assert!(h.dialog_opens(), "the floating button opens no dialog");
    h.browser.press(crate::cdp_commands::Key::Escape);
    assert!(h.dialog_closes(), "Escape does not close the dialog");
    assert!(
        h.poll("describe(deepActive()).action === 'settings'", SOON),
        "Escape does not return focus to the floating button: {}",
        h.focused()
    );
}
