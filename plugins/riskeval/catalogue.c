/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The service's catalogue for risk evaluation: the thesaurus of exposures
 * (codes the fiche and the DUERP name risks with) and the DUERP models per
 * NAF division (issue 14 items 1 and 3).
 *
 * Both are data a service writes in its scripts folder, as Lua files of one
 * call per entry:
 *   socle.riskeval.exposure("bruit", "Bruit", "Nuisances physiques")
 *   socle.riskeval.duerp_model{ division = "47", titre = "…", unites = { … } }
 * Why Lua calls rather than a CSV: the core hands plugins no path to the
 * service's folder, and each call is checked as the file loads, so a wrong
 * entry stops the service with the file and the line ("…/riskeval_exposures.lua:12:
 * code « Bruit » invalide"), as a syntax error does. The default pack ships
 * riskeval_exposures.lua and riskeval_models.lua; a service file of the same
 * name replaces one, a file of another name adds entries.
 *
 * The entries live in each Lua state's registry; C reads them through the
 * rule point riskeval_catalogue() (default: what the files declared), whose
 * contract check also makes sure every model names known codes only (a
 * model may load before a service's own thesaurus, so that check cannot run
 * at load). The plugin's start asks each service once, so a model with an
 * unknown code stops `socle serve` too. */
#include "riskeval.h"

#include <ctype.h>
#include <socle/lua.h>

static const char exposures_key = 'e'; /* registry: array of {code, libelle, famille} */
static const char where_key = 'w';     /* registry: code -> "file:line" of its definition */
static const char models_key = 'm';    /* registry: array of models */
static const char divisions_key = 'd'; /* registry: division -> "file:line" */

static void registry_table(lua_State *L, const void *key)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, key);
	}
}

static bool code_ok(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* "file:line" of the calling chunk. */
static void push_where(lua_State *L)
{
	lua_Debug ar;

	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar))
		lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
	else
		lua_pushliteral(L, "?");
}

/* socle.riskeval.exposure(code, libelle, famille) */
static int l_exposure(lua_State *L)
{
	size_t lc, ll, lf;
	const char *code = luaL_checklstring(L, 1, &lc);
	luaL_checklstring(L, 2, &ll);
	luaL_checklstring(L, 3, &lf);

	if (!code_ok(code, lc))
		return luaL_error(L, "code d'exposition « %s » invalide : 1 à 64 lettres minuscules, "
		                  "chiffres, « _ », « . » ou « - »", code);
	if (ll == 0 || ll > 200)
		return luaL_error(L, "exposition « %s » : libellé de 1 à 200 octets attendu", code);
	if (lf == 0 || lf > 100)
		return luaL_error(L, "exposition « %s » : famille de 1 à 100 octets attendue", code);
	registry_table(L, &where_key);
	if (lua_getfield(L, -1, code) == LUA_TSTRING)
		return luaL_error(L, "code d'exposition « %s » déjà défini (%s)", code,
		                  lua_tostring(L, -1));
	lua_pop(L, 1);
	push_where(L);
	lua_setfield(L, -2, code);
	registry_table(L, &exposures_key);
	lua_createtable(L, 0, 3);
	lua_pushvalue(L, 1);
	lua_setfield(L, -2, "code");
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "libelle");
	lua_pushvalue(L, 3);
	lua_setfield(L, -2, "famille");
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

/* A model's risk, unit and the model itself (their first problem names the
 * field: "unites[2].risques[1].code"). */
static const struct socle_field model_risk_fields[] = {
	{"code", SOCLE_F_STRING, true, 1, 64, NULL, riskeval_risk_code_check},
	{"situation", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
	{"mesures_existantes", SOCLE_F_STRING, false, 1, 4000, NULL, NULL},
};
static const struct socle_field model_unit_fields[] = {
	{"nom", SOCLE_F_STRING, true, 1, 200, NULL, NULL},
	{"description", SOCLE_F_STRING, false, 1, 2000, NULL, NULL},
	{"risques", SOCLE_F_ARRAY, false, 0, 100, NULL, NULL},
};
static int division_check(const json_t *v, char *msg, size_t size)
{
	const char *s = json_string_value(v);

	if (strlen(s) != 2 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return snprintf(msg, size, "Division de la NAF attendue : deux chiffres (« 47 »)."), -1;
	return 0;
}
static const struct socle_field model_fields[] = {
	{"division", SOCLE_F_STRING, true, 2, 2, NULL, division_check},
	{"titre", SOCLE_F_STRING, true, 1, 200, NULL, NULL},
	{"unites", SOCLE_F_ARRAY, true, 1, 50, NULL, NULL},
};

/* An empty Lua table converts to {}: read it as an empty list. */
static void empty_as_array(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_object(v) && json_object_size(v) == 0)
		json_object_set_new(o, key, json_array());
}

/* Check a model (JSON); the first problem into @p msg. */
static int model_check(json_t *m, char *msg, size_t size)
{
	json_t *errors = NULL;
	size_t i;
	json_t *u;

	if (json_is_object(m)) {
		empty_as_array(m, "unites");
		json_array_foreach(json_object_get(m, "unites"), i, u)
			if (json_is_object(u))
				empty_as_array(u, "risques");
	}
	if (!json_is_object(m))
		socle_field_error(&errors, "modèle", "Une table est attendue.");
	else if (socle_fields_check(m, model_fields, SOCLE_COUNT(model_fields), NULL, &errors) == 0)
		json_array_foreach(json_object_get(m, "unites"), i, u) {
			char prefix[64];
			size_t j;
			json_t *r;

			snprintf(prefix, sizeof(prefix), "unites[%zu].", i + 1);
			if (socle_fields_check(u, model_unit_fields, SOCLE_COUNT(model_unit_fields), prefix,
			                       &errors) > 0)
				break;
			json_array_foreach(json_object_get(u, "risques"), j, r) {
				snprintf(prefix, sizeof(prefix), "unites[%zu].risques[%zu].", i + 1, j + 1);
				if (socle_fields_check(r, model_risk_fields, SOCLE_COUNT(model_risk_fields),
				                       prefix, &errors) > 0)
					break;
			}
			if (errors)
				break;
		}
	if (errors == NULL)
		return 0;
	json_t *e = json_array_get(errors, 0);
	snprintf(msg, size, "%s : %s", json_string_value(json_object_get(e, "field")),
	         json_string_value(json_object_get(e, "message")));
	json_decref(errors);
	return -1;
}

/* socle.riskeval.duerp_model{division, titre, unites = {{nom, description?,
 * risques = {{code, situation?, mesures_existantes?}}}}} */
static int l_duerp_model(lua_State *L)
{
	socle_err err = SOCLE_ERR_INIT;
	char msg[400];

	luaL_checktype(L, 1, LUA_TTABLE);
	json_t *m = socle_lua_to_json(L, 1, &err);
	if (m == NULL)
		return luaL_error(L, "modèle de DUERP illisible : %s", err.msg);
	if (model_check(m, msg, sizeof(msg)) != 0) {
		json_decref(m);
		return luaL_error(L, "modèle de DUERP : %s", msg);
	}
	char division[3];
	snprintf(division, sizeof(division), "%s", json_string_value(json_object_get(m, "division")));
	registry_table(L, &divisions_key);
	if (lua_getfield(L, -1, division) == LUA_TSTRING) {
		json_decref(m);
		return luaL_error(L, "modèle de DUERP de la division %s déjà défini (%s)", division,
		                  lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	push_where(L);
	lua_setfield(L, -2, division);
	registry_table(L, &models_key);
	socle_lua_push_json(L, m); /* a copy: the file's table may change afterwards */
	json_decref(m);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

/* A copy of a registry list (a fresh table, for the rule's answer). */
static int push_copy(lua_State *L, const void *key)
{
	registry_table(L, key);
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);

	lua_createtable(L, (int)n, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, -2, i);
		lua_rawseti(L, -2, i);
	}
	return 1;
}

static int l_exposures(lua_State *L)
{
	return push_copy(L, &exposures_key);
}

static int l_duerp_models(lua_State *L)
{
	return push_copy(L, &models_key);
}

static const luaL_Reg riskeval_lua[] = {
	{"exposure", l_exposure},
	{"duerp_model", l_duerp_model},
	{"exposures", l_exposures},
	{"duerp_models", l_duerp_models},
	{NULL, NULL},
};

/* ---- the rule point riskeval_catalogue() ---------------------------------------------- */

const json_t *riskeval_thesaurus_find(const json_t *catalogue, const char *code)
{
	size_t i;
	const json_t *e;

	json_array_foreach(json_object_get(catalogue, "exposures"), i, e)
		if (code && strcmp(json_string_value(json_object_get(e, "code")), code) == 0)
			return e;
	return NULL;
}

int riskeval_thesaurus_require(socle_service *svc, const json_t *list, const char *name,
                               json_t **errors, socle_err *err)
{
	size_t i;
	const json_t *e;
	int unknown = 0;

	if (json_array_size(list) == 0)
		return 0;
	json_t *cat = riskeval_catalogue(svc, err);
	if (cat == NULL)
		return err->code ? err->code : SOCLE_E_NOMEM;
	json_array_foreach(list, i, e) {
		const json_t *v = json_is_object(e) ? json_object_get(e, "code") : e;
		const char *code = json_string_value(v);
		char field[160];

		if (code == NULL || riskeval_thesaurus_find(cat, code) != NULL)
			continue;
		if (json_is_object(e))
			snprintf(field, sizeof(field), "%s[%zu].code", name, i + 1);
		else
			snprintf(field, sizeof(field), "%s", name);
		socle_field_error(errors, field, "Code « %s » absent du thésaurus du service (la liste : "
		                  "GET /riskeval/thesaurus).", code);
		unknown++;
	}
	json_decref(cat);
	return unknown;
}

static int catalogue_contract(const json_t *r, socle_err *err)
{
	json_t *ex = json_object_get(r, "exposures"), *models = json_object_get(r, "models");
	size_t i;
	json_t *e;
	char msg[400];

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_array(ex) || json_array_size(ex) == 0 || json_array_size(ex) > 5000)
		return socle_err_set(err, SOCLE_E_CONTRACT, "exposures doit être une liste de 1 à 5000 "
		                     "expositions");
	json_t *seen = json_object(); /* the codes met so far, as a set */
	json_array_foreach(ex, i, e) {
		const char *c = json_string_value(json_object_get(e, "code"));

		if (c == NULL || !code_ok(c, strlen(c)) ||
		    !json_is_string(json_object_get(e, "libelle")) ||
		    !json_is_string(json_object_get(e, "famille"))) {
			json_decref(seen);
			return socle_err_set(err, SOCLE_E_CONTRACT, "exposures[%zu] : {code, libelle, "
			                     "famille} attendus", i + 1);
		}
		if (json_object_get(seen, c) != NULL) {
			json_decref(seen);
			return socle_err_set(err, SOCLE_E_CONTRACT, "code d'exposition « %s » en double",
			                     c);
		}
		json_object_set_new(seen, c, json_true());
	}
	if (models == NULL || (json_is_object(models) && json_object_size(models) == 0)) {
		json_decref(seen);
		return 0; /* no model: an empty Lua table */
	}
	if (!json_is_array(models)) {
		json_decref(seen);
		return socle_err_set(err, SOCLE_E_CONTRACT, "models doit être une liste");
	}
	json_array_foreach(models, i, e) {
		size_t j, k;
		json_t *u, *risk;

		if (model_check(e, msg, sizeof(msg)) != 0) {
			json_decref(seen);
			return socle_err_set(err, SOCLE_E_CONTRACT, "models[%zu] : %s", i + 1, msg);
		}
		json_array_foreach(json_object_get(e, "unites"), j, u)
			json_array_foreach(json_object_get(u, "risques"), k, risk) {
				const char *c = json_string_value(json_object_get(risk, "code"));

				if (json_object_get(seen, c) == NULL) {
					json_decref(seen);
					return socle_err_set(err, SOCLE_E_CONTRACT, "modèle de la division %s, "
					                     "unites[%zu].risques[%zu] : code « %s » absent du "
					                     "thésaurus", json_string_value(json_object_get(e,
					                     "division")), j + 1, k + 1, c);
				}
			}
	}
	json_decref(seen);
	return 0;
}

static const struct socle_rule_point catalogue_rule = {
	.name = "riskeval_catalogue",
	.contract =
		"riskeval_catalogue() -> { exposures = { {code, libelle, famille}, ... } (1 à 5000, "
		"codes uniques en minuscules), models = { {division = \"47\", titre, unites = { {nom, "
		"description?, risques = { {code (du thésaurus), situation?, mesures_existantes?} } } "
		"} } } }. Par défaut : ce que déclarent socle.riskeval.exposure et "
		"socle.riskeval.duerp_model dans les fichiers de scripts.",
	.n_args = 0,
	.check = catalogue_contract,
};

json_t *riskeval_catalogue(socle_service *svc, socle_err *err)
{
	json_t *args = json_array(), *out = NULL;
	int rc = args ? socle_rule_call(svc, "riskeval_catalogue", args, &out, err)
	              : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(args);
	if (rc != 0)
		return NULL;
	if (!json_is_array(json_object_get(out, "models")))
		json_object_set_new(out, "models", json_array());
	return out;
}

/* ---- the rule point risk_rating(risk) ------------------------------------------------- */

static int rating_contract(const json_t *r, socle_err *err)
{
	const json_t *score = json_object_get(r, "score"), *prio = json_object_get(r, "priority");
	const char *level = json_string_value(json_object_get(r, "level"));
	static const char *const levels[] = {"faible", "moyen", "eleve", "critique", NULL};
	bool known = false;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	if (!json_is_integer(score) || json_integer_value(score) < 0 ||
	    json_integer_value(score) > 1000)
		return socle_err_set(err, SOCLE_E_CONTRACT, "score doit être un entier de 0 à 1000");
	for (const char *const *l = levels; level && *l; l++)
		known = known || strcmp(*l, level) == 0;
	if (!known)
		return socle_err_set(err, SOCLE_E_CONTRACT, "level doit être faible, moyen, eleve ou "
		                     "critique");
	if (!json_is_integer(prio) || json_integer_value(prio) < 1 || json_integer_value(prio) > 4)
		return socle_err_set(err, SOCLE_E_CONTRACT, "priority doit être un entier de 1 à 4");
	const json_t *e = json_object_get(r, "explanation");
	if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 2000)
		return socle_err_set(err, SOCLE_E_CONTRACT, "explanation doit être une phrase non vide");
	if (!json_is_array(json_object_get(r, "basis")) ||
	    json_array_size(json_object_get(r, "basis")) == 0)
		return socle_err_set(err, SOCLE_E_CONTRACT, "basis doit être une liste non vide");
	return 0;
}

static const struct socle_rule_point rating_rule = {
	.name = "risk_rating",
	.contract =
		"risk_rating(risk) -> { score = entier 0..1000, level = \"faible\" | \"moyen\" | "
		"\"eleve\" | \"critique\", priority = 1 (la plus urgente) .. 4, basis = { ... } non "
		"vide, explanation = phrase en français }. risk = { code, famille?, gravite = 1..4, "
		"probabilite = 1..4 }.",
	.n_args = 1,
	.check = rating_contract,
};

json_t *riskeval_risk_rating(socle_service *svc, const json_t *risk, socle_err *err)
{
	json_t *args = json_pack("[O]", risk), *out = NULL;
	int rc = args ? socle_rule_call(svc, "risk_rating", args, &out, err)
	              : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");

	json_decref(args);
	return rc == 0 ? out : NULL;
}

/* ---- routes: the thesaurus and the models --------------------------------------------- */

static int thesaurus_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *cat = riskeval_catalogue(socle_req_service(req), &err);
	(void)ud;

	if (cat == NULL)
		return socle_reply_err(req, &err);
	json_t *out = json_pack("{s:O}", "exposures", json_object_get(cat, "exposures"));
	json_decref(cat);
	return socle_reply_json(req, 200, out);
}

static int models_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *cat = riskeval_catalogue(socle_req_service(req), &err);
	size_t i;
	json_t *m;
	(void)ud;

	if (cat == NULL)
		return socle_reply_err(req, &err);
	json_t *list = json_array();
	json_array_foreach(json_object_get(cat, "models"), i, m) {
		size_t j, risks = 0;
		json_t *u;

		json_array_foreach(json_object_get(m, "unites"), j, u)
			risks += json_array_size(json_object_get(u, "risques"));
		json_array_append_new(list, json_pack("{s:O, s:O, s:I, s:I}", "division",
		                                      json_object_get(m, "division"), "titre",
		                                      json_object_get(m, "titre"), "unites",
		                                      (json_int_t)json_array_size(json_object_get(m,
		                                      "unites")), "risques", (json_int_t)risks));
	}
	json_decref(cat);
	/* ?company=: the model of that company's NAF division, when there is one
	 * (the company check first: another company's employer learns nothing). */
	json_t *suggested = NULL;
	const char *cq = socle_req_query(req, "company");
	if (cq != NULL) {
		char *end = NULL;
		long long id = strtoll(cq, &end, 10);
		socle_db *db = NULL;
		json_t *c = NULL;

		if (end == cq || *end != '\0' || id < 1) {
			json_t *errors = NULL;
			json_decref(list);
			socle_field_error(&errors, "company", "Identifiant d'entreprise attendu.");
			return socle_reply_invalid(req, errors);
		}
		if (socle_access_company(req, id, &err) != 0 || (db = socle_req_reader(req, &err)) == NULL ||
		    (c = riskeval_membership->company_get(db, id, &err)) == NULL) {
			json_decref(list);
			return socle_reply_err(req, &err);
		}
		const char *naf = json_string_value(json_object_get(c, "naf_code"));
		size_t i2;
		json_t *e;
		json_array_foreach(list, i2, e)
			if (naf && strncmp(naf, json_string_value(json_object_get(e, "division")), 2) == 0)
				suggested = json_incref(json_object_get(e, "division"));
		json_decref(c);
	}
	return socle_reply_json(req, 200, json_pack("{s:o, s:o}", "models", list, "suggested",
	                                            suggested ? suggested : json_null()));
}

json_t *riskeval_model_find(const json_t *catalogue, const char *division)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(catalogue, "models"), i, m)
		if (division && strcmp(json_string_value(json_object_get(m, "division")), division) == 0)
			return m;
	return NULL;
}

static int model_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	/* A query, not a path parameter: the division is a two-digit code, not
	 * an identifier of a stored row. */
	const char *division = socle_req_query(req, "division");
	json_t *cat = NULL;
	(void)ud;

	if (division == NULL || strlen(division) != 2 || !isdigit((unsigned char)division[0]) ||
	    !isdigit((unsigned char)division[1])) {
		json_t *errors = NULL;
		socle_field_error(&errors, "division", "Division de la NAF attendue : deux chiffres "
		                  "(« 47 »).");
		return socle_reply_invalid(req, errors);
	}
	cat = riskeval_catalogue(socle_req_service(req), &err);
	if (cat == NULL)
		return socle_reply_err(req, &err);
	json_t *m = riskeval_model_find(cat, division);
	if (m == NULL) {
		json_decref(cat);
		return socle_reply_error(req, 404, "not_found", "Aucun modèle de DUERP pour cette "
		                         "division de la NAF.");
	}
	json_t *out = json_deep_copy(m);
	size_t i, j;
	json_t *u, *r;
	/* Each risk with its thesaurus label and family, for the reader. */
	json_array_foreach(json_object_get(out, "unites"), i, u)
		json_array_foreach(json_object_get(u, "risques"), j, r) {
			const json_t *e = riskeval_thesaurus_find(cat, json_string_value(json_object_get(r,
			                                          "code")));
			json_object_set(r, "libelle", json_object_get(e, "libelle"));
			json_object_set(r, "famille", json_object_get(e, "famille"));
		}
	json_decref(cat);
	return socle_reply_json(req, 200, out);
}

static const struct socle_field model_query[] = {
	{"division", SOCLE_F_STRING, true, 2, 2, NULL, NULL},
};

static const struct socle_route catalogue_routes[] = {
	{SOCLE_GET, "/riskeval/thesaurus", SOCLE_CAP_AUTHENTICATED, 0, thesaurus_get, NULL},
	{SOCLE_GET, "/riskeval/duerp/models", SOCLE_CAP_AUTHENTICATED, 0, models_get, NULL},
	{SOCLE_GET, "/riskeval/duerp/model", SOCLE_CAP_AUTHENTICATED, 0, model_get, NULL},
};

static const struct socle_route_doc catalogue_docs[] = {
	{SOCLE_GET, "/riskeval/thesaurus", "Le thésaurus des expositions du service (codes, "
	 "libellés, familles).", NULL, 0, NULL, 0, "exposures : {code, libelle, famille}."},
	{SOCLE_GET, "/riskeval/duerp/models", "Les modèles de DUERP par division de la NAF ; avec "
	 "?company=, celui de la division de l'entreprise.", NULL, 0, NULL, 0,
	 "models : {division, titre, unites, risques} ; suggested."},
	{SOCLE_GET, "/riskeval/duerp/model", "Un modèle de DUERP (?division=47) : unités de "
	 "travail et risques types.", NULL, 0, model_query, SOCLE_COUNT(model_query),
	 "{division, titre, unites}."},
};

int riskeval_catalogue_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_lua_lib(p, riskeval_lua, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &catalogue_rule, err)) ||
	    (rc = socle_plugin_add_rule_point(p, &rating_rule, err)) ||
	    (rc = socle_plugin_add_routes(p, catalogue_routes, SOCLE_COUNT(catalogue_routes), err)))
		return rc;
	return socle_plugin_describe_routes(p, catalogue_docs, SOCLE_COUNT(catalogue_docs), err);
}

int riskeval_catalogue_start(socle_plugin *p, socle_err *err)
{
	for (size_t i = 0; i < socle_core_service_count(socle_plugin_core(p)); i++) {
		socle_service *svc = socle_core_service_at(socle_plugin_core(p), i);

		if (!socle_service_enables(svc, "riskeval"))
			continue;
		socle_err e2 = SOCLE_ERR_INIT;
		json_t *cat = riskeval_catalogue(svc, &e2);
		if (cat == NULL)
			return socle_err_set(err, e2.code ? e2.code : SOCLE_E_INVAL,
			                     "service %s : catalogue de riskeval invalide : %s",
			                     socle_service_id(svc), e2.msg);
		json_decref(cat);
	}
	return 0;
}
