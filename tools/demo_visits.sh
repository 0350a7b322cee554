#!/bin/sh
# A believable past for the demo (issue 10 item 20): visits already held,
# with their attestations and ordonnances, so that the web spaces show what a
# service's members really see — the demo employee (worker 1) has a held
# visit, its documents and an access list; the demo employer has attestations
# to download.
#
# How: the deployment is served with its business clock frozen 40 days ago,
# in the morning, and the history is made through the API as the service's
# people make it (the assistante opens the médecin's slots, the employer asks
# for the visits and books them); served again that afternoon, once the visits
# have begun, the médecin records the outcomes; then the server stops. Run once per deployment (marker data/.demo-visits); the demo
# works without it, so a failure is reported and does not stop `make run`.
# Usage: tools/demo_visits.sh SOCLE_BINARY DEMO_DIR
set -u
SOCLE=$1
DEMO=$2
MARK="$DEMO/data/.demo-visits"
[ -f "$MARK" ] && exit 0
command -v curl >/dev/null || exit 0

DAY=$(date -u -d '40 days ago' +%Y-%m-%d)
CLOCK="${DAY}T07:00:00Z"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-demo-visits-XXXXXX")
PID=""
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$WORK" "$DEMO/.demo-visits.json"
}
trap cleanup EXIT
fail() {
	echo "demo : historique de visites non créé ($*) ; la démo reste utilisable sans." >&2
	exit 0
}

# The same deployment (same folder, same databases), another port, the clock
# in the past: a config beside the real one, so that its relative paths agree.
SEED_CFG="$DEMO/.demo-visits.json"
# serve_at CLOCK: (re)start the server with its business clock frozen at CLOCK.
serve_at() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
		PID=""
	fi
	sed -e 's/"port": *[0-9]*/"port": 0, "clock": "'"$1"'"/' "$DEMO/socle.json" >"$SEED_CFG"
	grep -q '"clock"' "$SEED_CFG" || fail "configuration"
	: >"$WORK/server.log"
	"$SOCLE" serve --config "$SEED_CFG" 2>"$WORK/server.log" &
	PID=$!
	port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$WORK/server.log" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$PID" 2>/dev/null || fail "le serveur ne démarre pas"
		sleep 0.1
	done
	[ -n "$port" ] || fail "le serveur ne démarre pas"
	API="http://127.0.0.1:$port/api/v1/demo"
}
serve_at "$CLOCK"
BODY="$WORK/body"

# call STATUS METHOD PATH TOKEN [JSON]
call() {
	want=$1 method=$2 path=$3 token=$4 data=${5:-}
	set -- -sS -o "$BODY" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token"
	[ -z "$data" ] || set -- "$@" -H 'Content-Type: application/json' --data-binary "$data"
	status=$(curl "$@" "$API$path") || fail "$method $path"
	case "|$want|" in
	*"|$status|"*) ;;
	*) fail "$method $path : $status $(head -c 300 "$BODY")" ;;
	esac
}
json_val() {
	tr '{}[],' '[\n*]' <"$BODY" |
		sed -n "s/^ *\"$1\" *: *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" | head -n 1
}
login() {
	call 200 POST /auth/login "" "{\"email\":\"$1\",\"password\":\"demo-socle-2026\"}"
	json_val token
}

PLANNER=$(login assistante@demo.example)
EMPLOYER=$(login employeur@demo.example)
DOCTOR=$(login medecin@demo.example)
call "200|201" POST /tracking/professionals "$PLANNER" \
	'{"email":"medecin@demo.example","site":"Lyon"}'
DOCTOR_ID=$(json_val user_id)
call 201 POST /tracking/slots "$PLANNER" "{\"professional_id\":$DOCTOR_ID,
 \"starts_at\":\"${DAY}T10:00\",\"duration_min\":30,\"count\":3}"

# Worker 1 (the demo employee), then workers 2 and 3 of the Boulangerie Durand.
slot_n=0
requests=""
for worker in 1 2 3; do
	# The visit the worker owes (initial VIP), else a visit at the employer's request.
	call "201|409|422" POST /tracking/visit-requests "$EMPLOYER" \
		"{\"worker_id\":$worker,\"company_id\":1,\"type\":\"vip_initiale\"}"
	if [ "$status" != 201 ]; then
		call 201 POST /tracking/visit-requests "$EMPLOYER" \
			"{\"worker_id\":$worker,\"company_id\":1,\"type\":\"visite_a_la_demande\"}"
	fi
	request=$(json_val id)
	call 200 GET "/tracking/slots?professional_id=$DOCTOR_ID&status=free&limit=1" "$PLANNER"
	slot=$(json_val id)
	call 200 POST "/tracking/visit-requests/$request/book" "$PLANNER" "{\"slot_id\":$slot}"
	requests="$requests $request"
done
# The afternoon of that day: the visits (10:00 to 11:30) have been held, and an
# outcome is recorded only once its visit has begun.
serve_at "${DAY}T13:00:00Z"
DOCTOR=$(login medecin@demo.example)
for request in $requests; do
	call 201 POST "/tracking/visits/$request/outcome" "$DOCTOR" "{\"held_on\":\"$DAY\",
 \"document\":\"attestation\",\"remarks\":\"Pas de contre-indication au poste.\",
 \"ordonnance\":{\"risks\":[\"Port de charges (sacs de farine)\",\"Travail de nuit\"],
  \"advice\":[\"Utiliser le diable pour les sacs de 25 kg\",\"Soulever jambes fléchies, dos droit\",
  \"Garder des horaires de sommeil réguliers\"]},
 \"notes\":[{\"kind\":\"observation\",\"text\":\"Examen sans particularité.\"}]}"
	slot_n=$((slot_n + 1))
done
# The mails of these visits go out from the loop after each commit: let them.
for _ in $(seq 1 30); do
	[ "$(ls "$DEMO/outbox/demo" 2>/dev/null | wc -l)" -ge 6 ] && break
	sleep 0.1
done
touch "$MARK"
echo "Démo : $slot_n visites déjà réalisées le $DAY (attestations, ordonnances, accès au dossier)."
