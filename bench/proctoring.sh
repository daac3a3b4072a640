#!/usr/bin/env bash
# Proctoring ingestion: N learners of one tenant, signed in beforehand, start a strict quiz within
# the ramp (60 s) and send a batch of 5 events every 5 s through the taking page's own path (the
# proctoring/events server function, with the session cookie and same-origin headers), while a
# teacher's page holds the quiz's live event stream and learners paste one at a time; against a
# release server on loopback with its own database. For each N it prints events and batches per
# second, p50/p99 batch latency, the database's event rows per second, the push latency (a paste's
# batch leaving to the teacher's stream hearing of its incident), the server's and PostgreSQL's
# CPU and, in the same run, pgbench's one-row insert into proctoring_event as the ceiling, with
# the ratio.
#
#   flock /tmp/heavy.lock bench/proctoring.sh
#     BENCH_LEARNERS="2000 10000"  the runs; BENCH_RAMP (60 s) to start them all; BENCH_DURATION
#     (60 s) of sending after the ramp; BENCH_INTERVAL (5 s); BENCH_BATCH (5 events);
#     BENCH_PROBES (20 pastes); BENCH_DB_CONNECTIONS (10) the server's pool, and pgbench's
#     clients; BENCH_PGBENCH_SECONDS (15); BENCH_DATABASE_URL, BENCH_PORT; BENCH_SKIP_BUILD=1.
# Results go to target/bench-proctoring.txt as well.
set -euo pipefail
cd "$(dirname "$0")/.."
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
learners_list=${BENCH_LEARNERS:-2000 10000}
ramp=${BENCH_RAMP:-60}
duration=${BENCH_DURATION:-60}
interval=${BENCH_INTERVAL:-5}
batch=${BENCH_BATCH:-5}
probes=${BENCH_PROBES:-20}
db_connections=${BENCH_DB_CONNECTIONS:-10}
pgbench_seconds=${BENCH_PGBENCH_SECONDS:-15}
port=${BENCH_PORT:-3904}
db=lectern_bench_proctoring
db_url="${admin_url%/*}/$db"
base="http://127.0.0.1:$port"
out=target/bench-proctoring.txt
server_log=target/bench-proctoring-server.log
server_bin=target/release/server
loadgen=target/bench/release/proctoring_load
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -p server
  CARGO_TARGET_DIR=target/bench cargo build --release --manifest-path bench/quiz_rush/Cargo.toml --bin proctoring_load
fi
command -v pgbench >/dev/null || { echo "bench: pgbench is missing (Debian's postgresql package has it)"; exit 1; }

work=$(mktemp -d)
server=""
loadgen_pid=""
cleanup() {
  [ -n "$loadgen_pid" ] && kill "$loadgen_pid" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
: > "$server_log"

psql "$admin_url" -q -c "drop database if exists $db with (force)" -c "create database $db"
LECTERN_BIND=127.0.0.1:$port DATABASE_URL="$db_url" LECTERN_SECRET_KEY="$secret" LECTERN_LOG=warn \
  LECTERN_SEED_DEMO=true DATABASE_MAX_CONNECTIONS="$db_connections" LECTERN_PUBLIC_URL="$base" \
  LECTERN_FAILED_AUTH_PER_MINUTE=10000 \
  "$server_bin" >> "$server_log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  curl -sf -o /dev/null -H 'accept: application/json' "$base/" && break
  sleep 0.1
done
curl -sf -o /dev/null "$base/" || { echo "bench: the server did not start"; tail -20 "$server_log"; exit 1; }

api() {
  local method=$1 path=$2 body=${3:-}
  curl -sfS -X "$method" "$base$path" -H "Authorization: Bearer $key" -H "X-Tenant-Id: $tenant" \
    -H 'content-type: application/json' -H 'accept: application/json' ${body:+--data "$body"}
}
data_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["id"])'; }
field() { sed -n "s/^$1=//p" "$work/result"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL's CPU over the window: each backend's ticks since the window began (a backend that
# started within it counts from zero; one that ended within it is lost).
declare -A pg_start
pg_pids() { psql "$admin_url" -Atc "select pid from pg_stat_activity where datname = '$db'"; }
pg_begin() { pg_start=(); local pid; for pid in $(pg_pids); do pg_start[$pid]=$(ticks_of "$pid"); done; }
pg_spent() {
  local pid sum=0
  for pid in $(pg_pids); do sum=$(( sum + $(ticks_of "$pid") - ${pg_start[$pid]:-0} )); done
  echo "$sum"
}
event_rows() { psql "$db_url" -Atc "select count(*) from proctoring_event"; }

issued=$(DATABASE_URL="$db_url" "$server_bin" issue-key --tenant demo --role admin --name bench)
tenant=$(sed -n 's/^tenant_id=//p' <<<"$issued")
key=$(sed -n 's/^secret=//p' <<<"$issued")
psql "$db_url" -q -c "update tenant set max_users = 1000000, requests_per_minute = 1000000000, requests_per_hour = 1000000000 where slug = 'demo'"
course=$(api POST /v1/courses '{"title":"Proctored exam"}' | data_id)
module=$(api POST "/v1/courses/$course/modules" '{"title":"One"}' | data_id)
api POST "/v1/modules/$module/lessons" '{"title":"Before the exam"}' > /dev/null
api POST "/v1/courses/$course/publish" > /dev/null
max_learners=0
for n in $learners_list; do [ "$n" -gt "$max_learners" ] && max_learners=$n; done
began=$(date +%s)
DATABASE_URL="$db_url" LECTERN_SECRET_KEY="$secret" "$server_bin" bench-sessions \
  --tenant demo --course "$course" --count "$max_learners" > "$work/cookies"
sessions_seconds=$(( $(date +%s) - began ))
# The teacher's page: the demo admin, signed in as a browser does.
curl -sfS -c "$work/admin.jar" -o /dev/null -H 'sec-fetch-site: same-origin' \
  --data-urlencode organisation=demo --data-urlencode email=admin@demo.lectern.test \
  --data-urlencode password=lectern-demo-2026 "$base/api/auth/sign-in"
watcher=$(awk '$6 == "lectern_session" {print "lectern_session=" $7}' "$work/admin.jar")
[ -n "$watcher" ] || { echo "bench: the admin could not sign in"; exit 1; }
psql "$db_url" -q -c "vacuum analyze"

limit_minutes=$(( (ramp + duration) / 60 + 10 ))
{
  echo "proctoring ingestion, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores"
  echo "  $(psql "$admin_url" -Atc 'show server_version') PostgreSQL; server pool $db_connections connections;" \
       "ramp ${ramp}s, ${duration}s of sending after it, a batch of $batch events every ${interval}s; $probes pastes probe the push"
  echo "  $max_learners learners enrolled with sessions in ${sessions_seconds}s (server bench-sessions)"
} | tee "$out"

for n in $learners_list; do
  quiz=$(api POST /v1/quizzes "{\"course_id\":\"$course\",\"title\":\"Exam $n\",\"time_limit_minutes\":$limit_minutes,\"proctoring\":\"strict\"}" | data_id)
  api POST "/v1/quizzes/$quiz/questions" '{"kind":"single_choice","prompt":"Pick A","options":[{"text":"A","correct":true},{"text":"B"}]}' > /dev/null
  api POST "/v1/quizzes/$quiz/publish" > /dev/null
  psql "$db_url" -q -c "analyze"
  echo "N=$n: quiz $quiz, running $((ramp + duration))s…"
  "$loadgen" --base "$base" --quiz "$quiz" --cookies "$work/cookies" --watcher-cookie "$watcher" \
    --learners "$n" --ramp "$ramp" --duration "$duration" --interval "$interval" --batch "$batch" \
    --probes "$probes" > "$work/result" 2> "$work/progress" &
  loadgen_pid=$!
  sleep "$ramp"
  psql "$db_url" -q -c "analyze proctoring_event, proctoring_session"
  hz=$(getconf CLK_TCK)
  rows0=$(event_rows); server0=$(ticks_of "$server"); pg_begin; t0=$(date +%s.%N)
  sleep "$duration"
  rows1=$(event_rows); server1=$(ticks_of "$server"); pg=$(pg_spent); t1=$(date +%s.%N)
  wait "$loadgen_pid" || { echo "bench: the load generator failed"; cat "$work/progress"; exit 1; }
  loadgen_pid=""
  seconds=$(calc "$t1 - $t0" 3)
  rows_per_s=$(calc "($rows1 - $rows0) / $seconds" 0)
  cpu_server=$(calc "($server1 - $server0) / $hz / $seconds")
  cpu_postgres=$(calc "$pg / $hz / $seconds")

  # The ceiling, with the server idle: one-row inserts into proctoring_event, as many clients as
  # the server has connections.
  session=$(psql "$db_url" -Atc "select tenant_id || ' ' || id from proctoring_session where quiz_id = (select id from quiz where title = 'Exam $n') limit 1")
  read -r s_tenant s_id <<<"$session"
  cat > "$work/pgbench.sql" <<SQL
insert into proctoring_event (tenant_id, session_id, source, sequence, kind, occurred_at, received_at, client_offset_ms)
values ('$s_tenant', '$s_id', 'client', nextval('bench_event_sequence'), 'window_blur', now(), now(), 1000);
SQL
  psql "$db_url" -q -c "drop sequence if exists bench_event_sequence" -c "create sequence bench_event_sequence start 10000000"
  tps=$(pgbench -n -f "$work/pgbench.sql" -c "$db_connections" -j 2 -T "$pgbench_seconds" "$db_url" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | tail -1)
  events=$(field events_per_s)
  ratio=$( [ -n "$tps" ] && calc "$events / $tps" 3 || echo "-")
  {
    printf 'N=%-6s events/s %8s  batches/s %7s (offered %s)  batch p50 %6s ms  p99 %7s ms  max %7s ms  errors %s\n' "$n" \
      "$events" "$(field batches_per_s)" "$(field offered_batches_per_s)" "$(field batch_p50_ms)" "$(field batch_p99_ms)" \
      "$(field batch_max_ms)" "$(field errors)"
    printf '          database: %s event rows/s; pgbench one-row insert %s tps; events/s / pgbench tps = %s\n' \
      "$rows_per_s" "$tps" "$ratio"
    printf '          push (a paste to the teacher'"'"'s stream): heard %s, p50 %s ms, p99 %s ms, max %s ms; started %s/%s\n' \
      "$(field push_heard)" "$(field push_p50_ms)" "$(field push_p99_ms)" "$(field push_max_ms)" "$(field started)" "$n"
    printf '          CPU (cores of %s): server %s, PostgreSQL %s\n' "$(nproc)" "$cpu_server" "$cpu_postgres"
    [ "$(field errors)" = 0 ] || echo "          errors: $(field error_kinds)"
  } | tee -a "$out"
done
echo "results in $out"
