/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The visit engine (issue 4, item 1): the rule point next_visits(worker,
 * history, on_date) and its contract, the list of visit types, and the what-if
 * simulator POST /tracking/simulate that staff use to see, with their
 * explanations and articles, the visits a worker would owe.
 *
 * The default implementation is tracking/scripts/tracking_visits.lua
 * (inputs documented at its top). Dates are "YYYY-MM-DD" text; the business
 * date is the core clock's (socle_now_ms), so a frozen clock freezes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "tracking.h"

/* Migration 1: the médecin's protocol of a worker (periodicity, date of the
 * next visit), the input of next_visits that a health professional sets; its
 * routes come with the visit outcomes. */
const char tracking_sql_visits[] =
	"CREATE TABLE tracking_protocol ("
	"  worker_id INTEGER PRIMARY KEY REFERENCES membership_worker(id),"
	"  periodicity_months INTEGER CHECK (periodicity_months BETWEEN 1 AND 60),"
	"  next_visit_on TEXT,"
	"  set_by INTEGER NOT NULL,"
	"  set_on TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL);";

/* ---- visit types ------------------------------------------------------------ */

/* The one table of visit types (tracking.h): GET /tracking/visit-types, the
 * requests and their convocations (planning.c), the outcomes (outcome.c). */
static const struct tracking_visit_type visit_types[TRACKING_VISIT_TYPES] = {
	{"vip_initiale", "Visite d'information et de prévention initiale", "professionnel_sante",
	 "R4624-10", "embauche", 60, false},
	{"vip_periodique", "Renouvellement de la visite d'information et de prévention",
	 "professionnel_sante", "R4624-16", NULL, 60, false},
	{"suivi_adapte", "Visite de suivi individuel adapté", "professionnel_sante", "R4624-17",
	 NULL, 36, false},
	{"ema_initial", "Examen médical d'aptitude à l'embauche (suivi renforcé)", "medecin",
	 "R4624-24", "embauche", 24, true},
	{"ema_periodique", "Renouvellement de l'examen médical d'aptitude", "medecin", "R4624-28",
	 NULL, 24, true},
	{"visite_intermediaire", "Visite intermédiaire du suivi renforcé", "professionnel_sante",
	 "R4624-28", NULL, 24, false},
	{"attestation_caces",
	 "Examen d'absence de contre-indication (CACES, habilitation électrique)", "medecin",
	 "décret 2025-355", NULL, 60, false},
	{"visite_reprise", "Visite de reprise", "medecin", "R4624-31", "reprise", 60, false},
	{"pre_reprise", "Visite de pré-reprise", "medecin", "R4624-29", "pre_reprise", 60, false},
	{"rendez_vous_liaison", "Rendez-vous de liaison (non médical)", "service", "L1226-1-3", NULL,
	 60, false},
	{"mi_carriere", "Visite de mi-carrière", "medecin", "L4624-2-2", NULL, 60, false},
	{"post_exposition", "Visite post-exposition ou de fin de carrière", "medecin", "L4624-2-1",
	 "post_exposition", 60, false},
	{"orientation_medecin", "Orientation sans délai vers le médecin du travail", "medecin",
	 "L4624-1", NULL, 60, false},
	{"visite_a_la_demande", "Visite à la demande", "professionnel_sante", "R4624-34",
	 "a_la_demande", 60, false},
};

const char *const tracking_visit_type_codes[TRACKING_VISIT_TYPES + 1] = {
	"vip_initiale", "vip_periodique", "suivi_adapte", "ema_initial", "ema_periodique",
	"visite_intermediaire", "attestation_caces", "visite_reprise", "pre_reprise",
	"rendez_vous_liaison", "mi_carriere", "post_exposition", "orientation_medecin",
	"visite_a_la_demande", NULL,
};

const struct tracking_visit_type *tracking_visit_type(const char *code)
{
	for (size_t i = 0; code && i < SOCLE_COUNT(visit_types); i++)
		if (strcmp(visit_types[i].code, code) == 0)
			return &visit_types[i];
	return NULL;
}

static const char *who_label(const char *who)
{
	if (strcmp(who, "medecin") == 0)
		return "le médecin du travail";
	if (strcmp(who, "professionnel_sante") == 0)
		return "tout professionnel de santé du service, selon le protocole";
	return "le service (rencontre non médicale)";
}

/* Dates: the core's calendar (socle/date.h), the same arithmetic as socle.date. */

/* ---- the contract of next_visits ------------------------------------------------ */

/* The contract is judged on views (tracking.h), filled from JSON here for
 * socle_rule_call, and from the Lua stack for the recomputation of every
 * worker (tracking_next_visits_read): one judgement, two readers. */

#define TEXTS_MAX 50
#define TEXT_BYTES_MAX 2000
#define EXPLANATION_BYTES_MAX 4000
#define VISITS_MAX 100

static int check_texts_view(const struct tracking_texts_view *t, const char *what,
                            bool nonempty, socle_err *err)
{
	if (t->n < 0 || (nonempty && t->n == 0) || t->n > TEXTS_MAX)
		return socle_err_set(err, SOCLE_E_CONTRACT, "%s doit être une liste %sde textes "
		                     "(50 au plus)", what, nonempty ? "non vide " : "");
	if (t->bad > 0)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "%s[%zu] doit être un texte non vide (2000 octets au plus)",
		                     what, t->bad);
	return 0;
}

int tracking_visit_check(const struct tracking_visit_view *v, size_t n, socle_err *err)
{
	char what[48];
	int rc;

	if (!v->is_table)
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu] doit être une table", n);
	if (tracking_visit_type(v->type) == NULL)
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu].type inconnu : %s (voir GET "
		                     "/tracking/visit-types)", n, v->type ? v->type : "absent");
	if (v->who == NULL ||
	    (strcmp(v->who, "medecin") != 0 && strcmp(v->who, "professionnel_sante") != 0))
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu].who doit valoir \"medecin\" "
		                     "ou \"professionnel_sante\"", n);
	if (!socle_date_valid(v->earliest))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu].earliest doit être une date \"AAAA-MM-JJ\"", n);
	if (!v->has_latest && !v->has_before)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu] doit porter latest, ou before pour une visite avant "
		                     "l'affectation", n);
	if (v->has_latest) {
		if (!socle_date_valid(v->latest))
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu].latest doit être une date \"AAAA-MM-JJ\"", n);
		if (strcmp(v->earliest, v->latest) > 0)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu] : earliest (%s) est postérieur à latest (%s)", n,
			                     v->earliest, v->latest);
	}
	if (v->has_before) {
		if (!socle_date_valid(v->before))
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu].before doit être une date \"AAAA-MM-JJ\"", n);
		if (strcmp(v->earliest, v->before) > 0)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu] : earliest (%s) est postérieur à before (%s)", n,
			                     v->earliest, v->before);
	}
	if (v->basis.n < 1 || v->basis.n > TEXTS_MAX || v->basis.bad > 0) {
		snprintf(what, sizeof(what), "visits[%zu].basis", n);
		if ((rc = check_texts_view(&v->basis, what, true, err)))
			return rc;
	}
	if (v->explanation_len < 1 || v->explanation_len > EXPLANATION_BYTES_MAX)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu].explanation doit être une phrase non vide", n);
	if (v->overdue == TRACKING_FLAG_WRONG)
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu].overdue doit être un booléen",
		                     n);
	if (v->has_combinable && !socle_date_valid(v->combinable_from))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu].combinable_from doit être une date \"AAAA-MM-JJ\"", n);
	return 0;
}

/* From JSON. An empty Lua table arrives as {}: an empty list. */
static void texts_view_of_json(const json_t *v, struct tracking_texts_view *t)
{
	size_t i;
	const json_t *e;

	*t = (struct tracking_texts_view){.n = -1};
	if (json_is_object(v) && json_object_size(v) == 0) {
		t->n = 0;
		return;
	}
	if (!json_is_array(v))
		return;
	t->n = (long)json_array_size(v);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > TEXT_BYTES_MAX) {
			t->bad = i + 1;
			return;
		}
	}
}

static void visit_view_of_json(const json_t *v, struct tracking_visit_view *w)
{
	const json_t *x;

	*w = (struct tracking_visit_view){.is_table = json_is_object(v), .explanation_len = -1};
	w->type = json_string_value(json_object_get(v, "type"));
	w->who = json_string_value(json_object_get(v, "who"));
	w->earliest = json_string_value(json_object_get(v, "earliest"));
	if ((x = json_object_get(v, "latest")) != NULL) {
		w->has_latest = true;
		w->latest = json_string_value(x);
	}
	if ((x = json_object_get(v, "before")) != NULL) {
		w->has_before = true;
		w->before = json_string_value(x);
	}
	if ((x = json_object_get(v, "combinable_from")) != NULL) {
		w->has_combinable = true;
		w->combinable_from = json_string_value(x);
	}
	texts_view_of_json(json_object_get(v, "basis"), &w->basis);
	if (json_is_string(x = json_object_get(v, "explanation")))
		w->explanation_len = (long)json_string_length(x);
	x = json_object_get(v, "overdue");
	w->overdue = x == NULL ? TRACKING_FLAG_ABSENT
	             : json_is_true(x) ? TRACKING_FLAG_TRUE
	             : json_is_false(x) ? TRACKING_FLAG_FALSE : TRACKING_FLAG_WRONG;
}

int tracking_next_visits_contract(const json_t *r, socle_err *err)
{
	const json_t *visits, *v, *notes;
	struct tracking_visit_view view;
	size_t i;
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	visits = json_object_get(r, "visits");
	if (json_is_object(visits) && json_object_size(visits) == 0)
		visits = NULL; /* {} from an empty Lua table: no visit */
	else if (!json_is_array(visits) || json_array_size(visits) > VISITS_MAX)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits doit être une liste (100 visites au plus)");
	json_array_foreach(visits, i, v) {
		visit_view_of_json(v, &view);
		if ((rc = tracking_visit_check(&view, i + 1, err)))
			return rc;
	}
	notes = json_object_get(r, "notes");
	if (notes != NULL) {
		struct tracking_texts_view t;

		texts_view_of_json(notes, &t);
		if ((rc = check_texts_view(&t, "notes", false, err)))
			return rc;
	}
	return 0;
}

/* From the Lua stack, with raw access only (no metamethod of the script
 * runs). A text is a Lua string; an integer-keyed sequence is a list. */
static const char *lua_text_field(lua_State *L, int t, const char *key, bool *present)
{
	const char *s = NULL;

	lua_pushstring(L, key);
	int type = lua_rawget(L, t);
	if (present)
		*present = type != LUA_TNIL;
	if (type == LUA_TSTRING)
		s = lua_tostring(L, -1); /* kept alive by the table */
	lua_pop(L, 1);
	return s;
}

/* The list at the top of the stack (popped): entries 1..n, texts. */
static void texts_view_of_lua(lua_State *L, struct tracking_texts_view *t)
{
	*t = (struct tracking_texts_view){.n = -1};
	if (lua_type(L, -1) == LUA_TTABLE) {
		lua_Unsigned n = lua_rawlen(L, -1);

		t->n = n > TEXTS_MAX ? TEXTS_MAX + 1 : (long)n;
		for (lua_Unsigned i = 1; i <= n && i <= TEXTS_MAX && t->bad == 0; i++) {
			size_t len = 0;

			if (lua_rawgeti(L, -1, (lua_Integer)i) != LUA_TSTRING ||
			    (lua_tolstring(L, -1, &len), len == 0 || len > TEXT_BYTES_MAX))
				t->bad = i;
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

static void visit_view_of_lua(lua_State *L, int v, struct tracking_visit_view *w)
{
	*w = (struct tracking_visit_view){.is_table = lua_type(L, v) == LUA_TTABLE,
	                                  .explanation_len = -1};
	if (!w->is_table)
		return;
	w->type = lua_text_field(L, v, "type", NULL);
	w->who = lua_text_field(L, v, "who", NULL);
	w->earliest = lua_text_field(L, v, "earliest", NULL);
	w->latest = lua_text_field(L, v, "latest", &w->has_latest);
	w->before = lua_text_field(L, v, "before", &w->has_before);
	w->combinable_from = lua_text_field(L, v, "combinable_from", &w->has_combinable);
	lua_pushliteral(L, "basis");
	lua_rawget(L, v);
	texts_view_of_lua(L, &w->basis);
	lua_pushliteral(L, "explanation");
	if (lua_rawget(L, v) == LUA_TSTRING)
		w->explanation_len = (long)lua_rawlen(L, -1);
	lua_pop(L, 1);
	lua_pushliteral(L, "overdue");
	int type = lua_rawget(L, v);
	w->overdue = type == LUA_TNIL ? TRACKING_FLAG_ABSENT
	             : type != LUA_TBOOLEAN ? TRACKING_FLAG_WRONG
	             : lua_toboolean(L, -1) ? TRACKING_FLAG_TRUE : TRACKING_FLAG_FALSE;
	lua_pop(L, 1);
}

int tracking_next_visits_read(lua_State *L, int idx, tracking_visit_fn each, void *ud,
                              socle_err *err)
{
	struct tracking_visit_view view;
	int rc;

	luaL_checkstack(L, 8, "pile Lua saturée");
	if (lua_type(L, idx) != LUA_TTABLE)
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	lua_pushliteral(L, "visits");
	int type = lua_rawget(L, idx);
	int visits = lua_gettop(L);
	lua_Unsigned n = type == LUA_TTABLE ? lua_rawlen(L, visits) : 0;

	if (type != LUA_TTABLE || n > VISITS_MAX)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits doit être une liste (100 visites au plus)");
	for (lua_Unsigned i = 1; i <= n; i++) {
		lua_rawgeti(L, visits, (lua_Integer)i);
		visit_view_of_lua(L, lua_gettop(L), &view);
		if ((rc = tracking_visit_check(&view, (size_t)i, err)) != 0 ||
		    (rc = each(&view, ud)) != 0)
			return rc;
		lua_pop(L, 1);
	}
	lua_pushliteral(L, "notes");
	if (lua_rawget(L, idx) == LUA_TNIL) {
		lua_pop(L, 1);
	} else {
		struct tracking_texts_view t;

		texts_view_of_lua(L, &t);
		if ((rc = check_texts_view(&t, "notes", false, err)))
			return rc;
	}
	lua_settop(L, visits - 1);
	return 0;
}

static const struct socle_rule_point next_visits_rule = {
	.name = "next_visits",
	.contract =
		"next_visits(worker, history, on_date) -> { visits = { { type (liste de GET "
		"/tracking/visit-types), earliest = \"AAAA-MM-JJ\", latest = \"AAAA-MM-JJ\" (ou, pour "
		"une visite avant l'affectation, before = date de prise de poste), earliest <= latest "
		"et <= before, who = \"medecin\"|\"professionnel_sante\", basis = { articles, non "
		"vide }, explanation = phrase en français, overdue = booléen (facultatif), "
		"combinable_from = date (facultatif, mi-carrière) } ... }, notes = { phrases } "
		"(facultatif) }. worker : birth_date, start_date, category (SI/SIA/SIR), "
		"contract_type, end_date, drapeaux de membership (night_worker, rqth, "
		"invalidity_pension, exposures, caces_or_electrical, ionising_category_a, "
		"minor_regulated_work, sir_post), pregnant, post_partum, breastfeeding, formerly_sir, "
		"formerly_exposed, exposure_end_date, retirement_date, mi_carriere_age, protocol = { "
		"periodicity_months, next_visit_on } ; history : visites passées { type, date, by, "
		"attestation, avis, restrictions, previous_employer, equivalent_job } ; on_date : la "
		"date \"AAAA-MM-JJ\" de la question.",
	.n_args = 3,
	.check = tracking_next_visits_contract,
};

/* ---- POST /tracking/simulate --------------------------------------------------- */

static const char *const category_choices[] = {"SI", "SIA", "SIR", NULL};
static const char *const contract_choices[] = {"cdi", "cdd", "interim", "apprentissage", NULL};
static const char *const by_choices[] = {"medecin", "infirmier", NULL};
static const char *const avis_choices[] = {"aptitude", "inaptitude", NULL};

/* A risk code: lower-case letters, digits and underscores (membership's codes). */
static int check_exposures(const json_t *v, char *msg, size_t size)
{
	size_t i;
	const json_t *e;

	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		bool ok = s != NULL && s[0] != '\0' && strlen(s) <= 64;

		for (const char *p = s; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
		if (!ok) {
			snprintf(msg, size, "Code de risque invalide à la position %zu (voir GET "
			         "/membership/risks).", i + 1);
			return -1;
		}
	}
	return 0;
}

#define B(n) {.name = n, .type = SOCLE_F_BOOL}
/* worker: the facts of a planned hire, or with worker_id the changes to a
 * stored worker (the what-if of issue 10 item 15); one of them is required. */
static const struct socle_field simulate_fields[] = {
	{.name = "worker", .type = SOCLE_F_OBJECT},
	{.name = "worker_id", .type = SOCLE_F_INT, .min = 1, .max = INT64_MAX},
	{.name = "history", .type = SOCLE_F_ARRAY, .max = 200},
	{.name = "on_date", .type = SOCLE_F_DATE},
};
/* The worker's fields; birth and start dates are required of a planned hire
 * only (a stored worker has them). */
#define WORKER_FIELDS(must)                                                                  \
	{.name = "birth_date", .type = SOCLE_F_DATE, .required = (must)},                         \
	{.name = "start_date", .type = SOCLE_F_DATE, .required = (must)},                         \
	WORKER_OTHER_FIELDS
#define WORKER_OTHER_FIELDS                                                                   \
	{.name = "end_date", .type = SOCLE_F_DATE},                                                \
	{.name = "category", .type = SOCLE_F_ENUM, .choices = category_choices},                  \
	{.name = "contract_type", .type = SOCLE_F_ENUM, .choices = contract_choices},              \
	{.name = "exposures", .type = SOCLE_F_ARRAY, .max = 50, .check = check_exposures},         \
	B("night_worker"), B("rqth"), B("invalidity_pension"), B("sir_post"),                      \
	B("caces_or_electrical"), B("ionising_category_a"), B("minor_regulated_work"),             \
	B("pregnant"), B("post_partum"), B("breastfeeding"), B("formerly_sir"),                    \
	B("formerly_exposed"),                                                                     \
	{.name = "exposure_end_date", .type = SOCLE_F_DATE},                                       \
	{.name = "retirement_date", .type = SOCLE_F_DATE},                                         \
	{.name = "assigned_on", .type = SOCLE_F_DATE},                                             \
	{.name = "assignment_declared_on", .type = SOCLE_F_DATE},                                  \
	{.name = "mi_carriere_age", .type = SOCLE_F_INT, .min = 40, .max = 60},                    \
	{.name = "protocol", .type = SOCLE_F_OBJECT}
static const struct socle_field worker_fields[] = {WORKER_FIELDS(true)};
static const struct socle_field worker_change_fields[] = {WORKER_FIELDS(false)};
#undef WORKER_FIELDS
#undef WORKER_OTHER_FIELDS
static const struct socle_field protocol_fields[] = {
	{.name = "periodicity_months", .type = SOCLE_F_INT, .min = 1, .max = 60},
	{.name = "next_visit_on", .type = SOCLE_F_DATE},
};
static const struct socle_field history_fields[] = {
	{.name = "type", .type = SOCLE_F_ENUM, .required = true, .choices = tracking_visit_type_codes},
	{.name = "date", .type = SOCLE_F_DATE, .required = true},
	{.name = "by", .type = SOCLE_F_ENUM, .choices = by_choices},
	{.name = "avis", .type = SOCLE_F_ENUM, .choices = avis_choices},
	B("attestation"), B("restrictions"), B("previous_employer"), B("equivalent_job"),
};
#undef B

/* The checks across fields, once each field passed its own. */
static void check_coherence(const json_t *w, const json_t *history, const char *on_date,
                            json_t **errors)
{
	const char *birth = sget(w, "birth_date"), *start = sget(w, "start_date");
	size_t i;
	const json_t *h;
	char limit[11];

	/* Work is open from 14 years of age at the earliest (L4153-1). */
	if (socle_date_add_months(birth, 14 * 12, limit) && strcmp(start, limit) < 0)
		socle_field_error(errors, "worker.start_date",
		                  "Le salarié doit avoir au moins 14 ans à la prise de poste.");
	if (strcmp(birth, on_date) > 0)
		socle_field_error(errors, "worker.birth_date",
		                  "La date de naissance est postérieure à la date de simulation.");
	static const char *const after_start[] = {"end_date", "retirement_date"};
	for (size_t k = 0; k < SOCLE_COUNT(after_start); k++) {
		const char *d = sget(w, after_start[k]);
		char name[48];

		snprintf(name, sizeof(name), "worker.%s", after_start[k]);
		if (d && strcmp(d, start) < 0)
			socle_field_error(errors, name, "Ne peut précéder la prise de poste (%s).", start);
	}
	const json_t *p = json_object_get(w, "protocol");
	const char *next = p ? sget(p, "next_visit_on") : NULL;
	if (next && strcmp(next, start) < 0)
		socle_field_error(errors, "worker.protocol.next_visit_on",
		                  "Ne peut précéder la prise de poste (%s).", start);
	json_array_foreach(history, i, h) {
		const char *d = sget(h, "date");
		char name[48];

		snprintf(name, sizeof(name), "history[%zu].date", i);
		if (strcmp(d, birth) < 0)
			socle_field_error(errors, name, "Ne peut précéder la date de naissance.");
		else if (strcmp(d, on_date) > 0)
			socle_field_error(errors, name, "Une visite passée ne peut être postérieure à la "
			                  "date de simulation (%s).", on_date);
		if ((strcmp(sget(h, "type"), "ema_initial") == 0 ||
		     strcmp(sget(h, "type"), "ema_periodique") == 0) && sget(h, "by") &&
		    strcmp(sget(h, "by"), "medecin") != 0) {
			snprintf(name, sizeof(name), "history[%zu].by", i);
			socle_field_error(errors, name, "Un examen médical d'aptitude est fait par le "
			                  "médecin du travail (R4624-24).");
		}
	}
}

void tracking_next_visits_for(socle_req *req, json_t *answer)
{
	int role = socle_principal_role(socle_req_principal(req));
	size_t i;
	json_t *v;

	if ((SOCLE_ROLE_BIT(role) & SOCLE_ROLES_STAFF) != 0)
		return;
	json_array_foreach(json_object_get(answer, "visits"), i, v)
		json_object_del(v, "to_verify");
}

/* The fields of the worker that follow_up_category reads. */
static json_t *category_view(const json_t *w)
{
	static const char *const keep[] = {
		"birth_date", "contract_type", "start_date", "end_date", "night_worker", "rqth",
		"invalidity_pension", "exposures", "sir_post", "caces_or_electrical",
		"ionising_category_a", "minor_regulated_work",
	};
	json_t *v = json_object();

	for (size_t i = 0; v && i < SOCLE_COUNT(keep); i++) {
		json_t *x = json_object_get(w, keep[i]);

		if (x != NULL)
			json_object_set(v, keep[i], x);
	}
	return v;
}

/* The employer's planned changes @p change over the stored worker @p worker:
 * each key given replaces the stored one (null removes it). A change to what
 * sets the category, without a category typed, drops the stored category so
 * that follow_up_category decides it again on the day that matters. */
static void apply_changes(json_t *worker, const json_t *change)
{
	static const char *const sets_category[] = {
		"birth_date", "contract_type", "start_date", "end_date", "night_worker", "rqth",
		"invalidity_pension", "exposures", "sir_post", "caces_or_electrical",
		"ionising_category_a", "minor_regulated_work",
	};
	const char *key;
	json_t *v;
	bool recompute = false;

	json_object_foreach((json_t *)change, key, v) {
		if (json_is_null(v))
			json_object_del(worker, key);
		else
			json_object_set(worker, key, v);
		for (size_t i = 0; i < SOCLE_COUNT(sets_category); i++)
			recompute |= strcmp(key, sets_category[i]) == 0;
	}
	if (recompute && json_object_get(change, "category") == NULL)
		json_object_del(worker, "category");
}

static int simulate(socle_req *req, void *ud)
{
	socle_service *svc = socle_req_service(req);
	socle_err err = SOCLE_ERR_INIT;
	const json_t *body = socle_req_body(req);
	json_t *errors = NULL, *worker = NULL, *history, *args, *out = NULL, *category = NULL;
	char on_date[11];
	size_t i;
	const json_t *h;
	(void)ud;

	if (body == NULL)
		return socle_reply_error(req, 400, "invalid", "Un corps JSON est attendu.");
	/* Every problem at once: the top level, then what is well shaped below it. */
	socle_fields_check(body, simulate_fields, SOCLE_COUNT(simulate_fields), NULL, &errors);
	const json_t *w = json_object_get(body, "worker");
	const json_t *hist = json_object_get(body, "history");
	const json_t *wid = json_object_get(body, "worker_id");
	int64_t worker_id = json_is_integer(wid) ? (int64_t)json_integer_value(wid) : 0;
	if (w == NULL && wid == NULL)
		socle_field_error(&errors, "worker", "Donnez le salarié envisagé (worker) ou le numéro "
		                  "d'un de vos salariés (worker_id) avec les changements envisagés.");
	if (errors != NULL && !json_is_object(w))
		return socle_reply_invalid(req, errors);
	if (json_is_object(w))
		socle_fields_check(w, worker_id > 0 ? worker_change_fields : worker_fields,
		                   worker_id > 0 ? SOCLE_COUNT(worker_change_fields)
		                                 : SOCLE_COUNT(worker_fields), "worker.", &errors);
	if (json_is_object(json_object_get(w, "protocol")))
		socle_fields_check(json_object_get(w, "protocol"), protocol_fields,
		                   SOCLE_COUNT(protocol_fields), "worker.protocol.", &errors);
	if (!json_is_array(hist))
		hist = NULL;
	json_array_foreach(hist, i, h) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "history[%zu].", i);
		if (!json_is_object(h)) {
			prefix[strlen(prefix) - 1] = '\0';
			socle_field_error(&errors, prefix, "Doit être un objet.");
		}
		else
			socle_fields_check(h, history_fields, SOCLE_COUNT(history_fields), prefix,
			                   &errors);
	}
	if (socle_date_valid(sget(body, "on_date")))
		memcpy(on_date, sget(body, "on_date"), sizeof(on_date));
	else
		socle_date_today(on_date);
	if (errors != NULL)
		return socle_reply_invalid(req, errors);

	if (worker_id > 0) {
		/* A what-if on a stored worker: his facts and the visits he held,
		 * changed by what the body says. Whose worker it is decides first. */
		int64_t company = 0;
		socle_db *db = socle_req_reader(req, &err);
		json_t *input = db ? tracking_next_visits_input(db, worker_id, &company, &err) : NULL;

		if (company != 0) {
			socle_err e2 = SOCLE_ERR_INIT;
			if (socle_access_worker(req, worker_id, company, &e2) != 0) {
				json_decref(input);
				return socle_reply_err(req, &e2);
			}
		}
		if (input == NULL)
			return socle_reply_err(req, &err);
		worker = json_incref(json_object_get(input, "worker"));
		history = json_incref(json_object_get(input, "history"));
		json_decref(input);
		apply_changes(worker, w);
		json_array_foreach(hist, i, h) json_array_append(history, (json_t *)h);
	} else {
		worker = json_deep_copy(w);
		history = hist ? json_deep_copy(hist) : json_array();
	}
	if (worker == NULL || history == NULL) {
		json_decref(worker);
		json_decref(history);
		return SOCLE_E_NOMEM;
	}
	check_coherence(worker, history, on_date, &errors);
	if (errors != NULL) {
		json_decref(worker);
		json_decref(history);
		return socle_reply_invalid(req, errors);
	}

	/* Without a declared category, the service's own follow_up_category decides. */
	if (json_object_get(worker, "category") == NULL) {
		json_t *cat_out = NULL;
		/* The category at the date that matters: for a planned hire, the day of
		 * assignment (a worker 17 when asked and 18 then is followed as an
		 * adult, as next_visits gives him the visit of an adult); otherwise
		 * the date asked about. */
		const char *start = sget(worker, "start_date");
		const char *cat_on = start && strcmp(start, on_date) > 0 ? start : on_date;

		args = json_pack("[o, s]", category_view(worker), cat_on);
		int rc = args ? socle_rule_call(svc, "follow_up_category", args, &cat_out, &err)
		              : SOCLE_E_NOMEM;

		json_decref(args);
		if (rc != 0) {
			json_decref(worker);
			json_decref(history);
			return socle_reply_err(req, &err);
		}
		json_object_set(worker, "category", json_object_get(cat_out, "category"));
		category = json_pack("{s:O, s:s, s:s, s:O, s:O}", "code",
		                     json_object_get(cat_out, "category"), "source",
		                     "follow_up_category", "on_date", cat_on, "reasons",
		                     json_object_get(cat_out, "reasons"), "basis",
		                     json_object_get(cat_out, "basis"));
		json_decref(cat_out);
	} else {
		category = json_pack("{s:O, s:s}", "code", json_object_get(worker, "category"),
		                     "source", "declared");
	}
	args = json_pack("[o, o, s]", worker, history, on_date);
	int rc = args ? socle_rule_call(svc, "next_visits", args, &out, &err) : SOCLE_E_NOMEM;
	json_decref(args);
	if (rc != 0) {
		json_decref(category);
		return socle_reply_err(req, &err);
	}
	json_object_set_new(out, "on_date", json_string(on_date));
	json_object_set_new(out, "category", category);
	if (worker_id > 0)
		json_object_set_new(out, "worker_id", json_integer(worker_id));
	tracking_next_visits_for(req, out);
	if (json_is_object(json_object_get(out, "visits")))
		json_object_set_new(out, "visits", json_array());
	return socle_reply_json(req, 200, out);
}

/* GET /tracking/visit-types */
static int list_visit_types(socle_req *req, void *ud)
{
	json_t *items = json_array();
	(void)ud;

	for (size_t i = 0; items && i < SOCLE_COUNT(visit_types); i++) {
		const struct tracking_visit_type *t = &visit_types[i];

		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", t->code,
		                                       "label", t->label, "who", t->who, "who_label",
		                                       who_label(t->who), "basis", t->basis));
	}
	if (items == NULL)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const struct socle_route visits_routes[] = {
	/* tracking.request: the espace adhérent simulates a planned hire; the
	 * route reads nothing stored, only the worker it is given. */
	{SOCLE_POST, "/tracking/simulate", "tracking.request", 131072, simulate, NULL},
	{SOCLE_GET, "/tracking/visit-types", SOCLE_CAP_AUTHENTICATED, 0, list_visit_types, NULL},
};

static const struct socle_route_doc visits_docs[] = {
	{SOCLE_POST, "/tracking/simulate",
	 "Simuler les prochaines visites d'un salarié décrit (rien n'est lu ni enregistré), avec "
	 "leurs explications.", simulate_fields, SOCLE_COUNT(simulate_fields), NULL, 0,
	 "La réponse de next_visits ({visits: [{type, earliest, latest ou before, who, basis, "
	 "explanation, overdue}], notes}) avec on_date et category."},
	{SOCLE_GET, "/tracking/visit-types",
	 "Les types de visite : libellé, qui la fait, article qui la fonde.", NULL, 0, NULL, 0,
	 "{items: [{type, label, who, who_label, basis}]}."},
};

int tracking_visits_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &next_visits_rule, err)) ||
	    (rc = socle_plugin_add_routes(p, visits_routes, SOCLE_COUNT(visits_routes), err)) ||
	    (rc = socle_plugin_describe_routes(p, visits_docs, SOCLE_COUNT(visits_docs), err)))
		return rc;
	return 0;
}
