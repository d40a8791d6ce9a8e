//! Retries where they meet the edges: the first decision of an id the service made, and an
//! erasure running while the same visitor's decisions arrive.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_unlimited};

const VISITOR: &str = "r3v13w_3r4s3_v1s1t0r_0000000001";

async fn named(app: &TestApp, consent_id: Option<&str>, decision_id: &str) -> Value {
    let mut body = app.decision("en", "accept-all", &["analytics"]).await;
    if let Some(id) = consent_id {
        body["consent_id"] = json!(id);
    }
    body["decision_id"] = json!(decision_id);
    body
}

/// CONTRACT §4.4: "a post repeating the consent_id and decision_id of a stored record answers
/// 200 OK with that record and stores nothing new". The first record of an id the service made
/// needs no index entry to be found, but its decision_id does, or its repeat is stored again.
#[actix_rt::test]
async fn a_repeat_of_the_first_decision_of_a_service_made_id_is_not_stored_twice() {
    let app = spawn_unlimited().await;
    let first = app
        .post_consent(
            &named(&app, None, "f1rst-d3c1s10n-0f-a-s3rv1c3-1d").await,
            &[],
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.json);
    let id = first.json["consent_id"].as_str().expect("an id").to_owned();
    assert_eq!(first.json["decision_id"], "f1rst-d3c1s10n-0f-a-s3rv1c3-1d");

    let again = app
        .post_consent(
            &named(&app, Some(&id), "f1rst-d3c1s10n-0f-a-s3rv1c3-1d").await,
            &[],
        )
        .await;

    assert_eq!(again.status, 200, "{}", again.json);
    assert_eq!(app.stored().await, 1);
}

async fn history_decisions(app: &TestApp, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut query = "?limit=1000".to_owned();
    loop {
        let (status, headers, body) = app.history(id, &query).await;
        if status == 404 {
            return out;
        }
        assert_eq!(status, 200, "{body}");
        let page: Vec<Value> = serde_json::from_str(&body).expect("json");
        out.extend(
            page.iter()
                .filter_map(|r| r["decision_id"].as_str().map(str::to_owned)),
        );
        let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) else {
            return out;
        };
        let target = &link[1..link.find('>').expect("a link")];
        query = target[target.find('?').expect("a query")..].to_owned();
    }
}

/// An erasure that removed every index entry of its visitor by prefix after it removed the
/// records it listed would leave a decision acknowledged while the erasure runs with its record
/// but without its entry: the banner's retry of it (CONTRACT §4.4) would be stored a second time.
#[actix_rt::test]
async fn a_decision_that_survives_an_erasure_running_beside_it_is_still_stored_once() {
    let app = spawn_unlimited().await;
    let template = named(&app, Some(VISITOR), "placeholder-placeholder-0").await;
    let app = &app;
    for chunk in 0..48 {
        let posts = (0..64).map(|i| {
            let mut body = template.clone();
            body["decision_id"] = json!(format!("before-the-erasure-{chunk:03}-{i:04}"));
            async move { app.post_consent(&body, &[]).await.status }
        });
        let statuses = futures_util::future::join_all(posts).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    }

    let done = std::cell::Cell::new(false);
    let poster = |lane: usize| {
        let template = template.clone();
        let done = &done;
        async move {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while !done.get() {
                let mut body = template.clone();
                body["decision_id"] = json!(format!("beside-the-erasure-{lane:02}-{i:06}"));
                i += 1;
                if app.post_consent(&body, &[]).await.status == 201 {
                    acknowledged.push(body);
                }
            }
            acknowledged
        }
    };
    let erase = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
        let (status, _) = app.erase(VISITOR).await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
        done.set(true);
        status
    };
    let (status, lanes) =
        futures_util::join!(erase, futures_util::future::join_all((0..8).map(poster)));
    assert_eq!(status, 204);

    let survivors = history_decisions(app, VISITOR).await;
    let mut stored_again = Vec::new();
    for body in lanes.into_iter().flatten() {
        let id = body["decision_id"].as_str().expect("named").to_owned();
        if survivors.contains(&id) && app.post_consent(&body, &[]).await.status != 200 {
            stored_again.push(id);
        }
    }
    assert!(
        stored_again.is_empty(),
        "{} of {} surviving decisions were stored again on retry: {:?}",
        stored_again.len(),
        survivors.len(),
        &stored_again[..stored_again.len().min(5)]
    );
}
