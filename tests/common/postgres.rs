//! A throwaway PostgreSQL cluster for the test process, and a fresh database in it for each test
//! that asks (`database()`), given as the URL `--store` takes.
//!
//! The cluster is made once per process (`initdb` into a temporary folder, trust on loopback
//! only, its own free port and socket folder) and runs with the durable defaults spelled out
//! (`fsync`, `synchronous_commit`): the tests prove what a `201` promises, so the database under
//! them must keep its promises too. As root, PostgreSQL refuses to run, so the folder belongs to
//! the `postgres` user and its programs run through `runuser`.
//!
//! Nothing outlives the test process: each server runs under a `Daemon`, a small shell that
//! holds a pipe from this process and stops the server when the pipe closes, which it does when
//! the process ends in any way (libtest's `exit`, a panic, Ctrl-C or SIGKILL).

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::free_port;
use super::tools::{self, Missing};

/// How long a server may take to accept connections, or to stop.
const STARTUP: Duration = Duration::from_secs(30);

/// A database of its own for one test.
pub struct Database {
    pub name: String,
    /// `postgres://postgres@127.0.0.1:PORT/NAME`, the form of CONTRACT §6.
    pub url: String,
}

impl Database {
    /// Runs `sql` in this database; what psql prints (unaligned, tuples only), or its error.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        psql(&cluster_bin(), &self.url, sql)
    }

    /// Refuses (`false`) or allows new connections to this database, closing the open ones
    /// when refusing: to the service, the database is gone, as in an outage or a failover.
    pub fn allow_connections(&self, allow: bool) -> Result<String, String> {
        let name = &self.name;
        let mut sql = format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {allow};");
        if !allow {
            sql.push_str(&format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid();"
            ));
        }
        let admin = self.url.replace(&format!("/{name}"), "/postgres");
        let out = psql(&cluster_bin(), &admin, &sql)?;
        // A terminated backend may still answer a query it had begun: wait until none is left.
        let left = format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'");
        let deadline = std::time::Instant::now() + STARTUP;
        while !allow && psql(&cluster_bin(), &admin, &left)?.trim() != "0" {
            if std::time::Instant::now() > deadline {
                return Err(format!("{name} still has connections after {STARTUP:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(out)
    }
}

/// A fresh, empty database in the test process's cluster, which starts on the first call.
/// `Missing` where PostgreSQL is not installed; a cluster that cannot start is a panic that
/// says why (the server's log is in the message).
pub fn database() -> Result<Database, Missing> {
    let bin = tools::postgres()?;
    let cluster = CLUSTER.get_or_init(|| Cluster::start(bin));
    Ok(cluster.create_database())
}

/// The test process's cluster: where its programs are and the port it listens on.
struct Cluster {
    bin: PathBuf,
    port: u16,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// The servers to stop when the process exits (statics are never dropped).
static AT_EXIT: Mutex<Vec<Daemon>> = Mutex::new(Vec::new());

fn cluster_bin() -> PathBuf {
    CLUSTER.get().expect("a database was made").bin.clone()
}

impl Cluster {
    fn start(bin: PathBuf) -> Cluster {
        let folder = server_folder("consentry-pg-");
        let data = folder.join("data");
        run(as_postgres(&bin.join("initdb"))
            .arg("--pgdata")
            .arg(&data)
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C", "--no-instructions"])
            // The catalog initdb writes is thrown away with the folder: only the running server
            // must be durable.
            .arg("--no-sync"));
        let port = free_port();
        let mut args: Vec<OsString> = vec!["-D".into(), data.into(), "-k".into()];
        args.push(folder.clone().into());
        let settings = [
            "listen_addresses=127.0.0.1",
            "fsync=on",
            "synchronous_commit=on",
            // Many test services, each with its own pool, share the one cluster.
            "max_connections=300",
        ];
        args.extend(settings.iter().flat_map(|s| ["-c".into(), (*s).into()]));
        args.extend(["-p".into(), port.to_string().into()]);
        // Immediate shutdown (SIGQUIT): the folder is removed next, nothing needs a checkpoint.
        let daemon = Daemon::spawn(&folder, "QUIT", &bin.join("postgres"), &args);
        let mut at_exit = AT_EXIT.lock().unwrap_or_else(|e| e.into_inner());
        if at_exit.is_empty() {
            // SAFETY: registers a plain function; `stop_at_exit` never unwinds out (it only
            // drops daemons, whose `Drop` does not panic).
            unsafe { libc::atexit(stop_at_exit) };
        }
        at_exit.push(daemon);
        drop(at_exit);
        let cluster = Cluster { bin, port };
        wait_ready(&cluster.bin, port, &folder);
        cluster
    }

    fn create_database(&self) -> Database {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        // The test's name (libtest names each test's thread after it) helps whoever reads the
        // cluster's log; a database name is at most 63 bytes.
        let test: String = std::thread::current()
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut name = format!("t{n}_{test}");
        name.truncate(63);
        let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        psql(&self.bin, &admin, &format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        Database {
            url: format!("postgres://postgres@127.0.0.1:{}/{name}", self.port),
            name,
        }
    }
}

extern "C" fn stop_at_exit() {
    let daemons = std::mem::take(&mut *AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()));
    drop(daemons);
}

/// Runs `sql` through the psql of `bin` against `url`: its output, or its error message.
pub fn psql(bin: &Path, url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new(bin.join("psql"))
        .args(["--no-psqlrc", "--quiet", "--tuples-only", "--no-align"])
        .args([
            "--set",
            "ON_ERROR_STOP=1",
            "--dbname",
            url,
            "--command",
            sql,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("psql does not start: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

/// Waits until the server on `port` accepts connections; panics with its log after `STARTUP`.
fn wait_ready(bin: &Path, port: u16, folder: &Path) {
    let started = Instant::now();
    while started.elapsed() < STARTUP {
        let ready = Command::new(bin.join("pg_isready"))
            .args(["--quiet", "--host=127.0.0.1", "--timeout=1"])
            .arg(format!("--port={port}"))
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "PostgreSQL did not accept connections on port {port} within {STARTUP:?}: {}",
        log_tail(folder)
    );
}

/// The end of a daemon's log, for a failure message.
pub fn log_tail(folder: &Path) -> String {
    let log = std::fs::read_to_string(folder.join("daemon.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// True when this process runs as root: PostgreSQL then runs as `postgres`.
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program`, run as the `postgres` user when this process is root, else as this user.
pub fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A new temporary folder a server may own (as root: chowned to `postgres`). Its `Daemon`
/// removes it.
pub fn server_folder(prefix: &str) -> PathBuf {
    let folder = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("a temporary folder")
        .keep();
    if is_root() {
        let (uid, gid) = postgres_user();
        std::os::unix::fs::chown(&folder, Some(uid), Some(gid)).expect("chown to postgres");
    }
    folder
}

/// The `postgres` user's ids (Debian's package makes the user).
fn postgres_user() -> (u32, u32) {
    // SAFETY: a NUL-terminated name; the record is read at once, before any other getpw call.
    let entry = unsafe { libc::getpwnam(c"postgres".as_ptr()) };
    assert!(
        !entry.is_null(),
        "as root, PostgreSQL runs as the user postgres, and there is none: \
         apt-get install -y postgresql makes it (or: useradd --system postgres)"
    );
    // SAFETY: checked non-null above.
    unsafe { ((*entry).pw_uid, (*entry).pw_gid) }
}

/// Runs `command` to its end; panics with its output if it fails.
pub fn run(command: &mut Command) -> String {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A server program that never outlives the test process. It runs under a shell that holds
/// the read end of a pipe from this process: when the pipe closes (`Daemon` dropped, or the
/// process gone, however it ended) the shell sends the program `signal`, waits for it, and
/// removes its folder. The program's output goes to `daemon.log` in that folder.
pub struct Daemon {
    wrapper: Child,
    lifeline: Option<ChildStdin>,
    /// The program's process id.
    pub pid: i32,
    folder: PathBuf,
}

/// `$1` the signal, `$2` the folder, then the program and its arguments. The program's stdin
/// is /dev/null (a background job of a non-interactive shell), so only the shell holds the pipe.
const WRAPPER: &str = r#"signal=$1 folder=$2; shift 2
"$@" >>"$folder/daemon.log" 2>&1 &
pid=$!
echo "$pid"
cat >/dev/null
kill -s "$signal" "$pid" 2>/dev/null
wait "$pid"
rm -rf -- "$folder""#;

impl Daemon {
    /// Starts `program` with `args` in `folder` (which it owns: see `server_folder`), as the
    /// `postgres` user when this process is root; the wrapper runs as that user too, so that it
    /// may signal the program and remove the folder.
    pub fn spawn(folder: &Path, signal: &str, program: &Path, args: &[OsString]) -> Daemon {
        let mut wrapper = if is_root() {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", "postgres", "--", "sh"]);
            runuser
        } else {
            Command::new("sh")
        };
        let mut wrapper = wrapper
            .args(["-c", WRAPPER, "sh", signal])
            .arg(folder)
            .arg(program)
            .args(args)
            .current_dir(folder)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh starts");
        let lifeline = wrapper.stdin.take();
        let mut line = String::new();
        let stdout = wrapper.stdout.take().expect("the wrapper's stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the wrapper prints the program's pid");
        let pid = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the wrapper of {} printed {line:?}", program.display()));
        Daemon {
            wrapper,
            lifeline,
            pid,
            folder: folder.to_owned(),
        }
    }

    /// Asks the program to stop without waiting for it: `drop` then waits. Daemons told first
    /// all stop at once.
    pub fn stop_soon(&mut self) {
        drop(self.lifeline.take());
    }

    /// The folder the program runs in, with its log.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// SIGKILL to the program and every process under it, as a machine that loses power: no
    /// shutdown, nothing flushed that was not already.
    pub fn crash(&self) {
        for pid in with_descendants(self.pid) {
            // SAFETY: a signal to a process of this test (root may signal the postgres user's).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop_soon();
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if let Ok(Some(_)) = self.wrapper.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.crash();
        let _ = self.wrapper.kill();
        let _ = self.wrapper.wait();
    }
}

/// `pid` and every process below it, parents first (read from /proc at this instant).
pub fn with_descendants(pid: i32) -> Vec<i32> {
    let parents: Vec<(i32, i32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let child: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid …`: comm may hold spaces and parentheses, the last `)` ends it.
            let after = &stat[stat.rfind(')')? + 1..];
            let parent = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((child, parent))
        })
        .collect();
    let mut tree = vec![pid];
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        next += 1;
    }
    tree
}
