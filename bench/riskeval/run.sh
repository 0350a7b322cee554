#!/bin/sh
# riskeval's DUERP vault figures (issue 14): the upload of a 10 MB DUERP
# (target ≤ 1 s) and its download (target ≥ 100 MB/s), on loopback through
# `socle serve`, with curl. The upload is JSON with the file in base64 (the
# core's router takes JSON bodies): decoding, the check of the bytes, the
# SHA-256, the durable write of the file (fsync file and folder) and the
# transaction that names it are all inside the measured time. The download
# streams the file from disk after recomputing its SHA-256. Three runs each
# (three different files), printed, never asserted.
# Usage: bench/riskeval/run.sh BUILD_DIR   (SIZE_MB=10 by default)
set -eu
BUILD=${1:?usage: bench/riskeval/run.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/bench/lib.sh"
SIZE_MB=${SIZE_MB:-10}
SOCLE="$BUILD/socle"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-riskeval-XXXXXX")
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "services": [
    { "id": "bench", "name": "Banc d'essai", "database": "bench.db",
      "plugins": { "membership": { "demo_data": true },
                   "riskeval": { "duerp_max_bytes": 52428800 } } }
  ]
}
JSON
# The employer of demo company 1 uploads (only the company does).
printf 'banc-essai-employeur\n' | "$SOCLE" user add --config "$WORK/socle.json" --service bench \
	--email employeur@bench.example --role employer --company 1 >"$WORK/employer.log" 2>&1 ||
	{ cat "$WORK/employer.log" >&2; exit 1; }
serve_bench
ETOKEN=$(curl -sf -X POST "$BASE/auth/login" -H 'Content-Type: application/json' \
	-d '{"email":"employeur@bench.example","password":"banc-essai-employeur"}' |
	sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[ -n "$ETOKEN" ] || { echo "employer login failed" >&2; exit 1; }

echo "riskeval DUERP vault — $(nproc) cores, curl on loopback, ${SIZE_MB} MB PDF"
for run in 1 2 3; do
	# A PDF header and random bytes: a different file (hash) each run.
	{ printf '%%PDF-1.7\n'; head -c $((SIZE_MB * 1024 * 1024 - 9)) /dev/urandom; } >"$WORK/duerp.pdf"
	{ printf '{"format":"pdf","filename":"duerp-%s.pdf","version_on":"2025-01-1%s","risks":["bruit"],"content_base64":"' "$run" "$run"
	  base64 -w0 "$WORK/duerp.pdf"; printf '"}'; } >"$WORK/body.json"
	out=$(curl -sS -o "$WORK/created.json" -w '%{http_code} %{time_total}' -X POST \
		"$BASE/riskeval/companies/1/duerp/versions" -H "Authorization: Bearer $ETOKEN" \
		-H 'Content-Type: application/json' --data-binary @"$WORK/body.json")
	code=${out% *}
	[ "$code" = 201 ] || { echo "upload: HTTP $code: $(head -c 300 "$WORK/created.json")" >&2; exit 1; }
	id=$(sed -n 's/.*"id": *\([0-9]*\).*/\1/p' "$WORK/created.json" | head -1)
	printf 'upload %d   %8s s   (target ≤ 1 s)\n' "$run" "${out#* }"
	d=$(curl -sS -o "$WORK/back.pdf" -w '%{http_code} %{time_total} %{speed_download}' \
		"$BASE/riskeval/companies/1/duerp/versions/$id/file" -H "Authorization: Bearer $ETOKEN")
	set -- $d
	[ "$1" = 200 ] || { echo "download: HTTP $1" >&2; exit 1; }
	cmp -s "$WORK/duerp.pdf" "$WORK/back.pdf" || { echo "download: bytes differ" >&2; exit 1; }
	awk -v t="$2" -v s="$3" -v r="$run" \
		'BEGIN { printf "download %d %8s s   %8.1f MB/s   (target ≥ 100 MB/s)\n", r, t, s / 1e6 }'
done

# The due dates of the fiche and the indicators, in process (run_due.sh).
sh "$SRC/bench/riskeval/run_due.sh" "$BUILD"
