//! The consent log at a million leaves on sled: what appending costs, what a checkpoint (the
//! root, then its signature) and one inclusion or consistency proof cost, how many node reads
//! each takes, and how many bytes the proofs' JSON and the checkpoint are. For
//! `benches/README.md`:
//!
//!     cargo run --release --example tlog_million [LEAVES] [BATCH]
//!
//! (defaults 1000000 and 1000). sled is configured as the store configures it (4 MiB cache,
//! high-throughput mode, flushed by the writer): each batch is one append and one flush, as a
//! group commit would be. Then the database is reopened twice, with the store's 4 MiB cache and
//! with 64 MiB, and each time its roots, checkpoints and proofs are measured from a cold sled
//! cache (the kernel's page cache is warm by then). The database is in a temporary folder,
//! removed at the end.

use std::cell::Cell;
use std::time::{Duration, Instant};

use consentry::tlog::{
    Checkpoint, Log, LogName, LogSigner, NodeId, NodeStore, NodesError, Salt, SledNodes, Tree,
    TreeHash,
};

/// The store's sled settings (src/store/mod.rs).
const CACHE_BYTES: u64 = 4 * 1024 * 1024;
const SAMPLES: u64 = 2_000;

/// Counts the reads a proof makes.
struct Counted<'a> {
    nodes: &'a SledNodes,
    reads: Cell<u64>,
}

impl NodeStore for Counted<'_> {
    fn size(&self) -> Result<u64, NodesError> {
        self.nodes.size()
    }

    fn node(&self, id: NodeId) -> Result<Option<TreeHash>, NodesError> {
        self.reads.set(self.reads.get() + 1);
        self.nodes.node(id)
    }

    fn append(&mut self, _: &[(NodeId, TreeHash)], _: u64) -> Result<(), NodesError> {
        unreachable!("read only")
    }
}

/// xorshift64*: reproducible picks without a crate.
struct Picks(u64);

impl Picks {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

struct Stats {
    times: Vec<Duration>,
    reads: Vec<u64>,
    bytes: Vec<usize>,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            times: Vec::new(),
            reads: Vec::new(),
            bytes: Vec::new(),
        }
    }

    fn print(&mut self, what: &str) {
        self.times.sort();
        let n = self.times.len();
        let mean = self.times.iter().sum::<Duration>() / n as u32;
        let p99 = self.times[(n * 99 / 100).min(n - 1)];
        let reads = self.reads.iter().sum::<u64>() as f64 / n as f64;
        let max_reads = self.reads.iter().max().copied().unwrap_or(0);
        print!(
            "{what:<28} mean {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs  reads mean {reads:.1} max {max_reads}",
            micros(mean),
            micros(p99),
            micros(self.times[n - 1])
        );
        if !self.bytes.is_empty() {
            let mean = self.bytes.iter().sum::<usize>() as f64 / n as f64;
            let (min, max) = (self.bytes.iter().min(), self.bytes.iter().max());
            print!(
                "  JSON bytes mean {mean:.0} min {} max {}",
                min.unwrap_or(&0),
                max.unwrap_or(&0)
            );
        }
        println!();
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn open(path: &std::path::Path, cache: u64) -> sled::Db {
    sled::Config::new()
        .path(path)
        .cache_capacity(cache)
        .mode(sled::Mode::HighThroughput)
        .flush_every_ms(None)
        .open()
        .expect("a database")
}

fn folder_bytes(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => folder_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    if std::env::var_os("TLOG_DEFAULT_MALLOC").is_none() {
        keep_large_buffers_out_of_the_heap();
    }
    let mut args = std::env::args().skip(1);
    let leaves: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("LEAVES"));
    let batch: u64 = args.next().map_or(1_000, |a| a.parse().expect("BATCH"));
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("sled");
    let name = LogName::parse("www.example.com/consentry").expect("a log name");
    let signer = LogSigner::generate(name.clone());

    // Appending, as the store's writer would: a batch of records' leaves, then a flush.
    {
        let db = open(&path, CACHE_BYTES);
        let mut log = Log::open(SledNodes::open(&db).expect("the tree")).expect("a log");
        let record = br#"{"consent_id":"AbCdEfGhIjKlMnOpQrStUvWxYz012345","decision_id":"d","action":"custom","accepted":["necessary","analytics"],"denied":["marketing"]}"#;
        let started = Instant::now();
        let (mut hashing, mut appending, mut flushing) =
            (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        while log.size() < leaves {
            let n = batch.min(leaves - log.size());
            let hashed = Instant::now();
            let hashes: Vec<TreeHash> =
                (0..n).map(|_| Salt::generate().leaf_hash(record)).collect();
            hashing += hashed.elapsed();
            let appended = Instant::now();
            log.append(&hashes).expect("appended");
            appending += appended.elapsed();
            let flushed = Instant::now();
            db.flush().expect("flushed");
            flushing += flushed.elapsed();
        }
        let took = started.elapsed();
        let per_leaf = |d: Duration| micros(d) / leaves as f64;
        println!(
            "append {leaves} leaves in batches of {batch} (one flush each): {:.2} s, {:.1} µs a leaf: salting and hashing the record {:.1}, Log::append {:.1}, sled's flush {:.1}",
            took.as_secs_f64(),
            per_leaf(took),
            per_leaf(hashing),
            per_leaf(appending),
            per_leaf(flushing),
        );
        println!(
            "sled folder after the appends: {:.1} MiB ({} nodes)",
            folder_bytes(&path) as f64 / 1048576.0,
            2 * leaves - u64::from(leaves.count_ones())
        );
    }

    println!("resident memory after the appends: {}", resident());
    read_phase(&path, CACHE_BYTES, &name, &signer);
    read_phase(&path, 16 * CACHE_BYTES, &name, &signer);
}

/// Reopens the database with `cache` bytes of sled cache, so its cache starts cold, and
/// measures roots, checkpoints and proofs of the whole tree.
fn read_phase(path: &std::path::Path, cache: u64, name: &LogName, signer: &LogSigner) {
    println!("--- sled cache {} MiB", cache >> 20);
    let opened = Instant::now();
    let db = open(path, cache);
    let db_opened = opened.elapsed();
    let nodes = SledNodes::open(&db).expect("the tree");
    let log = Log::open(nodes.clone()).expect("the log");
    println!(
        "reopen: sled {:.1} s, then the log (its size and right edge) {:.2} ms; folder {:.1} MiB",
        db_opened.as_secs_f64(),
        (opened.elapsed() - db_opened).as_secs_f64() * 1e3,
        folder_bytes(path) as f64 / 1048576.0,
    );
    let size = log.size();
    let counted = Counted {
        nodes: &nodes,
        reads: Cell::new(0),
    };
    let tree = Tree::read(&counted).expect("the tree");
    let mut picks = Picks(0x9e37_79b9_7f4a_7c15);

    let mut roots = Stats::new();
    let mut old_roots = Stats::new();
    let mut signing = Stats::new();
    let mut checkpoints = Stats::new();
    let mut inclusions = Stats::new();
    let mut consistencies = Stats::new();
    for _ in 0..SAMPLES {
        measure(&mut roots, &counted, || {
            tree.root(size).expect("a root");
            0
        });
        let older = 1 + picks.below(size);
        measure(&mut old_roots, &counted, || {
            tree.root(older).expect("a root");
            0
        });
        let root = tree.root(size).expect("a root");
        measure(&mut signing, &counted, || {
            std::hint::black_box(Checkpoint::new(name, size, root).sign(signer));
            0
        });
        measure(&mut checkpoints, &counted, || {
            let root = tree.root(size).expect("a root");
            std::hint::black_box(Checkpoint::new(name, size, root).sign(signer));
            0
        });
        let index = picks.below(size);
        measure(&mut inclusions, &counted, || {
            let proof = tree.inclusion(index, size).expect("a proof");
            serde_json::to_string(&proof).expect("JSON").len()
        });
        let first = 1 + picks.below(size - 1);
        measure(&mut consistencies, &counted, || {
            let proof = tree.consistency(first, size).expect("a proof");
            serde_json::to_string(&proof).expect("JSON").len()
        });
    }
    println!("at {size} leaves, {SAMPLES} samples each:");
    roots.print("root, from the store");
    old_roots.print("root at a random older size");
    signing.print("sign a checkpoint");
    checkpoints.print("checkpoint (root + sign)");
    println!(
        "  checkpoint: {} bytes",
        Checkpoint::new(name, size, log.current_root())
            .sign(signer)
            .len()
    );
    inclusions.print("inclusion proof + JSON");
    consistencies.print("consistency proof + JSON");
    println!("resident memory after the proofs: {}", resident());
}

/// As the store does when it opens (src/store/mod.rs): sled's 512 KiB flush buffers in
/// mappings of their own, or glibc's heap keeps what they fragment.
fn keep_large_buffers_out_of_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts malloc's tuning; any value is valid for M_MMAP_THRESHOLD.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// VmRSS of this process, as the kernel reports it.
fn resident() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l["VmRSS:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Times `f`, counts its reads, and keeps the bytes it returns (0: none to keep).
fn measure(stats: &mut Stats, counted: &Counted, f: impl FnOnce() -> usize) {
    counted.reads.set(0);
    let started = Instant::now();
    let bytes = f();
    stats.times.push(started.elapsed());
    stats.reads.push(counted.reads.get());
    if bytes > 0 {
        stats.bytes.push(bytes);
    }
}
