#!/bin/sh
# Acceptance: a plugin built OUTSIDE the tree, from the INSTALLED headers,
# following docs/writing-a-plugin.md only, loads and serves a route; and the
# installed tree serves the demo deployment with no path outside its prefix.
#   1. cmake --install this build into a temporary prefix
#   2. build examples/plugins/hello from a copy outside the tree, twice: with the
#      installed CMake package, and with pkg-config + cc (its rule pack copied
#      beside the .so, as docs/writing-a-plugin.md says)
#   3. serve a deployment using the installed socle and each plugin; log in,
#      call GET and POST /hello/greetings
#   4. serve a copy of the demo config with the installed socle alone: its
#      plugins, their rule packs and web assets come from the prefix
# Usage: out_of_tree_plugin.sh BUILD_DIR SOURCE_DIR
set -eu
BUILD=$1
SRC=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socle-oot-XXXXXX")
PREFIX="$WORK/prefix"
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null

# Only the plugin's own files leave the tree: its source, CMake file and rule pack.
mkdir -p "$WORK/hello"
cp "$SRC/examples/plugins/hello/hello.c" "$SRC/examples/plugins/hello/CMakeLists.txt" "$WORK/hello/"
cp -R "$SRC/examples/plugins/hello/scripts" "$WORK/hello/"

# (a) the CMake package
cmake -S "$WORK/hello" -B "$WORK/hello-cmake" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null \
	|| fail "cmake configure against the installed package"
cmake --build "$WORK/hello-cmake" >/dev/null || fail "cmake build"
[ -f "$WORK/hello-cmake/hello.so" ] || fail "hello.so not produced by the CMake package"

# (b) pkg-config and the compiler alone
mkdir -p "$WORK/hello-pc"
PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig:$PREFIX/lib/$(gcc -print-multiarch 2>/dev/null)/pkgconfig"
export PKG_CONFIG_PATH
cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
	$(pkg-config --cflags socle) -o "$WORK/hello-pc/hello.so" "$WORK/hello/hello.c" \
	|| fail "pkg-config build"
mkdir -p "$WORK/hello-pc/hello"
cp -R "$WORK/hello/scripts" "$WORK/hello-pc/hello/"

# The interfaces plugins export are installed with the core's headers: a
# third-party plugin built from them imports membership.v1 and reads a company
# through it (served in step 5).
[ -f "$PREFIX/include/socle/membership.h" ] || fail "socle/membership.h not installed"
mkdir -p "$WORK/reader"
cat > "$WORK/reader/reader.c" <<'C'
/* A third party's plugin: one route that reads a company through membership.v1. */
#include <socle/socle.h>
#include <socle/membership.h>

static const struct membership_v1 *M;

static int company(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t id;
	(void)ud;

	if (socle_req_param_id(req, "id", &id) != 0)
		return socle_reply_error(req, 404, "not_found", "Entreprise introuvable.");
	if (socle_access_company(req, id, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *c = db ? M->company_get(db, id, &err) : NULL;

	if (c == NULL)
		return socle_reply_err(req, &err);
	json_t *out = json_pack("{s:O, s:O}", "legal_name", json_object_get(c, "legal_name"),
	                        "status", json_object_get(c, "status"));
	json_decref(c);
	return socle_reply_json(req, 200, out);
}

static const struct socle_route routes[] = {
	{SOCLE_GET, "/reader/companies/{id}", SOCLE_CAP_AUTHENTICATED, 0, company, NULL},
};

static int reader_init(socle_plugin *p, socle_err *err)
{
	M = socle_plugin_import(p, MEMBERSHIP_V1_NAME, MEMBERSHIP_V1_MAJOR, sizeof(*M), 0, err);
	return M ? socle_plugin_add_routes(p, routes, 1, err) : err->code;
}

SOCLE_PLUGIN_DEFINE(reader, .version = "1", .init = reader_init,
                    .requires = (const char *const[]){"membership", NULL});
C
cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden $(pkg-config --cflags socle) \
	-o "$WORK/reader/reader.so" "$WORK/reader/reader.c" ||
	fail "a membership.v1 importer from the installed headers"

SOCLE="$PREFIX/bin/socle"
# Start "$SOCLE" serve on config $1; sets SERVER_PID and port.
serve() {
	"$SOCLE" serve --config "$1" 2>"$WORK/server.log" &
	SERVER_PID=$!
	port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$WORK/server.log" | head -1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || fail "$1: server did not start"
}
stop() {
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

run_with() { # plugin_dir label
	dir=$1 label=$2
	mkdir -p "$WORK/dep-$label"
	cat > "$WORK/dep-$label/socle.json" <<JSON
{
  "port": 0,
  "plugin_dirs": ["$dir"],
  "services": [
    { "id": "tiers", "name": "Service tiers", "database": "tiers.db", "plugins": { "hello": {} } }
  ]
}
JSON
	cfg="$WORK/dep-$label/socle.json"
	"$SOCLE" check --config "$cfg" >/dev/null 2>&1 || fail "$label: socle check"
	printf 'motdepasse-solide-42\n' | "$SOCLE" user add --config "$cfg" --service tiers \
		--email admin@tiers.example --role service_admin >/dev/null 2>&1 || fail "$label: user add"
	serve "$cfg"
	base="http://127.0.0.1:$port/api/v1/tiers"
	token=$(curl -sf -X POST "$base/auth/login" -H 'Content-Type: application/json' \
		-d '{"email":"admin@tiers.example","password":"motdepasse-solide-42"}' |
		sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
	[ -n "$token" ] || fail "$label: login"
	created=$(curl -sf -X POST "$base/hello/greetings" -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' -d '{"name":"Tiers"}') || fail "$label: POST greeting"
	echo "$created" | grep -q '"Bonjour, Tiers !"' || fail "$label: rule point result: $created"
	listed=$(curl -sf "$base/hello/greetings" -H "Authorization: Bearer $token") || fail "$label: GET"
	echo "$listed" | grep -q '"Tiers"' || fail "$label: listed greetings: $listed"
	stop
	echo "ok: $label plugin loaded and served"
}
run_with "$WORK/hello-cmake" cmake
run_with "$WORK/hello-pc" pkgconfig

# 4. The demo deployment served by the installed tree alone.
cp -R "$SRC/examples/deployment" "$WORK/demo"
rm -rf "$WORK/demo/data" && mkdir "$WORK/demo/data"
sed -i 's/"port": 8080/"port": 0/' "$WORK/demo/socle.json"
grep -q '"plugin_dirs"\|"scripts_default"' "$WORK/demo/socle.json" && fail "demo config names a path"
"$SOCLE" migrate --config "$WORK/demo/socle.json" >/dev/null 2>&1 || fail "installed: migrate"
serve "$WORK/demo/socle.json"
offer=$(curl -sf "http://127.0.0.1:$port/api/v1/demo/offer") || fail "installed: GET /offer"
echo "$offer" | grep -q '"membership"' || fail "installed: membership not served: $offer"
echo "$offer" | grep -q '"tracking"' || fail "installed: tracking not served: $offer"
# A tracking route (login required: 401, not 404) and a public membership one.
types=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/demo/tracking/visit-types")
[ "$types" = 401 ] || fail "installed: tracking route answered $types"
curl -sf "http://127.0.0.1:$port/api/v1/demo/membership/application-form" | grep -q "\"risks\"" ||
	fail "installed: membership application form"
# Every file the server opened from a build or source tree would be a path
# outside the prefix: the plugins it mapped must all be the prefix's.
grep -o '/[^ ]*\.so' /proc/"$SERVER_PID"/maps | grep '/socle/plugins/' | sort -u > "$WORK/maps"
[ -s "$WORK/maps" ] || fail "installed: no plugin mapped"
grep -v "^$PREFIX/" "$WORK/maps" && fail "installed: plugin loaded from outside the prefix"
stop
echo "ok: installed tree serves the demo deployment from its prefix"

# 5. The third party's reader beside the installed plugins reads a demo company.
sed -i 's|"port": 0,|"port": 0, "plugin_dirs": ["'"$WORK/reader"'", "'"$PREFIX/lib/socle/plugins"'"],|' \
	"$WORK/demo/socle.json"
sed -i '0,/"tracking": {/s//"reader": {}, "tracking": {/' "$WORK/demo/socle.json"
"$SOCLE" check --config "$WORK/demo/socle.json" >"$WORK/check.log" 2>&1 || {
	cat "$WORK/check.log" >&2
	fail "reader: socle check"
}
printf 'motdepasse-solide-42\n' | "$SOCLE" user add --config "$WORK/demo/socle.json" --service demo \
	--email admin@reader.example --role service_admin >/dev/null 2>&1 || fail "reader: user add"
serve "$WORK/demo/socle.json"
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/demo/auth/login" -H 'Content-Type: application/json' \
	-d '{"email":"admin@reader.example","password":"motdepasse-solide-42"}' |
	sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "reader: login"
company=$(curl -sf "http://127.0.0.1:$port/api/v1/demo/reader/companies/1" -H "Authorization: Bearer $token") ||
	fail "reader: GET /reader/companies/1"
echo "$company" | grep -q '"legal_name"' || fail "reader: $company"
stop
echo "ok: a third party's plugin reads a company through membership.v1"
