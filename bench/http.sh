#!/usr/bin/env bash
# Load on loopback against a release server with a freshly seeded database: requests per second and
# latency percentiles (wrk) for the health report, /v1, a static file and a server-rendered page.
# The static file is the canary for TCP_NODELAY: without it, its median jumps to ~40 ms (delayed ACK).
#
#   bench/http.sh                  (BENCH_DATABASE_URL, BENCH_SECONDS and BENCH_CONNECTIONS override)
set -euo pipefail
cd "$(dirname "$0")/.."
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
port=${BENCH_PORT:-3900}

command -v wrk >/dev/null || { echo "bench: installing wrk"; timeout 600 apt-get install -y -q wrk >/dev/null; }
cargo xtask build --release
psql "$admin_url" -q -c "drop database if exists lectern_bench with (force)" -c "create database lectern_bench"
LECTERN_BIND=127.0.0.1:$port DATABASE_URL="${admin_url%/*}/lectern_bench" LECTERN_SEED_DEMO=true LECTERN_LOG=warn \
  target/release/server > target/bench-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done

echo "wrk: 2 threads, $connections connections, ${seconds}s per path, against 127.0.0.1:$port"
for path in / /v1 /pkg/lectern.css /sign-in; do
  accept="application/json"; [ "$path" = "/sign-in" ] && accept="text/html"
  out=$(timeout $((seconds + 30)) wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Accept: $accept" "http://127.0.0.1:$port$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf '%-18s %10s req/s   p50 %8s   p99 %8s   %s\n' "$path" "$rps" "$p50" "$p99" "$errors"
done
