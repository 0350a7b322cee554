/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* hello: the smallest complete Socle plugin. It shows each kind of
 * registration once:
 *   - a migration (table hello_greeting, hello_stats),
 *   - a capability (hello.write, held by staff),
 *   - two routes: GET and POST /api/v1/{service}/hello/greetings,
 *   - a rule point (greeting(name) -> {message}), whose default lives in
 *     hello/scripts/hello.lua and which a service may override,
 *   - a Lua function (socle.hello.shout),
 *   - an event handler (hello.greeted -> counts greetings per name).
 * docs/writing-a-plugin.md walks through this file. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <socle/socle.h>

static const struct socle_migration hello_migrations[] = {
	{1, "CREATE TABLE hello_greeting ("
	    "  id INTEGER PRIMARY KEY,"
	    "  name TEXT NOT NULL,"
	    "  message TEXT NOT NULL,"
	    "  created_at INTEGER NOT NULL,"
	    "  created_by INTEGER NOT NULL);"
	    "CREATE TABLE hello_stats ("
	    "  name TEXT PRIMARY KEY,"
	    "  greetings INTEGER NOT NULL);"
	    "CREATE TABLE hello_counted ("
	    "  greeting_id INTEGER PRIMARY KEY);"},
};

/* Contract of the rule point: an object with a non-empty string "message". */
static int hello_check_greeting(const json_t *result, socle_err *err)
{
	const json_t *msg = json_object_get(result, "message");

	if (!json_is_object(result) || !json_is_string(msg) || json_string_length(msg) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "greeting doit rendre une table { message = \"...\" } non vide");
	return 0;
}

static const struct socle_rule_point hello_rule_greeting = {
	.name = "greeting",
	.contract = "greeting(name) -> { message = string } : le texte de salutation pour name.",
	.n_args = 1,
	.check = hello_check_greeting,
};

/* GET /hello/greetings?limit=&cursor= : newest first. */
static int hello_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int limit;
	int64_t after;
	(void)ud;

	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *params = json_pack("{s:I, s:i}", "after", (json_int_t)after, "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT id, name, message, created_at FROM hello_greeting"
		" WHERE (:after = 0 OR id < :after) ORDER BY id DESC LIMIT :limit",
		params, &err);
	json_decref(params);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	json_t *body = json_pack("{s:o}", "items", rows);
	size_t n = json_array_size(rows);

	/* A full page has a next one to ask for: the cursor is the last id seen. */
	if (n == (size_t)limit) {
		char cursor[32];

		snprintf(cursor, sizeof(cursor), "%lld", (long long)json_integer_value(
			json_object_get(json_array_get(rows, n - 1), "id")));
		json_object_set_new(body, "next_cursor", json_string(cursor));
	}
	return socle_reply_json(req, 200, body);
}

struct hello_new {
	socle_req *req;
	const char *name;
	const char *message;
	int64_t id;
};

static int hello_insert(socle_db *wdb, void *ud, socle_err *err)
{
	struct hello_new *g = ud;
	const socle_principal *who = socle_req_principal(g->req);
	json_t *row = json_pack("{s:s, s:s, s:I, s:I}", "name", g->name, "message", g->message,
	                        "now", (json_int_t)socle_now_ms(),
	                        "by", (json_int_t)socle_principal_user_id(who));
	int rc = socle_db_run(wdb,
		"INSERT INTO hello_greeting (name, message, created_at, created_by)"
		" VALUES (:name, :message, :now, :by)", row, err);
	json_decref(row);
	if (rc < 0)
		return rc;
	g->id = socle_db_last_insert_id(wdb);

	/* The audit entry and the event commit with the row, or not at all. */
	struct socle_audit_entry e = {.action = "hello.greeting.create", .object_type = "greeting",
	                              .object_id = g->id, .outcome = "ok"};
	if ((rc = socle_audit(wdb, g->req, &e, err)) != 0)
		return rc;
	json_t *ev = json_pack("{s:I, s:s}", "greeting_id", (json_int_t)g->id, "name", g->name);
	rc = socle_event_emit(wdb, "hello.greeted", ev, err);
	json_decref(ev);
	return rc;
}

static int hello_check_name(const json_t *v, char *msg, size_t size)
{
	for (const char *p = json_string_value(v); *p; p++)
		if (iscntrl((unsigned char)*p)) {
			snprintf(msg, size, "ne doit pas contenir de caractère de contrôle");
			return -1;
		}
	return 0;
}

static const struct socle_field hello_fields[] = {
	{.name = "name", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 100,
	 .check = hello_check_name},
};

/* POST /hello/greetings {"name": "..."} -> 201 {id, name, message} */
static int hello_create(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	(void)ud;

	if (socle_fields_check(socle_req_body(req), hello_fields, SOCLE_COUNT(hello_fields), NULL,
	                       &errors) > 0)
		return socle_reply_invalid(req, errors);
	const char *name = json_string_value(json_object_get(socle_req_body(req), "name"));

	/* The message comes from the service's rule point: its Lua decides. */
	json_t *args = json_pack("[s]", name), *result = NULL;
	int rc = socle_rule_call(socle_req_service(req), "greeting", args, &result, &err);
	json_decref(args);
	if (rc != 0)
		return socle_reply_err(req, &err);
	struct hello_new g = {.req = req, .name = name,
	                      .message = json_string_value(json_object_get(result, "message"))};
	rc = socle_service_write(socle_req_service(req), hello_insert, &g, &err);
	if (rc != 0) {
		json_decref(result);
		return socle_reply_err(req, &err);
	}
	json_t *body = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)g.id, "name", name, "message",
	                         g.message);
	json_decref(result);
	return socle_reply_json(req, 201, body);
}

static const struct socle_route hello_routes[] = {
	{SOCLE_GET, "/hello/greetings", SOCLE_CAP_AUTHENTICATED, 0, hello_list, NULL},
	{SOCLE_POST, "/hello/greetings", "hello.write", 4096, hello_create, NULL},
};

/* Events are delivered at least once: remember which greetings were counted,
 * so that a redelivery after a crash does not count one twice. */
static int hello_count(socle_db *wdb, void *ud, socle_err *err)
{
	const json_t *payload = ud;
	int rc = socle_db_run(wdb,
		"INSERT INTO hello_counted (greeting_id) VALUES (:greeting_id)"
		" ON CONFLICT (greeting_id) DO NOTHING", payload, err);

	if (rc <= 0)
		return rc; /* error, or already counted */
	rc = socle_db_run(wdb,
		"INSERT INTO hello_stats (name, greetings) VALUES (:name, 1)"
		" ON CONFLICT (name) DO UPDATE SET greetings = hello_stats.greetings + 1",
		payload, err);
	return rc < 0 ? rc : 0;
}

static int hello_on_greeted(socle_service *svc, const char *event, const json_t *payload,
                            void *ud, socle_err *err)
{
	(void)event;
	(void)ud;
	return socle_service_write(svc, hello_count, (void *)payload, err);
}

/* socle.hello.shout(s) -> s in capitals (ASCII), for scripts. */
static int hello_lua_shout(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	luaL_Buffer b;
	char *out = luaL_buffinitsize(L, &b, len);

	for (size_t i = 0; i < len; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	luaL_pushresultsize(&b, len);
	return 1;
}

static const luaL_Reg hello_lua[] = {
	{"shout", hello_lua_shout},
	{NULL, NULL},
};

/* The events the plugin emits, for the catalogue (docs/events.md). */
static const struct socle_event_decl hello_events[] = {
	{"hello.greeted", "greeting_id, name", "Une salutation est enregistrée."},
};

static int hello_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_migrations(p, hello_migrations, SOCLE_COUNT(hello_migrations), err)) ||
	    (rc = socle_plugin_add_capability(p, "hello.write", SOCLE_ROLES_STAFF, err)) ||
	    (rc = socle_plugin_add_routes(p, hello_routes, SOCLE_COUNT(hello_routes), err)) ||
	    (rc = socle_plugin_add_rule_point(p, &hello_rule_greeting, err)) ||
	    (rc = socle_plugin_add_lua_lib(p, hello_lua, err)) ||
	    (rc = socle_plugin_declare_events(p, hello_events, SOCLE_COUNT(hello_events), err)) ||
	    (rc = socle_plugin_on(p, "hello.greeted", hello_on_greeted, NULL, err)))
		return rc;
	return 0;
}

SOCLE_PLUGIN_DEFINE(hello,
	.version = "1.0.0",
	.summary = "Exemple minimal : des salutations",
	.init = hello_init);
