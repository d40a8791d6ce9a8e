//! A pg_auto_failover formation on loopback for one test: a monitor, a primary and a
//! synchronous secondary, each a `pg_autoctl run` in its own temporary folder and port (as the
//! `postgres` user when root), with trust on loopback and no TLS. The service is given both
//! nodes in one URL with `target_session_attrs=read-write`, as an operator would.
//!
//! pg_auto_failover's own defaults make a failover take about 50 s on this machine (a node is
//! declared failed after 20 s without a report, and the old primary gets 30 s to demote itself);
//! the monitor here checks every second and the timeouts are cut to 3 s and 5 s (the node's
//! network-partition timeout stays under the monitor's demote timeout, as it must, so a cut-off
//! primary still steps down before the other is promoted): a crashed primary is replaced in
//! about 9 s. With one standby in the replication quorum the primary runs with
//! `synchronous_standby_names = 'ANY 1 (…)'`: a commit returns once it is on both nodes.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::free_port;
use super::postgres::{Daemon, as_postgres, log_tail, psql, run, server_folder, with_descendants};
use super::tools::{self, Missing};

/// The database the formation's nodes serve (pg_autoctl creates it).
pub const DATABASE: &str = "consentry";

/// The monitor's settings, appended to its postgresql.conf (milliseconds).
const MONITOR_SETTINGS: &str = "
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 5000
";

/// How long the formation may take to reach the states asked for.
const SETTLE: Duration = Duration::from_secs(60);

/// The formation: stopped and removed when dropped.
pub struct Formation {
    bin: PathBuf,
    monitor_port: u16,
    pub nodes: Vec<Node>,
    monitor: Daemon,
}

impl Drop for Formation {
    fn drop(&mut self) {
        // All at once: each takes a few seconds.
        for node in &mut self.nodes {
            node.daemon.stop_soon();
        }
        self.monitor.stop_soon();
    }
}

/// One PostgreSQL node of the formation and the pg_autoctl that keeps it.
pub struct Node {
    pub name: String,
    pub port: u16,
    daemon: Daemon,
}

/// What the monitor says of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeState {
    pub name: String,
    pub port: u16,
    pub reported: String,
    pub goal: String,
}

/// The programs a formation needs, and where its node's files go.
struct Autoctl {
    bin: PathBuf,
    autoctl: PathBuf,
}

impl Autoctl {
    /// `pg_autoctl ARGS` for the node in `folder`, its configuration and state kept there too
    /// (pg_autoctl writes them under the XDG folders, by default in the home folder).
    fn args(&self, folder: &Path, args: &[&str]) -> Vec<OsString> {
        let xdg = |name: &str, sub: &str| {
            let mut setting = OsString::from(format!("{name}="));
            setting.push(folder.join(sub));
            setting
        };
        let mut all = vec![
            xdg("XDG_CONFIG_HOME", "config"),
            xdg("XDG_DATA_HOME", "share"),
            xdg("XDG_RUNTIME_DIR", "run"),
            self.autoctl.clone().into(),
        ];
        all.extend(args.iter().map(OsString::from));
        all
    }

    /// Runs `pg_autoctl ARGS` to its end (through `env`, which sets the XDG folders).
    fn run(&self, folder: &Path, args: &[&str]) -> String {
        run(as_postgres(Path::new("env")).args(self.args(folder, args)))
    }

    /// `pg_autoctl run` for the node in `folder`, as a daemon.
    fn daemon(&self, folder: &Path) -> Daemon {
        let data = folder.join("data");
        let args = self.args(folder, &["run", "--pgdata", path(&data)]);
        // SIGQUIT is pg_autoctl's immediate stop, which stops its PostgreSQL the same way.
        Daemon::spawn(folder, "QUIT", Path::new("env"), &args)
    }

    /// A folder for a node, with the runtime folder pg_autoctl expects to exist.
    fn folder(&self) -> PathBuf {
        let folder = server_folder("consentry-pgaf-");
        run(as_postgres(Path::new("mkdir")).arg(folder.join("run")));
        folder
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("a temporary folder's path is UTF-8")
}

impl Formation {
    /// A monitor, then a primary, then a secondary that has caught up with it (about 20 s here).
    pub fn start() -> Result<Formation, Missing> {
        let bin = tools::postgres()?;
        tools::pg_auto_failover_extension(&bin)?;
        let tools = Autoctl {
            autoctl: tools::pg_autoctl()?,
            bin: bin.clone(),
        };
        let pg_ctl = bin.join("pg_ctl");
        let common = ["--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl"];

        let folder = tools.folder();
        let data = folder.join("data");
        let monitor_port = free_port();
        let port = monitor_port.to_string();
        let mut create = vec![
            "create",
            "monitor",
            "--pgdata",
            path(&data),
            "--pgport",
            &port,
        ];
        create.extend(["--pgctl", path(&pg_ctl)]);
        create.extend(common);
        tools.run(&folder, &create);
        // pg_autoctl starts the monitor's PostgreSQL with listen_addresses '*' unless told.
        let listen = ["postgresql.listen_addresses", "127.0.0.1"];
        tools.run(
            &folder,
            &[&["config", "set", "--pgdata", path(&data)], &listen[..]].concat(),
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut conf| conf.write_all(MONITOR_SETTINGS.as_bytes()))
            .expect("the monitor's settings written");
        let monitor = tools.daemon(&folder);
        let mut formation = Formation {
            bin,
            monitor_port,
            nodes: Vec::new(),
            monitor,
        };
        formation.wait_for("the monitor to answer", |_| true);

        let monitor_url = formation.monitor_url();
        for (n, expected) in [(1, ["single"].as_slice()), (2, &["primary", "secondary"])] {
            let folder = tools.folder();
            let data = folder.join("data");
            let (port, name) = (free_port(), format!("node{n}"));
            let port_text = port.to_string();
            let mut create = vec!["create", "postgres", "--pgdata", path(&data)];
            create.extend([
                "--pgport",
                &port_text,
                "--listen",
                "127.0.0.1",
                "--name",
                &name,
            ]);
            create.extend(["--pgctl", path(&pg_ctl), "--dbname", DATABASE]);
            create.extend(["--monitor", &monitor_url]);
            create.extend(common);
            tools.run(&folder, &create);
            // Under the monitor's demote timeout: a primary cut off from the monitor and its
            // standby demotes itself before the monitor promotes the standby.
            let partition = ["timeout.network_partition_timeout", "3"];
            tools.run(
                &folder,
                &[&["config", "set", "--pgdata", path(&data)], &partition[..]].concat(),
            );
            let daemon = tools.daemon(&folder);
            formation.nodes.push(Node { name, port, daemon });
            formation.wait_for(&format!("node{n} to join"), |states| {
                let mut reported: Vec<&str> = states
                    .iter()
                    .filter(|s| s.reported == s.goal)
                    .map(|s| s.reported.as_str())
                    .collect();
                reported.sort();
                reported == expected
            });
        }
        Ok(formation)
    }

    /// Both nodes, for a client that must find the primary itself.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!(
            "postgres://postgres@{}/{DATABASE}?target_session_attrs=read-write",
            hosts.join(",")
        )
    }

    fn monitor_url(&self) -> String {
        format!(
            "postgres://autoctl_node@127.0.0.1:{}/pg_auto_failover?sslmode=disable",
            self.monitor_port
        )
    }

    /// Runs `sql` on the node that is primary now (through `url`).
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        psql(&self.bin, &self.url(), sql)
    }

    /// Runs `sql` on `node` alone, primary or not.
    pub fn sql_on(&self, node: &Node, sql: &str) -> Result<String, String> {
        let url = format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", node.port);
        psql(&self.bin, &url, sql)
    }

    /// Every node as the monitor sees it now (none while the monitor does not answer).
    pub fn states(&self) -> Vec<NodeState> {
        let query = "SELECT nodename, nodeport, reportedstate, goalstate \
                     FROM pgautofailover.node ORDER BY nodeid";
        let rows = psql(&self.bin, &self.monitor_url(), query).unwrap_or_default();
        rows.lines()
            .filter_map(|line| {
                let mut cells = line.split('|');
                Some(NodeState {
                    name: cells.next()?.to_owned(),
                    port: cells.next()?.parse().ok()?,
                    reported: cells.next()?.to_owned(),
                    goal: cells.next()?.to_owned(),
                })
            })
            .collect()
    }

    /// The node the monitor holds as primary, settled in that state.
    pub fn primary(&self) -> Option<&Node> {
        let states = self.states();
        let writable = ["single", "primary", "wait_primary"];
        let primary = states
            .iter()
            .find(|s| s.reported == s.goal && writable.contains(&s.reported.as_str()))?;
        self.nodes.iter().find(|n| n.port == primary.port)
    }

    /// The node's machine fails: pg_autoctl and its PostgreSQL get SIGKILL at once.
    pub fn crash(&self, node: &Node) {
        node.daemon.crash();
    }

    /// Holds still (SIGSTOP) the processes that send `node`'s WAL to its standby, as a network
    /// that stalls for a moment would: with synchronous replication the commits wait meanwhile;
    /// without, they return while on `node` alone. `crash` kills stopped processes too.
    pub fn pause_replication(&self, node: &Node) {
        let senders = self.wal_senders(node);
        assert!(!senders.is_empty(), "{} sends no WAL", node.name);
        for pid in senders {
            // SAFETY: a signal to a process of this test.
            unsafe { libc::kill(pid, libc::SIGSTOP) };
        }
    }

    fn wal_senders(&self, node: &Node) -> Vec<i32> {
        with_descendants(node.daemon.pid)
            .into_iter()
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| c.starts_with(b"postgres: walsender"))
            })
            .collect()
    }

    /// Polls the monitor until `done` holds of the nodes' states; how long that took. Panics
    /// after `SETTLE` with the states and the nodes' logs.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[NodeState]) -> bool) -> Duration {
        let started = Instant::now();
        let mut states = Vec::new();
        while started.elapsed() < SETTLE {
            let answered = psql(&self.bin, &self.monitor_url(), "SELECT 1").is_ok();
            states = self.states();
            if answered && done(&states) {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let logs: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("{}:\n{}", n.name, log_tail(n.daemon.folder())))
            .collect();
        panic!(
            "waited {SETTLE:?} for {what}; the monitor says {states:?}\n{}",
            logs.join("\n")
        );
    }
}
