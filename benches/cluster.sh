#!/usr/bin/env bash
# Many Consentry nodes on one PostgreSQL behind haproxy, as the README sets them up: a throwaway
# PostgreSQL, NODES release nodes (each its own --data for what is node-local), Debian's haproxy
# with the repository's deploy/haproxy.cfg (bind and servers swapped for loopback) round robin
# with health checks on /readyz, and wrk posting durable decisions through haproxy.
#
#   benches/cluster.sh                    # 3 nodes, 64 connections, 20 s
#   NODES=2 DURATION=10s benches/cluster.sh
#   SERVE_ARGS="--workers 1" benches/cluster.sh
#
# Prints throughput, p50 and p99 through haproxy, each node's mean group-commit batch, and what
# the database's sessions waited on. Needs PostgreSQL, haproxy and wrk (apt-get install -y
# postgresql haproxy wrk).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=benches/lib.sh
. benches/lib.sh
NODES=${NODES:-3}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20s}
PG_PORT=${PG_PORT:-18951}
PROXY_PORT=${PROXY_PORT:-18950}
FIRST_NODE_PORT=${FIRST_NODE_PORT:-18952}
BASE="http://127.0.0.1:$PROXY_PORT"
export TOKEN=bench-token

for tool in wrk haproxy; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y $tool" >&2; exit 1; }
done
cargo build --release --quiet

WORK=$(mktemp -d)
cleanup() {
  for pid in "$WORK"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$PG_PORT"
psql_at "$PG_PORT" postgres "CREATE DATABASE consentry" >/dev/null
STORE="postgres://postgres@127.0.0.1:$PG_PORT/consentry"

servers="" node_cpu=()
for n in $(seq "$NODES"); do
  port=$((FIRST_NODE_PORT + n - 1))
  # shellcheck disable=SC2086 # SERVE_ARGS is a list of flags
  node_start "node$n" "$port" "$STORE" --trust-forwarded-for ${SERVE_ARGS:-}
  servers="$servers    server node$n 127.0.0.1:$port\n"
done

# deploy/haproxy.cfg as operators copy it, on loopback without TLS and with these nodes.
printf 'global\n    maxconn 4096\n' >"$WORK/global.cfg"
sed -e '/^    bind :80$/d' \
  -e "s|^    bind :443 ssl crt .*|    bind 127.0.0.1:$PROXY_PORT|" \
  -e '/^    http-request redirect scheme https/d' \
  -e '/^    server node/d' deploy/haproxy.cfg >"$WORK/site.cfg"
printf '%b' "$servers" >>"$WORK/site.cfg"
haproxy -c -q -f "$WORK/global.cfg" -f "$WORK/site.cfg"
haproxy -db -f "$WORK/global.cfg" -f "$WORK/site.cfg" >"$WORK/haproxy.log" 2>&1 &
echo $! >"$WORK/haproxy.pid"
for _ in $(seq 50); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
body_for "$BASE"
echo "$NODES nodes on PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}') behind" \
  "haproxy $(haproxy -v | awk 'NR == 1 { print $3 }')"

echo
echo "== POST /api/v1/consents through haproxy (durable: each 201 after COMMIT), $CONNECTIONS connections, $DURATION"
wait_events "$PG_PORT" consentry "${DURATION%s}"
pg_cpu=$(cpu_ticks "$(postmaster_pid)") proxy_cpu=$(cpu_ticks "$(cat "$WORK/haproxy.pid")")
for n in $(seq "$NODES"); do node_cpu[n]=$(cpu_ticks "$(cat "$WORK/node$n.pid")"); done
wrk_posts "$BASE" "$CONNECTIONS" "$DURATION"
pg_cpu=$(cpu_share "$pg_cpu" "$(cpu_ticks "$(postmaster_pid)")" "${DURATION%s}")
proxy_cpu=$(cpu_share "$proxy_cpu" "$(cpu_ticks "$(cat "$WORK/haproxy.pid")")" "${DURATION%s}")
for n in $(seq "$NODES"); do
  node_cpu[n]=$(cpu_share "${node_cpu[n]}" "$(cpu_ticks "$(cat "$WORK/node$n.pid")")" "${DURATION%s}")
done
wait "$WAITS_PID"
read -r rps p50 p99 < <(wrk_figures)
echo "through haproxy: $rps records/s, p50 $p50, p99 $p99 ($(wrk_failures))"
for n in $(seq "$NODES"); do
  echo "node$n: batches $(batch_size "http://127.0.0.1:$((FIRST_NODE_PORT + n - 1))"), busy ${node_cpu[n]}"
done
echo "waits: $(tr -s ' ' <"$WORK/waits.consentry" | paste -sd ',' -); PostgreSQL busy $pg_cpu, haproxy $proxy_cpu"
stored=$(psql_at "$PG_PORT" consentry "SELECT count(*) FROM consentry_records")
echo "records in the database: $stored"
