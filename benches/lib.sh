# Sourced by the benchmark scripts: a throwaway PostgreSQL, a Consentry node, the banner's body
# for wrk, and wrk's figures. Each script sets WORK (a temporary folder it removes) first.

# PostgreSQL's programs: $CONSENTRY_PG_BIN, else Debian's highest version (initdb is not on PATH).
pg_bin() {
  if [ -n "${CONSENTRY_PG_BIN:-}" ]; then echo "$CONSENTRY_PG_BIN"; return; fi
  local version
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || { echo "PostgreSQL is missing: apt-get install -y postgresql" >&2; exit 1; }
  echo "/usr/lib/postgresql/$version/bin"
}

# Runs a command as the postgres user when root (PostgreSQL refuses to run as root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start PORT: a new cluster in $WORK/pg on 127.0.0.1:PORT, trust on loopback, with the
# durable defaults spelled out (fsync, synchronous_commit) and room for many connections.
# Sets PG_PID. Extra server settings: PG_SETTINGS="-c shared_buffers=256MB".
pg_start() {
  local port=$1 bin
  bin=$(pg_bin)
  mkdir -p "$WORK/pg"
  [ "$(id -u)" = 0 ] && chown postgres: "$WORK" "$WORK/pg"
  as_postgres "$bin/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C \
    --no-instructions >"$WORK/pg/initdb.log"
  # shellcheck disable=SC2086 # PG_SETTINGS is a list of flags
  as_postgres "$bin/postgres" -D "$WORK/pg/data" -k "$WORK/pg" -p "$port" \
    -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on \
    -c max_connections=300 ${PG_SETTINGS:-} >"$WORK/pg/server.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 100); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && return
    sleep 0.1
  done
  echo "PostgreSQL did not start:" >&2; tail "$WORK/pg/server.log" >&2; exit 1
}

# psql_at PORT DATABASE SQL: runs SQL, prints the rows unaligned.
psql_at() {
  "$(pg_bin)/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"
}

# node_start NAME PORT STORE [FLAGS...]: a release Consentry serving cookies.toml on PORT, its
# own data folder in $WORK/NAME, records in STORE; its pid goes to $WORK/NAME.pid.
node_start() {
  local name=$1 port=$2 store=$3
  shift 3
  mkdir -p "$WORK/$name"
  CONSENTRY_ADMIN_TOKEN=${TOKEN:-bench-token} CONSENTRY_LOG=warn "${CONSENTRY:-target/release/consentry}" serve \
    --config cookies.toml --data "$WORK/$name/data" --store "$store" --bind "127.0.0.1:$port" \
    --rate-limit 0 --connections-per-address 0 "$@" \
    >"$WORK/$name/stdout" 2>"$WORK/$name/stderr" &
  echo $! >"$WORK/$name.pid"
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return
    sleep 0.1
  done
  echo "node $name did not start:" >&2; tail "$WORK/$name/stderr" >&2; exit 1
}

# body_for BASE: writes the banner's decision for the revision BASE serves to $WORK/body.json and
# exports CONSENTRY_BODY for benches/post_consent.lua.
body_for() {
  curl -sf "$1/api/v1/registry" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(json.dumps({"revision": r["revision"], "shown": r["shown"][r["languages"][0]],
  "accepted": [c["id"] for c in r["categories"] if c.get("required")] + ["analytics"],
  "action": "custom", "language": r["languages"][0],
  "page": r["site"]["url"] + "/products/shoes?utm_source=newsletter"}))' >"$WORK/body.json"
  export CONSENTRY_BODY="$WORK/body.json"
}

# wrk_posts URL CONNECTIONS DURATION: durable posts with benches/post_consent.lua; wrk's summary
# in $WORK/wrk.out.
wrk_posts() {
  wrk -t"${THREADS:-2}" -c"$2" -d"$3" --latency -s benches/post_consent.lua "$1/api/v1/consents" \
    >"$WORK/wrk.out"
}

# wrk's requests per second, p50 and p99 from $WORK/wrk.out: "12345.6 3.10ms 12.50ms".
wrk_figures() {
  awk '/Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
       END { print rps, p50, p99 }' "$WORK/wrk.out"
}

# The answers wrk counted that were not 2xx, and its socket errors, if any.
wrk_failures() {
  awk '/Non-2xx/ { n = $NF } /Socket errors/ { e = $0 } END { print n + 0 " non-2xx" e }' \
    "$WORK/wrk.out"
}

# batch_size BASE: the mean group-commit batch of a node, from its /metrics.
batch_size() {
  curl -s -H "Authorization: Bearer ${TOKEN:-bench-token}" "$1/metrics" |
    awk '/^consentry_store_batch_records_sum/ { s = $2 } /^consentry_store_batch_records_count/ { c = $2 }
         END { if (c > 0) printf "%.1f records in %d transactions", s / c, c; else print "none" }'
}

# wait_events PORT DATABASE SECONDS: samples what the database's active sessions wait on, every
# 0.2 s, in the background (its pid in WAITS_PID); the tally, most frequent first, goes to
# $WORK/waits.DATABASE.
wait_events() {
  local port=$1 db=$2 seconds=$3
  (
    end=$(( $(date +%s) + seconds ))
    while [ "$(date +%s)" -lt "$end" ]; do
      psql_at "$port" postgres "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
        FROM pg_stat_activity WHERE datname = '$db' AND state = 'active'
        AND pid <> pg_backend_pid()" 2>/dev/null
      sleep 0.2
    done | sort | uniq -c | sort -rn | head -n 6 >"$WORK/waits.$db"
  ) &
  WAITS_PID=$!
}

# pg_stop: a fast shutdown of pg_start's cluster (through its pid file: as root, PG_PID is
# runuser's).
pg_stop() {
  [ -n "${PG_PID:-}" ] || return 0
  [ -f "$WORK/pg/data/postmaster.pid" ] && kill -INT "$(head -n 1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null
  wait "$PG_PID" 2>/dev/null || true
}

# cpu_ticks PID: CPU time (clock ticks) of PID, the children it reaped and those still running
# (for the postmaster: every backend, the ones gone included).
cpu_ticks() {
  local total child
  total=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat")
  for child in $(pgrep -P "$1"); do
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# postmaster_pid: the running cluster's postmaster (PG_PID is runuser's when root).
postmaster_pid() {
  head -n 1 "$WORK/pg/data/postmaster.pid"
}

# cpu_share BEFORE AFTER SECONDS: the ticks spent between two cpu_ticks, as cores busy.
cpu_share() {
  awk -v a="$1" -v b="$2" -v s="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f cores", (b - a) / hz / s }'
}
