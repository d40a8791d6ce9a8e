//! Recording decisions: `POST /api/v1/consents` and `GET /api/v1/consents/{id}`.

use std::time::Duration;

use awc::http::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::{SMALL, TestApp, spawn_app_configured};

pub const ORIGIN: &str = "https://www.example.com";

/// The small registry's service, rate limit off so tests may post freely.
pub async fn spawn() -> TestApp {
    spawn_app_configured(SMALL, |s| s.rate_limit = None).await
}

/// A decision as the banner posts it, for what the service serves now in `lang`.
pub async fn decision(app: &TestApp, lang: &str, action: &str, accepted: &[&str]) -> Value {
    let registry = app.get_json("/api/v1/registry").await;
    json!({
        "revision": registry["revision"],
        "shown": registry["shown"][lang],
        "accepted": accepted,
        "action": action,
        "language": lang,
        "page": "https://www.example.com/products/a?utm_source=mail#reviews",
    })
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub json: Value,
}

/// Posts `body` as JSON from the registry's origin, with `extra` headers.
pub async fn post(app: &TestApp, body: &Value, extra: &[(&str, &str)]) -> Answer {
    post_raw(
        app,
        body.to_string(),
        "application/json",
        Some(ORIGIN),
        extra,
    )
    .await
}

pub async fn post_raw(
    app: &TestApp,
    body: String,
    content_type: &str,
    origin: Option<&str>,
    extra: &[(&str, &str)],
) -> Answer {
    let mut req = app
        .client
        .post(app.url("/api/v1/consents"))
        .insert_header(("Content-Type", content_type));
    if let Some(origin) = origin {
        req = req.insert_header(("Origin", origin));
    }
    for (name, value) in extra {
        req = req.insert_header((*name, *value));
    }
    let mut res = req.send_body(body).await.expect("request sent");
    let body = res.body().limit(1 << 20).await.expect("body read");
    Answer {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

/// How many records the store holds, through the admin export.
pub async fn stored(app: &TestApp) -> usize {
    let mut res = app
        .client
        .get(app.url("/api/v1/admin/consents"))
        .insert_header((
            "Authorization",
            format!("Bearer {}", crate::helpers::ADMIN_TOKEN),
        ))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status().as_u16(), 200);
    let body = res.body().limit(1 << 26).await.expect("body read");
    body.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count()
}

#[actix_rt::test]
async fn accepting_all_stores_every_category_as_granted() {
    let app = spawn().await;
    let body = decision(&app, "en", "accept-all", &["necessary", "analytics"]).await;

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["categories"],
        json!({"necessary": true, "analytics": true})
    );
    assert_eq!(answer.json["action"], "accept-all");
    assert_eq!(answer.json["revision"], body["revision"]);
    assert_eq!(answer.json["shown"], body["shown"]);
    assert_eq!(answer.json["language"], "en");
    let id = answer.json["consent_id"].as_str().expect("a consent id");
    assert_eq!(
        answer.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/consents/{id}").as_str())
    );
    assert_eq!(
        answer
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN),
        "the banner on the registry's site may read the answer"
    );
}

#[actix_rt::test]
async fn the_registry_origins_may_read_a_visitor_history_cross_origin() {
    let app = spawn().await;
    let first = post(&app, &decision(&app, "en", "custom", &[]).await, &[]).await;
    let id = first.json["consent_id"].as_str().expect("an id");
    let read = |origin: &'static str| {
        app.client
            .get(app.url(&format!("/api/v1/consents/{id}")))
            .insert_header(("Origin", origin))
            .send()
    };

    let allowed = read(ORIGIN).await.expect("sent");
    let other = read("https://evil.example").await.expect("sent");

    let allow = |res: &awc::ClientResponse<_>| {
        res.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(allow(&allowed), Some(ORIGIN.to_owned()));
    assert_eq!(allow(&other), None);
}

#[actix_rt::test]
async fn rejecting_all_stores_every_optional_category_as_denied() {
    let app = spawn().await;
    let body = decision(&app, "en", "reject-all", &[]).await;

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["categories"],
        json!({"necessary": true, "analytics": false})
    );
}

#[actix_rt::test]
async fn required_categories_are_granted_even_when_not_listed() {
    let app = spawn().await;
    let body = decision(&app, "fr", "custom", &["analytics"]).await;

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["categories"],
        json!({"necessary": true, "analytics": true})
    );
    assert_eq!(answer.json["language"], "fr");
}

#[actix_rt::test]
async fn a_text_plain_body_is_recorded_like_json() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await;

    let answer = post_raw(
        &app,
        body.to_string(),
        "text/plain;charset=UTF-8",
        Some(ORIGIN),
        &[],
    )
    .await;

    assert_eq!(answer.status, 201, "{}", answer.json);
}

#[actix_rt::test]
async fn a_new_visitor_gets_a_random_url_safe_id_of_at_least_128_bits() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await;

    let first = post(&app, &body, &[]).await.json;
    let second = post(&app, &body, &[]).await.json;

    let (a, b) = (
        first["consent_id"].as_str().expect("an id"),
        second["consent_id"].as_str().expect("an id"),
    );
    assert_ne!(a, b);
    assert!(a.len() >= 22, "{a}: 22 base64 characters carry 132 bits");
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}

#[actix_rt::test]
async fn a_returning_visitor_keeps_their_id_and_reads_their_decisions_oldest_first() {
    let app = spawn().await;
    let first = post(
        &app,
        &decision(&app, "en", "accept-all", &["analytics"]).await,
        &[],
    )
    .await;
    let id = first.json["consent_id"].as_str().expect("an id").to_owned();
    let mut withdraw = decision(&app, "en", "withdraw", &[]).await;
    withdraw["consent_id"] = json!(id);

    let second = post(&app, &withdraw, &[]).await;
    let history = app.get_json(&format!("/api/v1/consents/{id}")).await;

    assert_eq!(second.status, 201, "{}", second.json);
    assert_eq!(second.json["consent_id"], json!(id));
    let actions: Vec<&str> = history
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert_eq!(actions, ["accept-all", "withdraw"]);
    assert_eq!(history[1]["categories"]["analytics"], false);
}

#[actix_rt::test]
async fn the_page_is_kept_without_its_query_or_fragment() {
    let app = spawn().await;

    let answer = post(&app, &decision(&app, "en", "custom", &[]).await, &[]).await;

    assert_eq!(answer.json["page"], "https://www.example.com/products/a");
}

#[actix_rt::test]
async fn the_page_is_kept_without_a_user_name_or_password() {
    let app = spawn().await;
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
        let mut body = decision(&app, "en", "custom", &[]).await;
        body["page"] = json!(page);

        let answer = post(&app, &body, &[]).await;

        assert_eq!(answer.status, 201, "{page}: {}", answer.json);
        assert_eq!(answer.json["page"], kept, "{page}");
    }
}

#[actix_rt::test]
async fn a_page_over_2048_characters_is_shortened_and_the_decision_still_stored() {
    let app = spawn().await;
    let long_path = format!("https://www.example.com/{}", "a".repeat(3000));
    let long_query = format!("https://www.example.com/p?q={}", "x".repeat(3000));
    let wide = format!("https://www.example.com/{}", "é".repeat(1500));

    for (page, starts) in [
        (long_path.as_str(), "https://www.example.com/aaa"),
        (long_query.as_str(), "https://www.example.com/p"),
        (wide.as_str(), "https://www.example.com/éé"),
    ] {
        let mut body = decision(&app, "en", "custom", &[]).await;
        body["page"] = json!(page);

        let answer = post(&app, &body, &[]).await;

        assert_eq!(answer.status, 201, "{}", answer.json);
        let kept = answer.json["page"].as_str().expect("a page is kept");
        assert!(kept.starts_with(starts), "{kept}");
        assert!(kept.len() <= 2048, "{} bytes", kept.len());
    }
    assert_eq!(stored(&app).await, 3);
}

#[actix_rt::test]
async fn path_parameters_are_stripped_from_the_page_so_no_session_id_is_stored() {
    let app = spawn().await;
    let mut body = decision(&app, "en", "custom", &[]).await;
    body["page"] = json!("https://www.example.com/cart;jsessionid=0123ABCD/items;v=2?x=1#top");

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(answer.json["page"], "https://www.example.com/cart/items");
}

#[actix_rt::test]
async fn a_page_that_is_not_a_url_is_dropped_and_the_decision_still_stored() {
    let app = spawn().await;
    for page in [
        "about:srcdoc",
        "about:blank",
        "/products",
        "javascript:alert(1)",
        "https://www.exa_mple.com:99/p",
        "https://www.example.com:99999/p",
        "https://",
    ] {
        let mut body = decision(&app, "en", "custom", &[]).await;
        body["page"] = json!(page);

        let answer = post(&app, &body, &[]).await;

        assert_eq!(answer.status, 201, "{page}: {}", answer.json);
        assert_eq!(answer.json["page"], Value::Null, "{page}");
    }
}

#[actix_rt::test]
async fn a_body_with_a_repeated_key_is_refused_naming_the_key() {
    let app = spawn().await;
    let good = decision(&app, "en", "reject-all", &[]).await;
    let body = format!(
        r#"{{"revision":{},"shown":{},"accepted":[],"action":"reject-all","language":"en","action":"custom"}}"#,
        good["revision"], good["shown"]
    );

    let answer = post_raw(&app, body, "application/json", Some(ORIGIN), &[]).await;

    assert_eq!(answer.status, 400, "{}", answer.json);
    assert_eq!(answer.json["error"], "duplicate-field");
    assert_eq!(answer.json["field"], "action");
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"action\"")),
        "{}",
        answer.json
    );
    assert_eq!(stored(&app).await, 0);
}

#[actix_rt::test]
async fn the_ip_is_kept_only_as_a_prefix_and_forwarded_for_is_ignored_by_default() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await;

    let answer = post(&app, &body, &[("X-Forwarded-For", "203.0.113.77")]).await;

    assert_eq!(answer.json["ip_prefix"], "127.0.0.0/24");
}

/// Posts `body` with one `X-Forwarded-For` header per entry of `forwarded`.
async fn post_forwarded(app: &TestApp, body: &Value, forwarded: &[&str]) -> Answer {
    let mut req = app
        .client
        .post(app.url("/api/v1/consents"))
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("Origin", ORIGIN));
    for value in forwarded {
        req = req.append_header(("X-Forwarded-For", *value));
    }
    let mut res = req.send_body(body.to_string()).await.expect("request sent");
    let bytes = res.body().limit(1 << 20).await.expect("body read");
    Answer {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[actix_rt::test]
async fn behind_a_trusted_proxy_the_entry_the_proxy_wrote_is_kept_as_a_prefix() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.trust_forwarded_for = true;
    })
    .await;
    let body = decision(&app, "en", "custom", &[]).await;
    let v6 = "2001:db8:abcd::/48";
    let cases: [(&[&str], &str); 12] = [
        (&["203.0.113.77"], "203.0.113.0/24"),
        (&["198.51.100.1, 2001:db8:abcd:12::1"], v6),
        (&["10.9.9.9, 203.0.113.77:5678"], "203.0.113.0/24"),
        (&["10.9.9.9, [2001:db8:abcd:12::1]:443"], v6),
        (&["10.9.9.9,[2001:db8:abcd:12::1]"], v6),
        (&["10.9.9.9 ,  203.0.113.77 "], "203.0.113.0/24"),
        (&["10.9.9.9", "203.0.113.77:80"], "203.0.113.0/24"),
        (&["::ffff:203.0.113.77"], "203.0.113.0/24"),
        // What the proxy wrote cannot be read: the peer, never the client's own entry.
        (&["10.9.9.9, unknown"], "127.0.0.0/24"),
        (&["10.9.9.9, _hidden"], "127.0.0.0/24"),
        (&["10.9.9.9, garbage:12"], "127.0.0.0/24"),
        (&["10.9.9.9", ""], "127.0.0.0/24"),
    ];

    for (forwarded, prefix) in cases {
        let answer = post_forwarded(&app, &body, forwarded).await;
        assert_eq!(answer.status, 201, "{forwarded:?}: {}", answer.json);
        assert_eq!(answer.json["ip_prefix"], prefix, "{forwarded:?}");
    }
}

#[actix_rt::test]
async fn forged_entries_before_the_proxy_entry_do_not_escape_the_rate_limit() {
    let app = spawn_app_configured(SMALL, |s| {
        s.trust_forwarded_for = true;
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 5,
        });
    })
    .await;
    let body = decision(&app, "en", "custom", &[]).await;

    let mut flood = Vec::new();
    for i in 0..20 {
        let forged = format!("10.0.{i}.1, 198.51.100.7:{}", 40_000 + i);
        flood.push(post_forwarded(&app, &body, &[&forged]).await.status);
    }
    let unreadable = post_forwarded(&app, &body, &["10.0.99.1, unknown"]).await;

    assert_eq!(flood.iter().filter(|s| **s == 201).count(), 5, "{flood:?}");
    assert!(flood[5..].iter().all(|s| *s == 429), "{flood:?}");
    assert_eq!(unreadable.status, 201, "the peer has its own bucket");
}

#[actix_rt::test]
async fn ipv4_clients_written_as_mapped_ipv6_by_the_proxy_have_their_own_rate_limit() {
    let app = spawn_app_configured(SMALL, |s| {
        s.trust_forwarded_for = true;
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 3,
        });
    })
    .await;
    let body = decision(&app, "en", "custom", &[]).await;

    let mut flood = Vec::new();
    for _ in 0..6 {
        flood.push(
            post_forwarded(&app, &body, &["::ffff:198.51.100.7"])
                .await
                .status,
        );
    }
    let neighbour = post_forwarded(&app, &body, &["::ffff:203.0.113.9"]).await;

    assert_eq!(flood, [201, 201, 201, 429, 429, 429]);
    assert_eq!(neighbour.status, 201, "{}", neighbour.json);
    assert_eq!(neighbour.json["ip_prefix"], "203.0.113.0/24");
}

#[actix_rt::test]
async fn the_user_agent_is_kept_but_truncated() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await;
    let long = "Mozilla/5.0 ".repeat(100);

    let short = post(&app, &body, &[("User-Agent", "Mozilla/5.0 (X11)")]).await;
    let truncated = post(&app, &body, &[("User-Agent", long.as_str())]).await;

    assert_eq!(short.json["user_agent"], "Mozilla/5.0 (X11)");
    let kept = truncated.json["user_agent"].as_str().expect("kept");
    assert_eq!(kept.len(), 512);
    assert!(long.starts_with(kept));
}

#[actix_rt::test]
async fn the_decision_expires_after_the_registry_consent_days() {
    let app = spawn().await;

    let answer = post(&app, &decision(&app, "en", "custom", &[]).await, &[]).await;

    let parse = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    let lasts = parse(&answer.json["expires_at"]) - parse(&answer.json["recorded_at"]);
    assert_eq!(lasts, time::Duration::days(182));
}

#[actix_rt::test]
async fn the_global_privacy_control_header_is_recorded() {
    let app = spawn().await;
    let body = decision(&app, "en", "gpc", &[]).await;

    let with = post(&app, &body, &[("Sec-GPC", "1")]).await;
    let without = post(&app, &body, &[]).await;

    assert_eq!(with.status, 201, "{}", with.json);
    assert_eq!(with.json["sec_gpc"], true);
    assert_eq!(with.json["action"], "gpc");
    assert_eq!(without.json["sec_gpc"], false);
}

/// Each bad body: the status, the field the error must name, and how to spoil a good body.
#[actix_rt::test]
async fn every_bad_input_is_refused_naming_its_field_and_stores_nothing() {
    let app = spawn().await;
    let good = decision(&app, "en", "custom", &["analytics"]).await;
    let other_lang = decision(&app, "fr", "custom", &[]).await;
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body.to_string()
    };
    let without = |key: &str| {
        let mut body = good.clone();
        body.as_object_mut().expect("an object").remove(key);
        body.to_string()
    };
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "malformed JSON",
            "{\"revision\": ".to_owned(),
            "body",
            "malformed-json",
        ),
        (
            "not an object",
            "[1, 2]".to_owned(),
            "body",
            "malformed-json",
        ),
        (
            "missing revision",
            without("revision"),
            "revision",
            "missing-field",
        ),
        ("missing shown", without("shown"), "shown", "missing-field"),
        (
            "missing action",
            without("action"),
            "action",
            "missing-field",
        ),
        (
            "missing accepted",
            without("accepted"),
            "accepted",
            "missing-field",
        ),
        (
            "accepted not a list",
            with("accepted", json!("analytics")),
            "accepted",
            "invalid-accepted",
        ),
        (
            "accepted not strings",
            with("accepted", json!([1])),
            "accepted",
            "invalid-accepted",
        ),
        (
            "unknown category",
            with("accepted", json!(["ads"])),
            "accepted",
            "unknown-category",
        ),
        (
            "unknown action",
            with("action", json!("maybe")),
            "action",
            "unknown-action",
        ),
        (
            "revision a number",
            with("revision", json!(7)),
            "revision",
            "invalid-field",
        ),
        (
            "unknown revision",
            with("revision", json!("deadbeef")),
            "revision",
            "unknown-revision",
        ),
        (
            "unknown shown",
            with("shown", json!("0123456789abcdef")),
            "shown",
            "unknown-shown",
        ),
        (
            "malformed consent_id",
            with("consent_id", json!("not valid!")),
            "consent_id",
            "invalid-consent-id",
        ),
        (
            "short consent_id",
            with("consent_id", json!("abc")),
            "consent_id",
            "invalid-consent-id",
        ),
        (
            "misspelled consent_id",
            with("consentid", json!("k3Jd0123456789abcdefghij")),
            "consentid",
            "unknown-field",
        ),
        (
            "misspelled language",
            with("langauge", json!("en")),
            "langauge",
            "unknown-field",
        ),
        (
            "page a number",
            with("page", json!(7)),
            "page",
            "invalid-field",
        ),
        (
            "language of another snapshot",
            with("language", json!("fr")),
            "language",
            "invalid-language",
        ),
        (
            "shown of another language",
            with("shown", other_lang["shown"].clone()),
            "language",
            "invalid-language",
        ),
        (
            "accept-all that rejects",
            with("action", json!("accept-all")).replace("[\"analytics\"]", "[]"),
            "accepted",
            "inconsistent-decision",
        ),
        (
            "reject-all that accepts",
            with("action", json!("reject-all")),
            "accepted",
            "inconsistent-decision",
        ),
    ];

    for (case, body, field, code) in cases {
        let answer = post_raw(&app, body, "application/json", Some(ORIGIN), &[]).await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.json);
        assert_eq!(answer.json["field"], field, "{case}: {}", answer.json);
        assert_eq!(answer.json["error"], code, "{case}: {}", answer.json);
        assert!(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| m.contains(field) || field == "body"),
            "{case}: {}",
            answer.json
        );
    }
    assert_eq!(stored(&app).await, 0);
}

#[actix_rt::test]
async fn a_misspelled_field_is_refused_with_the_name_it_meant() {
    let app = spawn().await;
    let mut body = decision(&app, "en", "custom", &[]).await;
    body["consentid"] = json!("k3Jd0123456789abcdefghij");

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 400, "{}", answer.json);
    assert_eq!(answer.json["field"], "consentid");
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean \"consent_id\"?")),
        "{}",
        answer.json
    );
}

#[actix_rt::test]
async fn a_body_over_8_kib_is_refused_with_413() {
    let app = spawn().await;
    let mut body = decision(&app, "en", "custom", &[]).await;
    body["padding"] = json!("x".repeat(8 * 1024));

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 413);
    assert_eq!(answer.json["error"], "payload-too-large");
    assert_eq!(stored(&app).await, 0);
}

#[actix_rt::test]
async fn a_body_of_another_media_type_is_refused_with_415() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await;

    let answer = post_raw(
        &app,
        body.to_string(),
        "application/x-www-form-urlencoded",
        Some(ORIGIN),
        &[],
    )
    .await;

    assert_eq!(answer.status, 415);
    assert_eq!(stored(&app).await, 0);
}

#[actix_rt::test]
async fn a_post_from_an_origin_outside_the_registry_is_refused_with_403() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await.to_string();

    let foreign = post_raw(
        &app,
        body.clone(),
        "text/plain",
        Some("https://evil.example"),
        &[],
    )
    .await;
    let lookalike = post_raw(
        &app,
        body.clone(),
        "text/plain",
        Some("https://www.example.com.evil.example"),
        &[],
    )
    .await;
    let missing = post_raw(&app, body, "text/plain", None, &[]).await;

    for answer in [&foreign, &lookalike, &missing] {
        assert_eq!(answer.status, 403, "{}", answer.json);
        assert_eq!(answer.json["error"], "forbidden");
        assert!(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("origin"))
        );
    }
    assert!(foreign.headers.get("access-control-allow-origin").is_none());
    assert_eq!(stored(&app).await, 0);
}

#[actix_rt::test]
async fn a_registry_origin_written_with_its_default_port_matches_what_browsers_send() {
    let registry = SMALL.replace(
        "origins = [\"https://www.example.com\"]",
        "origins = [\"https://www.example.com:443\"]",
    );
    let app = spawn_app_configured(&registry, |s| s.rate_limit = None).await;
    let body = decision(&app, "en", "custom", &[]).await;

    let answer = post(&app, &body, &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN)
    );
}

#[actix_rt::test]
async fn a_post_from_the_service_own_pages_is_accepted() {
    let app = spawn().await;
    let body = decision(&app, "en", "custom", &[]).await.to_string();
    let own = format!("http://127.0.0.1:{}", app.port);
    let behind_tls = format!("https://127.0.0.1:{}", app.port);
    let other_port = format!("http://127.0.0.1:{}", app.port + 1);

    let answer = post_raw(&app, body.clone(), "application/json", Some(&own), &[]).await;
    let proxied = post_raw(&app, body.clone(), "text/plain", Some(&behind_tls), &[]).await;
    let neighbour = post_raw(&app, body, "text/plain", Some(&other_port), &[]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(proxied.status, 201, "a proxy in front may terminate TLS");
    assert_eq!(neighbour.status, 403, "another port is another origin");
}

#[actix_rt::test]
async fn cors_preflight_is_granted_to_registry_origins_only() {
    let app = spawn().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(awc::http::Method::OPTIONS, app.url("/api/v1/consents"))
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .insert_header(("Access-Control-Request-Headers", "content-type"))
            .send()
    };

    let allowed = preflight(ORIGIN).await.expect("sent");
    let refused = preflight("https://evil.example").await.expect("sent");

    assert!(allowed.status().is_success());
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN)
    );
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[actix_rt::test]
async fn a_revision_served_before_a_reload_is_still_accepted_with_its_own_categories() {
    let app = spawn().await;
    let before = decision(&app, "en", "accept-all", &["necessary", "analytics"]).await;
    let edited = format!(
        "{SMALL}\n[[category]]\nid = \"marketing\"\ntitle = \"Marketing\"\ndescription = \"Ads.\"\n"
    );
    std::fs::write(&app.config, edited).expect("edit the registry");
    let old_revision = before["revision"].clone();
    let reloaded = app
        .eventually(Duration::from_secs(10), || async {
            app.get_json("/api/v1/registry").await["revision"] != old_revision
        })
        .await;
    assert!(reloaded, "the edit was picked up");

    let old = post(&app, &before, &[]).await;
    let new = post(&app, &decision(&app, "en", "reject-all", &[]).await, &[]).await;

    assert_eq!(old.status, 201, "{}", old.json);
    assert_eq!(
        old.json["categories"],
        json!({"necessary": true, "analytics": true})
    );
    assert_eq!(old.json["revision"], old_revision);
    assert_eq!(new.status, 201, "{}", new.json);
    assert_eq!(
        new.json["categories"],
        json!({"necessary": true, "analytics": false, "marketing": false})
    );
}

#[actix_rt::test]
async fn reading_an_unknown_or_malformed_id_answers_404_or_400() {
    let app = spawn().await;

    let (unknown, _, _) = app.get("/api/v1/consents/AAAAAAAAAAAAAAAAAAAAAAAA").await;
    let (malformed, _, body) = app.get("/api/v1/consents/bad!").await;

    assert_eq!(unknown, 404);
    assert_eq!(malformed, 400);
    assert!(body.contains("consent_id"));
}

#[actix_rt::test]
async fn a_flood_from_one_address_gets_429_without_slowing_another() {
    let app = spawn_app_configured(SMALL, |s| {
        s.trust_forwarded_for = true;
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 5,
        });
    })
    .await;
    let body = decision(&app, "en", "custom", &[]).await;

    let mut flood = Vec::new();
    for _ in 0..12 {
        flood.push(
            post(&app, &body, &[("X-Forwarded-For", "198.51.100.7")])
                .await
                .status,
        );
    }
    let neighbour = post(&app, &body, &[("X-Forwarded-For", "203.0.113.9")]).await;
    let limited = post(&app, &body, &[("X-Forwarded-For", "198.51.100.7")]).await;

    assert_eq!(flood.iter().filter(|s| **s == 201).count(), 5, "{flood:?}");
    assert!(flood[5..].iter().all(|s| *s == 429), "{flood:?}");
    assert_eq!(neighbour.status, 201);
    assert_eq!(limited.json["error"], "rate-limited");
    assert!(limited.headers.get("retry-after").is_some());
}

#[actix_rt::test]
async fn reading_histories_is_rate_limited_per_address_like_posting() {
    let app = spawn_app_configured(SMALL, |s| {
        s.trust_forwarded_for = true;
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 3,
        });
    })
    .await;
    let read = |forwarded: &'static str| {
        app.client
            .get(app.url("/api/v1/consents/AAAAAAAAAAAAAAAAAAAAAAAA"))
            .insert_header(("X-Forwarded-For", forwarded))
            .send()
    };

    let mut scan = Vec::new();
    for _ in 0..6 {
        scan.push(read("198.51.100.7").await.expect("sent").status().as_u16());
    }
    let neighbour = read("203.0.113.9").await.expect("sent").status().as_u16();

    assert_eq!(scan, [404, 404, 404, 429, 429, 429]);
    assert_eq!(neighbour, 404, "another address is not limited");
}

#[actix_rt::test]
async fn gpc_json_announces_support_when_the_registry_honours_it() {
    let site = "languages = [\"en\", \"fr\"]";
    let dated = SMALL.replace(site, &format!("{site}\nupdated = 2026-11-01"));
    let honours = spawn_app_configured(&dated, |_| {}).await;
    let ignores = spawn_app_configured(
        &SMALL.replace(site, &format!("{site}\nhonor_gpc = false")),
        |_| {},
    )
    .await;

    let support = honours.get_json("/.well-known/gpc.json").await;
    let (status, _, _) = ignores.get("/.well-known/gpc.json").await;

    assert_eq!(support, json!({"gpc": true, "lastUpdate": "2026-11-01"}));
    assert_eq!(status, 404);
}
