#!/usr/bin/env bash
# Webhook delivery, measured in one run against release servers on this machine:
#   - throughput: BENCH_EVENTS events written to the outbox in one statement, delivered to a local
#     receiver; events a second from that commit to the last arrival, with 1 and then 2 server
#     processes sharing the work;
#   - latency: events written at a steady BENCH_RATE a second (pgbench, -R) for BENCH_SECONDS; p50,
#     p99 and max from each event's own time (its transaction's) to its arrival, with 2 processes;
#   - fairness: the same steady rate again while a second tenant's endpoint hangs on every call
#     (its receiver accepts and never answers) and that tenant writes a fifth as many events; the
#     first tenant's p50, p99 and max against the run without it are the delay it adds;
#   - the ceiling: pgbench's rate for the same insert, unthrottled, on the same machine, before any
#     endpoint exists (the most events the database takes in, with no delivery work at all).
# The receiver (bench/webhook_receiver.py) also counts repeats: every event must arrive once.
#
#   bench/webhooks.sh     (BENCH_DATABASE_URL, BENCH_EVENTS, BENCH_RATE, BENCH_SECONDS override;
#                          BENCH_SKIP_BUILD=1 uses the release binary as built, BENCH_SERVER another)
set -euo pipefail
cd "$(dirname "$0")/.."
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
events=${BENCH_EVENTS:-20000}
rate=${BENCH_RATE:-500}
seconds=${BENCH_SECONDS:-30}
db_url="${admin_url%/*}/lectern_bench_webhooks"
server_bin=${BENCH_SERVER:-target/release/server}
receiver_port=3911
ports=(3912 3913)

[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || cargo xtask build --release
psql "$admin_url" -q -c "drop database if exists lectern_bench_webhooks with (force)" \
  -c "create database lectern_bench_webhooks"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
python3 bench/webhook_receiver.py "$receiver_port" & pids+=($!)

start_server() { # index
  local port=${ports[$1]}
  LECTERN_BIND=127.0.0.1:$port LECTERN_PUBLIC_URL=http://127.0.0.1:$port DATABASE_URL="$db_url" \
    LECTERN_SEED_DEMO=true LECTERN_LOG=warn LECTERN_WEBHOOKS_ALLOW_LOOPBACK=true \
    LECTERN_SECRET_KEY=bench-webhooks-0123456789abcdef0123456789abcdef0123456789abcdef0123 \
    "$server_bin" > "target/bench-webhooks-server-$1.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.2; done
  echo "bench: server $1 did not start" >&2; exit 1
}
stats() { curl -sf "http://127.0.0.1:$receiver_port/stats"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
now() { date +%s.%N; }

start_server 0
tenant=$(psql "$db_url" -tA -c "select id from tenant where slug = 'demo'")
insert=$(mktemp)
echo "insert into event_outbox (id, tenant_id, event_type, payload) values (gen_random_uuid(), '$tenant', 'course.published', '{\"course_id\": \"crs_bench\"}');" > "$insert"
ceiling=$(pgbench -n -c 4 -j 2 -T 10 -f "$insert" "$db_url" 2>/dev/null | awk '/^tps/ {print int($3)}')

issued=$(DATABASE_URL="$db_url" "$server_bin" issue-key --tenant demo --role admin --name bench)
secret=$(sed -n 's/^secret=//p' <<<"$issued")
curl -sf -o /dev/null -X POST "http://127.0.0.1:${ports[0]}/v1/webhooks" -H "X-API-Key: $secret" \
  -H 'content-type: application/json' \
  -d "{\"url\": \"http://127.0.0.1:$receiver_port/hooks\", \"events\": [\"*\"]}"

throughput() { # processes
  curl -sf -X DELETE "http://127.0.0.1:$receiver_port/stats" >/dev/null
  local started received=0 deadline
  started=$(now)
  psql "$db_url" -q -c "insert into event_outbox (id, tenant_id, event_type, payload)
    select gen_random_uuid(), '$tenant', 'course.published', jsonb_build_object('n', g)
    from generate_series(1, $events) g"
  deadline=$(( $(date +%s) + 600 ))
  while [ "$received" -lt "$events" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.2; received=$(stats | field received)
  done
  local took distinct
  took=$(python3 -c "print($(now) - $started)")
  distinct=$(stats | field distinct)
  python3 -c "print(f'throughput, $1 process(es): {$received} of $events events in {$took:.1f} s = {$received/$took:,.0f} events/s; {$received - $distinct} repeats')"
  echo "$(python3 -c "print(int($received/$took))")" > "target/bench-webhooks-$1.rps"
}

echo "ceiling: pgbench inserts into the outbox, 4 connections, no endpoint: $ceiling events/s"
throughput 1
start_server 1
throughput 2

steady() { # label, pgbench script arguments…
  local label=$1; shift
  curl -sf -X DELETE "http://127.0.0.1:$receiver_port/stats" >/dev/null
  local since wanted
  since=$(psql "$db_url" -tA -c "select now()")
  pgbench -n -c 4 -j 2 -R "$rate" -T "$seconds" "$@" "$db_url" > target/bench-webhooks-pgbench.log 2>&1
  wanted=$(psql "$db_url" -tA -c "select count(*) from event_outbox
    where tenant_id = '$tenant' and created_at >= '$since'")
  for _ in $(seq 1 300); do
    [ "$(stats | field received)" -ge "$wanted" ] && break; sleep 0.2
  done
  stats | python3 -c "
import json, sys
s = json.load(sys.stdin)
lat = sorted(s['latencies_ms'])
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f'$label: {s[\"received\"]} of $wanted delivered, {s[\"received\"] - s[\"distinct\"]} repeats; '
      f'commit to arrival p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {lat[-1]:.1f} ms')
"
}
steady "latency at $rate events/s for ${seconds} s, 2 processes" -f "$insert"

# A second tenant whose receiver takes connections and never answers.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 3914)); s.listen(1024); held = []
while True: held.append(s.accept()[0])
" & pids+=($!)
psql "$db_url" -q -c "insert into tenant (id, slug, name) values (gen_random_uuid(), 'hanging', 'Hanging Ltd')"
hanging_tenant=$(psql "$db_url" -tA -c "select id from tenant where slug = 'hanging'")
hanging_key=$(DATABASE_URL="$db_url" "$server_bin" issue-key --tenant hanging --role admin --name bench | sed -n 's/^secret=//p')
curl -sf -o /dev/null -X POST "http://127.0.0.1:${ports[0]}/v1/webhooks" -H "X-API-Key: $hanging_key" \
  -H 'content-type: application/json' -d '{"url": "http://127.0.0.1:3914/hooks", "events": ["*"]}'
hanging_insert=$(mktemp)
echo "insert into event_outbox (id, tenant_id, event_type, payload) values (gen_random_uuid(), '$hanging_tenant', 'course.published', '{\"course_id\": \"crs_bench\"}');" > "$hanging_insert"
# 5 of every 6 events the first tenant's, at the same rate as before; the hanging tenant's on top.
rate=$(( rate * 6 / 5 ))
steady "the same while another tenant has an endpoint that hangs (its events a fifth as many)" -f "$insert@5" -f "$hanging_insert@1"
one=$(cat target/bench-webhooks-1.rps); two=$(cat target/bench-webhooks-2.rps)
python3 -c "print(f'ratios: 1 process {$one/$ceiling:.2f}x the insert ceiling, 2 processes {$two/$ceiling:.2f}x; 2 against 1: {$two/$one:.2f}x')"
