//! Pictures of the banner and dialog for a person to look at: desktop and phone width, light
//! and dark, on the demo page with the repository's registry. Written to target/screenshots/.

use std::time::Duration;

use crate::common::REPO_COOKIES;
use crate::harness::{Harness, SOON, screenshot_dir};

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn screenshots_of_the_banner_and_dialog_at_desktop_and_phone_width_in_light_and_dark() {
    let mut h = Harness::start_with(|_| REPO_COOKIES.to_owned());
    let dir = screenshot_dir();
    let demo = format!("{}/", h.service.origin);
    let settle = Duration::from_millis(700);

    for (size, width, height, mobile) in [("desktop", 1280, 800, false), ("phone", 375, 812, true)]
    {
        for scheme in ["light", "dark"] {
            h.browser.viewport(width, height, mobile);
            h.browser.color_scheme(scheme);
            h.open(&demo);
            assert!(
                h.banner_shows(SOON),
                "no banner on the demo page ({size}, {scheme})"
            );
            std::thread::sleep(settle);
            let png = h.browser.screenshot_png();
            std::fs::write(dir.join(format!("banner-{size}-{scheme}.png")), png).expect("write");

            h.click("customize");
            assert!(
                h.dialog_opens(),
                "customize opens no dialog ({size}, {scheme})"
            );
            std::thread::sleep(settle);
            let png = h.browser.screenshot_png();
            std::fs::write(dir.join(format!("dialog-{size}-{scheme}.png")), png).expect("write");

            h.click("reject-all");
            assert!(h.banner_goes_away(), "the dialog stays after reject all");
            std::thread::sleep(settle);
            let png = h.browser.screenshot_png();
            std::fs::write(dir.join(format!("after-{size}-{scheme}.png")), png).expect("write");
            // Forget the decision, so the next round is a first visit again.
            h.browser
                .call("Network.clearBrowserCookies", serde_json::json!({}));
        }
    }

    // The notice shown instead of the banner when the browser sends Global Privacy Control.
    h.browser.before_every_document(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', \
         { get: () => true, configurable: true });",
    );
    for (size, width, height, mobile) in [("desktop", 1280, 800, false), ("phone", 375, 812, true)]
    {
        h.browser.viewport(width, height, mobile);
        h.browser.color_scheme("light");
        h.open(&demo);
        assert!(
            h.browser.poll("window.Consentry.get() !== null", SOON),
            "GPC made no decision"
        );
        std::thread::sleep(settle);
        let png = h.browser.screenshot_png();
        std::fs::write(dir.join(format!("gpc-{size}-light.png")), png).expect("write");
        h.browser
            .call("Network.clearBrowserCookies", serde_json::json!({}));
    }
}

/// The cookie-policy page, in English and in French, once the banner is answered: its tables,
/// the patterns in words and Consentry's own cookie under "Strictly necessary".
#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn screenshots_of_the_policy_page_in_english_and_french() {
    let mut h = Harness::start_with(|_| REPO_COOKIES.to_owned());
    let dir = screenshot_dir();
    for (lang, width, height, mobile) in [
        ("en", 1280, 2600, false),
        ("fr", 1280, 2600, false),
        ("en", 375, 5200, true),
    ] {
        h.browser.viewport(width, height, mobile);
        h.browser.color_scheme("light");
        h.open(&format!("{}/cookie-policy?lang={lang}", h.service.origin));
        if h.banner_shows(SOON) {
            h.click("reject-all");
            assert!(h.banner_goes_away(), "the banner stays after reject all");
        }
        std::thread::sleep(Duration::from_millis(500));
        let size = if mobile { "phone" } else { "desktop" };
        let png = h.browser.screenshot_png();
        std::fs::write(dir.join(format!("policy-{size}-{lang}.png")), png).expect("write");
    }
}
