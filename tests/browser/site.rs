//! The website that embeds the banner the way a customer's site does: its registry and its
//! pages, served by a `HostSite` (`host.rs`) on its own loopback port.

/// The hostname of the test website; Chromium resolves it (and `shop.test`) to loopback, so the
/// site has a parent domain on which cookies can be set.
pub const SHOP_HOST: &str = "www.shop.test";

/// The registry of the test website; `origins` lists the pages allowed to embed and post.
pub fn shop_registry(origins: &[String]) -> String {
    let origins = origins
        .iter()
        .map(|o| format!("{o:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[site]
name = "Shop"
url = "https://www.shop.test"
contact = "privacy@shop.test"
origins = [{origins}]
languages = ["en", "fr"]
consent_days = 182
honor_gpc = true
updated = 2026-11-01

[[category]]
id = "necessary"
title = "Strictly necessary"
description = "Needed for the shop to work."
required = true

[[category]]
id = "analytics"
title = {{ en = "Analytics", fr = "Mesure d'audience" }}
description = "Count visits so we can improve the shop."
google_consent = ["analytics_storage"]

[[category]]
id = "marketing"
title = "Marketing"
description = "Measure our campaigns and show our ads elsewhere."
google_consent = ["ad_storage", "ad_user_data", "ad_personalization"]

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps your basket while you browse."
expires = "session"

[[cookie]]
name = "_ga"
category = "analytics"
provider = "Google Analytics"
purpose = "Distinguishes visitors."
expires = "13 months"
privacy_url = "https://policies.google.com/privacy"

[[cookie]]
name = "_ga_*"
category = "analytics"
provider = "Google Analytics"
purpose = "Keeps the state of a visit."
expires = "13 months"

[[cookie]]
name = "_fbp"
category = "marketing"
provider = "Meta"
purpose = "Measures our ads."
expires = "3 months"
"#
    )
}

/// The shop's registry with the floating settings button switched on.
pub fn shop_registry_with_floating_button(origins: &[String]) -> String {
    format!(
        "{}\n[banner]\nfloating_button = true\n",
        shop_registry(origins)
    )
}

/// A declared cookie more: a new revision, so visitors are asked again.
pub const NEW_COOKIE: &str = r#"
[[cookie]]
name = "_gcl_au"
category = "marketing"
provider = "Google Ads"
purpose = "Measures ad conversions."
expires = "3 months"
"#;

/// The product page of the shop: the banner, an untagged page script, a tagged script per
/// optional category (one external, one inline), a settings link and a tagged iframe.
pub const SHOP_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop · A product</title>
<link rel="stylesheet" href="/shop.css">
<script src="/tags/setup.js"></script>
<script src="{service}/banner.js"></script>
<script src="/tags/page.js"></script>
<script type="text/plain" data-category="analytics" src="/tags/analytics.js"></script>
<script type="text/plain" data-category="marketing">window.__runs.marketing += 1; window.dataLayer.push({event: "marketing_tag_ran"});</script>
</head>
<body>
<header><a href="/shop/product">Shop</a></header>
<main>
<h1>A product</h1>
<p>A fine product that you will want to buy. It comes in three colours and ships tomorrow.</p>
<p><a href="#" id="settings" data-consentry="show">Cookie settings</a></p>
<iframe data-category="marketing" data-src="/frame.html" title="Product video" width="320" height="180"></iframe>
</main>
</body>
</html>
"##;

pub const SHOP_CSS: &str = "body { font: 16px/1.5 Georgia, serif; margin: 0 auto; max-width: 60rem; \
padding: 1rem; color: #222; background: #fff; } a { color: #0645ad; } iframe { max-width: 100%; }";

pub const SETUP_JS: &str = r#"window.__runs = { analytics: 0, marketing: 0 };
window.__changes = [];
document.addEventListener("consentry:change", function (e) { window.__changes.push(e.detail); });
"#;

/// An ordinary page script right after the banner: Consent Mode's default must already be there.
pub const PAGE_JS: &str = r#"window.dataLayer = window.dataLayer || [];
window.dataLayer.push({ event: "page_script_ran" });
"#;

pub const ANALYTICS_JS: &str = r#"window.__runs.analytics += 1;
(window.dataLayer = window.dataLayer || []).push({ event: "analytics_tag_ran" });
"#;

pub const FRAME_HTML: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Video</title></head>
<body><p id="video">The product video plays here.</p></body></html>"#;

/// A long page of links in French, for keyboard walks behind the banner and for the language.
pub fn catalogue_page(service: &str, lang: &str) -> String {
    let items: String = (1..=40)
        .map(|n| format!("<li><a href=\"#item-{n}\">Product {n}</a></li>\n"))
        .collect();
    format!(
        r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop · Catalogue</title>
<link rel="stylesheet" href="/shop.css">
<script src="{service}/banner.js"></script>
</head>
<body>
<header><a href="/shop/product">Shop</a></header>
<main>
<h1>Catalogue</h1>
<ul>
{items}</ul>
</main>
</body>
</html>
"##
    )
}

/// A page whose CSP forbids inline script and inline style: scripts only from the service.
pub const STRICT_PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop · Strict page</title>
<link rel="stylesheet" href="/shop.css">
<script src="{service}/banner.js"></script>
</head>
<body>
<main>
<h1>A page with a strict Content-Security-Policy</h1>
<p><a href="#" data-consentry="show">Cookie settings</a></p>
</main>
</body>
</html>
"##;
