#!/bin/sh
# The team's search figures (bench/README.md, "Search"). Called by
# bench/run.sh, or alone:
#   bench/search/run.sh BUILD_DIR   (COMPANIES=50000, QUERIES=500)
# Runs BUILD_DIR/bench/bench_search on a fresh deployment: COMPANIES companies
# of 10 workers generated in process (not timed), then QUERIES searches of
# each kind through the route's own function; median and p95 printed (target
# p95 <= 100 ms), never asserted.
set -eu
BUILD=${1:?usage: bench/search/run.sh BUILD_DIR}
COMPANIES=${COMPANIES:-50000}
QUERIES=${QUERIES:-500}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-search-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH="$BUILD/bench/bench_search"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "services": [
    { "id": "bench", "name": "Banc d'essai recherche", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 } } }
  ]
}
JSON

echo "Search benchmark — $(nproc) cores"
"$BENCH" "$WORK/socle.json" bench "$COMPANIES" "$QUERIES" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }
