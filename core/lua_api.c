/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The socle.* namespace seen by service scripts: registration (rule, test, on,
 * parcours: load time only), time (now, today: from the host clock only),
 * dates (socle.date.*), effective-dated rule sets (socle.dated), logging, the
 * JSON helpers (null, array) and the Lua libraries of the plugins enabled on
 * the service (socle.<plugin>.<fn>). Every table is a frozen proxy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <socle/date.h>

#include "date.h"
#include "lua_host.h"
#include "parcours.h"

#define DATED_MT "socle.dated"
#define LOG_MESSAGE_MAX 1000

static void require_loading(lua_State *L, const char *fn)
{
	if (!lua_ctx_of(L)->loading)
		lua_raise(L, "phase_error", "%s n'est permis que pendant le chargement des scripts", fn);
}

static const char *check_name(lua_State *L, int idx, const char *what)
{
	size_t len;
	const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;

	if (s == NULL || len == 0 || len > 100)
		lua_raise(L, "invalid_argument", "%s : nom attendu (texte de 1 à 100 caractères)", what);
	return s;
}

/* socle.rule(name, fn): define or redefine a rule point; the later definition wins. */
static int api_rule(lua_State *L)
{
	char where[256];

	require_loading(L, "socle.rule");
	const char *name = check_name(L, 1, "socle.rule");

	if (lua_type(L, 2) != LUA_TFUNCTION)
		return lua_raise(L, "invalid_argument", "socle.rule('%s', fn) : fn doit être une fonction",
		                 name);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rules);
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_rawset(L, -3);
	lua_where(L, 1, where, sizeof(where));
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rule_where);
	lua_pushvalue(L, 1);
	lua_pushstring(L, where);
	lua_rawset(L, -3);
	return 0;
}

/* socle.rule_get(name) -> the function currently defined for rule point
 * @p name, or nil. Load time only: a service file uses it to wrap the default
 * pack's rule instead of copying it (the defaults load first):
 *     local default = socle.rule_get("next_visits")
 *     socle.rule("next_visits", function(w, h, d) ... default(w, h, d) ... end) */
static int api_rule_get(lua_State *L)
{
	require_loading(L, "socle.rule_get");
	check_name(L, 1, "socle.rule_get");
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rules);
	lua_pushvalue(L, 1);
	lua_rawget(L, -2);
	return 1;
}

/* socle.test{rule=, name=, args={...}, expect=}: a test vector of a rule. */
static int api_test(lua_State *L)
{
	char where[256];

	require_loading(L, "socle.test");
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	static const char *const keys[] = {"rule", "name", "args", "expect", NULL};

	lua_pushnil(L);
	while (lua_next(L, 1) != 0) {
		bool known = false;

		if (lua_type(L, -2) == LUA_TSTRING)
			for (const char *const *k = keys; *k; k++)
				known = known || strcmp(*k, lua_tostring(L, -2)) == 0;
		if (!known)
			return lua_raise(L, "invalid_argument", "socle.test : champ inconnu '%s'",
			                 lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?");
		lua_pop(L, 1);
	}
	lua_getfield(L, 1, "rule");
	check_name(L, -1, "socle.test{rule=...}");
	lua_getfield(L, 1, "name");
	if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
		return lua_raise(L, "invalid_argument", "socle.test : name doit être un texte");
	lua_getfield(L, 1, "args");
	if (!lua_isnil(L, -1) && !lua_istable(L, -1))
		return lua_raise(L, "invalid_argument", "socle.test : args doit être une liste");
	lua_where(L, 1, where, sizeof(where));

	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_tests);  /* t rule name args tests */
	lua_createtable(L, 0, 5);                           /* ... v */
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "rule");
	if (lua_isnil(L, 3))
		lua_pushfstring(L, "n°%d", (int)lua_rawlen(L, -2) + 1);
	else
		lua_pushvalue(L, 3);
	lua_setfield(L, -2, "name");
	if (lua_isnil(L, 4))
		lua_newtable(L);
	else
		lua_pushvalue(L, 4);
	lua_setfield(L, -2, "args");
	lua_getfield(L, 1, "expect");
	lua_setfield(L, -2, "expect");
	lua_pushstring(L, where);
	lua_setfield(L, -2, "where");
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

/* socle.on(event, fn): run fn(payload) after each event of that name. */
static int api_on(lua_State *L)
{
	require_loading(L, "socle.on");
	const char *event = check_name(L, 1, "socle.on");

	if (lua_type(L, 2) != LUA_TFUNCTION)
		return lua_raise(L, "invalid_argument", "socle.on('%s', fn) : fn doit être une fonction",
		                 event);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_handlers);
	lua_pushvalue(L, 1);
	if (lua_rawget(L, -2) == LUA_TNIL) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, 1);
		lua_pushvalue(L, -2);
		lua_rawset(L, -4);
	}
	lua_pushvalue(L, 2);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

/* registry parcours[id] = text (protected helper of api_parcours). */
static int parcours_store(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_parcours);
	lua_pushvalue(L, 1);
	lua_pushstring(L, lua_touserdata(L, 2));
	lua_rawset(L, -3);
	return 0;
}

/* socle.parcours{...}: a pathway definition, validated now. */
static int api_parcours(lua_State *L)
{
	socle_err err = SOCLE_ERR_INIT;
	char msg[256];

	require_loading(L, "socle.parcours");
	luaL_checktype(L, 1, LUA_TTABLE);
	json_t *def = socle_lua_to_json(L, 1, &err);

	if (def == NULL)
		return lua_raise(L, "invalid_argument", "socle.parcours : %s", err.msg);
	if (parcours_validate(def, msg, sizeof(msg)) != 0) {
		json_decref(def);
		return lua_raise(L, "invalid_argument", "socle.parcours : %s", msg);
	}
	char *text = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	char id[128];

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(def, "id")));
	json_decref(def);
	if (text == NULL)
		return lua_raise(L, "internal", "mémoire insuffisante");
	/* Pushing may raise on memory: do it protected so that text is freed. */
	if (!lua_checkstack(L, 4)) {
		free(text);
		return lua_raise(L, "internal", "pile Lua saturée");
	}
	lua_pushcfunction(L, parcours_store);
	lua_pushstring(L, id);
	lua_pushlightuserdata(L, text);
	int rc = lua_pcall(L, 2, 0, 0);

	free(text);
	if (rc != LUA_OK)
		return lua_error(L);
	return 0;
}

static int api_now(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)socle_now_ms());
	return 1;
}

static void push_date(lua_State *L, int64_t days)
{
	char buf[DATE_TEXT_SIZE];

	if (!date_format(days, buf))
		lua_raise(L, "invalid_argument", "date hors des années 0001 à 9999");
	lua_pushstring(L, buf);
}

static int api_today(lua_State *L)
{
	push_date(L, date_from_ms(socle_now_ms()));
	return 1;
}

/* ---- socle.date ---------------------------------------------------------- */

static int64_t check_date(lua_State *L, int idx)
{
	size_t len;
	const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
	int64_t days;

	if (s == NULL || !date_parse(s, len, &days))
		lua_raise(L, "invalid_argument", "date invalide (argument %d) : \"AAAA-MM-JJ\" attendu",
		          idx);
	return days;
}

static lua_Integer check_int(lua_State *L, int idx)
{
	int ok = 0;
	lua_Integer n = lua_tointegerx(L, idx, &ok);

	if (!ok || lua_type(L, idx) != LUA_TNUMBER)
		lua_raise(L, "invalid_argument", "nombre entier attendu (argument %d)", idx);
	return n;
}

static int date_valid(lua_State *L)
{
	size_t len;
	const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
	int64_t days;

	lua_pushboolean(L, s != NULL && date_parse(s, len, &days));
	return 1;
}

static int date_add_days_fn(lua_State *L)
{
	int64_t d = check_date(L, 1);
	lua_Integer n = check_int(L, 2);

	if (n > 4000000 || n < -4000000)
		return lua_raise(L, "invalid_argument", "nombre de jours hors limites");
	push_date(L, d + n);
	return 1;
}

static int add_months_common(lua_State *L, lua_Integer factor)
{
	int64_t d = check_date(L, 1), out;
	lua_Integer n = check_int(L, 2);

	if (n > 120000 || n < -120000 || !date_add_months(d, n * factor, &out))
		return lua_raise(L, "invalid_argument", "date résultante hors des années 0001 à 9999");
	push_date(L, out);
	return 1;
}

static int date_add_months_fn(lua_State *L)
{
	return add_months_common(L, 1);
}

static int date_add_years_fn(lua_State *L)
{
	return add_months_common(L, 12);
}

static int date_diff_days(lua_State *L)
{
	int64_t a = check_date(L, 1), b = check_date(L, 2);

	lua_pushinteger(L, (lua_Integer)(b - a));
	return 1;
}

static int date_part(lua_State *L, int which)
{
	int y, m, d;

	date_to_civil(check_date(L, 1), &y, &m, &d);
	lua_pushinteger(L, which == 0 ? y : which == 1 ? m : d);
	return 1;
}

static int date_year(lua_State *L)
{
	return date_part(L, 0);
}

static int date_month(lua_State *L)
{
	return date_part(L, 1);
}

static int date_day(lua_State *L)
{
	return date_part(L, 2);
}

static int date_weekday_fn(lua_State *L)
{
	lua_pushinteger(L, date_weekday(check_date(L, 1)));
	return 1;
}

static int date_compare(lua_State *L)
{
	int64_t a = check_date(L, 1), b = check_date(L, 2);

	lua_pushinteger(L, a < b ? -1 : a > b ? 1 : 0);
	return 1;
}

/* "1er juin 2025": the date as the rule packs' sentences write it, one
 * spelling for every plugin (the mails and pages use socle_date_fr too). */
static int date_words(lua_State *L)
{
	int y, m, d;
	char out[SOCLE_DATE_FR_SIZE];

	date_to_civil(check_date(L, 1), &y, &m, &d);
	if (d == 1)
		snprintf(out, sizeof(out), "1er %s %d", socle_month_fr(m), y);
	else
		snprintf(out, sizeof(out), "%d %s %d", d, socle_month_fr(m), y);
	lua_pushstring(L, out);
	return 1;
}

static const luaL_Reg date_fns[] = {
	{"valid", date_valid},         {"add_days", date_add_days_fn},
	{"add_months", date_add_months_fn}, {"add_years", date_add_years_fn},
	{"diff_days", date_diff_days}, {"year", date_year},
	{"month", date_month},         {"day", date_day},
	{"weekday", date_weekday_fn},  {"compare", date_compare},
	{"words", date_words},         {NULL, NULL},
};

/* ---- socle.dated --------------------------------------------------------- */

struct dated_span {
	int64_t from, to; /* to exclusive; INT64_MAX when open */
	int idx;          /* position in the sorted entries */
};

static int span_cmp(const void *a, const void *b)
{
	const struct dated_span *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* socle.dated{ {from=, to=, basis=, ...}, ... } -> rule set with :at(date). */
static int api_dated(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 1);

	if (n == 0 || n > 1000)
		return lua_raise(L, "invalid_argument", "socle.dated : liste de 1 à 1000 entrées attendue");
	struct dated_span *spans = lua_newuserdatauv(L, sizeof(*spans) * (size_t)n, 0); /* t ud */

	for (lua_Integer i = 1; i <= n; i++) {
		if (lua_rawgeti(L, 1, i) != LUA_TTABLE)
			return lua_raise(L, "invalid_argument", "socle.dated : l'entrée %d n'est pas une table",
			                 (int)i);
		size_t len;
		const char *s;
		int64_t from, to = INT64_MAX;

		lua_getfield(L, -1, "from");
		s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
		if (s == NULL || !date_parse(s, len, &from))
			return lua_raise(L, "invalid_argument",
			                 "socle.dated : entrée %d, from doit être une date \"AAAA-MM-JJ\"", (int)i);
		lua_pop(L, 1);
		lua_getfield(L, -1, "to");
		if (!lua_isnil(L, -1)) {
			s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
			if (s == NULL || !date_parse(s, len, &to))
				return lua_raise(L, "invalid_argument",
				                 "socle.dated : entrée %d, to doit être une date \"AAAA-MM-JJ\"",
				                 (int)i);
			if (to <= from)
				return lua_raise(L, "invalid_argument",
				                 "socle.dated : entrée %d, to doit être postérieur à from", (int)i);
		}
		lua_pop(L, 1);
		lua_getfield(L, -1, "basis");
		if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
			return lua_raise(L, "invalid_argument",
			                 "socle.dated : entrée %d sans basis (article de référence, "
			                 "par exemple \"R4624-28\")", (int)i);
		lua_pop(L, 2);
		spans[i - 1] = (struct dated_span){.from = from, .to = to, .idx = (int)i};
	}
	qsort(spans, (size_t)n, sizeof(*spans), span_cmp);
	for (lua_Integer i = 1; i < n; i++)
		if (spans[i - 1].to > spans[i].from)
			return lua_raise(L, "invalid_argument",
			                 "socle.dated : les entrées %d et %d se chevauchent",
			                 spans[i - 1].idx, spans[i].idx);
	/* The object: a userdata whose user value is the sorted list of entry copies. */
	struct dated_span *obj = lua_newuserdatauv(L, sizeof(*obj) * (size_t)n, 1); /* t ud obj */

	memcpy(obj, spans, sizeof(*obj) * (size_t)n);
	lua_createtable(L, (int)n, 0);                 /* t ud obj list */
	for (lua_Integer i = 0; i < n; i++) {
		lua_rawgeti(L, 1, obj[i].idx);         /* ... list src */
		lua_newtable(L);                       /* ... list src copy */
		lua_pushnil(L);
		while (lua_next(L, -3) != 0) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, -4);
		}
		lua_remove(L, -2);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setiuservalue(L, -2, 1);                   /* t ud obj */
	luaL_setmetatable(L, DATED_MT);
	return 1;
}

static void push_entry_copy(lua_State *L, int list, lua_Integer i)
{
	lua_rawgeti(L, list, i);                       /* src */
	lua_newtable(L);                               /* src copy */
	lua_pushnil(L);
	while (lua_next(L, -3) != 0) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, -4);
	}
	lua_remove(L, -2);
}

/* rules:at(date) -> a copy of the entry in force on that date, or nil. */
static int dated_at(lua_State *L)
{
	luaL_checkudata(L, 1, DATED_MT);
	int64_t d = check_date(L, 2);
	const struct dated_span *spans = lua_touserdata(L, 1);
	size_t n = lua_rawlen(L, 1) / sizeof(*spans);

	lua_getiuservalue(L, 1, 1);                    /* self date list */
	for (size_t i = 0; i < n; i++)
		if (spans[i].from <= d && d < spans[i].to) {
			push_entry_copy(L, 3, (lua_Integer)i + 1);
			return 1;
		}
	lua_pushnil(L);
	return 1;
}

/* rules:entries() -> copies of every entry, oldest first. */
static int dated_entries(lua_State *L)
{
	luaL_checkudata(L, 1, DATED_MT);
	lua_settop(L, 1);
	lua_getiuservalue(L, 1, 1);                    /* self list */
	lua_Integer n = (lua_Integer)lua_rawlen(L, 2);

	lua_createtable(L, (int)n, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		push_entry_copy(L, 2, i);
		lua_rawseti(L, 3, i);
	}
	return 1;
}

/* ---- socle.log, socle.array ---------------------------------------------- */

static int log_common(lua_State *L, int level)
{
	struct lua_ctx *c = lua_ctx_of(L);
	char where[256];
	luaL_Buffer b;
	int n = lua_gettop(L);

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n && luaL_bufflen(&b) < LOG_MESSAGE_MAX; i++) {
		if (i > 1)
			luaL_addchar(&b, ' ');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	lua_where(L, 1, where, sizeof(where));
	socle_log(level, "lua %s %s: %.1000s", c->ls->svc->id, where, lua_tostring(L, -1));
	return 0;
}

static int log_info(lua_State *L)
{
	return log_common(L, SOCLE_LOG_INFO);
}

static int log_warn(lua_State *L)
{
	return log_common(L, SOCLE_LOG_WARN);
}

static int log_error(lua_State *L)
{
	return log_common(L, SOCLE_LOG_ERROR);
}

static const luaL_Reg log_fns[] = {
	{"info", log_info}, {"warn", log_warn}, {"error", log_error}, {NULL, NULL},
};

/* socle.array(t): mark t (or a new table) as a JSON array, even when empty. */
static int api_array(lua_State *L)
{
	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	lua_conv_mark_array(L, 1);
	return 1;
}

static const luaL_Reg socle_fns[] = {
	{"rule", api_rule},   {"rule_get", api_rule_get}, {"test", api_test}, {"on", api_on},
	{"parcours", api_parcours},
	{"now", api_now},     {"today", api_today}, {"dated", api_dated}, {"array", api_array},
	{NULL, NULL},
};

static const char *const reserved[] = {"date", "log", "null", "rule", "rule_get", "test", "on",
                                       "parcours",
                                       "now", "today", "dated", "array", NULL};

static void open_plugin_libs(lua_State *L, int socle_idx, struct lua_service *ls)
{
	socle_core *core = ls->svc->core;
	const struct registry *reg = &core->reg;

	for (size_t i = 0; i < reg->lua_libs.n; i++) {
		const struct reg_lua_lib *lib = &reg->lua_libs.v[i];

		if (lib->owner == NULL || !ls->svc->plugin_enabled ||
		    !ls->svc->plugin_enabled[lib->owner->index])
			continue;
		const char *name = lib->owner->desc->name;
		bool clash = false;

		for (const char *const *r = reserved; *r; r++)
			clash = clash || strcmp(*r, name) == 0;
		if (clash) {
			socle_log(SOCLE_LOG_WARN, "bibliothèque Lua du plugin %s ignorée : "
			          "socle.%s est réservé", name, name);
			continue;
		}
		/* Several registrations of one plugin share its table. */
		lua_getfield(L, socle_idx, name);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_pushvalue(L, -1);
			lua_setfield(L, socle_idx, name);
		}
		luaL_setfuncs(L, lib->fns, 0);
		lua_pop(L, 1);
	}
	/* Freeze the plugin tables once filled. */
	for (size_t i = 0; i < reg->lua_libs.n; i++) {
		const struct reg_lua_lib *lib = &reg->lua_libs.v[i];

		if (lib->owner == NULL)
			continue;
		lua_getfield(L, socle_idx, lib->owner->desc->name);
		if (lua_istable(L, -1) && lua_getmetatable(L, -1) == 0) {
			lua_sandbox_freeze(L);
			lua_setfield(L, socle_idx, lib->owner->desc->name);
		} else {
			lua_settop(L, socle_idx);
		}
	}
	lua_settop(L, socle_idx);
}

void lua_api_open(lua_State *L, struct lua_service *ls)
{
	lua_newtable(L);                               /* S */
	int s = lua_gettop(L);

	luaL_setfuncs(L, socle_fns, 0);
	luaL_newlib(L, date_fns);
	lua_sandbox_freeze(L);
	lua_setfield(L, s, "date");
	luaL_newlib(L, log_fns);
	lua_sandbox_freeze(L);
	lua_setfield(L, s, "log");
	lua_pushlightuserdata(L, (void *)&lua_null_sentinel);
	lua_setfield(L, s, "null");
	open_plugin_libs(L, s, ls);

	/* Metatable of socle.dated objects. */
	luaL_newmetatable(L, DATED_MT);                /* S mt */
	lua_createtable(L, 0, 2);
	lua_pushcfunction(L, dated_at);
	lua_setfield(L, -2, "at");
	lua_pushcfunction(L, dated_entries);
	lua_setfield(L, -2, "entries");
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);                                 /* S */
	lua_sandbox_freeze(L);                         /* proxy */
}
