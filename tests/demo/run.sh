#!/bin/sh
# tools/demo_visits.sh on a fresh demo: three visits held 40 days ago; the
# demo employee then sees its held visit and its ordonnance, and a second
# run changes nothing. Usage: run.sh BUILD_DIR SOURCE_DIR
set -eu
BUILD=$1
SRC=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-demo-test-XXXXXX")
PID=""
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2; exit 1; }

sh "$SRC/tools/demo.sh" "$BUILD" "$WORK/demo" >/dev/null 2>&1 || fail "tools/demo.sh"
out=$(sh "$SRC/tools/demo_visits.sh" "$BUILD/socle" "$WORK/demo" 2>&1)
echo "$out"
echo "$out" | grep -q "3 visites déjà réalisées" || fail "no history made"
[ -f "$WORK/demo/data/.demo-visits" ] || fail "no marker"
again=$(sh "$SRC/tools/demo_visits.sh" "$BUILD/socle" "$WORK/demo" 2>&1)
[ -z "$again" ] || fail "a second run did something: $again"

# Served with the real clock, as `make run` serves it.
sed -i 's/"port": 8080/"port": 0/' "$WORK/demo/socle.json"
timeout 60 "$BUILD/socle" serve --config "$WORK/demo/socle.json" 2>"$WORK/server.log" &
PID=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$WORK/server.log" | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || fail "server"
API="http://127.0.0.1:$port/api/v1/demo"
TOKEN=$(curl -sS -X POST "$API/auth/login" -H 'Content-Type: application/json' \
	-d '{"email":"salarie@demo.example","password":"demo-socle-2026"}' |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || fail "login"
visits=$(curl -sS "$API/tracking/workers/1/visits?status=done" -H "Authorization: Bearer $TOKEN")
echo "$visits" | grep -q '"ordonnance"' || fail "the employee sees no held visit with its ordonnance: $visits"
request=$(echo "$visits" | sed -n 's/^{"items":\[{"id":\([0-9]*\),.*/\1/p')
curl -sSf "$API/tracking/visits/$request/documents/ordonnance.html" -H "Authorization: Bearer $TOKEN" |
	grep -q "diable" || fail "the ordonnance does not read as written"
echo "ok: the demo employee reads the ordonnance of visit $request"
exit 0
