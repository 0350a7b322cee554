/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Rule points: their declaration by plugins, the check at load that each one
 * a service needs is defined by its scripts, calls from C under budgets with
 * the contract check, and the rule packs' own test vectors (socle.test) that
 * `socle check` runs. Also the registration of plugins' Lua libraries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_host.h"

SOCLE_API int socle_plugin_add_lua_lib(socle_plugin *p, const luaL_Reg *fns, socle_err *err)
{
	if (p == NULL || fns == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "bibliothèque Lua : arguments manquants");
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "les bibliothèques Lua s'enregistrent dans init()");
	struct reg_lua_lib rec = {.owner = p, .fns = fns};

	if (registry_add_lua_lib(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return 0;
}

SOCLE_API int socle_plugin_add_rule_point(socle_plugin *p, const struct socle_rule_point *rp,
                                          socle_err *err)
{
	if (p == NULL || rp == NULL || rp->name == NULL || rp->name[0] == '\0' || rp->n_args < 0)
		return socle_err_set(err, SOCLE_E_INVAL, "point de règle : déclaration incomplète");
	if (p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "les points de règle se déclarent dans init()");
	if (registry_rule_point(&p->core->reg, rp->name) != NULL)
		return socle_err_set(err, SOCLE_E_EXISTS, "point de règle « %s » déjà déclaré", rp->name);
	struct reg_rule_point rec = {.owner = p, .rp = rp};

	if (registry_add_rule_point(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	return 0;
}

/* Protected part of a rule call: name (lightuserdata, 1), args (lightuserdata,
 * 2) -> result. Every allocation happens here, under protection. */
static int rule_trampoline(lua_State *L)
{
	const char *name = lua_touserdata(L, 1);
	const json_t *args = lua_touserdata(L, 2);
	size_t n = args ? json_array_size(args) : 0;

	lua_settop(L, 0);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rules);
	if (lua_getfield(L, 1, name) != LUA_TFUNCTION)
		return lua_raise(L, "not_found", "règle « %s » non définie", name);
	luaL_checkstack(L, (int)n + 2, "trop d'arguments");
	for (size_t i = 0; i < n; i++)
		socle_lua_push_json(L, json_array_get(args, i));
	lua_call(L, (int)n, 1);
	return 1;
}

/* The same with the arguments pushed by the caller's function (argument 1:
 * the struct pushed_call); exactly n_args values when the rule point says.
 * With a read function, the result is read there and not returned; its
 * verdict is left in the struct (a refusal is not a Lua error). */
struct pushed_call {
	const char *name;
	socle_rule_push_fn push;
	socle_rule_read_fn read;
	void *ud;
	int n_args;
	int read_rc;
	socle_err read_err;
};

static int pushed_trampoline(lua_State *L)
{
	struct pushed_call *pc = lua_touserdata(L, 1);

	lua_settop(L, 0);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rules);
	if (lua_getfield(L, 1, pc->name) != LUA_TFUNCTION)
		return lua_raise(L, "not_found", "règle « %s » non définie", pc->name);
	luaL_checkstack(L, pc->n_args + 8, "trop d'arguments");
	pc->push(L, pc->ud);
	int pushed = lua_gettop(L) - 2;
	if (pc->n_args > 0 && pushed != pc->n_args)
		return lua_raise(L, "contract", "règle « %s » : %d argument(s) poussé(s) au lieu de %d",
		                 pc->name, pushed, pc->n_args);
	lua_call(L, pushed, 1);
	if (pc->read == NULL)
		return 1;
	pc->read_rc = pc->read(L, lua_gettop(L), pc->ud, &pc->read_err);
	return 0;
}

/* Call @p fn (a trampoline) with @p ctx in @p L under the budgets; the rule's
 * result converted to JSON in *out. */
static int rule_call_via(lua_State *L, const char *name, lua_CFunction fn, void *ctx,
                         const void *args, json_t **out, socle_err *err)
{
	int top = lua_gettop(L);

	*out = NULL;
	if (!lua_checkstack(L, 4))
		return socle_err_set(err, SOCLE_E_NOMEM, "pile Lua saturée");
	lua_pushcfunction(L, fn);
	lua_pushlightuserdata(L, ctx);
	lua_pushlightuserdata(L, (void *)args);
	int rc = lua_host_call(L, 2, 1, err);

	if (rc != 0) {
		lua_settop(L, top);
		return rc;
	}
	socle_err cerr = SOCLE_ERR_INIT;

	*out = socle_lua_to_json(L, -1, &cerr);
	lua_settop(L, top);
	if (*out == NULL)
		return socle_err_set(err, SOCLE_E_CONTRACT, "règle « %s » : résultat invalide : %s", name,
		                     cerr.msg);
	return 0;
}

/* Call rule @p name in @p L with the JSON @p args; the result in *out. */
static int rule_call_in(lua_State *L, const char *name, const json_t *args, json_t **out,
                        socle_err *err)
{
	return rule_call_via(L, name, rule_trampoline, (void *)name, args, out, err);
}

static int contract_check(const struct reg_rule_point *rp, const char *name, const json_t *res,
                          socle_err *err)
{
	if (rp == NULL || rp->rp->check == NULL)
		return 0;
	socle_err cerr = SOCLE_ERR_INIT;

	if (rp->rp->check(res, &cerr) == 0)
		return 0;
	return socle_err_set(err, SOCLE_E_CONTRACT, "règle « %s » : résultat hors contrat : %s", name,
	                     cerr.msg[0] ? cerr.msg : "refusé par le contrôle du contrat");
}

/* The end of a call that returned @p rc: the result @p res checked against
 * the rule point's contract, then handed to *out (or dropped). */
static int rule_call_finish(const struct reg_rule_point *rp, const char *name, int rc,
                            json_t *res, json_t **out, socle_err *err)
{
	if (rc == 0)
		rc = contract_check(rp, name, res, err);
	if (rc != 0 || out == NULL) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}

SOCLE_API int socle_rule_call(socle_service *svc, const char *name, const json_t *args,
                              json_t **out, socle_err *err)
{
	json_t *res = NULL;

	if (out)
		*out = NULL;
	if (svc == NULL || name == NULL || (args != NULL && !json_is_array(args)))
		return socle_err_set(err, SOCLE_E_INVAL, "appel de règle : arguments invalides");
	const struct reg_rule_point *rp = registry_rule_point(&svc->core->reg, name);
	size_t n = args ? json_array_size(args) : 0;

	/* No arguments where the rule point takes some: the caller's json_pack
	 * ran out of memory (its only failure on a valid format). A count that
	 * differs is the caller's bug. Neither is the client's fault (no 400). */
	if (rp && rp->rp->n_args > 0 && args == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "la règle « %s » n'a reçu aucun argument "
		                     "(mémoire insuffisante)", name);
	if (rp && rp->rp->n_args > 0 && n != (size_t)rp->rp->n_args)
		return socle_err_set(err, SOCLE_E_INTERNAL, "la règle « %s » attend %d argument(s), "
		                     "%zu reçu(s)", name, rp->rp->n_args, n);
	lua_State *L = lua_service_state(svc, err);

	if (L == NULL)
		return err && err->code ? err->code : SOCLE_E_INTERNAL;
	int rc = rule_call_in(L, name, args, &res, err);

	return rule_call_finish(rp, name, rc, res, out, err);
}

/* For the calls whose arguments C pushes: the declared rule point @p name
 * (*rp) and this thread's state of @p svc (*L); 0, or the code with @p err
 * set. */
static int declared_state(socle_service *svc, const char *name,
                          const struct reg_rule_point **rp, lua_State **L, socle_err *err)
{
	*rp = registry_rule_point(&svc->core->reg, name);
	if (*rp == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "règle « %s » non déclarée par un plugin",
		                     name);
	*L = lua_service_state(svc, err);
	if (*L == NULL)
		return err && err->code ? err->code : SOCLE_E_INTERNAL;
	return 0;
}

SOCLE_API int socle_rule_call_pushed(socle_service *svc, const char *name, socle_rule_push_fn push,
                                     void *ud, json_t **out, socle_err *err)
{
	json_t *res = NULL;

	if (out)
		*out = NULL;
	if (svc == NULL || name == NULL || push == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "appel de règle : arguments invalides");
	const struct reg_rule_point *rp = NULL;
	lua_State *L = NULL;
	int rc = declared_state(svc, name, &rp, &L, err);

	if (rc != 0)
		return rc;
	struct pushed_call pc = {.name = name, .push = push, .ud = ud, .n_args = rp->rp->n_args};
	rc = rule_call_via(L, name, pushed_trampoline, &pc, NULL, &res, err);

	return rule_call_finish(rp, name, rc, res, out, err);
}

SOCLE_API int socle_rule_call_read(socle_service *svc, const char *name, socle_rule_push_fn push,
                                   socle_rule_read_fn read, void *ud, socle_err *err)
{
	if (svc == NULL || name == NULL || push == NULL || read == NULL)
		return socle_err_set(err, SOCLE_E_INVAL, "appel de règle : arguments invalides");
	const struct reg_rule_point *rp = NULL;
	lua_State *L = NULL;
	int rc = declared_state(svc, name, &rp, &L, err);

	if (rc != 0)
		return rc;
	struct pushed_call pc = {.name = name, .push = push, .read = read, .ud = ud,
	                         .n_args = rp->rp->n_args, .read_err = SOCLE_ERR_INIT};
	int top = lua_gettop(L);

	if (!lua_checkstack(L, 4))
		return socle_err_set(err, SOCLE_E_NOMEM, "pile Lua saturée");
	lua_pushcfunction(L, pushed_trampoline);
	lua_pushlightuserdata(L, &pc);
	rc = lua_host_call(L, 1, 0, err);

	lua_settop(L, top);
	if (rc != 0)
		return rc;
	if (pc.read_rc == SOCLE_E_CONTRACT)
		return socle_err_set(err, SOCLE_E_CONTRACT, "règle « %s » : résultat hors contrat : %s",
		                     name, pc.read_err.msg[0] ? pc.read_err.msg : "refusé à la lecture");
	if (pc.read_rc != 0)
		return socle_err_set(err, pc.read_rc, "règle « %s » : lecture du résultat impossible%s%s",
		                     name, pc.read_err.msg[0] ? " : " : "", pc.read_err.msg);
	return 0;
}

static bool plugin_enabled(const struct lua_service *ls, const socle_plugin *owner)
{
	return owner == NULL || (ls->svc->plugin_enabled && ls->svc->plugin_enabled[owner->index]);
}

struct check_defined {
	struct lua_service *ls;
	struct diag *d;
	int missing;
};

/* Protected: looking names up may allocate. */
static int check_defined_protected(lua_State *L)
{
	struct check_defined *cd = lua_touserdata(L, 1);
	struct lua_service *ls = cd->ls;
	const struct registry *reg = &ls->svc->core->reg;

	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rules);
	for (size_t i = 0; i < reg->rule_points.n; i++) {
		const struct reg_rule_point *rp = &reg->rule_points.v[i];

		if (!plugin_enabled(ls, rp->owner))
			continue;
		int t = lua_getfield(L, -1, rp->rp->name);

		lua_pop(L, 1);
		if (t == LUA_TFUNCTION)
			continue;
		char where[300];

		snprintf(where, sizeof(where), "service %s", ls->svc->id);
		diag_add(cd->d, where, "point de règle « %s » du plugin %s non défini par les scripts "
		         "(ni le pack du plugin ni %s)", rp->rp->name,
		         rp->owner ? rp->owner->desc->name : "core",
		         ls->svc->scripts_dir ? ls->svc->scripts_dir : "le dossier du service");
		cd->missing++;
	}
	return 0;
}

int lua_rules_check_defined(lua_State *L, struct lua_service *ls, struct diag *d)
{
	struct check_defined cd = {.ls = ls, .d = d};

	lua_pushcfunction(L, check_defined_protected);
	lua_pushlightuserdata(L, &cd);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		lua_pop(L, 1);
		diag_add(d, ls->svc->id, "vérification des points de règle impossible (mémoire)");
		return SOCLE_E_BUDGET;
	}
	return cd.missing ? SOCLE_E_NOTFOUND : 0;
}

/* Is @p where ("path:line") a file of the default layer? */
static bool in_default_layer(const struct lua_service *ls, const char *where)
{
	for (size_t i = 0; i < ls->n_scripts; i++) {
		const struct lua_script *s = &ls->scripts[i];
		size_t n = strlen(s->path);

		if (s->default_layer && strncmp(where, s->path, n) == 0 && where[n] == ':')
			return true;
	}
	return false;
}

/* A vector of the default pack only states what the default rule returns:
 * when the service redefined the rule, its expectation no longer applies
 * (the contract check still does). */
static bool rule_overridden_for(lua_State *L, const struct lua_service *ls, const char *rule,
                                const char *vector_where)
{
	bool overridden = false;

	if (!in_default_layer(ls, vector_where) || !lua_checkstack(L, 2))
		return false;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rule_where);
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) { /* raw scan: no string is created */
		if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), rule) == 0 &&
		    lua_type(L, -1) == LUA_TSTRING)
			overridden = !in_default_layer(ls, lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return overridden;
}

/* "path:line" where the rule @p rule in force was defined (socle.rule), or ""
 * when unknown. Raw reads of the host's own table: no script code runs. */
static void rule_defined_at(lua_State *L, const char *rule, char *out, size_t size)
{
	out[0] = '\0';
	if (!lua_checkstack(L, 2))
		return;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_rule_where);
	if (lua_istable(L, -1)) {
		lua_pushstring(L, rule);
		lua_rawget(L, -2);
		if (lua_type(L, -1) == LUA_TSTRING)
			snprintf(out, size, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

int lua_rules_run_tests(lua_State *L, struct lua_service *ls, struct diag *d)
{
	const struct registry *reg = &ls->svc->core->reg;
	int failures = 0;
	int top = lua_gettop(L);

	lua_rawgetp(L, LUA_REGISTRYINDEX, &lua_key_tests);
	int tests = lua_gettop(L);
	lua_Integer n = (lua_Integer)lua_rawlen(L, tests);

	for (lua_Integer i = 1; i <= n; i++) {
		socle_err err = SOCLE_ERR_INIT;
		char where[256], rule[128], name[128];
		json_t *args = NULL, *expect = NULL, *got = NULL;
		bool has_expect;

		lua_rawgeti(L, tests, i);                      /* v */
		lua_getfield(L, -1, "where");
		snprintf(where, sizeof(where), "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		lua_getfield(L, -2, "rule");
		snprintf(rule, sizeof(rule), "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		lua_getfield(L, -3, "name");
		snprintf(name, sizeof(name), "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		lua_pop(L, 3);
		lua_getfield(L, -1, "args");
		args = socle_lua_to_json(L, -1, &err);
		lua_pop(L, 1);
		if (args != NULL && json_is_object(args) && json_object_size(args) == 0) {
			json_decref(args);
			args = json_array();
		}
		if (args == NULL || !json_is_array(args)) {
			diag_add(d, where, "service %s, test « %s » de la règle %s : args doit être une "
			         "liste (%s)", ls->svc->id, name, rule, err.msg);
			goto next_fail;
		}
		lua_getfield(L, -1, "expect");
		has_expect = !lua_isnil(L, -1);
		if (has_expect)
			expect = socle_lua_to_json(L, -1, &err);
		lua_pop(L, 1);
		if (has_expect && expect == NULL) {
			diag_add(d, where, "service %s, test « %s » de la règle %s : expect invalide (%s)",
			         ls->svc->id, name, rule, err.msg);
			goto next_fail;
		}
		if (rule_call_in(L, rule, args, &got, &err) != 0) {
			diag_add(d, where, "service %s, test « %s » de la règle %s : %s", ls->svc->id, name,
			         rule, err.msg);
			goto next_fail;
		}
		if (contract_check(registry_rule_point(reg, rule), rule, got, &err) != 0) {
			/* The answer is the rule's fault, not the vector's: name the file
			 * and line where the rule in force (an override, often) is defined. */
			char defined[256];

			rule_defined_at(L, rule, defined, sizeof(defined));
			diag_add(d, defined[0] ? defined : where, "service %s, règle %s (test « %s » en %s) "
			         ": %s", ls->svc->id, rule, name, where, err.msg);
			goto next_fail;
		}
		if (has_expect && !rule_overridden_for(L, ls, rule, where) &&
		    !lua_conv_json_equal(expect, got)) {
			char *e = json_dumps(expect, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
			char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);

			diag_add(d, where, "service %s, test « %s » de la règle %s : attendu %.200s, "
			         "obtenu %.200s", ls->svc->id, name, rule, e ? e : "?", g ? g : "?");
			free(e);
			free(g);
			goto next_fail;
		}
		goto next;
next_fail:
		failures++;
next:
		json_decref(args);
		json_decref(expect);
		json_decref(got);
		lua_settop(L, tests);
	}
	lua_settop(L, top);
	return failures ? SOCLE_E_SCRIPT : 0;
}
