# Sourced by the benchmarks that drive a release build of the service with wrk: starts it on a
# data folder and makes the decision body benches/post_consent.lua posts. Needs $PORT, $BASE
# and $WORK; sets $PID. The decision body comes from benches/lib.sh's body_for.

# shellcheck source=benches/lib.sh
. benches/lib.sh

# Starts `consentry serve` on the data folder $1 with the rate limit off, no ceiling of
# connections per address (every wrk connection comes from loopback), logging at warn and
# $SERVE_ARGS, and waits until it answers /healthz. $CONSENTRY names another binary (an earlier
# build, for a comparison in one session).
start_service() {
  CONSENTRY_ADMIN_TOKEN=${TOKEN:-bench-token} CONSENTRY_LOG=warn "${CONSENTRY:-target/release/consentry}" serve \
    --config cookies.toml --data "$1" --bind "127.0.0.1:$PORT" --rate-limit 0 \
    --connections-per-address 0 ${SERVE_ARGS:-} \
    >"$WORK/stdout" 2>"$WORK/stderr" &
  PID=$!
  for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "the service did not start:" >&2
  cat "$WORK/stderr" >&2
  return 1
}

stop_service() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
}

# Resident memory of the service.
rss() { awk '/VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$PID/status"; }
