#!/usr/bin/env bash
# Scan benchmark: `consentry scan` of the test fixture's 20 pages in all three phases, release
# build, and what it costs: wall time, the scanner's peak memory, and the peak memory of the
# Chromium it drives (a tree of processes of its own, so measured apart).
#
#   benches/scan.sh                        # one run
#   RUNS=3 benches/scan.sh                 # several runs, a line each
#   SCAN_ARGS="--concurrency 2" benches/scan.sh   # extra flags for `consentry scan`
#   CONSENTRY=target/debug/consentry benches/scan.sh  # another build of the scanner
#
# The fixture is tests/scan/fixture.rs, served by `examples/scan_fixture.rs` (real servers on
# 127.0.0.1, .2 and .3 and a real Consentry service for the banner). Needs Chromium
# (apt-get install -y chromium, or CONSENTRY_CHROMIUM=/path/to/chrome) and GNU time
# (apt-get install -y time). The target of issue 11: under 45 s on this machine.
set -euo pipefail

cd "$(dirname "$0")/.."
PAGES=${PAGES:-20}
RUNS=${RUNS:-1}
CONSENTRY=${CONSENTRY:-target/release/consentry}

[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install -y time" >&2; exit 1; }
cargo build --release --quiet --bin consentry --example scan_fixture

WORK=$(mktemp -d)
# The fixture serves until its stdin closes, then removes its temporary registry and data.
coproc FIXTURE { exec target/release/examples/scan_fixture full; }
FIXTURE_IN=${FIXTURE[1]}
FIXTURE_OUT=${FIXTURE[0]}
FIXTURE_PROCESS=$FIXTURE_PID
cleanup() {
  exec {FIXTURE_IN}>&- 2>/dev/null || true
  wait "$FIXTURE_PROCESS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

URL= CONFIG=
while read -r -t 60 -u "$FIXTURE_OUT" key value; do
  case $key in
    url) URL=$value ;;
    config) CONFIG=$value ;;
  esac
  [ -n "$URL" ] && [ -n "$CONFIG" ] && break
done
[ -n "$URL" ] && [ -n "$CONFIG" ] || { echo "the fixture did not start" >&2; exit 1; }

# Every process below $1 (the scanner's browser and the browser's own children).
descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      found[root] = 1
      do {
        more = 0
        for (p in parent) if (!(p in found) && (parent[p] in found)) { found[p] = 1; more = 1 }
      } while (more)
      for (p in found) if (p != root) print p
    }'
}

# kB of field $2 ("Pss:", "Rss:") of /proc/$1/smaps_rollup, 0 for a process already gone.
field_kb() {
  awk -v f="$2" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
    "/proc/$1/smaps_rollup" 2>/dev/null || echo 0
}

# Whether process $1 still runs (a zombie has ended).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# Samples, until process $1 (GNU time) ends, the scanner's high-water mark and the browser
# tree's proportional (PSS: shared pages counted once) and summed resident memory; prints
# "scanner_kb browser_pss_kb browser_rss_kb browser_processes" at the peaks.
sample() {
  local time_pid=$1 scanner='' hwm=0 pss_peak=0 rss_peak=0 most=0
  while alive "$time_pid"; do
    [ -n "$scanner" ] || scanner=$(pgrep -P "$time_pid" | head -n 1 || true)
    if [ -n "$scanner" ] && [ -r "/proc/$scanner/status" ]; then
      local now pss=0 rss=0 count=0
      now=$(awk '/^VmHWM:/ { print $2 }' "/proc/$scanner/status" 2>/dev/null || echo 0)
      [ "${now:-0}" -gt "$hwm" ] && hwm=$now
      for p in $(descendants "$scanner"); do
        pss=$((pss + $(field_kb "$p" Pss:)))
        rss=$((rss + $(field_kb "$p" Rss:)))
        count=$((count + 1))
      done
      [ "$pss" -gt "$pss_peak" ] && pss_peak=$pss
      [ "$rss" -gt "$rss_peak" ] && rss_peak=$rss
      [ "$count" -gt "$most" ] && most=$count
    fi
    sleep 0.2
  done
  echo "$hwm $pss_peak $rss_peak $most"
}

mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

echo "scanning $URL ($PAGES pages, three phases) with $CONSENTRY; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
  # shellcheck disable=SC2086 # SCAN_ARGS is a list of flags
  /usr/bin/time -v -o "$WORK/time" "$CONSENTRY" scan "$URL" --config "$CONFIG" \
    --pages "$PAGES" --format json ${SCAN_ARGS:-} >"$WORK/report.json" 2>"$WORK/stderr" &
  TIME_PID=$!
  read -r scanner_kb pss_kb rss_kb processes < <(sample "$TIME_PID")
  status=0
  wait "$TIME_PID" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "run $run: the scan could not run (exit $status):" >&2
    cat "$WORK/stderr" >&2
    exit 1
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/time")
  seconds=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }' <<<"$wall")
  reaped_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")
  visits=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(len(r["pages"]), r["summary"])' "$WORK/report.json")
  echo "run $run: exit $status, ${seconds} s wall; page visits and summary: $visits"
  echo "  scanner peak RSS $(mib "$scanner_kb") (time -v: $(mib "$reaped_kb"), the largest of it and the processes it reaped)"
  echo "  Chromium peak $(mib "$pss_kb") PSS, $(mib "$rss_kb") RSS summed, up to $processes processes"
done
