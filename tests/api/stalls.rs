//! sled's data folder starved of space: a full disk answers 503, never 201, and recovers; and
//! clients that stop reading an export may not keep the store from recovering, nor keep an
//! export thread forever.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use serde_json::Value;

use crate::service_process::{
    Service, TOKEN, assert_all_kept, flood, limit_file_size, size_of, start,
};

/// Posts from `clients` at once, each with a 500-byte user agent, until `count` are stored.
async fn fill(service: &Rc<Service>, clients: usize, count: usize) {
    let body = Rc::new(service.decision().await);
    let user_agent = Rc::new(format!("Mozilla/5.0 {}", "x".repeat(490)));
    let done = Rc::new(std::cell::Cell::new(0usize));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (service, body, user_agent, done) = (
                service.clone(),
                body.clone(),
                user_agent.clone(),
                done.clone(),
            );
            actix_rt::spawn(async move {
                while done.get() < count {
                    let res = service
                        .client
                        .post(service.url("/api/v1/consents"))
                        .insert_header(("Origin", crate::service_process::ORIGIN))
                        .insert_header(("Content-Type", "text/plain"))
                        .insert_header(("User-Agent", user_agent.as_str()))
                        .send_body(body.to_string())
                        .await;
                    if let Ok(mut res) = res {
                        let _ = res.body().await;
                        if res.status().as_u16() == 201 {
                            done.set(done.get() + 1);
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

/// Asks for the export over a socket with a small receive buffer, reads its first bytes, and
/// then reads no more.
fn stalled_export(address: &str, token: &str) -> (TcpStream, String) {
    let authority = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connects");
    // Small, but above loopback's 64 KiB segment: a window smaller than one segment is never
    // reopened to the sender (silly-window avoidance) and the test would measure TCP instead.
    let small: libc::c_int = 128 * 1024;
    // SAFETY: setsockopt on an open socket with a valid int option.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&small as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    write!(
        stream,
        "GET /api/v1/admin/consents HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .expect("request sent");
    let mut head = [0u8; 512];
    let n = stream.read(&mut head).expect("the answer starts");
    (stream, String::from_utf8_lossy(&head[..n]).into_owned())
}

#[actix_rt::test]
async fn a_stalled_export_does_not_keep_the_store_from_recovering_after_a_full_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Rc::new(start(dir.path()));
    // About 12 MB of records: far more than the socket buffers and the export's queue hold.
    fill(&service, 16, 14_000).await;
    let (stalled, head) = stalled_export(&service.address, TOKEN);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    actix_rt::time::sleep(Duration::from_millis(500)).await;

    limit_file_size(&service, Some(size_of(dir.path().join("data/sled/db"))));
    let body = service.decision().await;
    let mut refused = 0;
    let started = Instant::now();
    while refused < 20 && started.elapsed() < Duration::from_secs(30) {
        if let Ok((503, _)) = service.post(&body).await {
            refused += 1;
        }
    }
    assert!(refused >= 20, "the full disk refuses writes");
    limit_file_size(&service, None);
    let started = Instant::now();
    let mut recovered = false;
    while !recovered && started.elapsed() < Duration::from_secs(20) {
        recovered = matches!(service.post(&body).await, Ok((201, _)));
        if !recovered {
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    assert!(
        recovered,
        "writes succeed again within 20 s while an export is stalled"
    );
    assert_eq!(service.status("/healthz").await, 200);
    drop(stalled);
}

/// Reads what the server sent until it closes, for at most `limit`.
fn read_to_close(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout set");
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (got, true),
        }
    }
    (got, false)
}

#[actix_rt::test]
async fn an_export_whose_client_stops_reading_is_cut_off_after_the_stall_limit() {
    let app = crate::helpers::spawn_app_configured(crate::helpers::SMALL, |s| {
        s.rate_limit = None;
        s.export_stall = Duration::from_secs(1);
    })
    .await;
    let body = app.decision("en", "custom", &[]).await;
    let user_agent = format!("Mozilla/5.0 {}", "y".repeat(490));
    let posts = (0..12_000).map(|_| {
        app.client
            .post(app.url("/api/v1/consents"))
            .insert_header(("Origin", crate::helpers::ORIGIN))
            .insert_header(("Content-Type", "text/plain"))
            .insert_header(("User-Agent", user_agent.as_str()))
            .send_body(body.to_string())
    });
    let mut stream = futures_util::stream::iter(posts).buffer_unordered(32);
    while let Some(res) = stream.next().await {
        let mut res = res.expect("posted");
        assert_eq!(res.status().as_u16(), 201);
        let _ = res.body().await;
    }
    let (mut stalled, head) = stalled_export(&app.address, crate::helpers::ADMIN_TOKEN);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    actix_rt::time::sleep(Duration::from_secs(3)).await;
    let (tail, closed) = read_to_close(&mut stalled, Duration::from_secs(20));

    assert!(
        closed,
        "the service closed the stalled export (read {} bytes, complete: {})",
        tail.len(),
        tail.ends_with(b"0\r\n\r\n")
    );
    assert!(
        !tail.ends_with(b"0\r\n\r\n"),
        "the export was cut, not completed, after the client stalled"
    );
}

#[actix_rt::test]
async fn a_full_disk_answers_503_never_201_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Rc::new(start(dir.path()));
    let (before, _) = flood(service.clone(), 4, |s| s.len() >= 40).await;
    assert!(before.len() >= 40);

    // Root ignores permissions, so the test takes the space away instead: sled's file may not
    // grow past its current size, and every write that needs more fails as on a full disk.
    limit_file_size(&service, Some(size_of(dir.path().join("data/sled/db"))));
    let (during, statuses) = flood(service.clone(), 8, |s| {
        s.iter().filter(|x| **x == 503).count() >= 50 || s.len() > 50_000
    })
    .await;
    let health_during = service.status("/healthz").await;

    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "only 201 or 503: {:?}",
        statuses
            .iter()
            .filter(|s| **s != 201 && **s != 503)
            .collect::<Vec<_>>()
    );
    assert!(statuses.iter().filter(|s| **s == 503).count() >= 50);
    assert_eq!(health_during, 503);

    limit_file_size(&service, None);
    let recovered = {
        let started = Instant::now();
        let body = service.decision().await;
        let mut ok = None;
        while ok.is_none() && started.elapsed() < Duration::from_secs(20) {
            if let Ok((201, record)) = service.post(&body).await {
                ok = record;
            } else {
                actix_rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
        ok
    };
    let after = recovered.expect("writes succeed again once there is space");
    assert_eq!(service.status("/healthz").await, 200);

    let Ok(service) = Rc::try_unwrap(service) else {
        panic!("every client stopped")
    };
    service.kill();
    let restarted = start(dir.path());
    let stored = restarted.export().await;
    let acked: Vec<Value> = before.into_iter().chain(during).chain([after]).collect();
    assert_all_kept(&acked, &stored);
    restarted.kill();
}
