/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The visit engine (issue 4, item 1): the rule point next_visits(worker,
 * history, on_date) and its contract, the list of visit types, and the what-if
 * simulator POST /tracking/simulate that staff use to see, with their
 * explanations and articles, the visits a worker would owe.
 *
 * The default implementation is scripts/default/tracking/tracking_visits.lua
 * (inputs documented at its top). Dates are "YYYY-MM-DD" text; the business
 * date is the core clock's (socle_now_ms), so a frozen clock freezes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct visit_type {
	const char *code;
	const char *label; /* French, for people */
	const char *who;   /* "medecin", "professionnel_sante", or "service" (not a medical visit) */
	const char *basis;
};

static const struct visit_type visit_types[] = {
	{"vip_initiale", "Visite d'information et de prévention initiale", "professionnel_sante",
	 "R4624-10"},
	{"vip_periodique", "Renouvellement de la visite d'information et de prévention",
	 "professionnel_sante", "R4624-16"},
	{"suivi_adapte", "Visite de suivi individuel adapté", "professionnel_sante", "R4624-17"},
	{"ema_initial", "Examen médical d'aptitude à l'embauche (suivi renforcé)", "medecin",
	 "R4624-24"},
	{"ema_periodique", "Renouvellement de l'examen médical d'aptitude", "medecin", "R4624-28"},
	{"visite_intermediaire", "Visite intermédiaire du suivi renforcé", "professionnel_sante",
	 "R4624-28"},
	{"attestation_caces",
	 "Examen d'absence de contre-indication (CACES, habilitation électrique)", "medecin",
	 "décret 2025-355"},
	{"visite_reprise", "Visite de reprise", "medecin", "R4624-31"},
	{"pre_reprise", "Visite de pré-reprise", "medecin", "R4624-29"},
	{"rendez_vous_liaison", "Rendez-vous de liaison (non médical)", "service", "L1226-1-3"},
	{"mi_carriere", "Visite de mi-carrière", "medecin", "L4624-2-2"},
	{"post_exposition", "Visite post-exposition ou de fin de carrière", "medecin", "L4624-2-1"},
	{"orientation_medecin", "Orientation sans délai vers le médecin du travail", "medecin",
	 "L4624-1"},
	{"visite_a_la_demande", "Visite à la demande", "professionnel_sante", "R4624-34"},
};

static const char *const visit_type_codes[] = {
	"vip_initiale", "vip_periodique", "suivi_adapte", "ema_initial", "ema_periodique",
	"visite_intermediaire", "attestation_caces", "visite_reprise", "pre_reprise",
	"rendez_vous_liaison", "mi_carriere", "post_exposition", "orientation_medecin",
	"visite_a_la_demande", NULL,
};

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

static int check_texts(const json_t *v, const char *what, bool nonempty, socle_err *err)
{
	size_t i;
	const json_t *e;

	/* An empty Lua table arrives as {}: an empty list. */
	if (json_is_object(v) && json_object_size(v) == 0 && !nonempty)
		return 0;
	if (!json_is_array(v) || (nonempty && json_array_size(v) == 0) || json_array_size(v) > 50)
		return socle_err_set(err, SOCLE_E_CONTRACT, "%s doit être une liste %sde textes "
		                     "(50 au plus)", what, nonempty ? "non vide " : "");
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 2000)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "%s[%zu] doit être un texte non vide (2000 octets au plus)",
			                     what, i + 1);
	return 0;
}

static bool known_type(const char *t)
{
	for (size_t i = 0; t && visit_type_codes[i]; i++)
		if (strcmp(visit_type_codes[i], t) == 0)
			return true;
	return false;
}

static int check_visit(const json_t *v, size_t n, socle_err *err)
{
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *who = json_string_value(json_object_get(v, "who"));
	const char *earliest = json_string_value(json_object_get(v, "earliest"));
	const json_t *latest = json_object_get(v, "latest"), *before = json_object_get(v, "before");
	const json_t *x;
	char what[48];
	int rc;

	if (!json_is_object(v))
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu] doit être une table", n);
	if (!known_type(type))
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu].type inconnu : %s (voir GET "
		                     "/tracking/visit-types)", n, type ? type : "absent");
	if (who == NULL || (strcmp(who, "medecin") != 0 && strcmp(who, "professionnel_sante") != 0))
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu].who doit valoir \"medecin\" "
		                     "ou \"professionnel_sante\"", n);
	if (!socle_date_valid(earliest))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu].earliest doit être une date \"AAAA-MM-JJ\"", n);
	if (latest == NULL && before == NULL)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu] doit porter latest, ou before pour une visite avant "
		                     "l'affectation", n);
	if (latest != NULL) {
		if (!socle_date_valid(json_string_value(latest)))
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu].latest doit être une date \"AAAA-MM-JJ\"", n);
		if (strcmp(earliest, json_string_value(latest)) > 0)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu] : earliest (%s) est postérieur à latest (%s)", n,
			                     earliest, json_string_value(latest));
	}
	if (before != NULL) {
		if (!socle_date_valid(json_string_value(before)))
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu].before doit être une date \"AAAA-MM-JJ\"", n);
		if (strcmp(earliest, json_string_value(before)) > 0)
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "visits[%zu] : earliest (%s) est postérieur à before (%s)", n,
			                     earliest, json_string_value(before));
	}
	snprintf(what, sizeof(what), "visits[%zu].basis", n);
	if ((rc = check_texts(json_object_get(v, "basis"), what, true, err)))
		return rc;
	x = json_object_get(v, "explanation");
	if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 4000)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu].explanation doit être une phrase non vide", n);
	x = json_object_get(v, "overdue");
	if (x != NULL && !json_is_boolean(x))
		return socle_err_set(err, SOCLE_E_CONTRACT, "visits[%zu].overdue doit être un booléen",
		                     n);
	x = json_object_get(v, "combinable_from");
	if (x != NULL && !socle_date_valid(json_string_value(x)))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits[%zu].combinable_from doit être une date \"AAAA-MM-JJ\"", n);
	return 0;
}

static int visits_contract(const json_t *r, socle_err *err)
{
	const json_t *visits, *v, *notes;
	size_t i;
	int rc;

	if (!json_is_object(r))
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	visits = json_object_get(r, "visits");
	if (json_is_object(visits) && json_object_size(visits) == 0)
		visits = NULL; /* {} from an empty Lua table: no visit */
	else if (!json_is_array(visits) || json_array_size(visits) > 100)
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "visits doit être une liste (100 visites au plus)");
	json_array_foreach(visits, i, v)
		if ((rc = check_visit(v, i + 1, err)))
			return rc;
	notes = json_object_get(r, "notes");
	if (notes != NULL && (rc = check_texts(notes, "notes", false, err)))
		return rc;
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
	.check = visits_contract,
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
static const struct socle_field simulate_fields[] = {
	{.name = "worker", .type = SOCLE_F_OBJECT, .required = true},
	{.name = "history", .type = SOCLE_F_ARRAY, .max = 200},
	{.name = "on_date", .type = SOCLE_F_DATE},
};
static const struct socle_field worker_fields[] = {
	{.name = "birth_date", .type = SOCLE_F_DATE, .required = true},
	{.name = "start_date", .type = SOCLE_F_DATE, .required = true},
	{.name = "end_date", .type = SOCLE_F_DATE},
	{.name = "category", .type = SOCLE_F_ENUM, .choices = category_choices},
	{.name = "contract_type", .type = SOCLE_F_ENUM, .choices = contract_choices},
	{.name = "exposures", .type = SOCLE_F_ARRAY, .max = 50, .check = check_exposures},
	B("night_worker"), B("rqth"), B("invalidity_pension"), B("sir_post"),
	B("caces_or_electrical"), B("ionising_category_a"), B("minor_regulated_work"),
	B("pregnant"), B("post_partum"), B("breastfeeding"), B("formerly_sir"),
	B("formerly_exposed"),
	{.name = "exposure_end_date", .type = SOCLE_F_DATE},
	{.name = "retirement_date", .type = SOCLE_F_DATE},
	{.name = "mi_carriere_age", .type = SOCLE_F_INT, .min = 40, .max = 60},
	{.name = "protocol", .type = SOCLE_F_OBJECT},
};
static const struct socle_field protocol_fields[] = {
	{.name = "periodicity_months", .type = SOCLE_F_INT, .min = 1, .max = 60},
	{.name = "next_visit_on", .type = SOCLE_F_DATE},
};
static const struct socle_field history_fields[] = {
	{.name = "type", .type = SOCLE_F_ENUM, .required = true, .choices = visit_type_codes},
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
	if (!json_is_object(w))
		return socle_reply_invalid(req, errors);
	socle_fields_check(w, worker_fields, SOCLE_COUNT(worker_fields), "worker.", &errors);
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
	if (errors == NULL)
		check_coherence(w, hist, on_date, &errors);
	if (errors != NULL)
		return socle_reply_invalid(req, errors);

	/* Without a declared category, the service's own follow_up_category decides. */
	worker = json_deep_copy(w);
	history = hist ? json_deep_copy(hist) : json_array();
	if (worker == NULL || history == NULL) {
		json_decref(worker);
		json_decref(history);
		return SOCLE_E_NOMEM;
	}
	if (json_object_get(worker, "category") == NULL) {
		json_t *cat_out = NULL;
		args = json_pack("[o, s]", category_view(worker), on_date);
		int rc = args ? socle_rule_call(svc, "follow_up_category", args, &cat_out, &err)
		              : SOCLE_E_NOMEM;

		json_decref(args);
		if (rc != 0) {
			json_decref(worker);
			json_decref(history);
			return socle_reply_err(req, &err);
		}
		json_object_set(worker, "category", json_object_get(cat_out, "category"));
		category = json_pack("{s:O, s:s, s:O, s:O}", "code", json_object_get(cat_out, "category"),
		                     "source", "follow_up_category", "reasons",
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
		const struct visit_type *t = &visit_types[i];

		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", t->code,
		                                       "label", t->label, "who", t->who, "who_label",
		                                       who_label(t->who), "basis", t->basis));
	}
	if (items == NULL)
		return SOCLE_E_NOMEM;
	return socle_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static const struct socle_route visits_routes[] = {
	{SOCLE_POST, "/tracking/simulate", SOCLE_CAP_STAFF, 131072, simulate, NULL},
	{SOCLE_GET, "/tracking/visit-types", SOCLE_CAP_AUTHENTICATED, 0, list_visit_types, NULL},
};

int tracking_visits_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_rule_point(p, &next_visits_rule, err)) ||
	    (rc = socle_plugin_add_routes(p, visits_routes, SOCLE_COUNT(visits_routes), err)))
		return rc;
	return 0;
}
