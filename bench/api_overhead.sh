#!/usr/bin/env bash
# The cost of the /v1 platform layers, as ratios measured in one run against one release server:
#   - authentication + rate limit: `GET /v1/whoami` (a key, looked up in the process's credential
#     cache, and a token from the process's lease of the tenant's bucket, before a handler that does
#     nothing) against `GET /v1` (the same trivial work, no layers), on 1 and on 64 connections;
#   - idempotency: `PATCH /v1/users/{id}` with an empty change, with a fresh `Idempotency-Key` on
#     every request against the same request without one. A user change holds the tenant's lock, so
#     concurrent PATCHes queue on it and would hide the layer's cost: this pair runs on one connection,
#     where the ratio is the cost per request.
# The tenant's limit is raised for the run: the bucket is still drawn on every request, so its cost
# is in the figures.
#
#   bench/api_overhead.sh          (BENCH_DATABASE_URL, BENCH_SECONDS and BENCH_CONNECTIONS override;
#                                   BENCH_SKIP_BUILD=1 uses the release binary as built, BENCH_SERVER
#                                   another binary, such as an earlier commit's, for a before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
port=${BENCH_PORT:-3901}
db_url="${admin_url%/*}/lectern_bench_api"

command -v wrk >/dev/null || { echo "bench: installing wrk"; timeout 600 apt-get install -y -q wrk >/dev/null; }
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || cargo xtask build --release
psql "$admin_url" -q -c "drop database if exists lectern_bench_api with (force)" -c "create database lectern_bench_api"
LECTERN_BIND=127.0.0.1:$port DATABASE_URL="$db_url" LECTERN_SEED_DEMO=true LECTERN_LOG=warn \
  "${BENCH_SERVER:-target/release/server}" > target/bench-api-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done

issued=$(DATABASE_URL="$db_url" "${BENCH_SERVER:-target/release/server}" issue-key --tenant demo --role admin --name bench)
tenant=$(sed -n 's/^tenant_id=//p' <<<"$issued")
secret=$(sed -n 's/^secret=//p' <<<"$issued")
psql "$db_url" -q -c "update tenant set requests_per_minute = 1000000000, requests_per_hour = 1000000000"
user=$(curl -sf "http://127.0.0.1:$port/v1/users?role=student&per_page=1" -H "Authorization: Bearer $secret" \
  -H "X-Tenant-Id: $tenant" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')

script_dir=$(mktemp -d)
cat > "$script_dir/patch.lua" <<'LUA'
wrk.method = "PATCH"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
LUA
cat > "$script_dir/patch-idempotent.lua" <<'LUA'
wrk.method = "PATCH"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
local n = 0
local thread_id = tostring(math.random(1, 1e9))
request = function()
  n = n + 1
  wrk.headers["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. n
  return wrk.format()
end
LUA

run() { # name, connections, path, extra wrk arguments…
  local name=$1 conns=$2 path=$3; shift 3
  local out rps p50 p99 errors threads=$(( conns < 2 ? 1 : 2 ))
  out=$(timeout $((seconds + 30)) wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency \
    -H "Authorization: Bearer $secret" -H "X-Tenant-Id: $tenant" "$@" "http://127.0.0.1:$port$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf '%-34s %10s req/s   p50 %8s   p99 %8s   %s\n' "$name" "$rps" "$p50" "$p99" "$errors" >&2
  echo "$rps"
}

echo "wrk: ${seconds}s each against 127.0.0.1:$port; GETs on 1 and $connections connections, PATCHes on 1" >&2
bare_one=$(run "GET /v1 (no layers), 1 conn" 1 /v1)
authed_one=$(run "GET /v1/whoami (auth + limit), 1 conn" 1 /v1/whoami)
bare=$(run "GET /v1 (no layers)" "$connections" /v1)
authed=$(run "GET /v1/whoami (auth + rate limit)" "$connections" /v1/whoami)
plain=$(run "PATCH user {} (no Idempotency-Key)" 1 "/v1/users/$user" -s "$script_dir/patch.lua")
idem=$(run "PATCH user {} (fresh Idempotency-Key)" 1 "/v1/users/$user" -s "$script_dir/patch-idempotent.lua")
python3 - "$bare" "$authed" "$plain" "$idem" "$bare_one" "$authed_one" <<'PY'
import sys
bare, authed, plain, idem, bare_one, authed_one = map(float, sys.argv[1:])
print(f"auth + rate limit: {authed / bare:.2f}x the throughput of the bare route ({bare / authed:.1f}x the cost per request)")
print(f"  on one connection: {authed_one / bare_one:.2f}x")
print(f"idempotency:       {idem / plain:.2f}x the throughput of the same PATCH without a key ({plain / idem:.2f}x the cost)")
PY
