#!/bin/sh
# Install what building, testing and benchmarking Socle needs, from Debian 12
# packages only. As root it runs apt-get; otherwise it prints the exact line to
# run and fails, so that nothing half-works.
set -eu

PACKAGES="build-essential cmake pkg-config liblua5.4-dev libsqlite3-dev libmicrohttpd-dev
libjansson-dev libsodium-dev libcmocka-dev sqlite3 wrk curl lua-check"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

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
