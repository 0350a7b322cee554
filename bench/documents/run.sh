#!/bin/sh
# The document service's figures (bench/README.md, "Documents"): 10,000
# one-page convocations rendered as PDF on 2 threads, as previews and issued
# (stored in the core file store), and the peak memory of the process.
#   bench/documents/run.sh BUILD_DIR        (N=10000 THREADS=2)
# Figures are printed, never asserted.
set -eu
BUILD=${1:?usage: bench/documents/run.sh BUILD_DIR}
N=${N:-10000}
THREADS=${THREADS:-2}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-documents-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A PNG logo, as a service would configure one (a 1x1 pixel is enough to
# exercise the path: cairo scales it).
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' |
	base64 -d > "$WORK/logo.png"
cat > "$WORK/socle.json" <<JSON
{
  "services": [
    { "id": "bench", "name": "Banc d'essai", "database": "bench.db", "plugins": {},
      "identity": { "legal_name": "Association Banc d'essai Santé Travail",
                    "address": "12 rue des Lilas\n69003 Lyon", "phone": "04 78 00 00 00",
                    "public_url": "https://bench.example.fr", "logo": "logo.png" } }
  ]
}
JSON
echo "== Documents: $N convocations, $THREADS threads"
(cd "$WORK" && "$BUILD/bench/bench_documents" socle.json bench "$N" "$THREADS") 2>&1 |
	grep -v '"level":"info"'
