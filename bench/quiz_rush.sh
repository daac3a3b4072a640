#!/usr/bin/env bash
# The quiz rush: N learners of one tenant, signed in beforehand, start a 20-question timed quiz
# within the ramp (60 s), save an answer every 5 s through the browser's own path (the quiz/start
# and quiz/save server functions, with the session cookie and same-origin headers), and submit;
# against a release server on loopback with its own database. For each N it prints saves per
# second, p50/p99 save latency, errors, the server's and PostgreSQL's CPU and, in the same run,
# pgbench on a one-row update of quiz_answer by primary key as the ceiling, with the ratio.
# BENCH_CRASH=1 adds a crash run at 2,000 learners: SIGKILL mid-run and a restart; the learners
# resend what was not acknowledged, nothing acknowledged may be lost, and the attempts whose
# deadline passed while the server was down must be submitted by the sweeper.
#
#   flock /tmp/heavy.lock bench/quiz_rush.sh
#     BENCH_LEARNERS="500 2000 10000"  the runs; BENCH_RAMP (60 s) to start them all;
#     BENCH_DURATION (60 s) of saving after the ramp; BENCH_INTERVAL (5 s) between saves;
#     BENCH_DB_CONNECTIONS (10) the server's pool, and pgbench's clients;
#     BENCH_CRASH=1, BENCH_CRASH_LEARNERS (2000); BENCH_PGBENCH_SECONDS (15);
#     BENCH_DATABASE_URL, BENCH_PORT; BENCH_SKIP_BUILD=1 uses the binaries as built.
# Cargo runs inside: don't wrap cargo in another flock in here (the outer lock would deadlock it).
# Results go to target/bench-quiz-rush.txt as well.
set -euo pipefail
cd "$(dirname "$0")/.."
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
learners_list=${BENCH_LEARNERS:-500 2000 10000}
ramp=${BENCH_RAMP:-60}
duration=${BENCH_DURATION:-60}
interval=${BENCH_INTERVAL:-5}
db_connections=${BENCH_DB_CONNECTIONS:-10}
crash=${BENCH_CRASH:-0}
crash_learners=${BENCH_CRASH_LEARNERS:-2000}
pgbench_seconds=${BENCH_PGBENCH_SECONDS:-15}
port=${BENCH_PORT:-3903}
db=lectern_bench_quiz
db_url="${admin_url%/*}/$db"
base="http://127.0.0.1:$port"
out=target/bench-quiz-rush.txt
server_log=target/bench-quiz-rush-server.log
server_bin=target/release/server
loadgen=target/bench/release/quiz_rush
# Each learner's requests share a pool of keep-alive connections, and the server holds them all.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -p server
  CARGO_TARGET_DIR=target/bench cargo build --release --manifest-path bench/quiz_rush/Cargo.toml
fi
command -v pgbench >/dev/null || { echo "bench: pgbench is missing (Debian's postgresql package has it)"; exit 1; }

work=$(mktemp -d)
server=""
loadgen_pid=""
analyzer=""
cleanup() {
  [ -n "$analyzer" ] && kill "$analyzer" 2>/dev/null
  [ -n "$loadgen_pid" ] && kill "$loadgen_pid" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# Cookies are signed with this key; the server and `server bench-sessions` must share it.
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
: > "$server_log"

start_server() {
  LECTERN_BIND=127.0.0.1:$port DATABASE_URL="$db_url" LECTERN_SECRET_KEY="$secret" LECTERN_LOG=warn \
    LECTERN_SEED_DEMO=true DATABASE_MAX_CONNECTIONS="$db_connections" \
    "$server_bin" >> "$server_log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null -H 'accept: application/json' "$base/" && return 0
    sleep 0.1
  done
  echo "bench: the server did not start"; tail -20 "$server_log"; exit 1
}

api() {
  local method=$1 path=$2 body=${3:-}
  curl -sfS -X "$method" "$base$path" -H "Authorization: Bearer $key" -H "X-Tenant-Id: $tenant" \
    -H 'content-type: application/json' -H 'accept: application/json' ${body:+--data "$body"}
}
data_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["id"])'; }
field() { sed -n "s/^$1=//p" "$work/result"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# Timed, and long enough for the whole run: the ramp, the saving, and a crash's downtime.
limit_minutes=$(( (ramp + duration) / 60 + 10 ))
make_quiz() {
  local quiz q
  quiz=$(api POST /v1/quizzes "{\"course_id\":\"$course\",\"title\":\"$1\",\"time_limit_minutes\":$limit_minutes}" | data_id)
  for q in $(seq 1 20); do
    api POST "/v1/quizzes/$quiz/questions" "{\"kind\":\"single_choice\",\"prompt\":\"Question $q\",\"options\":[{\"text\":\"A\",\"correct\":true},{\"text\":\"B\"},{\"text\":\"C\"},{\"text\":\"D\"}]}" > /dev/null
  done
  api POST "/v1/quizzes/$quiz/publish" > /dev/null
  echo "$quiz"
}

# CPU: utime + stime of processes, in clock ticks.
declare -A start_ticks
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
postgres_pids() {
  psql "$admin_url" -Atc "select pid from pg_stat_activity where datname = '$db' or datname is null"
}
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }
cpu_begin() {
  start_ticks=()
  local pid
  for pid in $(postgres_pids); do start_ticks[$pid]=$(ticks_of "$pid"); done
  cpu_server0=$(ticks_of "$server")
  cpu_loadgen0=$(ticks_of "$loadgen_pid")
  read -r cpu_busy0 cpu_idle0 < <(machine_ticks)
  cpu_t0=$(date +%s.%N)
}
cpu_end() {
  local pid pg=0 hz seconds busy idle
  # A backend that started within the window counts from zero.
  for pid in $(postgres_pids) "${!start_ticks[@]}"; do
    [ -n "${seen[$pid]:-}" ] && continue
    seen[$pid]=1
    # A backend that ended within the window is lost (a reconnecting pool replaces them).
    [ -r "/proc/$pid/stat" ] || continue
    pg=$(( pg + $(ticks_of "$pid") - ${start_ticks[$pid]:-0} ))
  done
  read -r busy idle < <(machine_ticks)
  hz=$(getconf CLK_TCK)
  seconds=$(calc "$(date +%s.%N) - $cpu_t0" 3)
  cpu_server=$(calc "($(ticks_of "$server") - $cpu_server0) / $hz / $seconds")
  cpu_postgres=$(calc "$pg / $hz / $seconds")
  cpu_loadgen=$(calc "($(ticks_of "$loadgen_pid") - $cpu_loadgen0) / $hz / $seconds")
  cpu_machine=$(calc "100 * ($busy - $cpu_busy0) / ($busy - $cpu_busy0 + $idle - $cpu_idle0)" 0)
}

# The ceiling: one-row updates of quiz_answer by primary key, as many clients as the server has
# connections, with the server idle.
pgbench_tps() {
  psql "$db_url" -q -v ON_ERROR_STOP=1 <<'SQL'
drop table if exists bench_answer_key;
create table bench_answer_key as
  select row_number() over () as n, tenant_id, attempt_id, question_id from quiz_answer;
alter table bench_answer_key add primary key (n);
analyze bench_answer_key;
SQL
  local rows
  rows=$(psql "$db_url" -Atc "select count(*) from bench_answer_key")
  cat > "$work/pgbench.sql" <<SQL
\set n random(1, $rows)
update quiz_answer a set response = jsonb_build_object('selected_option_id', 'opt_bench'),
       revision = a.revision + 1, saved_at = now()
  from bench_answer_key k
 where k.n = :n and a.tenant_id = k.tenant_id and a.attempt_id = k.attempt_id and a.question_id = k.question_id;
SQL
  pgbench -n -f "$work/pgbench.sql" -c "$db_connections" -j 2 -T "$pgbench_seconds" "$db_url" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | tail -1
}

# Production's autovacuum re-analyses the exam's tables as they grow, and a new analysis replans
# the server's prepared statements. With autovacuum off here, plans made while quiz_answer was
# empty stay with each pooled connection and scan the table whole: a submit read up to 100,000
# rows. This loop stands in for autovacuum's analyses while the load runs.
analyze_loop() {
  while sleep 10; do psql "$db_url" -q -c "analyze quiz_answer, quiz_attempt" || true; done
}

run_loadgen() {
  local n=$1 quiz=$2; shift 2
  "$loadgen" --base "$base" --quiz "$quiz" --cookies "$work/cookies" --learners "$n" \
    --ramp "$ramp" --duration "$duration" --interval "$interval" "$@" > "$work/result" 2> "$work/progress" &
  loadgen_pid=$!
  [ -n "$analyzer" ] || { analyze_loop & analyzer=$!; }
}

max_learners=0
for n in $learners_list; do [ "$n" -gt "$max_learners" ] && max_learners=$n; done
[ "$crash" = 1 ] && [ "$crash_learners" -gt "$max_learners" ] && max_learners=$crash_learners

psql "$admin_url" -q -c "drop database if exists $db with (force)" -c "create database $db"
start_server
issued=$(DATABASE_URL="$db_url" "$server_bin" issue-key --tenant demo --role admin --name bench)
tenant=$(sed -n 's/^tenant_id=//p' <<<"$issued")
key=$(sed -n 's/^secret=//p' <<<"$issued")
psql "$db_url" -q -c "update tenant set max_users = 1000000, requests_per_minute = 1000000000, requests_per_hour = 1000000000 where slug = 'demo'"
course=$(api POST /v1/courses '{"title":"Quiz rush"}' | data_id)
module=$(api POST "/v1/courses/$course/modules" '{"title":"One"}' | data_id)
api POST "/v1/modules/$module/lessons" '{"title":"Before the quiz"}' > /dev/null
api POST "/v1/courses/$course/publish" > /dev/null
began=$(date +%s)
DATABASE_URL="$db_url" LECTERN_SECRET_KEY="$secret" "$server_bin" bench-sessions \
  --tenant demo --course "$course" --count "$max_learners" > "$work/cookies"
sessions_seconds=$(( $(date +%s) - began ))
# Autovacuum may be off here (CI machines turn it off): without statistics after the bulk of new
# sessions, the session lookup scans every session of the tenant (2.8 ms a request at 10,000).
psql "$db_url" -q -c "vacuum analyze"

{
  echo "quiz rush, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores"
  echo "  $(psql "$admin_url" -Atc 'show server_version') PostgreSQL; server pool $db_connections connections;" \
       "ramp ${ramp}s, ${duration}s of saving after it, a save every ${interval}s; 20 single-choice questions"
  echo "  $max_learners learners enrolled with sessions in ${sessions_seconds}s (server bench-sessions)"
} | tee "$out"

for n in $learners_list; do
  quiz=$(make_quiz "Rush $n")
  psql "$db_url" -q -c "analyze"
  echo "N=$n: quiz $quiz, running $((ramp + duration))s…"
  run_loadgen "$n" "$quiz"
  sleep "$ramp"
  declare -A seen=()
  cpu_begin
  sleep "$duration"
  cpu_end
  wait "$loadgen_pid" || { echo "bench: the load generator failed"; cat "$work/progress"; exit 1; }
  loadgen_pid=""
  tps=$(pgbench_tps)
  saves=$(field steady_saves_per_s)
  ratio=$( [ -n "$tps" ] && calc "$saves / $tps" 3 || echo "-")
  {
    printf 'N=%-6s saves/s %7s (offered %s)  save p50 %6s ms  p99 %7s ms  max %7s ms  errors %s\n' "$n" \
      "$saves" "$(field offered_saves_per_s)" "$(field save_p50_ms)" "$(field save_p99_ms)" "$(field save_max_ms)" "$(field errors)"
    printf '          CPU (cores of %s): server %s, PostgreSQL %s, load generator %s; machine %s%% busy\n' \
      "$(nproc)" "$cpu_server" "$cpu_postgres" "$cpu_loadgen" "$cpu_machine"
    printf '          pgbench one-row update: %s tps; saves/s / pgbench tps = %s\n' "$tps" "$ratio"
    printf '          starts %s/%s (p50 %s ms, p99 %s ms), submits %s (p50 %s ms, p99 %s ms), last acknowledged answers lost %s of %s (%s attempts unread)\n' \
      "$(field started)" "$n" "$(field start_p50_ms)" "$(field start_p99_ms)" "$(field submitted)" \
      "$(field submit_p50_ms)" "$(field submit_p99_ms)" "$(field acknowledged_answers_lost)" "$(field acknowledged_answers_checked)" \
      "$(field attempts_unverified)"
    [ "$(field errors)" = 0 ] || echo "          errors: $(field error_kinds)"
  } | tee -a "$out"
done

if [ "$crash" = 1 ]; then
  n=$crash_learners
  quiz=$(make_quiz "Crash $n")
  echo "crash: N=$n, SIGKILL at $((ramp + duration / 2))s…"
  run_loadgen "$n" "$quiz" --crash --overdue-file "$work/overdue" --overdue-every 10
  started=$(date +%s.%N)
  # Every tenth learner has walked away before the kill.
  for _ in $(seq 1 $(( (ramp + duration) * 10 ))); do [ -f "$work/overdue" ] && break; sleep 0.1; done
  [ -f "$work/overdue" ] || { echo "bench: the walkers-away never finished"; exit 1; }
  wait_for=$(calc "$started + $ramp + $duration / 2 - $(date +%s.%N)" 1)
  sleep "$(sed 's/^-.*/0/' <<<"$wait_for")"
  acked_before=$(grep -o 'saves=[0-9]*' "$work/progress" | tail -1 | cut -d= -f2)
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  down=$(date +%s.%N)
  # While it is down, the walkers-away run out of time.
  moved=$(psql "$db_url" -Atc "with moved as (update quiz_attempt set deadline_at = now() - interval '1 minute'
            where id = any(string_to_array('$(cat "$work/overdue")', ',')::uuid[]) and status = 'in_progress' returning 1)
          select count(*) from moved")
  start_server
  downtime=$(calc "$(date +%s.%N) - $down" 1)
  wait "$loadgen_pid" || { echo "bench: the load generator failed"; cat "$work/progress"; exit 1; }
  loadgen_pid=""
  {
    printf 'crash N=%s: SIGKILL after about %s acknowledged saves, down %s s; saves %s, resent after errors %s, errors %s\n' \
      "$n" "${acked_before:-?}" "$downtime" "$(field saves)" "$(field resent)" "$(field errors)"
    printf '          last acknowledged answers lost %s of %s (%s attempts unread); overdue attempts %s (deadline moved on %s), submitted %s, by the sweeper (auto) %s\n' \
      "$(field acknowledged_answers_lost)" "$(field acknowledged_answers_checked)" "$(field attempts_unverified)" "$(field overdue_attempts)" "$moved" \
      "$(field overdue_submitted)" "$(field overdue_auto_submitted)"
    [ "$(field errors)" = 0 ] || echo "          errors: $(field error_kinds)"
  } | tee -a "$out"
fi
echo "results in $out"
