//! Stopping the real binary with SIGTERM while consent posts are in flight: each is answered
//! once durable, the process exits 0, and `consentry export` finds every answered record.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::service_process::{
    ORIGIN, Service, assert_all_kept, export_stopped, flood, start, start_with,
};

/// A consent post whose head and first half of the body are sent; the rest is sent by
/// `finish`, so the post is in flight for as long as the test likes.
struct HalfSent {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl HalfSent {
    fn start(service: &Service, body: &str) -> HalfSent {
        let authority = service.address.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).expect("connects");
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        write!(
            stream,
            "POST /api/v1/consents HTTP/1.1\r\nHost: {authority}\r\nOrigin: {ORIGIN}\r\n\
             Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .expect("head sent");
        stream.write_all(first).expect("first half sent");
        HalfSent {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest; the answer's status and, for a 201, the record.
    fn finish(mut self) -> (u16, Option<Value>) {
        self.stream.write_all(&self.rest).expect("rest sent");
        self.stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout set");
        let mut answer = Vec::new();
        let _ = self.stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let record = answer
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok());
        (status, record)
    }
}

fn send(service: &Service, signal: libc::c_int) {
    // SAFETY: sending a signal to our own child process.
    let sent = unsafe { libc::kill(service.child.id() as libc::pid_t, signal) };
    assert_eq!(sent, 0, "signal sent");
}

/// True while the process has not exited; it is left to be waited for.
fn running(service: &Service) -> bool {
    // SAFETY: waitid with WNOWAIT only looks at our own child, into a zeroed struct.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let done = libc::waitid(
            libc::P_PID,
            service.child.id(),
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        done == 0 && info.si_pid() == 0
    }
}

/// The service's exit status, if it exits within `limit`.
async fn exit_within(service: &mut Service, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = service.child.try_wait().expect("waited") {
            return Some(status);
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[actix_rt::test]
async fn sigterm_lets_the_posts_in_flight_finish_durably_then_exits_0() {
    stop_while_posting(libc::SIGTERM).await;
}

/// Ctrl-C too: actix's own handling would cut the posts in flight.
#[actix_rt::test]
async fn sigint_lets_the_posts_in_flight_finish_durably_then_exits_0() {
    stop_while_posting(libc::SIGINT).await;
}

async fn stop_while_posting(signal: libc::c_int) {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = Rc::new(start(dir.path()));
    let body = service.decision().await;
    let in_flight: Vec<HalfSent> = (0..4).map(|_| HalfSent::start(&service, &body)).collect();
    // Eight clients post without pause until the service stops answering.
    let flooding = actix_rt::spawn(flood(service.clone(), 8, |_| false));
    actix_rt::time::sleep(Duration::from_millis(500)).await;

    send(&service, signal);
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    let waiting = running(&service);
    let authority = service.address.trim_start_matches("http://").to_owned();
    let new_connection = TcpStream::connect(&authority);
    let answers: Vec<(u16, Option<Value>)> = in_flight.into_iter().map(HalfSent::finish).collect();
    let (flooded, _) = flooding.await.expect("the clients stop");
    let Ok(mut service) = Rc::try_unwrap(service) else {
        panic!("every client stopped")
    };
    let exit = exit_within(&mut service, Duration::from_secs(20)).await;

    assert!(waiting, "the service waits for the posts in flight");
    assert!(
        new_connection.is_err(),
        "a stopping service takes no new connection"
    );
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201; 4], "each post in flight is answered");
    let exit = exit.expect("the service exits within 20 s");
    assert!(exit.success(), "{exit}");
    assert!(
        !flooded.is_empty(),
        "the clients were answered before the stop"
    );
    let answered: Vec<Value> = answers
        .into_iter()
        .filter_map(|(_, record)| record)
        .chain(flooded)
        .collect();
    assert_all_kept(&answered, &export_stopped(dir.path()));
}

#[actix_rt::test]
async fn a_second_signal_stops_at_once_without_answering_the_post_in_flight() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut service = start(dir.path());
    let body = service.decision().await;
    let in_flight = HalfSent::start(&service, &body);
    actix_rt::time::sleep(Duration::from_millis(300)).await;

    send(&service, libc::SIGTERM);
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    let waiting = running(&service);
    send(&service, libc::SIGTERM);
    let exit = exit_within(&mut service, Duration::from_secs(3)).await;
    let (status, _) = in_flight.finish();

    assert!(waiting, "the first signal waits for the post in flight");
    let exit = exit.expect("the second signal stops the service within 3 s");
    assert_eq!(exit.code(), Some(128 + libc::SIGTERM), "{exit}");
    assert_ne!(status, 201, "a post cut short is never acknowledged");
    assert!(
        export_stopped(dir.path()).is_empty(),
        "and nothing was stored"
    );
}

#[actix_rt::test]
async fn a_post_still_in_flight_after_the_shutdown_timeout_is_cut_and_the_service_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut service = start_with(dir.path(), &["--shutdown-timeout", "1"]);
    let body = service.decision().await;
    let in_flight = HalfSent::start(&service, &body);
    actix_rt::time::sleep(Duration::from_millis(300)).await;

    send(&service, libc::SIGTERM);
    let exit = exit_within(&mut service, Duration::from_secs(5)).await;
    let (status, _) = in_flight.finish();

    let exit = exit.expect("the service exits within its timeout and a little");
    assert!(exit.success(), "{exit}");
    assert_ne!(status, 201, "a post cut short is never acknowledged");
    assert!(
        export_stopped(dir.path()).is_empty(),
        "and nothing was stored"
    );
}
