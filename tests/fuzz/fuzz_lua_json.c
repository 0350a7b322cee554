/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Harness: the JSON <-> Lua converter (socle_lua_push_json, socle_lua_to_json)
 * in a sandboxed state as the services' rules get (lua_sandbox_new), in two
 * modes chosen by the first byte's low bit.
 *
 * JSON mode (bit 0 clear): the rest is JSON text. When jansson reads it and
 * the push accepts it (at most 32 levels, bounded strings and containers),
 * Lua -> JSON gives back exactly that value: integers stay integers, reals
 * reals, [] an array, {} an object, null null; a push that refuses raises a
 * {code, message} error table, never anything else.
 *
 * Lua mode (bit 0 set): the rest is a small program building a Lua value
 * (tables with any keys, floats including NaN and infinities, strings of any
 * bytes, cycles, marked arrays, functions). Converting it either fails with
 * a message that is UTF-8 (it reaches logs and error bodies) or gives JSON
 * that converts back to the same JSON (the conversion is stable). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "lua_host.h"

static socle_core fake_core;
static socle_service fake_svc;
static struct lua_service fake_ls;

/* A new state for each input, closed after it: what one input leaves in a
 * state (interned strings, the weak set of marked arrays, the allocator's
 * pool) must not decide the fate of the next, or a crash found in a run could
 * not be replayed from its one file. Closing also frees everything the input
 * built through the state's allocator, which is checked that way too. */
/* ---- the sizes Lua gives its allocator ----
 * The sandbox's allocator (lua_sandbox.c) keeps no header: it trusts the old
 * size Lua passes to know a block's class and whether it came from its pool
 * or from malloc. The harness puts a checker in front of it that remembers
 * the size of every block handed out and aborts when Lua resizes or frees a
 * block with another size (a write past a pooled block is invisible to ASan:
 * liblua is not instrumented). */
#define TRACK_SLOTS (1u << 18)
static struct tracked {
	void *p;
	size_t size;
} *tracked;
static size_t tracked_live;
static lua_Alloc sandbox_alloc_fn;

static size_t track_slot(void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 44) & (TRACK_SLOTS - 1);
}

static struct tracked *track_find(void *p)
{
	for (size_t i = track_slot(p), n = 0; n < TRACK_SLOTS; i = (i + 1) & (TRACK_SLOTS - 1), n++)
		if (tracked[i].p == p || tracked[i].p == NULL)
			return &tracked[i];
	abort(); /* full: the state's memory cap allows far fewer blocks */
}

static void track_del(struct tracked *t)
{
	/* backward-shift deletion keeps the probe chains whole */
	size_t i = (size_t)(t - tracked);

	for (size_t j = (i + 1) & (TRACK_SLOTS - 1); tracked[j].p != NULL;
	     j = (j + 1) & (TRACK_SLOTS - 1)) {
		size_t home = track_slot(tracked[j].p);

		if (((j - home) & (TRACK_SLOTS - 1)) >= ((j - i) & (TRACK_SLOTS - 1))) {
			tracked[i] = tracked[j];
			i = j;
		}
	}
	tracked[i].p = NULL;
}

static void *checked_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct tracked *t = ptr ? track_find(ptr) : NULL;

	if (t != NULL && t->p == ptr && t->size != osize) {
		fprintf(stderr, "property failed: Lua gives %zu as the size of a block of %zu "
		                "bytes\n", osize, t->size);
		abort();
	}
	void *q = sandbox_alloc_fn(ud, ptr, osize, nsize);

	if (nsize == 0 || q != NULL) {
		if (t != NULL && t->p == ptr) {
			track_del(t);
			tracked_live--;
		}
		if (q != NULL) {
			struct tracked *n = track_find(q);

			n->p = q;
			n->size = nsize;
			tracked_live++;
		}
	}
	return q;
}

static lua_State *state_new(void)
{
	socle_err err = SOCLE_ERR_INIT;

	/* a service with no plugin and the default budgets: the sandbox alone */
	fake_svc.core = &fake_core;
	fake_svc.id = (char *)"fuzz";
	fake_ls.svc = &fake_svc;
	lua_State *L = lua_sandbox_new(&fake_ls, &err);

	if (L == NULL) {
		fprintf(stderr, "état Lua : %s\n", err.msg);
		abort();
	}
	if (tracked == NULL)
		tracked = calloc(TRACK_SLOTS, sizeof(*tracked));
	FUZZ_CHECK(tracked != NULL);
	/* blocks of the state's creation are not tracked: the checker knows
	 * only what it handed out itself */
	void *ud;

	sandbox_alloc_fn = lua_getallocf(L, &ud);
	lua_setallocf(L, checked_alloc, ud);
	return L;
}

static int push_protected(lua_State *L)
{
	socle_lua_push_json(L, lua_touserdata(L, 1));
	return 1;
}

/* Push @p j in protected mode: 1 with the value on the stack, 0 with the
 * error value (checked: a {code, message} table) popped. */
static int push_json(lua_State *L, const json_t *j)
{
	lua_pushcfunction(L, push_protected);
	lua_pushlightuserdata(L, (void *)j);
	if (lua_pcall(L, 1, 1, 0) == LUA_OK)
		return 1;
	/* the converter's refusals are raised as error tables; an allocation
	 * failure (LUA_ERRMEM) is a string */
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "code");
		FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return 0;
}

static void json_mode(lua_State *L, const char *text, size_t len)
{
	json_error_t je;
	json_t *in = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
	                        &je);
	int top = lua_gettop(L);

	if (in == NULL)
		return;
	if (push_json(L, in)) {
		socle_err err = SOCLE_ERR_INIT;
		json_t *out = socle_lua_to_json(L, -1, &err);

		if (out == NULL)
			fprintf(stderr, "retour refusé : %s\n", err.msg);
		FUZZ_CHECK(out != NULL);
		FUZZ_CHECK(json_equal(in, out));
		/* same kinds of numbers, not only equal values */
		FUZZ_CHECK(json_typeof(in) == json_typeof(out));
		json_decref(out);
	}
	lua_settop(L, top);
	json_decref(in);
}

/* ---- Lua mode: a stack machine over the input's bytes ---- */

struct prog {
	const uint8_t *p, *end;
};

static bool take(struct prog *g, void *out, size_t n)
{
	if ((size_t)(g->end - g->p) < n)
		return false;
	memcpy(out, g->p, n);
	g->p += n;
	return true;
}

#define MAX_STACK 48

static int noop(lua_State *L)
{
	(void)L;
	return 0;
}

/* Runs under lua_pcall: setting a NaN or nil key raises, which is fine. */
static int build(lua_State *L)
{
	struct prog *g = lua_touserdata(L, 1);
	int base = lua_gettop(L);
	uint8_t op;

	/* A C function may push LUA_MINSTACK (20) values unasked: room for the
	 * program's values first. (The first version of this harness pushed
	 * socle.null past the stack's end, unchecked: the heap corruption it
	 * caused, seen under lua_sandbox_close, was the harness's own.) */
	luaL_checkstack(L, MAX_STACK + 4, "programme trop long");
	while (take(g, &op, 1)) {
		int n = lua_gettop(L) - base;
		unsigned code = op % 16;

		/* the operations that push: 0-5, 9, 10, 11 */
		if (n >= MAX_STACK && (code < 6 || code == 9 || code == 10 || code == 11))
			continue;
		switch (code) {
		case 0: lua_pushnil(L); break;
		case 1: lua_pushboolean(L, op & 0x10); break;
		case 2: {
			int64_t v = 0;

			if (!take(g, &v, sizeof(v)))
				v = op >> 4;
			lua_pushinteger(L, (lua_Integer)v);
			break;
		}
		case 3: {
			double d;
			static const double specials[] = {0.5, -0.0, 1e308, 1.0};

			if (!take(g, &d, sizeof(d)))
				d = specials[(op >> 4) & 3];
			if (op & 0x40)
				d = (op & 0x80) ? NAN : INFINITY;
			lua_pushnumber(L, d);
			break;
		}
		case 4: {
			uint8_t len = 0;

			take(g, &len, 1);
			len = (size_t)(g->end - g->p) < len ? (uint8_t)(g->end - g->p) : len;
			lua_pushlstring(L, (const char *)g->p, len);
			g->p += len;
			break;
		}
		case 5: lua_newtable(L); break;
		case 6: /* t k v -> t, t[k] = v */
			if (n >= 3 && lua_istable(L, -3))
				lua_rawset(L, -3);
			break;
		case 7: /* t v -> t, append */
			if (n >= 2 && lua_istable(L, -2))
				lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
			break;
		case 8: /* socle.array(t) */
			if (n >= 1 && lua_istable(L, -1))
				lua_conv_mark_array(L, -1);
			break;
		case 9: lua_pushlightuserdata(L, (void *)&lua_null_sentinel); break;
		case 10: /* copy of a deeper value: cycles and shared tables */
			if (n >= 1)
				lua_pushvalue(L, -1 - (int)((op >> 4) % (unsigned)n));
			break;
		case 11: lua_pushcfunction(L, noop); break;
		case 12: if (n >= 1) lua_pop(L, 1); break;
		case 13: /* t v -> t, t[i] = v at an index of the op (holes, 0, negatives) */
			if (n >= 2 && lua_istable(L, -2))
				lua_rawseti(L, -2, (lua_Integer)(int8_t)(op & 0xF0) / 16);
			break;
		default: if (n >= 2) lua_insert(L, -2); break; /* swap */
		}
	}
	if (lua_gettop(L) == base)
		lua_pushnil(L);
	return 1;
}

static void lua_mode(lua_State *L, const uint8_t *data, size_t size)
{
	struct prog g = {data, data + size};
	int top = lua_gettop(L);

	lua_pushcfunction(L, build);
	lua_pushlightuserdata(L, &g);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_settop(L, top);
		return;
	}
	socle_err err = SOCLE_ERR_INIT;
	json_t *j = socle_lua_to_json(L, -1, &err);

	FUZZ_CHECK(lua_gettop(L) == top + 1); /* the converter leaves the stack as it was */
	if (j == NULL) {
		FUZZ_CHECK(err.code == SOCLE_E_INVAL || err.code == SOCLE_E_TOOBIG ||
		           err.code == SOCLE_E_NOMEM);
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(fuzz_utf8(err.msg));
	} else if (push_json(L, j)) {
		json_t *again = socle_lua_to_json(L, -1, &err);

		FUZZ_CHECK(again != NULL && json_equal(j, again));
		json_decref(again);
	}
	json_decref(j);
	lua_settop(L, top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	lua_State *L = state_new();

	if (data[0] & 1)
		lua_mode(L, data + 1, size - 1);
	else
		json_mode(L, (const char *)data + 1, size - 1);
	lua_sandbox_close(L);
	/* lua_close gave back every block handed out since the checker came */
	FUZZ_CHECK(tracked_live == 0);
	return 0;
}
