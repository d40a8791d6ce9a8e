//! The deployment of the README, tested: Debian's nginx with the repository's
//! `deploy/nginx.conf` (its ports, certificate and cache paths swapped for the test's) in front
//! of the real binary with `--trust-forwarded-for`. Ignored where nginx, openssl or curl is not
//! installed (`build.rs`), unless `CONSENTRY_NGINX_TESTS=required` (which `.ci/run` sets).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Running, free_port, swapped};
use crate::helpers::SMALL;

const HOST: &str = "consent.example.com";

/// The tools this test drives. It runs only where they were found at build time, or under
/// `CONSENTRY_NGINX_TESTS=required` (see `build.rs`), so a missing one fails here, saying what
/// to install.
struct Tools {
    nginx: PathBuf,
    openssl: PathBuf,
    curl: PathBuf,
}

impl Tools {
    fn find() -> Tools {
        use crate::common::tools;
        let found = |tool: Result<PathBuf, tools::Missing>| {
            tool.unwrap_or_else(|missing| panic!("{missing}"))
        };
        Tools {
            nginx: found(tools::nginx()),
            openssl: found(tools::openssl()),
            curl: found(tools::curl()),
        }
    }
}

/// The service on a free loopback port, trusting the proxy's X-Forwarded-For; its port.
fn start_service(dir: &Path) -> (Running, u16) {
    let config = dir.join("cookies.toml");
    std::fs::write(&config, SMALL).expect("registry");
    let mut child = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--trust-forwarded-for",
            // nginx connects from 127.0.0.1; any other address went around it.
            "--trusted-proxy",
            "127.0.0.1",
            "--config",
        ])
        .arg(&config)
        .arg("--data")
        .arg(dir.join("data"))
        .env("CONSENTRY_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().expect("an address").expect("text");
        if let Some(url) = line.trim().strip_prefix("demo page") {
            let port = url.trim().trim_end_matches('/').rsplit(':').next();
            break port.and_then(|p| p.parse().ok()).expect("a port");
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (Running(child), port)
}

/// The repository's nginx site, made to run here: loopback ports, a fresh certificate, the
/// cache in the test's folder. Everything else is the file as users copy it.
fn site_config(dir: &Path, service: u16, http: u16, https: u16) -> String {
    let site = include_str!("../../deploy/nginx.conf");
    let swaps = [
        (
            "server 127.0.0.1:8080;",
            format!("server 127.0.0.1:{service};"),
        ),
        ("listen 80;", format!("listen 127.0.0.1:{http};")),
        ("listen [::]:80;", String::new()),
        (
            "listen 443 ssl http2;",
            format!("listen 127.0.0.1:{https} ssl http2;"),
        ),
        ("listen [::]:443 ssl http2;", String::new()),
        (
            "/etc/letsencrypt/live/consent.example.com/fullchain.pem",
            dir.join("cert.pem").display().to_string(),
        ),
        (
            "/etc/letsencrypt/live/consent.example.com/privkey.pem",
            dir.join("key.pem").display().to_string(),
        ),
        (
            "/var/lib/nginx/consentry-cache",
            dir.join("cache").display().to_string(),
        ),
    ];
    swapped("deploy/nginx.conf", site, &swaps)
}

fn start_nginx(tools: &Tools, dir: &Path, service: u16) -> (Running, u16, u16) {
    let made = Command::new(&tools.openssl)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", &format!("/CN={HOST}")])
        .args(["-addext", &format!("subjectAltName=DNS:{HOST}")])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success(), "a self-signed certificate");
    for temp in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join("temp").join(temp)).expect("temp folder");
    }
    let d = dir.display();
    let main = format!(
        "daemon off;\nuser root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/temp/body;\n  proxy_temp_path {d}/temp/proxy;\n  \
         fastcgi_temp_path {d}/temp/fastcgi;\n  uwsgi_temp_path {d}/temp/uwsgi;\n  scgi_temp_path {d}/temp/scgi;\n  \
         include {d}/site.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).expect("nginx.conf");
    // A port found free can be taken by another test before nginx binds it: then nginx exits,
    // and it is tried again on other ports.
    let mut log = String::new();
    for _ in 0..5 {
        let (http, https) = (free_port(), free_port());
        std::fs::write(
            dir.join("site.conf"),
            site_config(dir, service, http, https),
        )
        .expect("site");
        let _ = std::fs::remove_file(dir.join("error.log"));
        let mut child = Running(
            Command::new(&tools.nginx)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(dir.join("nginx.conf"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("nginx starts"),
        );
        let started = Instant::now();
        loop {
            log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            if let Ok(Some(_)) = child.0.try_wait() {
                break;
            }
            let listening = std::net::TcpStream::connect(("127.0.0.1", https)).is_ok();
            if listening && !log.contains("[emerg]") {
                return (child, http, https);
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not listen: {log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            log.contains("Address already in use"),
            "nginx stopped: {log}"
        );
    }
    panic!("nginx found no free port in 5 tries: {log}")
}

/// What curl got: status, headers (lower-case names) and body.
struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One request with curl, as a client at `from` (a loopback address) would send it.
fn curl(tools: &Tools, dir: &Path, from: &str, url: &str, args: &[&str]) -> Got {
    let out = Command::new(&tools.curl)
        .args(["-s", "-S", "--http1.1", "-D", "-", "--interface", from])
        .arg("--cacert")
        .arg(dir.join("cert.pem"))
        .args(args)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Got {
        status,
        headers,
        body: body.to_owned(),
    }
}

#[test]
#[cfg_attr(
    not(nginx_tests),
    ignore = "no nginx, openssl or curl: apt-get install -y nginx openssl curl"
)]
fn through_the_documented_nginx_the_service_records_the_visitor_and_serves_a_cached_banner() {
    let tools = Tools::find();
    let dir = tempfile::tempdir().expect("temp dir");
    let (_service, service_port) = start_service(dir.path());
    let (_nginx, http, https) = start_nginx(&tools, dir.path(), service_port);
    let base = format!("https://{HOST}:{https}");
    let resolve = format!("{HOST}:{https}:127.0.0.1");
    let get = |from: &str, path: &str, extra: &[&str]| {
        let mut args = vec!["--resolve", resolve.as_str()];
        args.extend_from_slice(extra);
        curl(&tools, dir.path(), from, &format!("{base}{path}"), &args)
    };

    let registry: Value =
        serde_json::from_str(&get("127.0.0.1", "/api/v1/registry", &[]).body).expect("JSON");
    let body = serde_json::json!({
        "revision": registry["revision"], "shown": registry["shown"]["en"],
        "accepted": [], "action": "reject-all", "page": "https://www.example.com/",
    })
    .to_string();
    // A decision from a visitor that writes a forged X-Forwarded-For.
    let forged = [
        "-H",
        "Origin: https://www.example.com",
        "-H",
        "Content-Type: text/plain",
        "-H",
        "X-Forwarded-For: 203.0.113.66",
        "--data-binary",
        &body,
    ];
    // Through nginx from 127.7.8.9: nginx replaces the header with what it saw.
    let posted = get("127.7.8.9", "/api/v1/consents", &forged);
    // From 127.9.9.9 straight to the service, around nginx: the header is not believed.
    let service = format!("http://127.0.0.1:{service_port}/api/v1/consents");
    let direct = curl(&tools, dir.path(), "127.9.9.9", &service, &forged);
    let first = get(
        "127.0.0.1",
        "/banner.js",
        &["-H", "Accept-Encoding: br, gzip"],
    );
    let etag = first.header("etag").unwrap_or_default().to_owned();
    let second = get(
        "127.0.0.1",
        "/banner.js",
        &["-H", "Accept-Encoding: br, gzip"],
    );
    let revalidated = get(
        "127.0.0.1",
        "/banner.js",
        &[
            "-H",
            "Accept-Encoding: br, gzip",
            "-H",
            &format!("If-None-Match: {etag}"),
        ],
    );
    let plain = curl(
        &tools,
        dir.path(),
        "127.0.0.1",
        &format!("http://127.0.0.1:{http}/cookie-policy"),
        &["-H", &format!("Host: {HOST}")],
    );

    assert_eq!(posted.status, 201, "{}", posted.body);
    let record: Value = serde_json::from_str(&posted.body).expect("the record");
    assert_eq!(
        record["ip_prefix"], "127.7.8.0/24",
        "the visitor's network as nginx saw it, not the forged one"
    );
    assert_eq!(direct.status, 201, "{}", direct.body);
    let record: Value = serde_json::from_str(&direct.body).expect("the record");
    assert_eq!(
        record["ip_prefix"], "127.9.9.0/24",
        "a client that goes around the proxy cannot forge its address"
    );
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-encoding"),
        Some("br"),
        "compressed through nginx"
    );
    assert!(
        etag.starts_with('"'),
        "a strong ETag through nginx: {etag:?}"
    );
    assert_eq!(
        second.header("x-cache"),
        Some("HIT"),
        "nginx caches banner.js"
    );
    assert_eq!(second.header("etag"), Some(etag.as_str()));
    assert_eq!(revalidated.status, 304);
    assert_eq!(plain.status, 301);
    assert_eq!(
        plain.header("location"),
        Some(format!("https://{HOST}/cookie-policy").as_str())
    );
}
