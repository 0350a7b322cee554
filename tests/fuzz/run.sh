#!/bin/sh
# `make fuzz`: run each libFuzzer harness of tests/fuzz for a set time on a
# copy of its corpus, then report per harness the executions, the coverage
# reached and the crashes found.
#   tests/fuzz/run.sh BUILD_DIR SECONDS HARNESS...
# FUZZ_MERGE=1 merges the inputs that reached new coverage back into
# tests/fuzz/corpus/<harness>/ (otherwise the command to do it is printed).
# Crashes are left in BUILD_DIR/run/<harness>/crashes/: minimise one with
#   BUILD_DIR/tests/fuzz/fuzz_<harness> -minimize_crash=1 -runs=100000 FILE
# then fix it and keep it, named, in tests/fuzz/crashes/<harness>/.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
seconds=$2
shift 2

summary=""
for h in "$@"; do
	bin="$build/tests/fuzz/fuzz_$h"
	work="$build/run/$h"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes" "$work/tmp"
	cp "$ROOT/tests/fuzz/corpus/$h/"* "$work/corpus/"
	echo "== fuzz_$h : $seconds s"
	# fork mode with crashes ignored: a crash is saved and the run goes on
	# for the time set, instead of stopping at the first one
	set +e
	# the temporary deployments of a harness (fuzz_csv) go under its run
	# folder: a job that crashes or is stopped leaves its folder there, not in /tmp
	TMPDIR="$work/tmp" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=8192 \
		-artifact_prefix="$work/crashes/" -print_final_stats=1 \
		"$work/corpus" >"$work/log" 2>&1
	set -e
	rm -rf "$work/tmp"
	# the last status line of the fork mode: "#N: cov: C ft: F corp: K ... crash: X"
	last=$(grep -E '^#[0-9]+: cov: ' "$work/log" | tail -1 || true)
	execs=$(echo "$last" | sed -n 's/.* exec\/s: [0-9]* .*//; s/^#\([0-9]*\):.*/\1/p')
	[ -n "$execs" ] || execs=$(grep -E '^#[0-9]+' "$work/log" | tail -1 | sed 's/^#\([0-9]*\).*/\1/')
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(ls "$work/corpus" | wc -l)
	# "oom/timeout/crash: a/b/c" counts the failing runs; each crash also
	# leaves a file (the same defect found again leaves another)
	otc=$(echo "$last" | sed -n 's/.* oom\/timeout\/crash: \([0-9]*\/[0-9]*\/[0-9]*\).*/\1/p')
	crashes=$(find "$work/crashes" -type f | wc -l)
	line=$(printf '%-12s exécutions: %-10s couverture (arêtes): %-6s traits: %-7s corpus: %-5s oom/délai/plantage: %-8s fichiers de plantage: %s' \
		"$h" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corp" "${otc:-?}" "$crashes")
	echo "$line"
	summary="$summary$line
"
	if [ "$crashes" -gt 0 ]; then
		find "$work/crashes" -type f | head -5 | sed 's/^/    /'
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		"$bin" -merge=1 "$ROOT/tests/fuzz/corpus/$h" "$work/corpus" >>"$work/log" 2>&1
		echo "    corpus fusionné dans tests/fuzz/corpus/$h"
	fi
done
echo
echo "== bilan (journal de chaque harnais : $build/run/<harnais>/log)"
printf '%s' "$summary"
if [ "${FUZZ_MERGE:-0}" != 1 ]; then
	echo "Pour garder les entrées qui ont atteint une couverture nouvelle :"
	echo "  make fuzz FUZZ_MERGE=1   (ou $build/tests/fuzz/fuzz_<harnais> -merge=1 tests/fuzz/corpus/<harnais> $build/run/<harnais>/corpus)"
fi
