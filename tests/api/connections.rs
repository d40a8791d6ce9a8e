//! The client address and the connection itself: dual-stack sockets, slow bodies, and how many
//! connections one address may hold. Raw sockets, so a test can choose its source address
//! (anything in 127.0.0.0/8 is loopback on Linux) and send a body as slowly as it likes.

use std::net::{IpAddr, SocketAddr};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::consents::{ORIGIN, decision};
use crate::helpers::{SMALL, spawn_app_configured};

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
        s.rate_limit = Some(consentry::startup::RateLimit {
            per_second: 1,
            burst: 3,
        });
    })
    .await;
    let body = decision(&app, "en", "custom", &[]).await.to_string();
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
