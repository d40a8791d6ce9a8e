#!/usr/bin/env bash
# Durable consent posts on PostgreSQL beside what PostgreSQL itself does one insert at a time,
# on one throwaway cluster in the same run (issue 12, §3):
#
#   1. pgbench, 64 clients, each transaction ONE single-row INSERT of a real Consentry record
#      (the bytes a post stored, ~500) into a table shaped and indexed as consentry_records,
#      with synchronous_commit on;
#   2. POST /api/v1/consents through one Consentry node at 64 connections (wrk), each 201 after
#      its group commit's COMMIT returned.
#
# Prints both, their ratio (target at least 1.0x, aim 2x with p99 under 25 ms), the node's mean
# group-commit batch, and what the database's sessions waited on in each phase.
#
#   benches/postgres.sh                      # 20 s a phase
#   DURATION=10s ROUNDS=2 benches/postgres.sh  # two rounds, phases alternating
#   PG_SETTINGS="-c shared_buffers=512MB" benches/postgres.sh
#
# Needs PostgreSQL (apt-get install -y postgresql: initdb, postgres, pgbench, psql) and wrk.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=benches/lib.sh
. benches/lib.sh
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-1}
PG_PORT=${PG_PORT:-18941}
PORT=${PORT:-18942}
BASE="http://127.0.0.1:$PORT"
export TOKEN=bench-token

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet

WORK=$(mktemp -d)
cleanup() {
  [ -f "$WORK/node.pid" ] && kill "$(cat "$WORK/node.pid")" 2>/dev/null
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$PG_PORT"
psql_at "$PG_PORT" postgres "CREATE DATABASE consentry" >/dev/null
psql_at "$PG_PORT" postgres "CREATE DATABASE pgbench" >/dev/null
node_start node "$PORT" "postgres://postgres@127.0.0.1:$PG_PORT/consentry"
body_for "$BASE"

# The table pgbench fills: consentry_records' columns, primary key and indexes.
psql_at "$PG_PORT" pgbench "CREATE TABLE bench_records (time_key bytea PRIMARY KEY,
  nanos bigint NOT NULL, consent_id text NOT NULL, decision_id text, body bytea NOT NULL);
  CREATE INDEX bench_records_by_consent ON bench_records (consent_id, time_key);
  CREATE UNIQUE INDEX bench_records_decisions ON bench_records (consent_id, decision_id)
    WHERE decision_id IS NOT NULL"
# A record as Consentry stores it, in hex (pgbench would read the JSON's :false as a variable).
record=$(curl -s -X POST "$BASE/api/v1/consents" -H 'Origin: https://www.smartfocus.com' \
  -H 'Content-Type: text/plain' --data-binary @"$WORK/body.json")
hex=$(printf '%s' "$record" | od -An -v -tx1 | tr -d ' \n')
cat >"$WORK/insert.sql" <<SQL
INSERT INTO bench_records (time_key, nanos, consent_id, decision_id, body)
VALUES (uuid_send(gen_random_uuid()), (extract(epoch FROM clock_timestamp()) * 1e9)::int8,
        md5(random()::text) || md5(random()::text), NULL, decode('$hex', 'hex'));
SQL
echo "record: ${#record} bytes; PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}'),"\
  "synchronous_commit $(psql_at "$PG_PORT" postgres 'SHOW synchronous_commit'),"\
  "fsync $(psql_at "$PG_PORT" postgres 'SHOW fsync')"

seconds=${DURATION%s}
for round in $(seq "$ROUNDS"); do
  echo
  echo "== round $round: pgbench, $CONNECTIONS clients, one INSERT per transaction, $DURATION"
  psql_at "$PG_PORT" postgres CHECKPOINT
  rm -f "$WORK"/pgbench_log.*
  wait_events "$PG_PORT" pgbench "$seconds"
  pg_cpu=$(cpu_ticks "$(postmaster_pid)")
  "$(pg_bin)/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -M prepared \
    -c "$CONNECTIONS" -j "${THREADS:-2}" -T "$seconds" -f "$WORK/insert.sql" \
    --log --log-prefix="$WORK/pgbench_log" pgbench >"$WORK/pgbench.out" 2>&1
  pg_cpu=$(cpu_share "$pg_cpu" "$(cpu_ticks "$(postmaster_pid)")" "$seconds")
  wait "$WAITS_PID"
  tps=$(awk '/^tps/ { print $3; exit }' "$WORK/pgbench.out")
  # Each log line: client, transaction, latency (us), ...
  read -r p50 p99 < <(cat "$WORK"/pgbench_log.* | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END { printf "%.2fms %.2fms\n", v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000 }')
  echo "pgbench: $tps inserts/s, p50 $p50, p99 $p99"
  echo "waits: $(tr -s ' ' <"$WORK/waits.pgbench" | paste -sd ',' -); PostgreSQL busy $pg_cpu"

  echo
  echo "== round $round: POST /api/v1/consents through one node, $CONNECTIONS connections, $DURATION"
  psql_at "$PG_PORT" postgres CHECKPOINT
  wait_events "$PG_PORT" consentry "$seconds"
  pg_cpu=$(cpu_ticks "$(postmaster_pid)") node_cpu=$(cpu_ticks "$(cat "$WORK/node.pid")")
  wrk_posts "$BASE" "$CONNECTIONS" "$DURATION"
  pg_cpu=$(cpu_share "$pg_cpu" "$(cpu_ticks "$(postmaster_pid)")" "$seconds")
  node_cpu=$(cpu_share "$node_cpu" "$(cpu_ticks "$(cat "$WORK/node.pid")")" "$seconds")
  wait "$WAITS_PID"
  read -r rps wp50 wp99 < <(wrk_figures)
  echo "consentry: $rps records/s, p50 $wp50, p99 $wp99 ($(wrk_failures))"
  echo "batches: $(batch_size "$BASE") so far"
  echo "waits: $(tr -s ' ' <"$WORK/waits.consentry" | paste -sd ',' -); PostgreSQL busy $pg_cpu, the node $node_cpu"
  echo
  echo "ratio: $(awk -v a="$rps" -v b="$tps" 'BEGIN { printf "%.2f", a / b }') x"
done
