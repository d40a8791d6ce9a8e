#!/usr/bin/env bash
# Load benchmark of a release build: durable consent posts and GET /api/v1/registry at 64
# connections, then resident memory after a million records.
#
#   benches/load.sh                 # full run (about 2–3 minutes on 2 cores)
#   DURATION=10s RECORDS=0 benches/load.sh   # quick run, no million-record memory check
#   SERVE_ARGS="--workers 1" benches/load.sh # extra flags for `consentry serve`
#
# Needs wrk (Debian: apt-get install -y wrk). Posts run with the rate limit off
# (--rate-limit 0), with no ceiling of connections per address (every wrk connection comes
# from loopback) and logging at warn, as a benchmark should.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=benches/lib.sh
. benches/lib.sh
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
RECORDS=${RECORDS:-1000000}
PORT=${PORT:-18931}
BASE="http://127.0.0.1:$PORT"
TOKEN=bench-token

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet

WORK=$(mktemp -d)
. benches/service.sh
trap 'stop_service; rm -rf "$WORK"' EXIT
start_service "$WORK/data"
body_for "$BASE"
echo "body: $(wc -c <"$WORK/body.json") bytes; record: $(curl -s -X POST "$BASE/api/v1/consents" \
  -H 'Origin: https://www.smartfocus.com' -H 'Content-Type: text/plain' \
  --data-binary @"$WORK/body.json" | wc -c) bytes"

posted=0
# Runs wrk against the consent endpoint, prints its summary, and counts what it sent.
post() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --latency -s benches/post_consent.lua \
    "$BASE/api/v1/consents" >"$WORK/wrk.out"
  posted=$((posted + $(awk '/requests in/ { print $1 }' "$WORK/wrk.out")))
}

echo
echo "== POST /api/v1/consents (durable: each 201 after fsync), $CONNECTIONS connections, $DURATION"
post "$DURATION"
cat "$WORK/wrk.out"
echo "RSS: $(rss)"

echo
echo "== GET /api/v1/registry, $CONNECTIONS connections, $DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE/api/v1/registry"

if [ "$RECORDS" -gt 0 ]; then
  echo
  echo "== filling to $RECORDS records"
  while [ "$posted" -lt "$RECORDS" ]; do
    post 20s
    grep -E "Requests/sec" "$WORK/wrk.out"
  done
  echo "posted: $posted; RSS: $(rss); data folder: $(du -sh "$WORK/data" | cut -f1)"
  start=$(date +%s%N)
  lines=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/admin/consents" | wc -l)
  echo "export: $lines records in $(( ($(date +%s%N) - start) / 1000000 )) ms; RSS after export: $(rss)"
  start=$(date +%s%N)
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/admin/stats?days=30"
  echo "stats over them: $(( ($(date +%s%N) - start) / 1000000 )) ms; RSS after: $(rss)"
  stop_service
  start_service "$WORK/data"
  echo "after a restart on them: RSS $(rss)"
fi
