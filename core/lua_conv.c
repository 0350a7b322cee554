/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON <-> Lua values. Both directions are bounded: depth (32), string size
 * and entries per container. JSON null is the socle.null sentinel; a Lua table
 * is a JSON array when its keys are exactly 1..n or when socle.array marked it
 * (the only way to say "empty array"), an object when every key is a string;
 * anything else is refused with a message saying where. The Lua -> JSON
 * direction never raises (it is used outside protected calls). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_host.h"

bool lua_conv_is_marked_array(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (!lua_checkstack(L, 2))
		return false;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_arrays);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	lua_pushvalue(L, idx);
	bool marked = lua_rawget(L, -2) != LUA_TNIL;

	lua_pop(L, 2);
	return marked;
}

void lua_conv_mark_array(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_arrays);
	lua_pushvalue(L, idx);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

static void push_json(lua_State *L, const json_t *v, int depth)
{
	if (depth > LUA_JSON_DEPTH_MAX)
		lua_raise(L, "too_big", "JSON trop profond (plus de %d niveaux)", LUA_JSON_DEPTH_MAX);
	luaL_checkstack(L, 4, "JSON trop profond");
	switch (json_typeof(v)) {
	case JSON_NULL:
		lua_pushlightuserdata(L, (void *)&lua_null_sentinel);
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_STRING:
		if (json_string_length(v) > LUA_JSON_STRING_MAX)
			lua_raise(L, "too_big", "chaîne JSON trop longue (%d octets au plus)",
			          (int)LUA_JSON_STRING_MAX);
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		if (n > LUA_JSON_ELEMENTS_MAX)
			lua_raise(L, "too_big", "tableau JSON trop grand (%d éléments au plus)",
			          LUA_JSON_ELEMENTS_MAX);
		lua_createtable(L, (int)n, 0);
		for (size_t i = 0; i < n; i++) {
			push_json(L, json_array_get(v, i), depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_conv_mark_array(L, -1);
		break;
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(v);
		const char *k;
		json_t *e;

		if (n > LUA_JSON_ELEMENTS_MAX)
			lua_raise(L, "too_big", "objet JSON trop grand (%d champs au plus)",
			          LUA_JSON_ELEMENTS_MAX);
		lua_createtable(L, 0, (int)n);
		json_object_foreach((json_t *)v, k, e) {
			lua_pushstring(L, k);
			push_json(L, e, depth + 1);
			lua_rawset(L, -3);
		}
		break;
	}
	}
}

SOCLE_API void socle_lua_push_json(lua_State *L, const json_t *v)
{
	if (v == NULL) {
		lua_pushnil(L);
		return;
	}
	push_json(L, v, 1);
}

/* ---- Lua -> JSON -------------------------------------------------------- */

struct conv {
	lua_State *L;
	socle_err *err;
	size_t len;     /* of path */
	char path[128]; /* where in the value, for messages */
};

static json_t *to_json(struct conv *cv, int idx, int depth);

static json_t *fail(struct conv *cv, int code, const char *what)
{
	socle_err_set(cv->err, code, "valeur non convertible en JSON%s%s : %s",
	              cv->path[0] ? " à " : "", cv->path, what);
	return NULL;
}

/* Append @p n bytes of @p s to the path, truncated to its size (every value
 * converted goes through here: no formatting on this path). */
static void path_append(struct conv *cv, const char *s, size_t n)
{
	size_t room = sizeof(cv->path) - 1 - cv->len;

	if (n > room)
		n = room;
	memcpy(cv->path + cv->len, s, n);
	cv->len += n;
	cv->path[cv->len] = '\0';
}

/* ".key" (at most 40 bytes of it; no dot first) or "[i]". */
static void path_push_key(struct conv *cv, size_t *saved, const char *key, lua_Integer i)
{
	*saved = cv->len;
	if (key) {
		size_t n = strnlen(key, 40);

		if (cv->len)
			path_append(cv, ".", 1);
		path_append(cv, key, n);
	} else {
		char buf[24], *p = buf + sizeof(buf);
		unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;

		*--p = ']';
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (i < 0)
			*--p = '-';
		*--p = '[';
		path_append(cv, p, (size_t)(buf + sizeof(buf) - p));
	}
}

static void path_pop(struct conv *cv, size_t saved)
{
	cv->len = saved;
	cv->path[saved] = '\0';
}

static json_t *table_to_json(struct conv *cv, int idx, int depth)
{
	lua_State *L = cv->L;
	size_t count = 0;
	lua_Integer max_key = 0;
	bool all_int = true, all_str = true;

	/* First pass: classify the keys. */
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		lua_pop(L, 1);
		if (++count > LUA_JSON_ELEMENTS_MAX) {
			lua_pop(L, 1);
			return fail(cv, SOCLE_E_TOOBIG, "table trop grande");
		}
		if (lua_type(L, -1) == LUA_TSTRING) {
			all_int = false;
		} else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
			all_str = false;
			if (lua_tointeger(L, -1) > max_key)
				max_key = lua_tointeger(L, -1);
		} else {
			lua_pop(L, 1);
			return fail(cv, SOCLE_E_INVAL, "clé ni texte ni entier positif");
		}
	}
	bool marked = lua_conv_is_marked_array(L, idx);

	if (count == 0)
		return marked ? json_array() : json_object();
	if (all_int) {
		if ((size_t)max_key != count)
			return fail(cv, SOCLE_E_INVAL, "tableau à trous (clés entières non contiguës)");
		json_t *a = json_array();

		if (a == NULL)
			return fail(cv, SOCLE_E_NOMEM, "mémoire insuffisante");
		for (lua_Integer i = 1; i <= max_key; i++) {
			size_t saved;

			path_push_key(cv, &saved, NULL, i);
			lua_rawgeti(L, idx, i);
			json_t *e = to_json(cv, lua_gettop(L), depth + 1);

			lua_pop(L, 1);
			path_pop(cv, saved);
			if (e == NULL || json_array_append_new(a, e) != 0) {
				json_decref(a);
				return e == NULL ? NULL : fail(cv, SOCLE_E_NOMEM, "mémoire insuffisante");
			}
		}
		return a;
	}
	if (!all_str || marked)
		return fail(cv, SOCLE_E_INVAL, marked ? "tableau marqué avec des clés textuelles"
		                                      : "clés mêlant entiers et textes");
	json_t *o = json_object();

	if (o == NULL)
		return fail(cv, SOCLE_E_NOMEM, "mémoire insuffisante");
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		size_t klen, saved;
		const char *k = lua_tolstring(L, -2, &klen); /* a string already: no conversion */

		if (strlen(k) != klen) {
			lua_pop(L, 2);
			json_decref(o);
			return fail(cv, SOCLE_E_INVAL, "clé contenant un octet nul");
		}
		path_push_key(cv, &saved, k, 0);
		json_t *e = to_json(cv, lua_gettop(L), depth + 1);

		path_pop(cv, saved);
		lua_pop(L, 1);
		if (e == NULL || json_object_set_new(o, k, e) != 0) {
			lua_pop(L, 1);
			json_decref(o);
			return e == NULL ? NULL : fail(cv, SOCLE_E_INVAL, "clé non UTF-8");
		}
	}
	return o;
}

static json_t *to_json(struct conv *cv, int idx, int depth)
{
	lua_State *L = cv->L;

	if (depth > LUA_JSON_DEPTH_MAX)
		return fail(cv, SOCLE_E_TOOBIG, "profondeur supérieure à 32 (cycle ?)");
	if (!lua_checkstack(L, 4))
		return fail(cv, SOCLE_E_TOOBIG, "pile Lua saturée");
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			return json_integer((json_int_t)lua_tointeger(L, idx));
		double d = lua_tonumber(L, idx);

		if (!isfinite(d))
			return fail(cv, SOCLE_E_INVAL, "nombre non fini (NaN ou infini)");
		return json_real(d);
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);

		if (len > LUA_JSON_STRING_MAX)
			return fail(cv, SOCLE_E_TOOBIG, "chaîne trop longue");
		json_t *j = json_stringn(s, len);

		return j ? j : fail(cv, SOCLE_E_INVAL, "chaîne non UTF-8");
	}
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == &lua_null_sentinel)
			return json_null();
		return fail(cv, SOCLE_E_INVAL, "valeur de type userdata");
	case LUA_TTABLE:
		return table_to_json(cv, lua_absindex(L, idx), depth);
	default:
		return fail(cv, SOCLE_E_INVAL, lua_typename(L, lua_type(L, idx)));
	}
}

SOCLE_API json_t *socle_lua_to_json(lua_State *L, int idx, socle_err *err)
{
	struct conv cv = {.L = L, .err = err};
	int top = lua_gettop(L);
	json_t *j = to_json(&cv, lua_absindex(L, idx), 1);

	lua_settop(L, top);
	return j;
}

bool lua_conv_json_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!lua_conv_json_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;

		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v) {
			json_t *w = json_object_get(b, k);

			if (w == NULL || !lua_conv_json_equal(v, w))
				return false;
		}
		return true;
	}
	return json_equal(a, b);
}
