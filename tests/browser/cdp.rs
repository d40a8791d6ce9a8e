//! A small Chrome DevTools Protocol client: one headless Chromium, one page, driven over the
//! browser's websocket with flattened sessions. Every wait has a deadline, so a hang fails the
//! test that caused it instead of CI; events nobody waits for are kept briefly, then dropped.
//! This file is the transport (launch, commands, events); what the tests ask of the page is in
//! `cdp_commands.rs`.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// How long one protocol command may take before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// Events kept for later inspection (requests, loads, exceptions); older ones are dropped.
const EVENTS_KEPT: usize = 5_000;

/// One headless Chromium with a fresh profile and one page attached.
pub struct Chromium {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts `binary` with a fresh profile; `extra_args` are added to the usual flags.
    pub fn launch(binary: &Path, extra_args: &[String]) -> Chromium {
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--mute-audio",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--window-size=1280,800",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra_args)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));

        // Chromium prints its websocket address on stderr; the pipe is drained for the browser's
        // whole life, or a chatty browser would block on a full pipe.
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let connected = rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| "printed no DevTools address within 30 s".to_owned())
            .and_then(|url| connect(&url));
        let ws = match connected {
            Ok(ws) => ws,
            Err(problem) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{}: {problem}", binary.display());
            }
        };

        let mut browser = Chromium {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_owned();
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned();
        for domain in ["Page.enable", "Network.enable", "Runtime.enable"] {
            browser.call(domain, json!({}));
        }
        // Focus and key events behave as in a focused window, whatever else runs.
        browser.call(
            "Emulation.setFocusEmulationEnabled",
            json!({"enabled": true}),
        );
        browser
    }

    /// Sends a command to the page and returns its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(&session))
    }

    /// Sends a command to the browser itself (targets, cookie storage).
    pub fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::text(message.to_string()))
            .unwrap_or_else(|e| panic!("{method}: cannot send to the browser: {e}"));
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            let Some(message) = self.read(deadline) else {
                panic!("{method}: no answer from the browser within {COMMAND_TIMEOUT:?}");
            };
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
        }
    }

    /// Reads one message, keeping events; `None` once `deadline` has passed.
    fn read(&mut self, deadline: Instant) -> Option<Value> {
        while Instant::now() < deadline {
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    let message: Value =
                        serde_json::from_str(text.as_str()).expect("DevTools sends JSON");
                    if message.get("method").is_some() {
                        if self.events.len() >= EVENTS_KEPT {
                            self.events.drain(..EVENTS_KEPT / 2);
                        }
                        self.events.push(message.clone());
                    }
                    return Some(message);
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => panic!("the browser connection broke: {e}"),
            }
        }
        None
    }

    /// Waits for an event named `method` that arrived after the last `forget_events`.
    pub fn wait_event(&mut self, method: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
                return self.events.remove(at);
            }
            if self.read(deadline).is_none() {
                panic!("no {method} within {timeout:?}");
            }
        }
    }

    /// Drops the kept events named `method`.
    pub fn forget_events(&mut self, method: &str) {
        self.events.retain(|e| e["method"] != method);
    }

    /// The kept events named `method`, oldest first (a round trip first, so none is in flight).
    pub fn events(&mut self, method: &str) -> Vec<Value> {
        self.evaluate("0");
        self.events
            .iter()
            .filter(|e| e["method"] == method)
            .map(|e| e["params"].clone())
            .collect()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.ws.send(Message::text(
            json!({"id": 0, "method": "Browser.close", "params": {}}).to_string(),
        ));
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens the browser's DevTools websocket at `url` (`ws://host:port/devtools/browser/…`).
fn connect(url: &str) -> Result<WebSocket<TcpStream>, String> {
    let host = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not a ws:// DevTools address: {url}"))?;
    let addr = host
        .parse()
        .map_err(|e| format!("DevTools address {host}: {e}"))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("connect to DevTools: {e}"))?;
    stream.set_nodelay(true).ok();
    // The handshake may take its time, but not forever.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| format!("socket read timeout: {e}"))?;
    let (ws, _) =
        tungstenite::client(url, stream).map_err(|e| format!("DevTools websocket: {e}"))?;
    // Short reads from here on, so that every wait can check its deadline.
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| format!("socket read timeout: {e}"))?;
    Ok(ws)
}
