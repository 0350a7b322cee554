/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* string.find, string.match, string.gmatch and string.gsub of the sandbox
 * (lua_sandbox.c installs them): the pattern language of Lua 5.4's library,
 * with our own matcher. The library's matcher backtracks inside C where no
 * hook ever fires, so a single s:find('.-.-b') on a long subject runs for
 * seconds past any deadline; this one charges every step to the call's
 * budget (lua_budget_charge) and bounds its recursion. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>

#include "lua_host.h"

#define MATCH_DEPTH_MAX 200    /* recursion of the matcher */
#define MATCH_CHARGE_EVERY 256 /* matcher steps between budget charges */

#define PM_CAPTURES_MAX 32
#define CAP_OPEN (-1)
#define CAP_POS (-2)

struct pm {
	lua_State *L;
	const char *src, *src_end, *pat_end;
	int depth;
	int level;
	unsigned steps;
	struct {
		const char *at;
		ptrdiff_t len;
	} cap[PM_CAPTURES_MAX];
};

static void pm_step(struct pm *m)
{
	if (++m->steps >= MATCH_CHARGE_EVERY) {
		lua_budget_charge(m->L, m->steps);
		m->steps = 0;
	}
}

static const char *pm_class_end(struct pm *m, const char *p)
{
	if (*p++ == '%') {
		if (p >= m->pat_end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	}
	if (p[-1] == '[') {
		if (p < m->pat_end && *p == '^')
			p++;
		do { /* the first character of a set may be a literal ']' */
			if (p >= m->pat_end)
				luaL_error(m->L, "malformed pattern (missing ']')");
			if (*p++ == '%' && p < m->pat_end)
				p++;
		} while (p >= m->pat_end || *p != ']');
		return p + 1;
	}
	return p;
}

static bool pm_class(int ch, int cl)
{
	bool res;

	switch (cl | 0x20) {
	case 'a': res = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); break;
	case 'c': res = ch < 32 || ch == 127; break;
	case 'd': res = ch >= '0' && ch <= '9'; break;
	case 'g': res = ch > 32 && ch < 127; break;
	case 'l': res = ch >= 'a' && ch <= 'z'; break;
	case 'p': res = ch > 32 && ch < 127 && !((ch >= 'a' && ch <= 'z') ||
	                (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')); break;
	case 's': res = ch == ' ' || (ch >= '\t' && ch <= '\r'); break;
	case 'u': res = ch >= 'A' && ch <= 'Z'; break;
	case 'w': res = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	                (ch >= '0' && ch <= '9'); break;
	case 'x': res = (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
	          break;
	default: return cl == ch;
	}
	return (cl >= 'A' && cl <= 'Z') ? !res : res;
}

/* @p p at '[', @p ec at the closing ']'. */
static bool pm_set(int ch, const char *p, const char *ec)
{
	bool want = true;

	if (*++p == '^') {
		want = false;
		p++;
	}
	for (; p < ec; p++) {
		if (*p == '%') {
			p++;
			if (pm_class(ch, (unsigned char)*p))
				return want;
		} else if (p + 2 < ec && p[1] == '-') {
			if ((unsigned char)p[0] <= ch && ch <= (unsigned char)p[2])
				return want;
			p += 2;
		} else if ((unsigned char)*p == ch) {
			return want;
		}
	}
	return !want;
}

static bool pm_single(struct pm *m, const char *s, const char *p, const char *ep)
{
	if (s >= m->src_end)
		return false;
	int ch = (unsigned char)*s;

	switch (*p) {
	case '.': return true;
	case '%': return pm_class(ch, (unsigned char)p[1]);
	case '[': return pm_set(ch, p, ep - 1);
	default: return (unsigned char)*p == ch;
	}
}

static const char *pm_match(struct pm *m, const char *s, const char *p);

static const char *pm_max_expand(struct pm *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;

	while (pm_single(m, s + i, p, ep)) {
		i++;
		pm_step(m);
	}
	for (; i >= 0; i--) {
		const char *r = pm_match(m, s + i, ep + 1);

		if (r)
			return r;
		pm_step(m);
	}
	return NULL;
}

static const char *pm_min_expand(struct pm *m, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *r = pm_match(m, s, ep + 1);

		if (r)
			return r;
		if (!pm_single(m, s, p, ep))
			return NULL;
		s++;
		pm_step(m);
	}
}

static const char *pm_capture_open(struct pm *m, const char *s, const char *p, ptrdiff_t what)
{
	if (m->level >= PM_CAPTURES_MAX)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].at = s;
	m->cap[m->level].len = what;
	m->level++;
	const char *r = pm_match(m, s, p);

	if (r == NULL)
		m->level--;
	return r;
}

static const char *pm_capture_close(struct pm *m, const char *s, const char *p)
{
	int l = -1;

	for (int i = m->level - 1; i >= 0; i--)
		if (m->cap[i].len == CAP_OPEN) {
			l = i;
			break;
		}
	if (l < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[l].len = s - m->cap[l].at;
	const char *r = pm_match(m, s, p);

	if (r == NULL)
		m->cap[l].len = CAP_OPEN;
	return r;
}

static const char *pm_balance(struct pm *m, const char *s, const char *p)
{
	if (p + 1 >= m->pat_end)
		luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= m->src_end || *s != *p)
		return NULL;
	int open = *p, close = p[1], depth = 1;

	while (++s < m->src_end) {
		pm_step(m);
		if (*s == close) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == open) {
			depth++;
		}
	}
	return NULL;
}

static const char *pm_backref(struct pm *m, const char *s, int l)
{
	l -= '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
		luaL_error(m->L, "invalid capture index %%%d", l + 1);
	size_t len = (size_t)m->cap[l].len;

	if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].at, s, len) == 0)
		return s + len;
	return NULL;
}

static const char *pm_match(struct pm *m, const char *s, const char *p)
{
	if (++m->depth > MATCH_DEPTH_MAX)
		luaL_error(m->L, "pattern too complex");
	for (;;) {
		pm_step(m);
		if (p == m->pat_end)
			break;
		if (*p == '(') {
			s = p + 1 < m->pat_end && p[1] == ')' ? pm_capture_open(m, s, p + 2, CAP_POS)
			                                        : pm_capture_open(m, s, p + 1, CAP_OPEN);
			break;
		}
		if (*p == ')') {
			s = pm_capture_close(m, s, p + 1);
			break;
		}
		if (*p == '$' && p + 1 == m->pat_end) {
			s = s == m->src_end ? s : NULL;
			break;
		}
		if (*p == '%' && p + 1 < m->pat_end && p[1] == 'b') {
			s = pm_balance(m, s, p + 2);
			if (s != NULL) {
				p += 4;
				continue;
			}
			break;
		}
		if (*p == '%' && p + 1 < m->pat_end && p[1] == 'f') {
			p += 2;
			if (p >= m->pat_end || *p != '[')
				luaL_error(m->L, "missing '[' after '%%f' in pattern");
			const char *ep = pm_class_end(m, p);
			int prev = s == m->src ? 0 : (unsigned char)s[-1];
			int cur = s < m->src_end ? (unsigned char)*s : 0;

			if (!pm_set(prev, p, ep - 1) && pm_set(cur, p, ep - 1)) {
				p = ep;
				continue;
			}
			s = NULL;
			break;
		}
		if (*p == '%' && p + 1 < m->pat_end && p[1] >= '0' && p[1] <= '9') {
			s = pm_backref(m, s, (unsigned char)p[1]);
			if (s != NULL) {
				p += 2;
				continue;
			}
			break;
		}
		const char *ep = pm_class_end(m, p);
		char q = ep < m->pat_end ? *ep : '\0';

		if (!pm_single(m, s, p, ep)) {
			if (q == '*' || q == '?' || q == '-') {
				p = ep + 1;
				continue;
			}
			s = NULL;
			break;
		}
		if (q == '?') {
			const char *r = pm_match(m, s + 1, ep + 1);

			if (r != NULL) {
				s = r;
				break;
			}
			p = ep + 1;
			continue;
		}
		if (q == '+') {
			s = pm_max_expand(m, s + 1, p, ep);
			break;
		}
		if (q == '*') {
			s = pm_max_expand(m, s, p, ep);
			break;
		}
		if (q == '-') {
			s = pm_min_expand(m, s, p, ep);
			break;
		}
		s++;
		p = ep;
	}
	m->depth--;
	return s;
}

static void pm_init(struct pm *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
	m->L = L;
	m->src = s;
	m->src_end = s + ls;
	m->pat_end = p + lp;
	m->depth = 0;
	m->level = 0;
	m->steps = 0;
}

static void pm_push_capture(struct pm *m, int i, const char *s, const char *e)
{
	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(m->L, s, (size_t)(e - s));
		return;
	}
	ptrdiff_t len = m->cap[i].len;

	if (len == CAP_OPEN)
		luaL_error(m->L, "unfinished capture");
	if (len == CAP_POS)
		lua_pushinteger(m->L, (m->cap[i].at - m->src) + 1);
	else
		lua_pushlstring(m->L, m->cap[i].at, (size_t)len);
}

static int pm_push_captures(struct pm *m, const char *s, const char *e)
{
	int n = (m->level == 0 && s != NULL) ? 1 : m->level;

	luaL_checkstack(m->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		pm_push_capture(m, i, s, e);
	return n;
}

static size_t start_index(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0)
		return 1;
	if (pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

static bool has_specials(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (strchr("^$*+?.([%-", p[i]) != NULL && p[i] != '\0')
			return true;
	return false;
}

static int str_find_aux(lua_State *L, bool find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_index(luaL_optinteger(L, 3, 1), ls);

	if (init > ls + 1) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
		lua_budget_charge(L, (ls - init + 1) / 64);
		const char *at = lp == 0 ? s + init - 1 : memmem(s + init - 1, ls - init + 1, p, lp);

		if (at != NULL) {
			lua_pushinteger(L, (at - s) + 1);
			lua_pushinteger(L, (at - s) + (lua_Integer)lp);
			return 2;
		}
		luaL_pushfail(L);
		return 1;
	}
	struct pm m;
	const char *s1 = s + init - 1;
	bool anchor = lp > 0 && *p == '^';

	if (anchor) {
		p++;
		lp--;
	}
	pm_init(&m, L, s, ls, p, lp);
	do {
		m.level = 0;
		m.depth = 0;
		const char *e = pm_match(&m, s1, p);

		if (e != NULL) {
			lua_budget_charge(L, m.steps);
			if (find) {
				lua_pushinteger(L, (s1 - s) + 1);
				lua_pushinteger(L, e - s);
				return pm_push_captures(&m, NULL, NULL) + 2;
			}
			return pm_push_captures(&m, s1, e);
		}
	} while (s1++ < m.src_end && !anchor);
	lua_budget_charge(L, m.steps);
	luaL_pushfail(L);
	return 1;
}

int lua_pattern_find(lua_State *L)
{
	return str_find_aux(L, true);
}

int lua_pattern_match(lua_State *L)
{
	return str_find_aux(L, false);
}

/* gmatch state: offsets into the subject held in upvalue 1, pattern in 2. */
struct gm_state {
	size_t pos;       /* next start offset */
	size_t last;      /* end of the last match, or SIZE_MAX */
};

static int gmatch_next(lua_State *L)
{
	size_t ls, lp;
	const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
	const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
	struct gm_state *g = lua_touserdata(L, lua_upvalueindex(3));
	struct pm m;

	lua_budget_check(L);
	pm_init(&m, L, s, ls, p, lp);
	for (const char *src = s + g->pos; src <= m.src_end; src++) {
		m.level = 0;
		m.depth = 0;
		const char *e = pm_match(&m, src, p);

		if (e != NULL && (g->last == SIZE_MAX || (size_t)(e - s) != g->last)) {
			g->pos = g->last = (size_t)(e - s);
			lua_budget_charge(L, m.steps);
			return pm_push_captures(&m, src, e);
		}
	}
	lua_budget_charge(L, m.steps);
	g->pos = ls + 1;
	return 0;
}

int lua_pattern_gmatch(lua_State *L)
{
	size_t ls;

	luaL_checklstring(L, 1, &ls);
	luaL_checkstring(L, 2);
	size_t init = start_index(luaL_optinteger(L, 3, 1), ls);

	lua_settop(L, 2);
	struct gm_state *g = lua_newuserdatauv(L, sizeof(*g), 0);

	g->pos = init > ls + 1 ? ls + 1 : init - 1;
	g->last = SIZE_MAX;
	lua_pushcclosure(L, gmatch_next, 3);
	return 1;
}

static void gsub_add_value(struct pm *m, luaL_Buffer *b, const char *s, const char *e, int rt)
{
	lua_State *L = m->L;

	if (rt == LUA_TSTRING || rt == LUA_TNUMBER) {
		size_t l;
		const char *r = lua_tolstring(L, 3, &l);

		for (size_t i = 0; i < l; i++) {
			if (r[i] != '%') {
				luaL_addchar(b, r[i]);
				continue;
			}
			i++;
			if (i < l && r[i] == '%') {
				luaL_addchar(b, '%');
			} else if (i < l && r[i] >= '0' && r[i] <= '9') {
				if (r[i] == '0')
					luaL_addlstring(b, s, (size_t)(e - s));
				else {
					pm_push_capture(m, r[i] - '1', s, e);
					luaL_tolstring(L, -1, NULL);
					lua_remove(L, -2);
					luaL_addvalue(b);
				}
			} else {
				luaL_error(L, "invalid use of '%%' in replacement string");
			}
		}
		return;
	}
	if (rt == LUA_TFUNCTION) {
		lua_pushvalue(L, 3);
		int n = pm_push_captures(m, s, e);

		lua_call(L, n, 1);
	} else {
		pm_push_capture(m, 0, s, e);
		lua_gettable(L, 3);
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
	} else if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
		luaL_addvalue(b);
	} else {
		luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	}
}

int lua_pattern_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	int rt = lua_type(L, 3);
	lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
	bool anchor = lp > 0 && *p == '^';
	const char *src = s, *last = NULL;
	lua_Integer n = 0;
	luaL_Buffer b;
	struct pm m;

	luaL_argexpected(L, rt == LUA_TNUMBER || rt == LUA_TSTRING || rt == LUA_TFUNCTION ||
	                 rt == LUA_TTABLE, 3, "string/function/table");
	lua_settop(L, 3);
	if (anchor) {
		p++;
		lp--;
	}
	luaL_buffinit(L, &b);
	pm_init(&m, L, s, ls, p, lp);
	while (n < max_n) {
		m.level = 0;
		m.depth = 0;
		const char *e = pm_match(&m, src, p);

		if (e != NULL && e != last) {
			n++;
			gsub_add_value(&m, &b, src, e, rt);
			src = last = e;
		} else if (src < m.src_end) {
			luaL_addchar(&b, *src++);
			pm_step(&m);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	lua_budget_charge(L, m.steps);
	luaL_addlstring(&b, src, (size_t)(m.src_end - src));
	luaL_pushresult(&b);
	lua_pushinteger(L, n);
	return 2;
}
