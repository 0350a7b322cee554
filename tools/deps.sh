#!/bin/sh
# Install what building, testing and benchmarking Socle needs, from Debian 12
# packages only. As root it runs apt-get; otherwise it prints the exact line to
# run and fails, so that nothing half-works.
#   tools/deps.sh          building and running (make run); cairo, pango and a
#                          Debian font render the documents as PDF
#   tools/deps.sh --test   also the browser tests (make test): Debian's chromium,
#                          node and npm (the machine's when present, Debian's
#                          nodejs and npm otherwise: never both, a NodeSource
#                          node conflicts with Debian's npm), then the pinned
#                          npm packages of tests/browser (npm ci); poppler-utils
#                          (pdftotext, pdfinfo) reads back the PDFs the tests make;
#                          python3-aiosmtpd is the SMTP server the mail tests
#                          start, openssl makes its throw-away certificate.
#   tools/deps.sh --fuzz   also clang and its libFuzzer runtime (make fuzz only;
#                          make test replays the fuzz corpora with gcc).
#   libcurl4-openssl-dev   the smtp mail transport and the SMS gateway
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES="build-essential cmake pkg-config liblua5.4-dev libsqlite3-dev libmicrohttpd-dev
libjansson-dev libsodium-dev nettle-dev libcmocka-dev sqlite3 wrk curl lua-check
libcairo2-dev libpango1.0-dev fonts-dejavu-core libcurl4-openssl-dev"
if [ "${1:-}" = "--fuzz" ]; then
	PACKAGES="$PACKAGES clang libclang-rt-14-dev"
fi
if [ "${1:-}" = "--test" ]; then
	PACKAGES="$PACKAGES chromium poppler-utils python3-aiosmtpd openssl"
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		PACKAGES="$PACKAGES nodejs npm"
	fi
fi

# The npm packages of the browser tests, exactly as package-lock.json pins them;
# reinstalled only when the lock changed.
browser_packages() {
	[ "${1:-}" = "--test" ] || return 0
	dir="$ROOT/tests/browser"
	if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.socle-lock" 2>/dev/null; then
		echo "Installation des paquets npm des tests navigateur (tests/browser)"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		cp "$dir/package-lock.json" "$dir/node_modules/.socle-lock"
	fi
}

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	browser_packages "${1:-}"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "Paquets manquants :$missing" >&2
	echo "Installez-les avec : sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installation de :$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
browser_packages "${1:-}"
