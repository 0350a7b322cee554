#!/bin/sh
# Tracking load figures (bench/README.md, "Tracking"). Called by bench/run.sh
# after the membership figures, or alone:
#   bench/tracking/run.sh BUILD_DIR   (COMPANIES=50000, DURATION=10s, RUNS=1,
#                                      THREADS=number of cores)
# 1. runs BUILD_DIR/bench/bench_tracking on a fresh deployment: a synthetic
#    service of 50,000 companies, 500,000 workers and 3,000,000 past visits,
#    its planning (40 professionals, 12,800 free slots, 5,000 requests due in
#    2025 and scheduled, 10,050 queued requests), inserted in process and not
#    timed; then every worker's next visits through the rule point, shared
#    among THREADS threads, RUNS times (target <= 10 s), and each indicator
#    for the whole service (target <= 2 s each);
# 2. serves that database and assigns the 10,000 queued requests of highest
#    priority to slots with POST /tracking/assignments/run {"limit": 10000}
#    (visit_priority order, assign_slot per request, each visit booked with
#    its event, audit entry and convocation job; target <= 2 s), then how long
#    the convocation jobs take to send their mails and queue their reminders;
# 3. once every event is delivered and every due job done, measures company
#    1's visits-to-plan list (GET /tracking/companies/1/visits-to-plan?limit=50,
#    50 queued requests) with wrk at 16 connections (target p99 <= 10 ms).
# Figures are printed, never asserted.
set -eu
BUILD=${1:?usage: bench/tracking/run.sh BUILD_DIR}
COMPANIES=${COMPANIES:-50000}
DURATION=${DURATION:-10s}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/bench/lib.sh"
SOCLE="$BUILD/socle"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-tracking-XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
for tool in wrk curl sqlite3; do
	command -v $tool >/dev/null || { echo "$tool missing: sh tools/deps.sh" >&2; exit 1; }
done
BENCH="$BUILD/bench/bench_tracking"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "services": [
    { "id": "bench", "name": "Banc d'essai suivi individuel", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 }, "tracking": {} } }
  ]
}
JSON

echo "Tracking benchmark — $(nproc) cores"
# 1. Generation, next_visits, indicators, in process.
"$BENCH" "$WORK/socle.json" bench "$COMPANIES" "${RUNS:-1}" "${THREADS:-$(nproc)}" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }

# 2. The assignment, through the API of a running server.
# The server also serves the staff pages (the portal is not linked into the
# in-process bench above).
sed -i 's/"tracking": {} }/"tracking": {}, "portal": {} }/' "$WORK/socle.json"
# The first médecin of the generated planning becomes a real account (step 4
# signs in as him): his slots and his professional row take its user id.
printf 'banc-essai-medecin\n' | "$SOCLE" user add --config "$WORK/socle.json" --service bench \
	--email medecin@bench.example --role medecin >"$WORK/medecin-add.log" 2>&1 ||
	{ cat "$WORK/medecin-add.log" >&2; exit 1; }
sqlite3 "$WORK/bench.db" "PRAGMA busy_timeout=2000;
	UPDATE tracking_slot SET professional_id = (SELECT id FROM core_user WHERE email = 'medecin@bench.example')
	 WHERE professional_id = 1000001;
	UPDATE tracking_professional SET user_id = (SELECT id FROM core_user WHERE email = 'medecin@bench.example')
	 WHERE user_id = 1000001;" >/dev/null
serve_bench
# Every event and due job done first: what is measured is the run alone.
quiescent() {
	waited=0
	while [ "$(sqlite3 "$WORK/bench.db" "PRAGMA busy_timeout=2000;
		SELECT (SELECT count(*) FROM core_event WHERE delivered_at IS NULL)
		     + (SELECT count(*) FROM core_job WHERE state IN ('queued', 'running')
		        AND run_at <= CAST(strftime('%s', 'now') AS INTEGER) * 1000)" | tail -1)" != 0 ]; do
		[ "$waited" -lt 1200 ] || { echo "events or jobs still pending after 120 s" >&2; exit 1; }
		sleep 0.1
		waited=$((waited + 1))
	done
}
quiescent
curl -sf -o "$WORK/run.json" -w '%{time_total}\n' -X POST "$BASE/tracking/assignments/run" \
	-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	-d '{"limit":10000}' >"$WORK/run.time" || { cat "$WORK/server.log" >&2; exit 1; }
secs=$(cat "$WORK/run.time")
field() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$WORK/run.json" | head -1; }
verdict=$(awk -v s="$secs" 'BEGIN { print (s <= 2 ? "OK" : "MISSED") }')
printf 'assignment: %s requests considered, %s scheduled, %s left queued in %.2f s (target <= 2 s) %s\n' \
	"$(field considered)" "$(field scheduled)" "$(field unplaced)" "$secs" "$verdict"
slot_check=$(sqlite3 "$WORK/bench.db" "PRAGMA busy_timeout=2000;
	SELECT count(*) FROM tracking_visit_request r JOIN tracking_slot s ON s.id = r.slot_id
	WHERE r.status = 'scheduled' AND r.scheduled_at > 1 AND s.request_id = r.id AND s.status = 'booked'
	AND (s.role = 'medecin' OR r.type NOT IN ('visite_reprise', 'ema_periodique',
	     'attestation_caces')) AND substr(s.starts_at, 1, 10) <= r.due_before" | tail -1)
echo "  check: requests the run scheduled on a booked slot of the right role, by their deadline: $slot_check"

# The run's convocations follow through the job queue (tracking.convocation:
# rendered, mailed, reminders queued): how long until every due job is done.
t0=$(date +%s.%N)
quiescent
drain=$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }')
mails=$(sqlite3 "$WORK/bench.db" "PRAGMA busy_timeout=2000;
	SELECT (SELECT count(*) FROM core_job WHERE kind = 'mail.send' AND payload LIKE '%\"convocation\"%'),
	       (SELECT count(*) FROM core_job WHERE kind = 'tracking.reminder')" | tail -1)
echo "  convocations of the run (background, after its reply): $(echo "$mails" | cut -d'|' -f1) mails and $(echo "$mails" | cut -d'|' -f2) reminder jobs queued, every due job done $drain s after the reply"

# 3. The visits-to-plan list of company 1, on a quiescent server (the run's
#    visit.scheduled events delivered, its convocation mails sent).
COUNT=$(curl -sf "$BASE/tracking/companies/1/visits-to-plan?limit=50" \
	-H "Authorization: Bearer $TOKEN" | grep -o '"priority_reason"' | wc -l)
wrk -t2 -c16 -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
	"$BASE/tracking/companies/1/visits-to-plan?limit=50" >"$WORK/page.txt"
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$WORK/page.txt")
p50=$(sed -n 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p' "$WORK/page.txt")
p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$WORK/page.txt")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$WORK/page.txt")
printf 'visits-to-plan page (%s requests), c=16: %s req/s   p50 %s   p99 %s (target <= 10 ms)   non-2xx %s\n' \
	"$COUNT" "$rps" "$p50" "$p99" "${non2xx:-0}"

# 4. The médecin's agenda and visit pages in a browser (issue 15: ready
#    <= 300 ms p95 on a service of 500,000 workers), when node and the test
#    tools are installed (sh tools/deps.sh --test).
if command -v node >/dev/null && [ -d "$SRC/tests/browser/node_modules/playwright-core" ]; then
	node "$SRC/bench/portal/staff.mjs" "http://127.0.0.1:$PORT" bench medecin@bench.example \
		banc-essai-medecin || { tail -20 "$WORK/server.log" >&2; exit 1; }
else
	echo "staff pages: skipped (node or tests/browser/node_modules missing: sh tools/deps.sh --test)"
fi
