//! A reverse proxy in front of the service, as a site's load balancer is: the browser loads
//! `banner.js` from it and posts decisions through it, so the banner's origin is the proxy's.
//! Up, it forwards every request to the service and its answer back; down, it answers every
//! request itself with `503` and `Retry-After`, as haproxy or nginx do while no backend is up;
//! dropping, it reads each request and closes the connection without an answer, as a network
//! that fails mid-request does. One request per connection (it answers `Connection: close`),
//! so a change of state applies to the very next request.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does with the requests it gets from now on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Up = 0,
    Down = 1,
    Dropping = 2,
}

/// One request the proxy got: method, path, and the status the browser got (`None`: dropped).
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
}

pub struct Front {
    pub origin: String,
    state: Arc<AtomicU8>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl Front {
    /// A proxy on a free loopback port in front of `backend` (`127.0.0.1:port`), up.
    pub fn start(backend: &str) -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("bound").port();
        let state = Arc::new(AtomicU8::new(State::Up as u8));
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (s, log, halt, backend) = (
            state.clone(),
            seen.clone(),
            stop.clone(),
            backend.to_owned(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (s, log, backend) = (s.clone(), log.clone(), backend.clone());
                std::thread::spawn(move || serve(conn, &s, &log, &backend));
            }
        });
        Front {
            origin: format!("http://127.0.0.1:{port}"),
            state,
            seen,
            stop,
            port,
        }
    }

    pub fn set(&self, state: State) {
        self.state.store(state as u8, Ordering::SeqCst);
    }

    /// The statuses of the requests for `method` `path` so far (`None`: dropped unanswered).
    pub fn answers(&self, method: &str, path: &str) -> Vec<Option<u16>> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .map(|s| s.status)
            .collect()
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the stop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Handles the one request of a connection.
fn serve(mut client: TcpStream, state: &AtomicU8, seen: &Mutex<Vec<Seen>>, backend: &str) {
    // A connection the browser opened ahead of need may never carry a request.
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Some((head, body)) = read_request(&mut client) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default().to_owned(),
        first.next().unwrap_or_default().to_owned(),
    );
    let headers: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let status = match state.load(Ordering::SeqCst) {
        s if s == State::Up as u8 => forward(&mut client, &method, &path, &headers, &body, backend),
        s if s == State::Down as u8 => unavailable(&mut client, &headers),
        _ => None,
    };
    seen.lock().unwrap().push(Seen {
        method,
        path,
        status,
    });
    let _ = client.shutdown(Shutdown::Both);
}

/// The request's head (without its blank line) and body (by `Content-Length`).
fn read_request(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = client.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length = head
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&chunk[..n]);
    }
    Some((head, body))
}

/// Sends the request on to the service, headers as they came but for `Connection`, and copies
/// its answer back; the status answered, or `None` when the service could not be reached.
fn forward(
    client: &mut TcpStream,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &[u8],
    backend: &str,
) -> Option<u16> {
    let mut upstream = TcpStream::connect(backend).ok()?;
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    for h in headers {
        if !h.to_ascii_lowercase().starts_with("connection:") {
            request.push_str(h);
            request.push_str("\r\n");
        }
    }
    request.push_str("Connection: close\r\n\r\n");
    upstream.write_all(request.as_bytes()).ok()?;
    upstream.write_all(body).ok()?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).ok()?;
    client.write_all(&answer).ok()?;
    let status_line = answer.split(|b| *b == b'\r').next().unwrap_or_default();
    String::from_utf8_lossy(status_line)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
}

/// The answer of a proxy with no backend up. It lets the page read the status, as a proxy set
/// up for a CORS service does (nginx's `add_header ... always`); one that does not makes the
/// browser report a network error instead, which the `Dropping` state stands for.
fn unavailable(client: &mut TcpStream, headers: &[&str]) -> Option<u16> {
    let body = "<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>";
    let mut answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nCache-Control: no-cache\r\n\
         Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    let origin = headers.iter().find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("origin")
            .then(|| value.trim())
    });
    if let Some(origin) = origin {
        answer.push_str(&format!(
            "Access-Control-Allow-Origin: {origin}\r\nVary: Origin\r\n"
        ));
    }
    answer.push_str("\r\n");
    answer.push_str(body);
    client.write_all(answer.as_bytes()).ok()?;
    Some(503)
}
