#!/bin/sh
# Core load benchmark (make bench). Starts `socle serve` on a fresh bench
# deployment (hello plugin) and measures with wrk on loopback:
#   - authenticated JSON read:  GET  /hello/greetings?limit=10 (session check,
#     capability, SQLite read of the last 10 rows)
#   - audited durable write:    POST /hello/greetings (Lua rule point, insert +
#     audit entry + event in one transaction, WAL + synchronous=FULL)
# at 16 and 256 connections, plus login latency (Argon2id) and the largest WAL
# size seen during the write runs. Figures are printed, never asserted: the
# machines are shared and noisy; compare medians of several runs.
# Usage: bench/run.sh BUILD_DIR   (DURATION=10s by default)
set -eu
BUILD=${1:?usage: bench/run.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.sh"
DURATION=${DURATION:-10s}
SOCLE="$BUILD/socle"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-XXXXXX")
PID=""
MON=""
cleanup() {
	[ -n "$MON" ] && kill "$MON" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk missing: sh tools/deps.sh" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "services": [
    { "id": "bench", "name": "Banc d'essai", "database": "bench.db", "plugins": { "hello": {} } }
  ]
}
JSON
serve_bench
for i in $(seq 1 20); do
	curl -sf -X POST "$BASE/hello/greetings" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -d "{\"name\":\"seed $i\"}" >/dev/null
done

cat > "$WORK/write.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

# Print "label req/s p50 p99 errors" from one wrk output.
report() {
	label=$1 file=$2
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$file")
	p50=$(sed -n 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p' "$file")
	p99=$(sed -n 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p' "$file")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$file")
	sock=$(sed -n 's/^ *Socket errors: *\(.*\)/\1/p' "$file")
	printf '%-34s %10s req/s   p50 %-9s p99 %-9s non-2xx %-6s socket errors: %s\n' \
		"$label" "$rps" "$p50" "$p99" "${non2xx:-0}" "${sock:-none}"
}

echo "Socle core benchmark — $(nproc) cores, wrk on loopback, $DURATION per run"
for c in 16 256; do
	wrk -t2 -c"$c" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
		"$BASE/hello/greetings?limit=10" >"$WORK/read-$c.txt"
	report "authenticated read, c=$c" "$WORK/read-$c.txt"
done

# WAL monitor: the largest -wal size seen while writing.
: >"$WORK/wal.max"
( max=0; while :; do
	s=$(stat -c %s "$WORK/bench.db-wal" 2>/dev/null || echo 0)
	[ "$s" -gt "$max" ] && max=$s && echo "$max" >"$WORK/wal.max"
	sleep 0.05
done ) &
MON=$!
for c in 16 256; do
	wrk -t2 -c"$c" -d"$DURATION" --latency -s "$WORK/write.lua" "$BASE/hello/greetings" \
		>"$WORK/write-$c.txt"
	report "audited durable write, c=$c" "$WORK/write-$c.txt"
done
kill "$MON" 2>/dev/null; MON=""
wal=$(cat "$WORK/wal.max" 2>/dev/null || echo 0)
echo "largest WAL during writes: $(( ${wal:-0} / 1024 )) KiB (target <= 65536 KiB)"

# Login latency: 50 sequential logins (Argon2id, 19 MiB, t=2), median and p99.
for i in $(seq 1 50); do
	curl -s -o /dev/null -w '%{time_total}\n' -X POST "$BASE/auth/login" \
		-H 'Content-Type: application/json' -d "$LOGIN"
done | sort -n >"$WORK/login.txt"
p50=$(sed -n '25p' "$WORK/login.txt")
p99=$(sed -n '50p' "$WORK/login.txt")
echo "login latency (50 sequential): p50 ${p50}s  p99(max) ${p99}s"

# The membership plugin's figures (CSV import, category recompute, workforce
# page): bench/membership/run.sh, documented in bench/README.md.
# The core bench server is stopped first: the two never share the machine.
kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
PID=""
echo
sh "$SRC/bench/membership/run.sh" "$BUILD"

# The tracking plugin's figures (next visits, indicators): bench/tracking/run.sh.
echo
sh "$SRC/bench/tracking/run.sh" "$BUILD"

# The job-retention plugin's figures (retention_signal, indicators):
# bench/retention/run.sh.
echo
sh "$SRC/bench/retention/run.sh" "$BUILD"

# The risk-evaluation plugin's DUERP vault (10 MB upload and download):
# bench/riskeval/run.sh.
echo
sh "$SRC/bench/riskeval/run.sh" "$BUILD"

# The awareness plugin's figures (recommend_actions for every company,
# indicators): bench/awareness/run.sh.
echo
sh "$SRC/bench/awareness/run.sh" "$BUILD"

# The team's search box (issue 15): bench/search/run.sh.
echo
sh "$SRC/bench/search/run.sh" "$BUILD"

# The document service's figures (PDF rendering and issuing): bench/documents/run.sh.
echo
sh "$SRC/bench/documents/run.sh" "$BUILD"
# Mails with a PDF and an .ics delivered to a local SMTP server: bench/mail/run.sh.
echo
sh "$SRC/bench/mail/run.sh" "$BUILD"
