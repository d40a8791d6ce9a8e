//! The visitor's receipt (`GET /consent/{id}`, linked from the banner's preferences dialog):
//! their decisions in their language, each with its consent-log entry and a working link to
//! its inclusion proof, nothing of what the record keeps about their browser, and a clear page
//! for an id that is malformed, unknown or erased. On both stores.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_unlimited};

const AGENT: &str = "ReceiptTest/1.0 (a browser only the record knows)";

/// A French-speaking visitor who accepted everything, then refused analytics: their id, once
/// both records are in a signed checkpoint (the evidence endpoint waits for that).
async fn visitor(app: &TestApp) -> String {
    let first = app
        .post_consent(
            &app.decision("fr", "accept-all", &["analytics"]).await,
            &[("User-Agent", AGENT)],
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.json);
    let id = first.json["consent_id"].as_str().expect("an id").to_owned();
    let mut second = app.decision("fr", "custom", &[]).await;
    second["consent_id"] = id.clone().into();
    let second = app.post_consent(&second, &[("User-Agent", AGENT)]).await;
    assert_eq!(second.status, 201, "{}", second.json);
    let (status, body) = app.evidence_signed(&id).await;
    assert_eq!(status, 200, "the records reach a signed checkpoint: {body}");
    id
}

/// The text of every `<dd>` of `html`, in order.
fn values(html: &str) -> Vec<&str> {
    html.split("<dd")
        .skip(1)
        .filter_map(|part| Some(part.split_once('>')?.1.split_once("</dd>")?.0))
        .collect()
}

#[actix_rt::test]
async fn a_visitors_receipt_lists_each_decision_in_their_language_with_its_log_entry() {
    let app = spawn_unlimited().await;
    let id = visitor(&app).await;
    let (_, _, history) = app.history(&id, "").await;
    let records: Vec<Value> = serde_json::from_str(&history).expect("the history");

    let (status, headers, html) = app.get(&format!("/consent/{id}?lang=fr")).await;

    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(
        html.contains("<h1>Votre reçu de consentement</h1>"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<code>{id}</code>")),
        "the id is shown"
    );
    let headings: Vec<&str> = html
        .split("<h2 id=\"decision-")
        .skip(1)
        .filter_map(|h| h.split_once('>')?.1.split_once("</h2>").map(|(t, _)| t))
        .collect();
    assert_eq!(headings, ["Décision 1 sur 2", "Décision 2 sur 2"]);
    let values = values(&html);
    // Categories by the titles the French banner showed, split into allowed and refused.
    assert!(values.contains(&"Tout accepter"), "{values:?}");
    assert!(values.contains(&"Choix personnalisé"), "{values:?}");
    assert!(
        values.contains(&"Necessary, Mesure d&#39;audience"),
        "{values:?}"
    );
    assert!(
        values.contains(&"Mesure d&#39;audience"),
        "the refusal: {values:?}"
    );
    // Each decision with its log entry and a link to its proof, which answers for that leaf.
    for record in &records {
        let index = record["log"]["index"].as_u64().expect("a log index");
        let entry = format!(
            "Entrée {index} · <a href=\"/api/v1/log/proof/inclusion?index={index}&amp;tree_size="
        );
        let at = html
            .find(&entry)
            .unwrap_or_else(|| panic!("no {entry} in {html}"));
        let href = html[at..]
            .split_once("href=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(href, _)| href.replace("&amp;", "&"))
            .expect("a proof link");
        let proof = app.get_json(&href).await;
        assert_eq!(proof["index"], index, "{proof}");
    }
    // Nothing the visitor's browser does not already hold.
    let stored = &records[0];
    for private in [
        AGENT,
        stored["ip_prefix"].as_str().expect("an ip prefix"),
        "/products/a",
    ] {
        assert!(!html.contains(private), "the receipt shows {private:?}");
    }
    // Never cached, indexed or passed on as a referrer: the address names the visitor.
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(headers.get("x-robots-tag").unwrap(), "noindex");
    assert_eq!(headers.get("content-language").unwrap(), "fr");
    assert!(headers.get("content-security-policy").is_some());
    // How to check it, with links that answer.
    for path in [
        format!("/api/v1/consents/{id}"),
        "/api/v1/log/checkpoint".to_owned(),
        "/api/v1/log/key".to_owned(),
    ] {
        assert!(
            html.contains(&format!("href=\"{path}\"")),
            "no link to {path}"
        );
        assert_eq!(app.get(&path).await.0, 200, "{path}");
    }
}

#[actix_rt::test]
async fn the_receipt_speaks_the_browsers_language_without_a_lang_query() {
    let app = spawn_unlimited().await;
    let id = visitor(&app).await;

    let (status, headers, html) = app
        .get_with(
            &format!("/consent/{id}"),
            &[("Accept-Language", "de, fr;q=0.8")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-language").unwrap(),
        "fr",
        "the registry has en and fr"
    );
    assert!(html.contains("Décision 1 sur 2"), "{html}");

    let (_, _, html) = app.get(&format!("/consent/{id}")).await;
    assert!(html.contains("<h1>Your consent receipt</h1>"), "{html}");
    assert!(html.contains("Decision 2 of 2"), "{html}");
    assert!(html.contains("Accept all"), "{html}");
}

#[actix_rt::test]
async fn a_malformed_unknown_or_erased_id_gets_a_page_that_says_so() {
    let app = spawn_unlimited().await;

    let (status, headers, html) = app.get("/consent/not%20an%20id!?lang=fr").await;
    assert_eq!(status, 400, "{html}");
    assert!(
        headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        html.contains("Ce n&#39;est pas un identifiant de consentement"),
        "{html}"
    );

    let unknown = "mk2x9p1q_1234567890_2345678901_3456789012_4567890123";
    let (status, _, html) = app.get(&format!("/consent/{unknown}")).await;
    assert_eq!(status, 404, "{html}");
    assert!(html.contains("No decisions found"), "{html}");

    let id = visitor(&app).await;
    assert_eq!(app.get(&format!("/consent/{id}")).await.0, 200);
    assert_eq!(app.erase(&id).await.0, 204);
    let (status, _, html) = app.get(&format!("/consent/{id}")).await;
    assert_eq!(status, 404, "erased: {html}");
    assert!(!html.contains("Decision 1"), "{html}");
}
