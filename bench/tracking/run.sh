#!/bin/sh
# Tracking load figures (bench/README.md, "Tracking"). Called by bench/run.sh
# after the membership figures, or alone:
#   bench/tracking/run.sh BUILD_DIR            (COMPANIES=50000)
# Runs BUILD_DIR/bench/bench_tracking on a fresh deployment: a synthetic
# service of 50,000 companies, 500,000 workers and 3,000,000 past visits
# (inserted in process, not timed), then every worker's next visits through
# the rule point (target <= 10 s) and each indicator for the whole service
# (target <= 2 s each). Figures are printed, never asserted.
set -eu
BUILD=${1:?usage: bench/tracking/run.sh BUILD_DIR}
COMPANIES=${COMPANIES:-50000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-tracking-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH="$BUILD/bench/bench_tracking"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "access_log": "access.log",
  "scripts_default": "$SRC/scripts/default",
  "services": [
    { "id": "bench", "name": "Banc d'essai suivi individuel", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 }, "tracking": {} } }
  ]
}
JSON

echo "Tracking benchmark — $(nproc) cores"
"$BENCH" "$WORK/socle.json" bench "$COMPANIES" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }
