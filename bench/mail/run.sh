#!/bin/sh
# The mail figures (bench/README.md, "Mail"): 10,000 mails with a PDF and an
# .ics attached, queued by the core and delivered by its smtp transport to a
# real local SMTP server (tests/mail/smtp_server.py, Debian's aiosmtpd, in
# --discard mode: it answers and counts, keeps nothing).
#   bench/mail/run.sh BUILD_DIR        (N=10000)
# Figures are printed, never asserted.
set -eu
BUILD=$(cd "${1:?usage: bench/mail/run.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-10000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-bench-mail-XXXXXX")
SMTP=""
cleanup() {
	[ -n "$SMTP" ] && kill "$SMTP" 2>/dev/null && wait "$SMTP" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
	echo "== Mail: skipped (python3-aiosmtpd missing: sh tools/deps.sh --test)"
	exit 0
fi
mkdir "$WORK/smtp"
/usr/bin/python3 "$SRC/tests/mail/smtp_server.py" "$WORK/smtp" --discard &
SMTP=$!
for i in $(seq 1 100); do [ -s "$WORK/smtp/port" ] && break; sleep 0.1; done
PORT=$(cat "$WORK/smtp/port")
cat > "$WORK/socle.json" <<JSON
{
  "mail": { "transport": "smtp", "smtp": { "host": "127.0.0.1", "port": $PORT, "security": "none" } },
  "services": [
    { "id": "bench", "name": "Banc d'essai", "database": "bench.db", "plugins": {},
      "identity": { "legal_name": "Association Banc d'essai Santé Travail",
                    "email": "contact@bench.example.fr", "phone": "04 78 00 00 00" } }
  ]
}
JSON
echo "== Mail: $N mails with a PDF and an .ics to a local SMTP server"
(cd "$WORK" && "$BUILD/bench/bench_mail" socle.json bench "$N") 2>&1 | grep -v '"level":"info"'
echo "the SMTP server accepted $(cat "$WORK/smtp/log" 2>/dev/null | grep -c '^accepted') messages"
