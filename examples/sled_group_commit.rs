//! What sled itself sustains with group commit, without HTTP or JSON: the reference the consent
//! posts of `benches/sled.sh` are measured against.
//!
//!     cargo run --release --example sled_group_commit [-- --writers 64 --seconds 20 --dir DIR]
//!
//! `--writers` threads each insert a record-sized value (`--value-bytes`, 500 by default) under
//! a time key, with a visitor index entry and a decision entry keyed as the store keys them (the
//! id's length and the id, then the time key or the decision id; ids shaped like the banner's),
//! then wait for a flush that began after their inserts. One flusher thread flushes in a loop
//! and acknowledges every writer whose write that flush covered: the store's rule for a `201`,
//! with sled configured as the store configures it. Prints the records acknowledged per second
//! and the latency from the first insert to the acknowledgement (p50, p99).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The store's sled configuration (src/store/sled/mod.rs).
const CACHE_BYTES: u64 = 4 * 1024 * 1024;

struct Args {
    writers: usize,
    seconds: u64,
    value_bytes: usize,
    dir: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        writers: 64,
        seconds: 20,
        value_bytes: 500,
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse()
                .map_err(|_| format!("{flag}: not a number: {v:?}"))
        };
        match flag.as_str() {
            "--writers" => args.writers = number(value()?)? as usize,
            "--seconds" => args.seconds = number(value()?)?,
            "--value-bytes" => args.value_bytes = number(value()?)? as usize,
            "--dir" => args.dir = Some(value()?.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.writers == 0 || args.seconds == 0 {
        return Err("--writers and --seconds must be above 0".to_owned());
    }
    Ok(args)
}

/// The group commit: the last write registered and who waits for which, and the last write
/// flushed. Each writer is woken alone (`unpark`) once its write is flushed, as the store
/// answers each post on its own channel: waking all of them on one condition variable would
/// measure the scheduler's thundering herd, not sled.
#[derive(Default)]
struct Commit {
    state: Mutex<Waiting>,
    /// Wakes the flusher.
    written: Condvar,
    flushed: AtomicU64,
}

#[derive(Default)]
struct Waiting {
    written: u64,
    waiters: VecDeque<(u64, std::thread::Thread)>,
}

struct Trees {
    db: sled::Db,
    records: sled::Tree,
    by_consent: sled::Tree,
    decisions: sled::Tree,
}

/// A small, fast generator for ids: this measures sled, not the random source.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("sled_group_commit: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let temporary = tempfile::tempdir().expect("a temporary folder");
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temporary.path().to_owned());
    let db = sled::Config::new()
        .path(dir.join("sled"))
        .cache_capacity(CACHE_BYTES)
        .mode(sled::Mode::HighThroughput)
        .flush_every_ms(None)
        .open()
        .expect("sled opens");
    let trees = Arc::new(Trees {
        records: db.open_tree("records-v1").expect("tree"),
        by_consent: db.open_tree("by-consent-v1").expect("tree"),
        decisions: db.open_tree("decisions-v1").expect("tree"),
        db,
    });
    let commit = Arc::new(Commit::default());
    let stop = Arc::new(AtomicBool::new(false));

    let flusher = {
        let (trees, commit, stop) = (trees.clone(), commit.clone(), stop.clone());
        std::thread::spawn(move || flush_loop(&trees, &commit, &stop))
    };
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let writers: Vec<_> = (0..args.writers)
        .map(|i| {
            let (trees, commit) = (trees.clone(), commit.clone());
            let value_bytes = args.value_bytes;
            std::thread::spawn(move || write_loop(&trees, &commit, deadline, value_bytes, i))
        })
        .collect();
    let mut micros: Vec<u32> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("a writer"))
        .collect();
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Release);
    commit.written.notify_one();
    let (flushes, flushing) = flusher.join().expect("the flusher");

    micros.sort_unstable();
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
    let n = micros.len();
    println!(
        "raw sled group commit: {} writers, {} records in {:.1} s: {:.0} records/s, p50 {:.2} ms, p99 {:.2} ms, {} flushes ({:.1} records, {:.2} ms each)",
        args.writers,
        n,
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        at(0.50),
        at(0.99),
        flushes,
        n as f64 / flushes.max(1) as f64,
        flushing.as_secs_f64() * 1000.0 / flushes.max(1) as f64,
    );
    std::process::ExitCode::SUCCESS
}

/// Inserts records until `deadline`, each acknowledged by a flush that began after it; returns
/// each record's latency in microseconds.
fn write_loop(
    trees: &Trees,
    commit: &Commit,
    deadline: Instant,
    value_bytes: usize,
    writer: usize,
) -> Vec<u32> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ ((writer as u64 + 1) << 32));
    let mut value = vec![b'x'; value_bytes];
    let mut latencies = Vec::new();
    while Instant::now() < deadline {
        let began = Instant::now();
        let now = time_nanos();
        // Shaped like the banner's id: the time first, then four random 32-bit numbers.
        let id = format!(
            "{:08x}_{}_{}_{}_{}",
            now / 1_000_000_000 * 16 + rng.next() % 16,
            rng.next() as u32,
            rng.next() as u32,
            rng.next() as u32,
            rng.next() as u32
        );
        let decision = format!("{:016x}{:016x}", rng.next(), rng.next());
        let mut time = [0u8; 16];
        time[..8].copy_from_slice(&now.to_be_bytes());
        let unique = trees.db.generate_id().expect("an id");
        time[8..].copy_from_slice(&unique.to_be_bytes());
        // The id inside the value, as a record holds it.
        value[..id.len().min(value_bytes)]
            .copy_from_slice(&id.as_bytes()[..id.len().min(value_bytes)]);
        let prefix = |tail: &[u8]| {
            let mut key = Vec::with_capacity(1 + id.len() + tail.len());
            key.push(id.len() as u8);
            key.extend_from_slice(id.as_bytes());
            key.extend_from_slice(tail);
            key
        };
        trees.records.insert(time, &value[..]).expect("insert");
        trees
            .by_consent
            .insert(prefix(&time), &[][..])
            .expect("insert");
        trees
            .decisions
            .insert(prefix(decision.as_bytes()), &time[..])
            .expect("insert");
        let seq = {
            let mut state = commit.state.lock().expect("lock");
            state.written += 1;
            let seq = state.written;
            state.waiters.push_back((seq, std::thread::current()));
            seq
        };
        commit.written.notify_one();
        while commit.flushed.load(Ordering::Acquire) < seq {
            std::thread::park();
        }
        latencies.push(began.elapsed().as_micros().min(u32::MAX as u128) as u32);
    }
    latencies
}

/// Flushes whenever something was written and acknowledges what the flush covered; returns
/// how many flushes it made and the time they took.
fn flush_loop(trees: &Trees, commit: &Commit, stop: &AtomicBool) -> (u64, Duration) {
    let (mut flushes, mut flushing) = (0, Duration::ZERO);
    loop {
        let target = {
            let mut state = commit.state.lock().expect("lock");
            let flushed = commit.flushed.load(Ordering::Acquire);
            while state.written == flushed && !stop.load(Ordering::Acquire) {
                state = commit
                    .written
                    .wait_timeout(state, Duration::from_millis(50))
                    .expect("lock")
                    .0;
            }
            if state.written == flushed {
                return (flushes, flushing);
            }
            state.written
        };
        let began = Instant::now();
        trees.db.flush().expect("flush");
        flushing += began.elapsed();
        flushes += 1;
        commit.flushed.store(target, Ordering::Release);
        let done: Vec<_> = {
            let mut state = commit.state.lock().expect("lock");
            let n = state
                .waiters
                .iter()
                .take_while(|(s, _)| *s <= target)
                .count();
            state.waiters.drain(..n).map(|(_, t)| t).collect()
        };
        for writer in done {
            writer.unpark();
        }
    }
}

fn time_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
