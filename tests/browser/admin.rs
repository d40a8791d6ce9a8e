//! The admin dashboard in a real browser.

use crate::harness::{Harness, SOON};

#[test]
#[cfg_attr(
    not(chromium_tests),
    ignore = "no Chromium: apt-get install -y chromium"
)]
fn a_blank_token_submitted_in_the_dashboard_gets_a_visible_message() {
    let mut h = Harness::start();
    let dashboard = format!("{}/admin", h.service.origin);
    h.browser.navigate(&dashboard);
    assert!(
        h.browser.poll(
            "document.readyState === 'complete' && !!document.getElementById('token-form')",
            SOON
        ),
        "the dashboard did not load"
    );

    for blank in ["", "   "] {
        h.browser.evaluate(&format!(
            "document.getElementById('status').textContent = '';
             document.getElementById('token').value = {blank:?};
             document.getElementById('token-form').requestSubmit();"
        ));

        assert!(
            h.browser.poll(
                "document.getElementById('status').textContent.includes('CONSENTRY_ADMIN_TOKEN')",
                SOON
            ),
            "{blank:?}: no message, status reads {}",
            h.browser
                .evaluate("document.getElementById('status').textContent")
        );
    }
}
