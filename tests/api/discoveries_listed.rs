//! What the admin list says of a discovered name: the catalog's suggestion, and TOML that, pasted
//! into `cookies.toml` as it is, declares the name and takes it off the list.

use serde_json::json;

use crate::discoveries::{discovering, report};
use crate::helpers::{ORIGIN, spawn_app_configured};
use crate::reload::RELOAD_DEADLINE;

#[actix_rt::test]
async fn a_listed_name_carries_the_catalogs_suggestion_and_toml_that_declares_it() {
    let app = spawn_app_configured(&discovering(), |s| s.rate_limit = None).await;
    let answer = app
        .post_discovery(
            &report(
                "/",
                &[("_hjid", "cookie"), ("mystery_pref", "local-storage")],
            ),
            Some(ORIGIN),
            &[],
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.json);

    let listed = app.discoveries().await;

    let of = |name: &str| {
        listed
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not listed"))
            .clone()
    };
    let known = of("_hjid");
    assert_eq!(known["suggested"]["category"], "analytics");
    assert_eq!(known["suggested"]["provider"], "Hotjar");
    assert_eq!(known["suggested"]["expires"], "1 year");
    let toml = known["toml"].as_str().expect("TOML");
    assert!(toml.contains("[[cookie]]\nname = \"_hjid\"\n"), "{toml}");
    let unknown = of("mystery_pref");
    assert_eq!(unknown["suggested"], json!(null));
    let placeholder = unknown["toml"].as_str().expect("TOML");
    assert!(
        placeholder.contains("kind = \"local-storage\""),
        "{placeholder}"
    );

    // Pasted as they are, both tables load, and both names leave the list.
    let pasted = format!("{}\n{toml}\n{placeholder}", discovering());
    consentry::registry::parse("cookies.toml", &pasted)
        .unwrap_or_else(|report| panic!("the pasted TOML does not load:\n{report}"));
    app.save_registry(&pasted);
    let gone = app
        .eventually(RELOAD_DEADLINE, || async {
            app.discoveries().await.is_empty()
        })
        .await;
    assert!(gone, "still listed: {:#?}", app.discoveries().await);
}
