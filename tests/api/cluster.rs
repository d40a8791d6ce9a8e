//! Many stateless nodes on one PostgreSQL, behind haproxy as the README sets them up: the
//! repository's `deploy/haproxy.cfg` (its bind and servers swapped for the test's) in front of
//! three `consentry serve --store postgres://… --trust-forwarded-for` processes, each with its
//! own registry file and data folder. Ignored where PostgreSQL or haproxy is not installed
//! (`build.rs`), unless `CONSENTRY_PG_TESTS=required` (which `.ci/run` sets).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::banners::{self, Crowd};
use crate::common::{Running, SOON, free_port, postgres, swapped, tools};
use crate::service_process::{self, Service, without_log};

/// Visitors deciding at once through haproxy.
const VISITORS: usize = 24;

/// The repository's haproxy site, made to run here: a loopback bind without TLS, and `nodes`
/// as the servers. Everything else is the file as operators copy it.
fn site_config(listen: u16, nodes: &[u16]) -> String {
    let site = include_str!("../../deploy/haproxy.cfg");
    let swaps = [
        ("    bind :80\n", String::new()),
        (
            "    bind :443 ssl crt /etc/haproxy/certs/consent.example.com.pem alpn h2,http/1.1\n",
            format!("    bind 127.0.0.1:{listen}\n"),
        ),
        (
            "    http-request redirect scheme https code 301 unless { ssl_fc }\n",
            String::new(),
        ),
    ];
    let site = swapped("deploy/haproxy.cfg", site, &swaps);
    let mut lines: Vec<String> = site
        .lines()
        .filter(|l| !l.trim_start().starts_with("server "))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines.len() + 3,
        site.lines().count(),
        "three servers in the file"
    );
    for (n, port) in nodes.iter().enumerate() {
        lines.push(format!("    server node{} 127.0.0.1:{port}", n + 1));
    }
    lines.join("\n") + "\n"
}

/// haproxy in front of `nodes`, its files in `dir`; the address clients use.
fn start_haproxy(haproxy: &Path, dir: &Path, nodes: &[u16]) -> (Running, String) {
    // What Debian's haproxy.cfg keeps above the site: here only a connection ceiling.
    let global = dir.join("global.cfg");
    std::fs::write(&global, "global\n    maxconn 4096\n").expect("global.cfg");
    let log = dir.join("haproxy.log");
    // A port found free can be taken by another test before haproxy binds it: then haproxy
    // exits, and it is tried again on another.
    for _ in 0..5 {
        let listen = free_port();
        let site = dir.join("site.cfg");
        std::fs::write(&site, site_config(listen, nodes)).expect("site.cfg");
        let output = std::fs::File::create(&log).expect("haproxy.log");
        let mut child = Running(
            Command::new(haproxy)
                .arg("-db")
                .arg("-f")
                .arg(&global)
                .arg("-f")
                .arg(&site)
                .stdin(Stdio::null())
                .stdout(output.try_clone().expect("log"))
                .stderr(output)
                .spawn()
                .expect("haproxy starts"),
        );
        let started = Instant::now();
        while started.elapsed() < SOON {
            if let Ok(Some(_)) = child.0.try_wait() {
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", listen)).is_ok() {
                return (child, format!("http://127.0.0.1:{listen}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            said.contains("cannot bind"),
            "haproxy did not listen: {said}"
        );
    }
    panic!("haproxy found no free port in 5 tries")
}

fn port(node: &Service) -> u16 {
    let port = node.address.rsplit(':').next().and_then(|p| p.parse().ok());
    port.expect("a node's address ends with its port")
}

#[actix_rt::test]
#[cfg_attr(
    not(haproxy_tests),
    ignore = "no PostgreSQL or haproxy: apt-get install -y postgresql haproxy"
)]
async fn behind_haproxy_a_node_killed_under_load_loses_no_decision_and_the_others_carry_on() {
    let haproxy = tools::haproxy().unwrap_or_else(|missing| panic!("{missing}"));
    let database = postgres::database().unwrap_or_else(|missing| panic!("{missing}"));
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let store = ["--store", &database.url, "--trust-forwarded-for"];
    // Nodes on one database share the consent log's signing key: the first makes it.
    let mut nodes = vec![service_process::start_with(dirs[0].path(), &store)];
    let key = dirs[0].path().join("data/log-key");
    let shared = [
        &store[..],
        &["--log-key", key.to_str().expect("a UTF-8 path")],
    ]
    .concat();
    for dir in &dirs[1..] {
        nodes.push(service_process::start_with(dir.path(), &shared));
    }
    let ports: Vec<u16> = nodes.iter().map(port).collect();
    let (_haproxy, base) = start_haproxy(&haproxy, dirs[0].path(), &ports);

    // A decision made on what one node served, stored by a second and repeated to a third.
    let mut body: Value = serde_json::from_str(&nodes[0].decision().await).expect("JSON");
    body["consent_id"] = json!("visitor-seen-on-three-nodes-0001");
    body["decision_id"] = json!("decision-retried-elsewhere-0001");
    let stored = nodes[1].post(&body.to_string()).await.expect("answered");
    let repeated = nodes[2].post(&body.to_string()).await.expect("answered");
    let (_, _, history) = nodes[0]
        .get("/api/v1/consents/visitor-seen-on-three-nodes-0001", false)
        .await;

    let crowd = Crowd::start(&base, VISITORS).await;
    actix_rt::time::sleep(Duration::from_secs(2)).await;
    let (_, _, metrics) = nodes[0].get("/metrics", true).await;
    let killed = Instant::now();
    nodes.remove(0).kill();
    let carried_on = crowd.acknowledged_after(killed, SOON).await;
    actix_rt::time::sleep(Duration::from_secs(3)).await;
    let decided = crowd.stop().await;
    let tries = banners::tries(&decided);
    let export = banners::exported(&base).await;

    assert_eq!(
        stored.0, 201,
        "a shown one node served is accepted by another"
    );
    assert_eq!(repeated.0, 200, "a retry reaching a third node is a repeat");
    let history: Vec<Value> = serde_json::from_str(&history).expect("history JSON");
    assert_eq!(
        history.iter().map(without_log).collect::<Vec<_>>(),
        [stored.1.expect("the record")],
        "the visitor has the one record the second node made"
    );
    let created = metrics
        .lines()
        .find(|l| l.starts_with("consentry_consent_posts_total{") && l.contains("\"created\""))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert!(
        created.is_some_and(|n| n > 0.0),
        "the killed node was storing decisions through haproxy: {metrics}"
    );
    assert!(
        carried_on,
        "no post was acknowledged after the node was killed"
    );
    let failed: Vec<_> = tries
        .iter()
        .filter(|t| t.status != 201 && t.status != 200)
        .collect();
    let before = tries.iter().filter(|t| t.sent < killed).count();
    println!(
        "{} posts ({before} before the kill), {} failed: {failed:?}; {} decisions",
        tries.len(),
        failed.len(),
        decided.len()
    );
    // Only what was in flight on the killed node fails (the kill is over before any post is
    // sent after it, on this one thread): a post sent to it later is refused at connect, and
    // haproxy sends it on to another node.
    let late: Vec<_> = failed.iter().filter(|t| t.sent > killed).collect();
    assert!(
        late.is_empty(),
        "posts sent after the kill failed: {late:?}"
    );
    banners::assert_each_kept_once(&decided, &export);
}
