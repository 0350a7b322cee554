#!/bin/sh
# riskeval's due dates and indicators (bench/README.md, "Riskeval (due dates,
# indicators)"). Called by bench/riskeval/run.sh after the vault's figures,
# or alone:
#   bench/riskeval/run_due.sh BUILD_DIR   (COMPANIES=50000, RUNS=3)
# Runs BUILD_DIR/bench/bench_riskeval on a fresh deployment: COMPANIES member
# companies with their fiches, workplace actions and prevention actions,
# generated in process and not timed; then fiche_entreprise_due for every
# company (target <= 2 s) and the indicators of 3.2.1.4 (target <= 1 s),
# medians of RUNS runs. Figures are printed, never asserted.
set -eu
BUILD=${1:?usage: bench/riskeval/run_due.sh BUILD_DIR}
COMPANIES=${COMPANIES:-50000}
RUNS=${RUNS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-riskeval-due-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH="$BUILD/bench/bench_riskeval"
[ -x "$BENCH" ] || { echo "$BENCH missing: build first (cmake --build $BUILD)" >&2; exit 1; }

cat > "$WORK/socle.json" <<JSON
{
  "port": 0,
  "services": [
    { "id": "bench", "name": "Banc d'essai évaluation des risques", "database": "bench.db",
      "plugins": { "membership": { "fee_per_worker": 105.0 }, "riskeval": {} } }
  ]
}
JSON

echo "Riskeval due dates and indicators — $(nproc) cores"
"$BENCH" "$WORK/socle.json" bench "$COMPANIES" "$RUNS" 2>"$WORK/bench.log" ||
	{ cat "$WORK/bench.log" >&2; exit 1; }
