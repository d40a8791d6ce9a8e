//! Editing `cookies.toml` while the service runs.

use std::time::Duration;

use crate::helpers::*;

/// Edits are served within about 200 ms (150 ms to let an editor's burst of writes settle, then
/// a load); the deadline leaves room for a CI machine running every test at once.
const RELOAD_DEADLINE: Duration = Duration::from_secs(3);

async fn revision(app: &TestApp) -> String {
    app.registry().await["revision"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Writes the registry the way editors do: a new file renamed over the old one.
pub(crate) fn save(app: &TestApp, text: &str) {
    let tmp = app.config.with_extension("toml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &app.config).unwrap();
}

const ADDED_COOKIE: &str = "\n[[cookie]]\nname = \"_gid\"\ncategory = \"analytics\"\nprovider = \"Google Analytics\"\npurpose = \"Counts visits today.\"\nexpires = \"1 day\"\n";

fn revision_of(text: &str) -> String {
    consentry::registry::parse("x", text)
        .unwrap()
        .registry
        .revision
}

#[actix_web::test]
async fn a_good_edit_is_served_without_restart() {
    let app = spawn_app(SMALL).await;
    assert_eq!(revision(&app).await, revision_of(SMALL));
    let edited = format!("{SMALL}{ADDED_COOKIE}");
    save(&app, &edited);
    let expected = revision_of(&edited);
    let seen = app
        .eventually(RELOAD_DEADLINE, || async {
            revision(&app).await == expected
        })
        .await;
    assert!(seen, "the added cookie is not served in time");
    let (_, _, page) = app.get("/cookie-policy").await;
    assert!(page.contains("_gid"));
}

#[actix_web::test]
async fn an_edit_written_in_place_is_seen_too() {
    let app = spawn_app(SMALL).await;
    std::fs::write(&app.config, format!("{SMALL}{ADDED_COOKIE}")).unwrap();
    let expected = revision_of(&format!("{SMALL}{ADDED_COOKIE}"));
    let seen = app
        .eventually(RELOAD_DEADLINE, || async {
            revision(&app).await == expected
        })
        .await;
    assert!(seen);
}

#[actix_web::test]
async fn a_broken_edit_keeps_the_last_good_registry() {
    let app = spawn_app(SMALL).await;
    let before = revision(&app).await;
    save(
        &app,
        &SMALL.replace("category = \"analytics\"", "categroy = \"analytics\""),
    );
    // Give the watcher time to see and refuse it, then prove nothing changed.
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(revision(&app).await, before);
    let (status, _, page) = app.get("/cookie-policy").await;
    assert_eq!(status, 200);
    assert!(page.contains("_ga"));
    // A later good edit is still picked up.
    save(&app, &format!("{SMALL}{ADDED_COOKIE}"));
    let seen = app
        .eventually(RELOAD_DEADLINE, || async { revision(&app).await != before })
        .await;
    assert!(seen, "a good edit after a broken one is served");
}

#[actix_web::test]
async fn rewording_keeps_the_revision_and_adding_a_cookie_changes_it() {
    let app = spawn_app(SMALL).await;
    let before = revision(&app).await;
    save(
        &app,
        &SMALL.replace("Counts visits.", "Counts visits to improve the site."),
    );
    let reworded = app
        .eventually(RELOAD_DEADLINE, || async {
            app.get("/cookie-policy")
                .await
                .2
                .contains("Counts visits to improve the site.")
        })
        .await;
    assert!(reworded, "the new wording is served");
    assert_eq!(
        revision(&app).await,
        before,
        "wording does not ask visitors again"
    );

    save(&app, &format!("{SMALL}{ADDED_COOKIE}"));
    let changed = app
        .eventually(RELOAD_DEADLINE, || async { revision(&app).await != before })
        .await;
    assert!(changed, "an added cookie asks visitors again");
}
