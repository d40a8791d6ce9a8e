//! The client address and the connection itself: dual-stack sockets, slow bodies, and how many
//! connections one address may hold. Raw sockets, so a test can choose its source address
//! (anything in 127.0.0.0/8 is loopback on Linux) and send a body as slowly as it likes.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{ORIGIN, SMALL, spawn_app_configured};

/// A connection to the service on loopback `port`, from `source`.
async fn connect_from(source: IpAddr, port: u16) -> actix_rt::net::TcpStream {
    let socket = actix_rt::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("bind the source address");
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("connected")
}

/// The head of a consent post of `length` bytes.
fn post_head(length: usize) -> String {
    format!(
        "POST /api/v1/consents HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

/// Posts `body` from `source` and reads the answer to the end: its status and JSON body.
async fn post_from(source: IpAddr, port: u16, body: &str) -> (u16, Value) {
    let mut stream = connect_from(source, port).await;
    stream
        .write_all(format!("{}{body}", post_head(body.len())).as_bytes())
        .await
        .expect("request sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer read");
    parse_answer(&answer)
}

fn parse_answer(answer: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

#[actix_rt::test]
async fn on_a_dual_stack_socket_each_ipv4_client_has_its_own_rate_limit() {
    if std::net::TcpListener::bind("[::]:0").is_err() {
        eprintln!("no IPv6 on this machine: the X-Forwarded-For tests cover mapped addresses");
        return;
    }
    let app = spawn_app_configured(SMALL, |s| {
        s.bind = "[::]:0".to_owned();
        s.rate_limit = Some(consentry::rate_limit::RateLimit {
            per_second: 1,
            burst: 3,
        });
    })
    .await;
    let body = app.decision("en", "custom", &[]).await.to_string();
    let flooder: IpAddr = [127, 0, 0, 1].into();
    let neighbour: IpAddr = [127, 0, 0, 2].into();

    let mut flood = Vec::new();
    for _ in 0..6 {
        flood.push(post_from(flooder, app.port, &body).await.0);
    }
    let (status, record) = post_from(neighbour, app.port, &body).await;

    assert_eq!(flood, [201, 201, 201, 429, 429, 429]);
    assert_eq!(status, 201, "another IPv4 client is not limited: {record}");
    assert_eq!(record["ip_prefix"], "127.0.0.0/24");
}

/// Sends `post_head(400)` from `source`, then one byte of body every 200 ms for at most `for_`,
/// reading the answer meanwhile. The answer's status (0 if none came, as when the service
/// resets the connection) and when the connection closed, or `None` if it stayed open.
async fn trickle(source: IpAddr, port: u16, for_: Duration) -> (u16, Option<Duration>) {
    send_slowly(source, port, &post_head(400), b" ", for_).await
}

/// Sends `head` from `source`, then `piece` every 200 ms for at most `for_`, reading the answer
/// meanwhile: its status and when the connection closed, `None` if it stayed open.
async fn send_slowly(
    source: IpAddr,
    port: u16,
    head: &str,
    piece: &[u8],
    for_: Duration,
) -> (u16, Option<Duration>) {
    let started = std::time::Instant::now();
    let mut stream = connect_from(source, port).await;
    if stream.write_all(head.as_bytes()).await.is_err() {
        return (0, Some(started.elapsed()));
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < for_ {
        let _ = stream.write_all(piece).await;
        match actix_rt::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (parse_answer(&answer).0, Some(started.elapsed())),
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    (parse_answer(&answer).0, None)
}

#[actix_rt::test]
async fn slow_bodies_from_one_address_are_cut_off_while_another_client_posts_promptly() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.body_timeout = Duration::from_secs(1);
        s.connections_per_address = Some(4);
    })
    .await;
    let body = app.decision("en", "custom", &[]).await.to_string();
    let attacker: IpAddr = [127, 0, 0, 1].into();
    let visitor: IpAddr = [127, 0, 0, 2].into();

    let trickles: Vec<_> = (0..12)
        .map(|_| actix_rt::spawn(trickle(attacker, app.port, Duration::from_secs(6))))
        .collect();
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let (status, record) = post_from(visitor, app.port, &body).await;
    let took = started.elapsed();
    let mut ends = Vec::new();
    for t in trickles {
        ends.push(t.await.expect("the trickle ran"));
    }

    assert_eq!(status, 201, "{record}");
    assert!(took < Duration::from_secs(1), "the visitor waited {took:?}");
    assert!(
        ends.iter()
            .all(|(_, closed)| closed.is_some_and(|t| t < Duration::from_secs(3))),
        "every slow connection is cut off within the deadline: {ends:?}"
    );
    let statuses: Vec<u16> = ends.iter().map(|(s, _)| *s).collect();
    // The ceiling of 4 counts the client `decision` used too, which it keeps alive.
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 8,
        "connections over the ceiling are refused at once: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [408, 429, 0].contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&408), "{statuses:?}");
    let (status, _, _) = app.healthz().await;
    assert_eq!(status, 200, "closed connections give their places back");
}

/// The connections the service on `port` holds open, as the kernel sees them: its ends of the
/// loopback connections (local port `port`) that it has not closed (ESTABLISHED or CLOSE_WAIT).
/// Each is a file descriptor of the service, which runs in this process.
fn server_sockets(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let local = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3
                && fields[1].ends_with(&local)
                && (fields[3] == "01" || fields[3] == "08")
        })
        .count()
}

/// Sends a request with `Transfer-Encoding: chunked` and one chunk from `source`, then another
/// one-byte chunk every 200 ms for at most `for_`, as `send_slowly` does.
async fn chunked_trickle(
    source: IpAddr,
    port: u16,
    request_line: &str,
    for_: Duration,
) -> (u16, Option<Duration>) {
    let head = format!(
        "{request_line}\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{{\r\n"
    );
    send_slowly(source, port, &head, b"1\r\n \r\n", for_).await
}

#[actix_rt::test]
async fn chunked_trickles_over_the_ceiling_are_closed_at_once_and_the_rest_at_the_deadline() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.body_timeout = Duration::from_secs(2);
        s.connections_per_address = Some(4);
    })
    .await;
    // The client `decision` uses is one more connection from 127.0.0.1, kept alive.
    let body = app.decision("en", "custom", &[]).await.to_string();
    let attacker: IpAddr = [127, 0, 0, 1].into();
    let visitor: IpAddr = [127, 0, 0, 2].into();

    let trickles: Vec<_> = (0..20)
        .map(|_| {
            actix_rt::spawn(chunked_trickle(
                attacker,
                app.port,
                "POST /api/v1/consents HTTP/1.1",
                Duration::from_secs(8),
            ))
        })
        .collect();
    actix_rt::time::sleep(Duration::from_secs(1)).await;
    let held = server_sockets(app.port);
    let started = std::time::Instant::now();
    let (status, record) = post_from(visitor, app.port, &body).await;
    let took = started.elapsed();
    let mut ends = Vec::new();
    for t in trickles {
        ends.push(t.await.expect("the trickle ran"));
    }
    let after = server_sockets(app.port);

    assert_eq!(status, 201, "{record}");
    assert!(took < Duration::from_secs(1), "the visitor waited {took:?}");
    assert!(
        held <= 4,
        "the service holds no more connections than the ceiling: {held}"
    );
    let closed_at_once = ends
        .iter()
        .filter(|(_, closed)| closed.is_some_and(|t| t < Duration::from_secs(1)))
        .count();
    assert!(
        closed_at_once >= 16,
        "connections over the ceiling are closed at once: {ends:?}"
    );
    assert!(
        ends.iter()
            .all(|(_, closed)| closed.is_some_and(|t| t < Duration::from_secs(4))),
        "a 408 closes a chunked connection too, within the deadline and its second: {ends:?}"
    );
    assert!(ends.iter().any(|(s, _)| *s == 408), "{ends:?}");
    assert!(after <= 1, "every trickling connection is gone: {after}");
}

#[actix_rt::test]
async fn a_chunked_body_no_route_reads_is_cut_off_within_the_body_deadline() {
    let app = spawn_app_configured(SMALL, |s| {
        s.rate_limit = None;
        s.body_timeout = Duration::from_secs(2);
    })
    .await;
    let source: IpAddr = [127, 0, 0, 1].into();

    let trickles: Vec<_> = ["GET /healthz HTTP/1.1", "POST /nowhere HTTP/1.1"]
        .into_iter()
        .flat_map(|line| std::iter::repeat_n(line, 3))
        .map(|line| {
            actix_rt::spawn(chunked_trickle(
                source,
                app.port,
                line,
                Duration::from_secs(6),
            ))
        })
        .collect();
    let mut ends = Vec::new();
    for t in trickles {
        ends.push(t.await.expect("the trickle ran"));
    }

    let statuses: Vec<u16> = ends.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [200, 200, 200, 404, 404, 404], "{ends:?}");
    assert!(
        ends.iter()
            .all(|(_, closed)| closed.is_some_and(|t| t < Duration::from_secs(2))),
        "an unread body does not hold its connection past the deadline: {ends:?}"
    );
    assert_eq!(server_sockets(app.port), 0);
}

#[actix_rt::test]
async fn idle_connections_over_the_ceiling_are_closed_at_once() {
    let app = spawn_app_configured(SMALL, |s| s.connections_per_address = Some(4)).await;
    let source: IpAddr = [127, 0, 0, 1].into();

    let mut streams = Vec::new();
    for _ in 0..10 {
        streams.push(connect_from(source, app.port).await);
    }
    let started = std::time::Instant::now();
    let mut open = 0;
    for stream in &mut streams {
        let mut buf = [0u8; 4096];
        // A refused connection may carry a 429 before its end: read to the end.
        loop {
            let left = Duration::from_millis(1000).saturating_sub(started.elapsed());
            match actix_rt::time::timeout(left, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(_)) => {}
                Err(_) => {
                    open += 1;
                    break;
                }
            }
        }
    }
    let held = server_sockets(app.port);

    assert_eq!(
        open, 4,
        "the ceiling's connections stay, the rest are closed at once"
    );
    assert_eq!(held, 4, "the service holds the ceiling's connections only");
}
