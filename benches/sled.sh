#!/usr/bin/env bash
# Durable consent posts over HTTP against what sled itself sustains with group commit, in the
# same run: the raw baseline (examples/sled_group_commit.rs: $CONNECTIONS writer threads, the
# store's keys, one flusher acknowledging every write its flush covered, no HTTP, no JSON),
# then the release service on a fresh data folder under wrk (benches/post_consent.lua) at as
# many connections, and the ratio of the two. The machine is shared: ratios carry, absolutes
# drift, so RUNS alternates the two.
#
#   benches/sled.sh                          # one pair of 20 s runs
#   RUNS=3 DURATION=10 benches/sled.sh       # three pairs of 10 s runs
#   SERVE_ARGS="--workers 1" benches/sled.sh # extra flags for `consentry serve`
#   PERF=1 benches/sled.sh                   # also profile the service while wrk runs
#
# Needs wrk (Debian: apt-get install -y wrk); PERF=1 needs perf (apt-get install -y
# linux-perf) and leaves perf.data (in $PERF_OUT, default target/sled-perf.data) for
# `perf report`; it prints the hottest functions, threads and shared objects.
set -euo pipefail

cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20}
RUNS=${RUNS:-1}
PORT=${PORT:-18932}
PERF=${PERF:-0}
PERF_OUT=${PERF_OUT:-target/sled-perf.data}
BASE="http://127.0.0.1:$PORT"
TOKEN=bench-token

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet --bin consentry --example sled_group_commit

WORK=$(mktemp -d)
. benches/service.sh
PID=
trap 'stop_service; rm -rf "$WORK"' EXIT

# A wrk latency ("812.00us", "3.41ms", "1.02s") in milliseconds.
to_ms() {
  awk -v t="$1" 'BEGIN {
    if (t ~ /us$/) printf "%.2f", t / 1000; else if (t ~ /ms$/) printf "%.2f", t + 0;
    else if (t ~ /s$/) printf "%.2f", t * 1000; else print t }'
}

# The mean of a Prometheus histogram of the service's /metrics, times $2 (default 1).
mean() {
  awk -v name="$1" -v scale="${2:-1}" '$1 ~ "^"name"_sum" { s = $2 } $1 ~ "^"name"_count" { c = $2 }
    END { if (c > 0) printf "%.2f", s / c * scale; else print "-" }' "$WORK/metrics"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for run in $(seq "$RUNS"); do
  raw=$(target/release/examples/sled_group_commit --writers "$CONNECTIONS" \
    --seconds "$DURATION" --dir "$WORK/raw")
  rm -rf "$WORK/raw"
  echo "$raw"
  raw_rate=$(sed -E 's/.*: ([0-9]+) records\/s.*/\1/' <<<"$raw")

  rm -rf "$WORK/data"
  start_service "$WORK/data"
  body_for "$BASE"
  if [ "$PERF" = 1 ]; then
    # From a second in, for all but the last second of the run, with call graphs from the
    # unwinding tables (a release build keeps no frame pointers).
    (sleep 1; exec perf record -q -F 499 --call-graph dwarf,16384 -p "$PID" -o "$PERF_OUT" \
      -- sleep $((DURATION - 2))) 2>"$WORK/perf.err" &
    PERF_PID=$!
  fi
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benches/post_consent.lua \
    "$BASE/api/v1/consents" >"$WORK/wrk.out"
  if [ "$PERF" = 1 ]; then
    wait "$PERF_PID" || { cat "$WORK/perf.err" >&2; exit 1; }
    echo "profile of the service (perf, $PERF_OUT):"
    # `head` closes the pipe early; under pipefail that must not end the run before its figures.
    { perf report -i "$PERF_OUT" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12; } || true
    { perf report -i "$PERF_OUT" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -8; } || true
    { perf report -i "$PERF_OUT" --no-children --sort sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -40; } || true
    echo "where the service's time goes (inclusive):"
    { perf report -i "$PERF_OUT" --children --sort sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' \
      | grep -E 'consentry::(store::sled::commit::run_writer|sequencer::Sequencer::round|routes::consents::record|store::log::.*log_(commit|pending))|h1::dispatcher::Dispatcher' | head -12; } || true
  fi
  curl -s -H "Authorization: Bearer $TOKEN" "$BASE/metrics" >"$WORK/metrics"
  http_rate=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$WORK/wrk.out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.out")")
  errors=$(awk '/Non-2xx|Socket errors/' "$WORK/wrk.out")
  echo "HTTP durable posts: $CONNECTIONS connections, $http_rate records/s, p50 $p50 ms, p99 $p99 ms${errors:+; $errors}; batch $(mean consentry_store_batch_records) records, flush $(mean consentry_store_commit_seconds 1000) ms for $(mean consentry_store_commit_writes) writes; RSS $(rss)"
  stop_service
  echo "run $run: HTTP / raw = $(awk -v h="$http_rate" -v r="$raw_rate" 'BEGIN { printf "%.2f", h / r }')"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
