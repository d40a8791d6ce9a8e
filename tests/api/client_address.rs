//! The client's address: kept as a prefix, read behind a trusted proxy, and the unit of the
//! rate limit.

use crate::helpers::{SMALL, TestApp, spawn_app_configured, spawn_unlimited};

/// The service behind a trusted proxy on loopback, one post a second after a burst of `burst`.
async fn behind_a_proxy_limited_to(burst: u32) -> TestApp {
    spawn_app_configured(SMALL, |s| {
        s.trust_forwarded_for = true;
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst,
        });
    })
    .await
}

#[actix_rt::test]
async fn the_ip_is_kept_only_as_a_prefix_and_forwarded_for_is_ignored_by_default() {
    let app = spawn_unlimited().await;
    let body = app.decision("en", "custom", &[]).await;

    let answer = app
        .post_consent(&body, &[("X-Forwarded-For", "203.0.113.77")])
        .await;

    assert_eq!(answer.json["ip_prefix"], "127.0.0.0/24");
}

#[actix_rt::test]
async fn behind_a_trusted_proxy_the_entry_the_proxy_wrote_is_kept_as_a_prefix() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.trust_forwarded_for = true;
    })
    .await;
    let body = app.decision("en", "custom", &[]).await;
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
        let answer = app.post_consent_forwarded(&body, forwarded).await;
        assert_eq!(answer.status, 201, "{forwarded:?}: {}", answer.json);
        assert_eq!(answer.json["ip_prefix"], prefix, "{forwarded:?}");
    }
}

#[actix_rt::test]
async fn forged_entries_before_the_proxy_entry_do_not_escape_the_rate_limit() {
    let app = behind_a_proxy_limited_to(5).await;
    let body = app.decision("en", "custom", &[]).await;

    let mut flood = Vec::new();
    for i in 0..20 {
        let forged = format!("10.0.{i}.1, 198.51.100.7:{}", 40_000 + i);
        flood.push(app.post_consent_forwarded(&body, &[&forged]).await.status);
    }
    let unreadable = app
        .post_consent_forwarded(&body, &["10.0.99.1, unknown"])
        .await;

    assert_eq!(flood.iter().filter(|s| **s == 201).count(), 5, "{flood:?}");
    assert!(flood[5..].iter().all(|s| *s == 429), "{flood:?}");
    assert_eq!(unreadable.status, 201, "the peer has its own bucket");
}

#[actix_rt::test]
async fn ipv4_clients_written_as_mapped_ipv6_by_the_proxy_have_their_own_rate_limit() {
    let app = behind_a_proxy_limited_to(3).await;
    let body = app.decision("en", "custom", &[]).await;

    let mut flood = Vec::new();
    for _ in 0..6 {
        flood.push(
            app.post_consent_forwarded(&body, &["::ffff:198.51.100.7"])
                .await
                .status,
        );
    }
    let neighbour = app
        .post_consent_forwarded(&body, &["::ffff:203.0.113.9"])
        .await;

    assert_eq!(flood, [201, 201, 201, 429, 429, 429]);
    assert_eq!(neighbour.status, 201, "{}", neighbour.json);
    assert_eq!(neighbour.json["ip_prefix"], "203.0.113.0/24");
}

#[actix_rt::test]
async fn a_flood_from_one_address_gets_429_without_slowing_another() {
    let app = behind_a_proxy_limited_to(5).await;
    let body = app.decision("en", "custom", &[]).await;

    let mut flood = Vec::new();
    for _ in 0..12 {
        flood.push(
            app.post_consent(&body, &[("X-Forwarded-For", "198.51.100.7")])
                .await
                .status,
        );
    }
    let neighbour = app
        .post_consent(&body, &[("X-Forwarded-For", "203.0.113.9")])
        .await;
    let limited = app
        .post_consent(&body, &[("X-Forwarded-For", "198.51.100.7")])
        .await;

    assert_eq!(flood.iter().filter(|s| **s == 201).count(), 5, "{flood:?}");
    assert!(flood[5..].iter().all(|s| *s == 429), "{flood:?}");
    assert_eq!(neighbour.status, 201);
    assert_eq!(limited.json["error"], "rate-limited");
    assert!(limited.headers.get("retry-after").is_some());
}

#[actix_rt::test]
async fn reading_histories_is_rate_limited_per_address_like_posting() {
    let app = behind_a_proxy_limited_to(3).await;
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
async fn forwarded_headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.trust_forwarded_for = true;
        // The proxy is elsewhere; this test's client, on loopback, is not it.
        s.trusted_proxies = vec!["192.0.2.10".parse().expect("an address")];
    })
    .await;
    let body = app.decision("en", "custom", &[]).await;

    let answer = app.post_consent_forwarded(&body, &["203.0.113.77"]).await;

    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(
        answer.json["ip_prefix"], "127.0.0.0/24",
        "the peer, not the header"
    );
}
