#!/bin/sh
# The walkthroughs as a third party runs them (examples/walkthroughs/*.sh),
# against the demo deployment as `make run` makes it:
#   1. tools/demo.sh with this build's socle, into a temporary folder;
#   2. the copy's config: port 0 (a free port, read from the server's log) and
#      a frozen business clock, so that the slot the second walkthrough takes
#      ("in an hour, today") and the visit held the same day never cross
#      midnight: 2026-03-10T07:00:00Z, 08:00 in Paris (the scripts compute
#      their dates from NOW, given here the same value);
#   3. socle serve, then walkthrough 1, then twice walkthroughs 2 and 3, the
#      server restarted between them with its clock three hours later (an
#      outcome is recorded once the visit has begun; the second round asks
#      for the worker's next visit); then walkthrough 4's two runs (the
#      worker's own request), restarted three hours later between them;
#   4. the home page: every link it gives answers 200, and the scripts it
#      serves are the repository's.
# Any step that fails fails the test; the server is always stopped.
# Usage: run.sh BUILD_DIR SOURCE_DIR
set -eu
BUILD=$1
SRC=$2
CLOCK=2026-03-10T07:00:00Z
LATER="2026-03-10T10:00:00Z 2026-03-10T13:00:00Z" # after each round's slot
WORKER_LATER=2026-03-10T16:00:00Z                 # after walkthrough 4's slot
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-walk-XXXXXX")
SERVER_PID=""
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
fail() {
	echo "FAIL: $*" >&2
	[ -f "$WORK/server.log" ] && tail -30 "$WORK/server.log" >&2
	exit 1
}

# 1. The demo deployment, made by the same script as `make run`.
sh "$SRC/tools/demo.sh" "$BUILD" "$WORK/demo" >"$WORK/demo.log" 2>&1 || {
	cat "$WORK/demo.log" >&2
	fail "tools/demo.sh"
}
# 2. Port and clock of the copy (a copy of the config per clock).
CFG="$WORK/demo/socle.json"
ORIG="$WORK/demo/socle.orig.json"
cp "$CFG" "$ORIG"
set_clock() {
	sed 's/"port": 8080,/"port": 0, "clock": "'"$1"'",/' "$ORIG" >"$CFG"
	grep -q "\"clock\": \"$1\"" "$CFG" || fail "could not set port and clock in $CFG"
}

# 3. The server. `timeout` stops it even if this script is killed outright
#    before its trap runs: 200 s, less than the test's TIMEOUT (300 s), so
#    that no server outlives a test ctest had to kill (it would keep the
#    fds it inherited, the build lock's among them).
serve_at() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=""
	fi
	set_clock "$1"
	: >"$WORK/server.log"
	timeout 200 "$BUILD/socle" serve --config "$CFG" 2>"$WORK/server.log" &
	SERVER_PID=$!
	port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$WORK/server.log" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || fail "the server stopped"
		sleep 0.1
	done
	[ -n "$port" ] || fail "the server did not start"
	BASE="http://127.0.0.1:$port"
	export BASE
}
serve_at "$CLOCK"
export SERVICE=demo OUTBOX="$WORK/demo/outbox" NOW="$CLOCK"

echo "---- 01-adhesion-a-declaration.sh"
timeout 60 sh "$SRC/examples/walkthroughs/01-adhesion-a-declaration.sh" ||
	fail 01-adhesion-a-declaration.sh
for later in $LATER; do
	echo "---- 02-declaration-a-la-convocation.sh (NOW=$NOW)"
	timeout 60 sh "$SRC/examples/walkthroughs/02-declaration-a-la-convocation.sh" \
		>"$WORK/02.out" || { cat "$WORK/02.out"; fail 02-declaration-a-la-convocation.sh; }
	cat "$WORK/02.out"
	REQUEST=$(sed -n 's/^REQUEST=\([0-9]*\)$/\1/p' "$WORK/02.out")
	[ -n "$REQUEST" ] || fail "walkthrough 2 gave no REQUEST"
	serve_at "$later"
	NOW=$later
	export NOW REQUEST
	echo "---- 03-visite-et-documents.sh (NOW=$NOW, REQUEST=$REQUEST)"
	timeout 60 sh "$SRC/examples/walkthroughs/03-visite-et-documents.sh" ||
		fail 03-visite-et-documents.sh
done

# The worker's own request (04), after the rounds: its slot an hour after
# the server's clock, held three hours later.
echo "---- 04-demande-du-salarie.sh (NOW=$NOW)"
unset REQUEST
timeout 60 sh "$SRC/examples/walkthroughs/04-demande-du-salarie.sh" >"$WORK/04.out" ||
	{ cat "$WORK/04.out"; fail "04-demande-du-salarie.sh (request)"; }
cat "$WORK/04.out"
REQUEST=$(sed -n 's/^REQUEST=\([0-9]*\)$/\1/p' "$WORK/04.out")
[ -n "$REQUEST" ] || fail "walkthrough 4 gave no REQUEST"
serve_at "$WORKER_LATER"
NOW=$WORKER_LATER
export NOW REQUEST
echo "---- 04-demande-du-salarie.sh (NOW=$NOW, REQUEST=$REQUEST)"
timeout 60 sh "$SRC/examples/walkthroughs/04-demande-du-salarie.sh" ||
	fail "04-demande-du-salarie.sh (visit held)"

# 4. The home page and what it links to.
curl -sSf -o "$WORK/index.html" "$BASE/" || fail "GET /"
links=$(grep -o 'href="[^"]*"' "$WORK/index.html" | sed 's/^href="\(.*\)"$/\1/')
[ -n "$links" ] || fail "the home page links nothing"
for link in $links; do
	case $link in
	http*:* | //* | data:*) continue ;;
	/*) url="$BASE$link" ;;
	*) url="$BASE/$link" ;;
	esac
	code=$(curl -sS -o /dev/null -w '%{http_code}' "$url")
	[ "$code" = 200 ] || fail "home page link $link: $code"
done
for f in "$SRC"/examples/walkthroughs/*.sh; do
	name=$(basename "$f")
	curl -sSf -o "$WORK/served.sh" "$BASE/walkthroughs/$name" || fail "GET /walkthroughs/$name"
	cmp -s "$f" "$WORK/served.sh" || fail "/walkthroughs/$name differs from the repository's"
done
# The helpers each script carries (each one stands alone) stay the same.
for f in "$SRC"/examples/walkthroughs/*.sh; do
	sed -n '/^# ---- Outils/,/^# ---- Fin des outils communs/p' "$f" >"$WORK/$(basename "$f").tools"
	[ -s "$WORK/$(basename "$f").tools" ] || fail "$f: no block of common helpers"
	cmp -s "$WORK/01-adhesion-a-declaration.sh.tools" "$WORK/$(basename "$f").tools" ||
		fail "$f: its common helpers differ from 01-adhesion-a-declaration.sh's"
done
echo "ok: walkthroughs"
