#!/bin/sh
# Awareness load figures (bench/README.md, "Awareness"). Called by
# bench/run.sh after the retention figures, or alone:
#   bench/awareness/run.sh BUILD_DIR   (COMPANIES=50000, RUNS=3, THREADS=number of cores)
# Runs BUILD_DIR/bench/bench_awareness on a fresh deployment: COMPANIES
# companies of 10 workers with their awareness history, generated in process
# and not timed; then recommend_actions for every company (target <= 2 s) and
# each indicator of 3.4.1.4 over the workers (target <= 1 s each), medians
# of RUNS runs. Figures are printed, never asserted.
set -eu
BUILD=${1:?usage: bench/awareness/run.sh BUILD_DIR}
COMPANIES=${COMPANIES:-50000}
RUNS=${RUNS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-awareness-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH="$BUILD/bench/bench_awareness"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "services": [
    { "id": "bench", "name": "Banc d'essai sensibilisation", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 }, "awareness": {} } }
  ]
}
JSON

echo "Awareness benchmark — $(nproc) cores"
"$BENCH" "$WORK/socle.json" bench "$COMPANIES" "$RUNS" "${THREADS:-$(nproc)}" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }
