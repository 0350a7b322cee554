#!/bin/sh
# Job-retention load figures (bench/README.md, "Retention"). Called by
# bench/run.sh after the tracking figures, or alone:
#   bench/retention/run.sh BUILD_DIR   (WORKERS=500000)
# Runs BUILD_DIR/bench/bench_retention on a fresh deployment: the rule point
# retention_signal over a day's 5,000 events (target <= 1 s), then the
# indicators over WORKERS followed workers, generated in process and not
# timed (target <= 1 s each). Figures are printed, never asserted.
set -eu
BUILD=${1:?usage: bench/retention/run.sh BUILD_DIR}
WORKERS=${WORKERS:-500000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-retention-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH="$BUILD/bench/bench_retention"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "services": [
    { "id": "bench", "name": "Banc d'essai maintien en emploi", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 }, "tracking": {}, "retention": {} } }
  ]
}
JSON

echo "Retention benchmark — $(nproc) cores"
"$BENCH" "$WORK/socle.json" bench "$WORKERS" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }
