# Sourced by the bench scripts. serve_bench: on the deployment
# $WORK/socle.json (service "bench"), add the service administrator, start
# `$SOCLE serve` (its log in $WORK/server.log), wait for its port and log in.
# Sets PID (the caller's cleanup stops it), PORT, BASE, LOGIN and TOKEN.
serve_bench() {
	printf 'banc-essai-motdepasse\n' | "$SOCLE" user add --config "$WORK/socle.json" \
		--service bench --email bench@bench.example --role service_admin \
		>"$WORK/user-add.log" 2>&1 || { cat "$WORK/user-add.log" >&2; exit 1; }
	"$SOCLE" serve --config "$WORK/socle.json" 2>"$WORK/server.log" &
	PID=$!
	PORT=""
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$WORK/server.log" | head -1)
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || { cat "$WORK/server.log" >&2; exit 1; }
	BASE="http://127.0.0.1:$PORT/api/v1/bench"
	LOGIN='{"email":"bench@bench.example","password":"banc-essai-motdepasse"}'
	TOKEN=$(curl -sf -X POST "$BASE/auth/login" -H 'Content-Type: application/json' \
		-d "$LOGIN" | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
	[ -n "$TOKEN" ] || { echo "login failed" >&2; exit 1; }
}
