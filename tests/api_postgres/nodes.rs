//! What only a shared store has: several nodes on one database answer as one service, the
//! schema is migrated once and a newer one refused, and a database that goes away makes posts
//! `503`, never `201`, until it is back.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{SMALL, TestApp, spawn_app_configured, test_database};

const VISITOR: &str = "lnp0k3b2_1111111111_2222222222_3333333333";

/// Two nodes (own registry files, own data folders) on one fresh database.
async fn two_nodes() -> (TestApp, TestApp, String) {
    let url = test_database().expect("the PostgreSQL suite has a database");
    let node = |url: String| {
        spawn_app_configured(SMALL, move |s| {
            s.store = Some(url.parse().expect("a store URL"));
            s.rate_limit = None;
        })
    };
    let a = node(url.clone()).await;
    let b = node(url.clone()).await;
    (a, b, url)
}

/// A connection to `url` for looking into the database, its driver task on this runtime.
async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the test database accepts connections");
    actix_rt::spawn(async move {
        let _ = connection.await;
    });
    client
}

#[actix_rt::test]
async fn what_one_node_stored_every_node_reads_retries_and_erases() {
    let (a, b, _) = two_nodes().await;
    let mut body = a.decision("en", "custom", &["analytics"]).await;
    body["consent_id"] = json!(VISITOR);
    body["decision_id"] = json!("decision-made-on-node-a-0001");

    let first = a.post_consent(&body, &[]).await;
    let retried_elsewhere = b.post_consent(&body, &[]).await;
    body["decision_id"] = json!("decision-made-on-node-b-0002");
    body["action"] = json!("reject-all");
    body["accepted"] = json!([]);
    let second = b.post_consent(&body, &[]).await;
    let (_, _, history_on_a) = a.history(VISITOR, "").await;
    let (_, stats_on_a) = a.stats("days=1").await;
    let (_, stats_on_b) = b.stats("days=1").await;

    assert_eq!(first.status, 201);
    assert_eq!(
        (retried_elsewhere.status, &retried_elsewhere.json),
        (200, &first.json),
        "a retry reaching another node is answered with the record the first one made"
    );
    assert_eq!(second.status, 201);
    let history: Value = serde_json::from_str(&history_on_a).expect("history JSON");
    let actions: Vec<&str> = history
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|r| r["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(actions, ["custom", "reject-all"], "{history_on_a}");
    assert_eq!(
        stats_on_a, stats_on_b,
        "stats are the database's, not a node's"
    );

    let (erased, _) = a.erase(VISITOR).await;
    let (after, _, _) = b.history(VISITOR, "").await;
    assert_eq!(erased, 204);
    assert_eq!(after, 404, "an erasure on one node is seen by every node");
}

#[actix_rt::test]
async fn a_shown_that_one_node_served_after_an_edit_is_accepted_by_a_node_still_on_the_old_file() {
    let (a, b, _) = two_nodes().await;
    a.save_registry(&SMALL.replace("Counts visits.", "Counts visits, anonymously."));
    let edited = a
        .eventually(Duration::from_secs(10), || async {
            a.registry().await["shown"]["en"] != b.registry().await["shown"]["en"]
        })
        .await;
    assert!(edited, "node a serves the edit");

    let body = a.decision("en", "accept-all", &["analytics"]).await;
    let on_b = b.post_consent(&body, &[]).await;

    assert_eq!(on_b.status, 201, "{}", on_b.json);
    assert_eq!(on_b.json["shown"], body["shown"]);
}

#[actix_rt::test]
async fn nodes_starting_together_migrate_the_schema_once() {
    let url = test_database().expect("a database");
    let starts = (0..3).map(|_| {
        let url = url.clone();
        spawn_app_configured(SMALL, move |s| s.store = Some(url.parse().expect("a URL")))
    });
    let nodes = futures_util::future::join_all(starts).await;
    let client = connect(&url).await;

    let versions: Vec<i32> = client
        .query("SELECT version FROM consentry_schema ORDER BY version", &[])
        .await
        .expect("the schema table")
        .iter()
        .map(|row| row.get(0))
        .collect();

    assert_eq!(
        versions,
        [1, 2],
        "one row per migration, however many nodes started"
    );
    for node in &nodes {
        assert_eq!(node.readyz().await.json["store"], "postgres");
    }
}

#[actix_rt::test]
async fn a_database_migrated_by_a_later_release_is_refused_at_start() {
    let url = test_database().expect("a database");
    drop(
        spawn_app_configured(SMALL, {
            let url = url.clone();
            move |s| s.store = Some(url.parse().expect("a URL"))
        })
        .await,
    );
    connect(&url)
        .await
        .execute("INSERT INTO consentry_schema (version) VALUES (99)", &[])
        .await
        .expect("a later release's migration");

    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = crate::common::test_settings(dir.path(), SMALL, |_| {});
    settings.store = Some(url.parse().expect("a URL"));
    let refused = consentry::startup::Application::build(settings)
        .err()
        .expect("the service refuses to start");

    let message = refused.to_string();
    assert!(
        message.contains("schema version 99") && message.contains("upgrade Consentry"),
        "{message}"
    );
    assert!(!message.contains("password"), "{message}");
}

#[actix_rt::test]
async fn while_the_database_refuses_connections_posts_get_503_and_recover_after() {
    let (a, _b, url) = two_nodes().await;
    let body = a.decision("en", "accept-all", &["analytics"]).await;
    assert_eq!(a.post_consent(&body, &[]).await.status, 201);
    let name = url.rsplit('/').next().expect("a database name").to_owned();
    let admin = connect(&url.replace(&format!("/{name}"), "/postgres")).await;
    let cut = format!(
        "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    );
    admin
        .batch_execute(&cut)
        .await
        .expect("cut the database off");

    let during = a.post_consent(&body, &[]).await;
    let ready_during = a.readyz().await;
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true"
        ))
        .await
        .expect("let it back");
    let recovered = a
        .eventually(Duration::from_secs(10), || async {
            a.post_consent(&body, &[]).await.status == 201
        })
        .await;

    assert_eq!(during.status, 503, "{}", during.json);
    assert_eq!(ready_during.status, 503);
    assert!(recovered, "the node reconnects by itself");
    assert_eq!(a.stored().await, 2, "the refused post was not stored");
}
