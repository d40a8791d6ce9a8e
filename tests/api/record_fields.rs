//! What a record keeps of the request, and what it leaves out: the page without its query,
//! credentials or parameters, a truncated user agent.

use serde_json::{Value, json};

use crate::helpers::spawn_unlimited;

#[actix_rt::test]
async fn the_page_is_kept_without_its_query_or_fragment() {
    let app = spawn_unlimited().await;

    let answer = app
        .post_consent(&app.decision("en", "custom", &[]).await, &[])
        .await;

    assert_eq!(answer.json["page"], "https://www.example.com/products/a");
}

#[actix_rt::test]
async fn the_page_is_kept_without_a_user_name_or_password() {
    let app = spawn_unlimited().await;
    let cases = [
        (
            "https://visitor:s3cret@www.example.com:8443/account?session=x",
            "https://www.example.com:8443/account",
        ),
        (
            "https://www.example.com:80@evil.example/x",
            "https://evil.example/x",
        ),
    ];
    for (page, kept) in cases {
        let mut body = app.decision("en", "custom", &[]).await;
        body["page"] = json!(page);

        let answer = app.post_consent(&body, &[]).await;

        assert_eq!(answer.status, 201, "{page}: {}", answer.json);
        assert_eq!(answer.json["page"], kept, "{page}");
    }
}

#[actix_rt::test]
async fn a_page_over_2048_characters_is_shortened_and_the_decision_still_stored() {
    let app = spawn_unlimited().await;
    let long_path = format!("https://www.example.com/{}", "a".repeat(3000));
    let long_query = format!("https://www.example.com/p?q={}", "x".repeat(3000));
    let wide = format!("https://www.example.com/{}", "é".repeat(1500));

    for (page, starts) in [
        (long_path.as_str(), "https://www.example.com/aaa"),
        (long_query.as_str(), "https://www.example.com/p"),
        (wide.as_str(), "https://www.example.com/éé"),
    ] {
        let mut body = app.decision("en", "custom", &[]).await;
        body["page"] = json!(page);

        let answer = app.post_consent(&body, &[]).await;

        assert_eq!(answer.status, 201, "{}", answer.json);
        let kept = answer.json["page"].as_str().expect("a page is kept");
        assert!(kept.starts_with(starts), "{kept}");
        assert!(kept.len() <= 2048, "{} bytes", kept.len());
    }
    assert_eq!(app.stored().await, 3);
}

#[actix_rt::test]
async fn path_parameters_are_stripped_from_the_page_so_no_session_id_is_stored() {
    let app = spawn_unlimited().await;
    let mut body = app.decision("en", "custom", &[]).await;
    body["page"] = json!("https://www.example.com/cart;jsessionid=0123ABCD/items;v=2?x=1#top");

    let answer = app.post_consent(&body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(answer.json["page"], "https://www.example.com/cart/items");
}

#[actix_rt::test]
async fn a_page_that_is_not_a_url_is_dropped_and_the_decision_still_stored() {
    let app = spawn_unlimited().await;
    for page in [
        "about:srcdoc",
        "about:blank",
        "/products",
        "javascript:alert(1)",
        "https://www.exa_mple.com:99/p",
        "https://www.example.com:99999/p",
        "https://",
    ] {
        let mut body = app.decision("en", "custom", &[]).await;
        body["page"] = json!(page);

        let answer = app.post_consent(&body, &[]).await;

        assert_eq!(answer.status, 201, "{page}: {}", answer.json);
        assert_eq!(answer.json["page"], Value::Null, "{page}");
    }
}

#[actix_rt::test]
async fn the_user_agent_is_kept_but_truncated() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await;
    let long = "Mozilla/5.0 ".repeat(100);

    let short = app
        .post_consent(&body, &[("User-Agent", "Mozilla/5.0 (X11)")])
        .await;
    let truncated = app
        .post_consent(&body, &[("User-Agent", long.as_str())])
        .await;

    assert_eq!(short.json["user_agent"], "Mozilla/5.0 (X11)");
    let kept = truncated.json["user_agent"].as_str().expect("kept");
    assert_eq!(kept.len(), 512);
    assert!(long.starts_with(kept));
}
