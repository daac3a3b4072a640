#!/usr/bin/env bash
# The course catalog under load: `GET /v1/courses` and the server-rendered catalog page, browsing
# and searching (a common word, a prefix, a word one course has, a deep page), against 100 tenants
# of 10,000 published courses each (the demo tenant is one of them), with a release server and wrk
# on loopback. Prints requests per second and p99 per path.
#
#   bench/courses.sh     (BENCH_DATABASE_URL, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_TENANTS and
#                         BENCH_COURSES override; BENCH_SKIP_BUILD=1 uses the release binary as built,
#                         BENCH_SERVER another binary, such as an earlier commit's, for a before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
tenants=${BENCH_TENANTS:-100}
courses=${BENCH_COURSES:-10000}
port=${BENCH_PORT:-3902}
db_url="${admin_url%/*}/lectern_bench_courses"

command -v wrk >/dev/null || { echo "bench: installing wrk"; timeout 600 apt-get install -y -q wrk >/dev/null; }
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || cargo xtask build --release
psql "$admin_url" -q -c "drop database if exists lectern_bench_courses with (force)" -c "create database lectern_bench_courses"
LECTERN_BIND=127.0.0.1:$port DATABASE_URL="$db_url" LECTERN_SEED_DEMO=true LECTERN_LOG=warn \
  "${BENCH_SERVER:-target/release/server}" > target/bench-courses-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done

echo "seeding $tenants tenants x $courses published courses"
start=$(date +%s)
psql "$db_url" -q -v ON_ERROR_STOP=1 -v tenants="$tenants" -v courses="$courses" <<'SQL'
insert into tenant (id, slug, name)
select gen_random_uuid(), 'bench-' || t, 'Bench tenant ' || t from generate_series(2, :tenants) t;
-- Titles and summaries from a small vocabulary, so searches match a realistic share of courses.
with words as (
    select array['algebra','biology','chemistry','design','economics','finance','geology','history',
                 'imaging','journalism','kinetics','logic','marketing','nursing','optics','physics',
                 'quantum','rhetoric','statistics','topology','urbanism','virology','welding','zoology',
                 'advanced','applied','basic','clinical','digital','modern','practical','global'] as w
)
insert into course (id, tenant_id, slug, title, summary, status, published_at)
select gen_random_uuid(), t.id, 'course-' || i,
       initcap(w[1 + (i * 7) % 32]) || ' ' || w[1 + (i * 13) % 32] || ' ' || i,
       'A course on ' || w[1 + (i * 3) % 32] || ', ' || w[1 + (i * 11) % 32] || ' and ' || w[1 + (i * 17) % 32] || '.',
       'published', now() - make_interval(secs => i)
from tenant t, words, generate_series(1, :courses) i;
vacuum analyze course;
SQL
echo "seeded in $(( $(date +%s) - start )) s: $(psql "$db_url" -Atc 'select count(*) from course') courses"

issued=$(DATABASE_URL="$db_url" "${BENCH_SERVER:-target/release/server}" issue-key --tenant demo --role student --name bench)
tenant=$(sed -n 's/^tenant_id=//p' <<<"$issued")
secret=$(sed -n 's/^secret=//p' <<<"$issued")
psql "$db_url" -q -c "update tenant set requests_per_minute = 1000000000, requests_per_hour = 1000000000"
jar=$(mktemp)
curl -sf -o /dev/null -c "$jar" "http://127.0.0.1:$port/api/auth/sign-in" \
  --data-urlencode organisation=demo --data-urlencode email=student1@demo.lectern.test \
  --data-urlencode password=lectern-demo-2026
cookie=$(sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}')

run() {
  local label=$1 path=$2; shift 2
  local out
  out=$(timeout $((seconds + 30)) wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "http://127.0.0.1:$port$path")
  printf '%-34s %9s req/s   p50 %8s   p99 %8s   %s\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)"
}

echo "wrk: 2 threads, $connections connections, ${seconds}s per path"
api=(-H "Authorization: Bearer $secret" -H "X-Tenant-Id: $tenant" -H "Accept: application/json")
run "GET /v1/courses (page 1)" "/v1/courses" "${api[@]}"
run "GET /v1/courses?page=400" "/v1/courses?page=400" "${api[@]}"
run "GET /v1/courses?q=physics" "/v1/courses?q=physics" "${api[@]}"
run "GET /v1/courses?q=quan (prefix)" "/v1/courses?q=quan" "${api[@]}"
run "GET /v1/courses?q=4321 (rare)" "/v1/courses?q=4321" "${api[@]}"
run "GET /v1/courses?q=physics&page=40" "/v1/courses?q=physics&page=40" "${api[@]}"
run "GET /courses (catalog page)" "/courses" -H "Cookie: $cookie" -H "Accept: text/html"
run "GET /courses?q=physics" "/courses?q=physics" -H "Cookie: $cookie" -H "Accept: text/html"
