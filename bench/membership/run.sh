#!/bin/sh
# Membership load figures (bench/README.md, "Membership"). Called by
# bench/run.sh after the core figures, or alone:
#   bench/membership/run.sh BUILD_DIR            (COMPANIES=50000, DURATION=10s)
# 1. runs BUILD_DIR/bench/bench_membership (built by CMake from the plugin's
#    objects and the core's static library: it calls the plugin's import and
#    recompute functions in process);
# 2. runs it on a fresh deployment: CSV import of 500,000 workers for 50,000
#    companies (target <= 30 s), recompute of every category through the Lua
#    rule point (target <= 10 s);
# 3. serves that database and measures the company workforce page
#    (GET /membership/companies/{id}/workers, 50 workers per page here: a
#    company of the bench is given 50 workers) with wrk at 16 connections
#    (target p99 <= 10 ms).
# Figures are printed, never asserted.
set -eu
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
BUILD=${1:?usage: bench/membership/run.sh BUILD_DIR}
DURATION=${DURATION:-10s}
COMPANIES=${COMPANIES:-50000}
SOCLE="$BUILD/socle"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-membership-XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl sqlite3; do
	command -v $tool >/dev/null || { echo "$tool missing: sh tools/deps.sh" >&2; exit 1; }
done

# 1. The bench program: built by CMake (bench/CMakeLists.txt) from the
#    plugin's objects and the core's static library.
BENCH="$BUILD/bench/bench_membership"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "services": [
    { "id": "bench", "name": "Banc d'essai adhésion", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 } } }
  ]
}
JSON

echo "Membership benchmark — $(nproc) cores"
# 2. Import and recompute, in process.
"$BENCH" "$WORK/socle.json" bench "$WORK/workers.csv" "$COMPANIES" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }

# 3. The workforce page. Company 1 gets 40 more workers (50 in all) through
#    the HTTP API, then wrk reads its first page of 50.
serve_bench
for i in $(seq 11 50); do
	curl -sf -o /dev/null -X POST "$BASE/membership/companies/1/workers" \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d "{\"external_ref\":\"X$i\",\"last_name\":\"Banc\",\"first_name\":\"Essai $i\",\"birth_date\":\"1980-01-15\",\"job_title\":\"Opérateur\",\"contract_type\":\"cdi\",\"start_date\":\"2020-03-01\"}"
done
# The page is measured on a quiescent server: every event delivered (the
# import's were delivered in process by bench_membership, timed above; these
# are the 40 declarations'), so that wrk does not compete with the loop.
waited=0
while [ "$(sqlite3 "$WORK/bench.db" 'PRAGMA busy_timeout=2000;
	SELECT count(*) FROM core_event WHERE delivered_at IS NULL' | tail -1)" != 0 ]; do
	[ "$waited" -lt 600 ] || { echo "events still pending after 60 s" >&2; exit 1; }
	sleep 0.1
	waited=$((waited + 1))
done
COUNT=$(curl -sf "$BASE/membership/companies/1/workers?limit=50" -H "Authorization: Bearer $TOKEN" |
	grep -o '"external_ref"' | wc -l)
wrk -t2 -c16 -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
	"$BASE/membership/companies/1/workers?limit=50" >"$WORK/page.txt"
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$WORK/page.txt")
p50=$(sed -n 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p' "$WORK/page.txt")
p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$WORK/page.txt")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$WORK/page.txt")
printf 'workforce page (%s workers), c=16: %s req/s   p50 %s   p99 %s (target <= 10 ms)   non-2xx %s\n' \
	"$COUNT" "$rps" "$p50" "$p99" "${non2xx:-0}"
