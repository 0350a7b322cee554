/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Sick leave and visit requests (issue 4, items 3 and 4) against
 * ../shared/domain/rules-and-figures.md §1.1 and §2:
 *   1. table tests of the default leave_obligations and visit_request_allowed
 *      (tracking/scripts/tracking_leave.lua) through socle_rule_call on
 *      a core opened in process (tracking linked statically, membership loaded
 *      from the build's plugins folder): each cause at and around each
 *      threshold, the former rules for leaves started on or before 2022-03-31,
 *      TC19, TC21, TC22, TC24, TC25, TC28, TC31, TC32; the contract check
 *      refusing a broken override of another service;
 *   2. the HTTP routes through the real `socle serve`: two member companies
 *      created through membership's routes, a worker declared by staff, a leave
 *      declared and updated by the employer with its obligations, field errors
 *      with nothing stored, an overlapping leave refused, the other company's
 *      employer refused (403), the employer's pré-reprise request refused with
 *      its reason, events and audit entries written with the data; and every
 *      row of the leave table of 1. declared by the employer through
 *      POST /tracking/leaves on the row's date (the server's frozen clock),
 *      its reply checked against the same expectations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "core.h"
#include "fsutil.h"
#include "http_client.h"
#include "server.h"
#include "core_world.h"
#include "tracking_world.h"


/* ==== 1. the rule points, in process ======================================== */

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc, *est;
} W;

static int setup_core(void **state)
{
	(void)state;

	W.dir = fs_tempdir("tracking-leave");
	/* Service "est" breaks both contracts on purpose. */
	fs_write(W.dir, "est/broken.lua",
	         "socle.rule('leave_obligations', function(leave, on_date)\n"
	         "  return { obligations = { { type = 'visite_reprise', required = true,\n"
	         "    available = true, basis = { 'R4624-31' }, explanation = 'x' } } }\n"
	         "end)\n"
	         "socle.rule('visit_request_allowed', function(request)\n"
	         "  return { allowed = 'oui', reason = '', basis = {} }\n"
	         "end)\n");
	W.core = core_world_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"
	         " \"clock\": \"2025-03-12T09:00:00Z\","
	         " \"services\": [{\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}},"
	         "  {\"id\": \"est\", \"name\": \"Est\", \"database\": \"est.db\", \"scripts\": \"est\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}}]}");
	if (W.core == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	W.est = socle_core_service(W.core, "est");
	return W.svc && W.est ? 0 : -1;
}

static int teardown_core(void **state)
{
	(void)state;
	test_core_close(W.core, W.dir);
	return 0;
}

static json_t *obligations(socle_service *svc, const char *leave_json, const char *on_date,
                           socle_err *err)
{
	json_t *l = json_loads(leave_json, 0, NULL), *out = NULL;

	assert_non_null(l);
	json_t *args = json_pack("[o, s]", l, on_date);
	int rc = socle_rule_call(svc, "leave_obligations", args, &out, err);

	json_decref(args);
	return rc == 0 ? out : NULL;
}

static const json_t *find_type(const json_t *r, const char *type)
{
	size_t i;
	const json_t *o;

	json_array_foreach(json_object_get(r, "obligations"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
			return o;
	return NULL;
}

static bool has_text(const json_t *list, const char *s)
{
	size_t i;
	const json_t *b;

	json_array_foreach(list, i, b)
		if (strcmp(json_string_value(b), s) == 0)
			return true;
	return false;
}

/* One expected obligation: its flag (required or available) and its window
 * (NULL: absent). */
struct expect {
	bool flag;
	const char *earliest, *latest;
};

struct leave_vector {
	const char *name;
	const char *leave;
	const char *on;
	int duration;          /* 0: unknown (open-ended) */
	struct expect reprise, pre, liaison;
	const char *basis;     /* an article the reprise entry must cite */
};

#define L(cause, start, rest) \
	"{\"cause\": \"" cause "\", \"start\": \"" start "\"" rest "}"
#define END(d) ", \"actual_end\": \"" d "\""
#define NO {false, NULL, NULL}

static const struct leave_vector leave_vectors[] = {
	/* TC19: illness 2025-01-06 -> 2025-03-09 (63 d), return 2025-03-10. */
	{"TC19", L("maladie", "2025-01-06", END("2025-03-09") ", \"return_date\": \"2025-03-10\""),
	 "2025-03-12", 63, {true, "2025-03-10", "2025-03-18"}, {true, "2025-02-05", "2025-03-09"},
	 {true, "2025-02-05", "2025-03-09"}, "décret 2022-372"},
	/* TC21: illness of 59 d: no mandatory reprise, pré-reprise possible. */
	{"TC21 maladie 59 j", L("maladie", "2025-01-06", END("2025-03-05")), "2025-03-12", 59, NO,
	 {true, "2025-02-05", "2025-03-05"}, {true, "2025-02-05", "2025-03-05"}, "R4624-34"},
	{"maladie 60 j", L("maladie", "2025-01-06", END("2025-03-06")), "2025-03-12", 60,
	 {true, "2025-03-07", "2025-03-15"}, {true, "2025-02-05", "2025-03-06"},
	 {true, "2025-02-05", "2025-03-06"}, "R4624-31"},
	{"maladie 61 j", L("maladie", "2025-01-06", END("2025-03-07")), "2025-03-12", 61,
	 {true, "2025-03-08", "2025-03-16"}, {true, "2025-02-05", "2025-03-07"},
	 {true, "2025-02-05", "2025-03-07"}, "R4624-31"},
	/* Pré-reprise and liaison: more than 30 days, from day 31. */
	{"maladie 30 j", L("maladie", "2025-01-06", END("2025-02-04")), "2025-03-12", 30, NO, NO, NO,
	 "R4624-31"},
	{"maladie 31 j", L("maladie", "2025-01-06", END("2025-02-05")), "2025-03-12", 31, NO,
	 {true, "2025-02-05", "2025-02-05"}, {true, "2025-02-05", "2025-02-05"}, "R4624-31"},
	/* Work accident: at least 30 days (TC22). */
	{"AT 29 j", L("accident_travail", "2025-01-06", END("2025-02-03")), "2025-03-12", 29, NO, NO,
	 NO, "R4624-31"},
	{"TC22 AT 30 j", L("accident_travail", "2025-01-06", END("2025-02-04")), "2025-03-12", 30,
	 {true, "2025-02-05", "2025-02-13"}, NO, NO, "R4624-31"},
	{"AT 31 j", L("accident_travail", "2025-01-06", END("2025-02-05")), "2025-03-12", 31,
	 {true, "2025-02-06", "2025-02-14"}, {true, "2025-02-05", "2025-02-05"},
	 {true, "2025-02-05", "2025-02-05"}, "R4624-31"},
	/* Occupational disease: any length (TC24). */
	{"TC24 MP 3 j", L("maladie_professionnelle", "2025-01-06", END("2025-01-08")), "2025-03-12",
	 3, {true, "2025-01-09", "2025-01-17"}, NO, NO, "R4624-31"},
	{"MP 1 j", L("maladie_professionnelle", "2025-01-06", END("2025-01-06")), "2025-03-12", 1,
	 {true, "2025-01-07", "2025-01-15"}, NO, NO, "R4624-31"},
	/* Maternity (TC25): reprise; no pré-reprise nor liaison (not an arrêt maladie). */
	{"TC25 maternité", L("maternite", "2025-04-21", END("2025-08-31")
	                     ", \"return_date\": \"2025-09-01\""),
	 "2025-09-03", 133, {true, "2025-09-01", "2025-09-09"}, NO, NO, "R4624-31"},
	/* Accident de trajet: non-occupational (L1226-7), 60 days. */
	{"trajet 59 j", L("accident_trajet", "2025-01-06", END("2025-03-05")), "2025-03-12", 59, NO,
	 {true, "2025-02-05", "2025-03-05"}, {true, "2025-02-05", "2025-03-05"}, "L1226-7"},
	{"trajet 60 j", L("accident_trajet", "2025-01-06", END("2025-03-06")), "2025-03-12", 60,
	 {true, "2025-03-07", "2025-03-15"}, {true, "2025-02-05", "2025-03-06"},
	 {true, "2025-02-05", "2025-03-06"}, "L1226-7"},
	{"accident non professionnel 60 j",
	 L("accident_non_professionnel", "2025-01-06", END("2025-03-06")), "2025-03-12", 60,
	 {true, "2025-03-07", "2025-03-15"}, {true, "2025-02-05", "2025-03-06"},
	 {true, "2025-02-05", "2025-03-06"}, "R4624-31"},
	/* Former rules: leave started on 2022-03-31 (reprise from 30 days, pré-reprise
	 * after more than 3 months, no rendez-vous de liaison)... */
	{"2022-03-31 maladie 29 j", L("maladie", "2022-03-31", END("2022-04-28")), "2025-03-12", 29,
	 NO, NO, NO, "décret 2016-1908"},
	{"2022-03-31 maladie 30 j", L("maladie", "2022-03-31", END("2022-04-29")), "2025-03-12", 30,
	 {true, "2022-04-30", "2022-05-08"}, NO, NO, "décret 2016-1908"},
	{"2022-03-31 maladie 31 j", L("maladie", "2022-03-31", END("2022-04-30")), "2025-03-12", 31,
	 {true, "2022-05-01", "2022-05-09"}, NO, NO, "décret 2016-1908"},
	{"2022-03-31 maladie 3 mois", L("maladie", "2022-03-31", END("2022-06-29")), "2025-03-12", 91,
	 {true, "2022-06-30", "2022-07-08"}, NO, NO, "décret 2016-1908"},
	{"2022-03-31 maladie plus de 3 mois", L("maladie", "2022-03-31", END("2022-06-30")),
	 "2025-03-12", 92, {true, "2022-07-01", "2022-07-09"}, {true, "2022-06-30", "2022-06-30"}, NO,
	 "décret 2016-1908"},
	{"2022-01-10 maladie plus de 3 mois", L("maladie", "2022-01-10", END("2022-04-10")),
	 "2025-03-12", 91, {true, "2022-04-11", "2022-04-19"}, {true, "2022-04-10", "2022-04-10"}, NO,
	 "R4624-31"},
	{"2022-01-10 maladie 3 mois", L("maladie", "2022-01-10", END("2022-04-09")), "2025-03-12", 90,
	 {true, "2022-04-10", "2022-04-18"}, NO, NO, "R4624-31"},
	{"2022-03-31 AT 30 j", L("accident_travail", "2022-03-31", END("2022-04-29")), "2025-03-12",
	 30, {true, "2022-04-30", "2022-05-08"}, NO, NO, "décret 2016-1908"},
	{"2016 maladie 30 j (R4624-22)", L("maladie", "2016-06-01", END("2016-06-30")), "2025-03-12",
	 30, {true, "2016-07-01", "2016-07-09"}, NO, NO, "R4624-22"},
	/* ... and the new ones from a leave started on 2022-04-01. */
	{"2022-04-01 maladie 30 j", L("maladie", "2022-04-01", END("2022-04-30")), "2025-03-12", 30,
	 NO, NO, NO, "décret 2022-372"},
	{"2022-04-01 maladie 31 j", L("maladie", "2022-04-01", END("2022-05-01")), "2025-03-12", 31,
	 NO, {true, "2022-05-01", "2022-05-01"}, {true, "2022-05-01", "2022-05-01"},
	 "décret 2022-372"},
	{"2022-04-01 maladie 59 j", L("maladie", "2022-04-01", END("2022-05-29")), "2025-03-12", 59,
	 NO, {true, "2022-05-01", "2022-05-29"}, {true, "2022-05-01", "2022-05-29"},
	 "décret 2022-372"},
	{"2022-04-01 maladie 60 j", L("maladie", "2022-04-01", END("2022-05-30")), "2025-03-12", 60,
	 {true, "2022-05-31", "2022-06-08"}, {true, "2022-05-01", "2022-05-30"},
	 {true, "2022-05-01", "2022-05-30"}, "décret 2022-372"},
	/* The rules are those of the leave's start, whatever on_date. */
	{"2022-03-31 vu en 2026", L("maladie", "2022-03-31", END("2022-04-29")), "2026-01-01", 30,
	 {true, "2022-04-30", "2022-05-08"}, NO, NO, "décret 2016-1908"},
	/* Expected end: a provisional window; a declared return date wins. */
	{"fin prévue", L("maladie", "2025-01-06", ", \"expected_end\": \"2025-03-31\""), "2025-02-01",
	 85, {true, "2025-04-01", "2025-04-09"}, {true, "2025-02-05", "2025-03-31"},
	 {true, "2025-02-05", "2025-03-31"}, "R4624-31"},
	{"reprise déclarée après un week-end",
	 L("maladie", "2025-01-06", END("2025-03-07") ", \"return_date\": \"2025-03-10\""),
	 "2025-03-12", 61, {true, "2025-03-10", "2025-03-18"}, {true, "2025-02-05", "2025-03-07"},
	 {true, "2025-02-05", "2025-03-07"}, "R4624-31"},
	/* Open-ended leaves: the length so far on on_date. */
	{"en cours, 15 j", L("maladie", "2025-01-06", ""), "2025-01-20", 0, NO, NO, NO, "R4624-31"},
	{"en cours, 64 j", L("maladie", "2025-01-06", ""), "2025-03-10", 0, {true, NULL, NULL},
	 {true, "2025-02-05", NULL}, {true, "2025-02-05", NULL}, "R4624-31"},
	{"maternité en cours", L("maternite", "2025-04-21", ""), "2025-05-01", 0, {true, NULL, NULL},
	 NO, NO, "R4624-31"},
};

static void check_expect(const char *name, const json_t *o, const char *flag,
                         const struct expect *e)
{
	const char *got_e = json_string_value(json_object_get(o, "earliest"));
	const char *got_l = json_string_value(json_object_get(o, "latest"));

	if (o == NULL)
		fail_msg("%s : obligation absente", name);
	if (json_is_true(json_object_get(o, flag)) != e->flag)
		fail_msg("%s / %s : %s vaut %s", name, json_string_value(json_object_get(o, "type")),
		         flag, e->flag ? "false" : "true");
	if (!e->flag)
		return;
	if ((e->earliest == NULL) != (got_e == NULL) || (got_e && strcmp(got_e, e->earliest)))
		fail_msg("%s / %s : earliest %s au lieu de %s", name,
		         json_string_value(json_object_get(o, "type")), got_e ? got_e : "(aucune)",
		         e->earliest ? e->earliest : "(aucune)");
	if ((e->latest == NULL) != (got_l == NULL) || (got_l && strcmp(got_l, e->latest)))
		fail_msg("%s / %s : latest %s au lieu de %s", name,
		         json_string_value(json_object_get(o, "type")), got_l ? got_l : "(aucune)",
		         e->latest ? e->latest : "(aucune)");
}

/* The row's expectations against a leave_obligations answer: the rule point's
 * own result in process, or the leave as POST /tracking/leaves returns it
 * (obligations and duration_days copied from the rule's result). @p via names
 * the path in failure messages. */
static void check_vector(const struct leave_vector *v, const json_t *r, const char *via)
{
	char name[160];

	snprintf(name, sizeof(name), "%s (%s)", v->name, via);
	if (json_array_size(json_object_get(r, "obligations")) != 3)
		fail_msg("%s : %zu obligations au lieu de 3", name,
		         json_array_size(json_object_get(r, "obligations")));
	const json_t *d = json_object_get(r, "duration_days");
	if (v->duration ? json_integer_value(d) != v->duration : d != NULL)
		fail_msg("%s : durée %lld au lieu de %d", name, (long long)json_integer_value(d),
		         v->duration);
	const json_t *rep = find_type(r, "visite_reprise");
	check_expect(name, rep, "required", &v->reprise);
	check_expect(name, find_type(r, "pre_reprise"), "available", &v->pre);
	check_expect(name, find_type(r, "rendez_vous_liaison"), "available", &v->liaison);
	if (!has_text(json_object_get(rep, "basis"), v->basis))
		fail_msg("%s : %s absent de basis", name, v->basis);
	/* Every entry explains itself in French and cites its articles. */
	size_t j;
	const json_t *o;
	json_array_foreach(json_object_get(r, "obligations"), j, o) {
		assert_true(json_string_length(json_object_get(o, "explanation")) > 40);
		assert_true(json_array_size(json_object_get(o, "basis")) > 0);
	}
}

static void test_leave_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SOCLE_COUNT(leave_vectors); i++) {
		const struct leave_vector *v = &leave_vectors[i];
		socle_err err = SOCLE_ERR_INIT;
		json_t *r = obligations(W.svc, v->leave, v->on, &err);

		if (r == NULL)
			fail_msg("%s : %s", v->name, err.msg);
		check_vector(v, r, "règle");
		json_decref(r);
	}
}

static void test_leave_explanations(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	/* TC19 as the médecin reads it on 2025-03-12. */
	json_t *r = obligations(W.svc, L("maladie", "2025-01-06", END("2025-03-09")
	                                 ", \"return_date\": \"2025-03-10\""), "2025-03-12", &err);
	assert_non_null(r);
	const json_t *rep = find_type(r, "visite_reprise"), *pre = find_type(r, "pre_reprise");
	const json_t *lia = find_type(r, "rendez_vous_liaison");
	assert_string_equal(json_string_value(json_object_get(rep, "explanation")),
	                    "Arrêt pour maladie non professionnelle de 63 jours (du 6 janvier 2025 au "
	                    "9 mars 2025), au moins 60 jours pour un arrêt commençant après le 31 mars "
	                    "2022 : examen de reprise obligatoire par le médecin du travail, le jour "
	                    "de la reprise (10 mars 2025) et au plus tard le 18 mars 2025 (8 jours "
	                    "après) ; l'employeur saisit le service dès qu'il connaît la date de fin "
	                    "de l'arrêt (R4624-31, décret 2022-372).");
	assert_string_equal(json_string_value(json_object_get(rep, "who")), "medecin");
	assert_string_equal(json_string_value(json_object_get(rep, "window_status")), "en_cours");
	assert_null(json_object_get(rep, "provisional"));
	assert_string_equal(json_string_value(json_object_get(pre, "window_status")), "passee");
	/* Pré-reprise: never the employer; the médecin du travail since 2022. */
	assert_false(has_text(json_object_get(pre, "initiative"), "employer"));
	assert_true(has_text(json_object_get(pre, "initiative"), "worker"));
	assert_true(has_text(json_object_get(pre, "initiative"), "medecin_traitant"));
	assert_true(has_text(json_object_get(pre, "initiative"), "medecin_conseil"));
	assert_true(has_text(json_object_get(pre, "initiative"), "medecin_du_travail"));
	assert_true(has_text(json_object_get(pre, "basis"), "L4624-2-4"));
	assert_non_null(strstr(json_string_value(json_object_get(pre, "explanation")),
	                       "l'employeur ne peut pas la demander"));
	assert_true(has_text(json_object_get(lia, "initiative"), "employer"));
	assert_true(has_text(json_object_get(lia, "basis"), "L1226-1-3"));
	assert_true(has_text(json_object_get(lia, "basis"), "D1226-8-1"));
	assert_string_equal(json_string_value(json_object_get(r, "return_date")), "2025-03-10");
	assert_string_equal(json_string_value(json_object_get(r, "rules_of")), "2025-01-06");
	json_decref(r);

	/* TC21: the 59-day illness says why there is no reprise and what remains. */
	r = obligations(W.svc, L("maladie", "2025-01-06", END("2025-03-05")), "2025-03-12", &err);
	assert_non_null(r);
	assert_non_null(strstr(json_string_value(json_object_get(find_type(r, "visite_reprise"),
	                                                        "explanation")),
	                       "moins de 60 jours pour un arrêt commençant après le 31 mars 2022 : pas "
	                       "d'examen de reprise obligatoire"));
	json_decref(r);

	/* The former rule before 2022-04-01: pré-reprise after more than 3 months,
	 * not at the médecin du travail's initiative, and no rendez-vous de liaison. */
	r = obligations(W.svc, L("maladie", "2022-03-31", END("2022-06-30")), "2025-03-12", &err);
	assert_non_null(r);
	pre = find_type(r, "pre_reprise");
	assert_true(has_text(json_object_get(pre, "basis"), "R4624-29"));
	assert_false(has_text(json_object_get(pre, "initiative"), "medecin_du_travail"));
	assert_non_null(strstr(json_string_value(json_object_get(pre, "explanation")),
	                       "plus de 3 mois"));
	assert_non_null(strstr(json_string_value(json_object_get(find_type(r, "rendez_vous_liaison"),
	                                                        "explanation")),
	                       "n'existe que pour les arrêts commençant après le 31 mars 2022"));
	json_decref(r);

	/* An expected end gives a provisional window; an open leave says when
	 * the reprise would become mandatory. */
	r = obligations(W.svc, L("maladie", "2025-01-06", ", \"expected_end\": \"2025-03-31\""),
	                "2025-02-01", &err);
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(find_type(r, "visite_reprise"), "provisional")));
	assert_string_equal(json_string_value(json_object_get(find_type(r, "visite_reprise"),
	                                                      "window_status")), "a_venir");
	json_decref(r);
	r = obligations(W.svc, L("maladie", "2025-01-06", ""), "2025-01-20", &err);
	assert_non_null(r);
	assert_non_null(strstr(json_string_value(json_object_get(find_type(r, "visite_reprise"),
	                                                        "explanation")),
	                       "si l'arrêt dure au moins jusqu'au 6 mars 2025"));
	json_decref(r);
}

static void test_leave_bad_input(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	(void)state;

	assert_null(obligations(W.svc, L("grippe", "2025-01-06", ""), "2025-03-12", &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "leave.cause"));
	err = (socle_err)SOCLE_ERR_INIT;
	assert_null(obligations(W.svc, L("maladie", "2025-01-06", END("2025-01-05")), "2025-03-12",
	                        &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	err = (socle_err)SOCLE_ERR_INIT;
	assert_null(obligations(W.svc, L("maladie", "2010-01-06", END("2010-05-05")), "2025-03-12",
	                        &err));
	assert_int_equal(err.code, SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "2012-07-01"));
}

/* ---- visit_request_allowed ---- */

struct request_vector {
	const char *name;
	const char *request;
	bool allowed;
	const char *reason;  /* a part of the reason */
	const char *basis;   /* an article cited */
};

#define LEAVE_TC19 \
	", \"leave\": " L("maladie", "2025-01-06", END("2025-03-09") ", \"return_date\": \"2025-03-10\"")
#define LEAVE_TC21 ", \"leave\": " L("maladie", "2025-01-06", END("2025-03-05"))

static const struct request_vector request_vectors[] = {
	/* TC28: the employer may not ask for a pré-reprise. */
	{"TC28", "{\"type\": \"pre_reprise\", \"requested_by\": \"employer\", \"date\": \"2025-02-10\"}",
	 false, "L'employeur ne peut pas demander une visite de pré-reprise ; il peut seulement en "
	        "informer le salarié", "L4624-2-4"},
	{"TC28 avec l'arrêt", "{\"type\": \"pre_reprise\", \"requested_by\": \"employer\","
	 " \"date\": \"2025-02-10\"" LEAVE_TC19 "}", false, "L'employeur ne peut pas", "L4624-2-4"},
	{"pré-reprise par le salarié", "{\"type\": \"pre_reprise\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-02-10\"" LEAVE_TC19 "}", true, "depuis le 5 février 2025", "L4624-2-4"},
	{"pré-reprise par le médecin traitant", "{\"type\": \"pre_reprise\","
	 " \"requested_by\": \"medecin_traitant\", \"date\": \"2025-02-10\"}", true,
	 "par le médecin traitant", "R4624-29"},
	{"pré-reprise par le médecin-conseil", "{\"type\": \"pre_reprise\","
	 " \"requested_by\": \"medecin_conseil\", \"date\": \"2025-02-10\"}", true,
	 "par le médecin-conseil", "R4624-29"},
	{"pré-reprise par le médecin du travail", "{\"type\": \"pre_reprise\","
	 " \"requested_by\": \"medecin\", \"date\": \"2025-02-10\"" LEAVE_TC19 "}", true,
	 "par le médecin du travail", "L4624-2-4"},
	{"pré-reprise avant le 31e jour", "{\"type\": \"pre_reprise\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-02-04\"" LEAVE_TC19 "}", false, "à partir du 5 février 2025", "L4624-2-4"},
	{"pré-reprise après l'arrêt", "{\"type\": \"pre_reprise\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-03-10\"" LEAVE_TC19 "}", false, "L'arrêt se termine le 9 mars 2025",
	 "R4624-31"},
	{"pré-reprise, arrêt de 30 jours", "{\"type\": \"pre_reprise\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-01-20\", \"leave\": " L("maladie", "2025-01-06", END("2025-02-04")) "}",
	 false, "plus de 30 jours", "L4624-2-4"},
	{"pré-reprise par le médecin du travail, arrêt de 2021",
	 "{\"type\": \"pre_reprise\", \"requested_by\": \"medecin\", \"date\": \"2021-06-10\","
	 " \"leave\": " L("maladie", "2021-01-04", END("2021-09-30")) "}", false,
	 "règle antérieure", "R4624-29"},
	/* Visite à la demande (R4624-34). */
	{"à la demande du salarié", "{\"type\": \"a_la_demande\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-03-12\"}", true, "aucune sanction", "R4624-34"},
	{"à la demande de l'employeur", "{\"type\": \"a_la_demande\", \"requested_by\": \"employer\","
	 " \"date\": \"2025-03-12\"}", true, "L'employeur peut demander", "R4624-34"},
	{"à la demande du médecin du travail", "{\"type\": \"a_la_demande\","
	 " \"requested_by\": \"medecin\", \"date\": \"2025-03-12\"}", true, "Le médecin du travail",
	 "R4624-34"},
	{"à la demande du médecin traitant", "{\"type\": \"a_la_demande\","
	 " \"requested_by\": \"medecin_traitant\", \"date\": \"2025-03-12\"}", false,
	 "le salarié, l'employeur ou le médecin du travail", "R4624-34"},
	/* Embauche: the employer's. */
	{"embauche par l'employeur", "{\"type\": \"embauche\", \"requested_by\": \"employer\","
	 " \"date\": \"2025-03-12\"}", true, "3 mois", "R4624-10"},
	{"embauche par le salarié", "{\"type\": \"embauche\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-03-12\"}", false, "demandée par l'employeur", "R4624-34"},
	/* Reprise: the employer (or the worker, informing him); only when due (TC21). */
	{"reprise TC19 par l'employeur", "{\"type\": \"reprise\", \"requested_by\": \"employer\","
	 " \"date\": \"2025-03-05\"" LEAVE_TC19 "}", true, "au plus tard dans les 8 jours",
	 "R4624-31"},
	{"reprise par le salarié", "{\"type\": \"reprise\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-03-05\"" LEAVE_TC19 "}", true, "en avertissant préalablement l'employeur",
	 "R4624-31"},
	{"reprise TC21 non obligatoire", "{\"type\": \"reprise\", \"requested_by\": \"employer\","
	 " \"date\": \"2025-03-05\"" LEAVE_TC21 "}", false, "Pas d'examen de reprise obligatoire",
	 "R4624-34"},
	{"reprise par le médecin-conseil", "{\"type\": \"reprise\","
	 " \"requested_by\": \"medecin_conseil\", \"date\": \"2025-03-05\"}", false,
	 "demandé par l'employeur", "R4624-31"},
	/* Post-exposition: the worker from 1 month before to 6 months after (TC31), in
	 * the widest of the month-end reading (31 August) and the CPC art. 641 one (30
	 * August): from 30 August. */
	{"TC31 premier jour", "{\"type\": \"post_exposition\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-08-30\", \"exposure_end\": \"2025-09-30\"}", true,
	 "du 30 août 2025 au 31 mars 2026", "R4624-28-2"},
	{"TC31 veille", "{\"type\": \"post_exposition\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-08-29\", \"exposure_end\": \"2025-09-30\"}", false, "hors de ce délai",
	 "R4624-28-2"},
	{"TC31 dernier jour", "{\"type\": \"post_exposition\", \"requested_by\": \"worker\","
	 " \"date\": \"2026-03-31\", \"exposure_end\": \"2025-09-30\"}", true,
	 "du 30 août 2025 au 31 mars 2026", "R4624-28-2"},
	{"TC31 lendemain", "{\"type\": \"post_exposition\", \"requested_by\": \"worker\","
	 " \"date\": \"2026-04-01\", \"exposure_end\": \"2025-09-30\"}", false, "hors de ce délai",
	 "R4624-28-2"},
	{"post-exposition mi-mois", "{\"type\": \"post_exposition\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-12-15\", \"exposure_end\": \"2025-06-15\"}", true,
	 "du 15 mai 2025 au 15 décembre 2025", "R4624-28-2"},
	{"TC31 employeur", "{\"type\": \"post_exposition\", \"requested_by\": \"employer\","
	 " \"date\": \"2025-09-01\", \"exposure_end\": \"2025-09-30\"}", true, "L'employeur informe",
	 "L4624-2-1"},
	{"TC32 jamais exposé", "{\"type\": \"post_exposition\", \"requested_by\": \"worker\","
	 " \"date\": \"2025-09-01\", \"exposure_end\": \"2025-09-30\", \"sir_or_exposed\": false}",
	 false, "pas de visite post-exposition", "R4624-28-1"},
	{"post-exposition sans date de fin", "{\"type\": \"post_exposition\","
	 " \"requested_by\": \"worker\", \"date\": \"2025-09-01\"}", false, "cette date est nécessaire",
	 "R4624-28-2"},
	{"post-exposition par le médecin traitant", "{\"type\": \"post_exposition\","
	 " \"requested_by\": \"medecin_traitant\", \"date\": \"2025-09-01\"}", false,
	 "ne peuvent pas la demander", "L4624-2-1"},
};

static void test_request_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < SOCLE_COUNT(request_vectors); i++) {
		const struct request_vector *v = &request_vectors[i];
		socle_err err = SOCLE_ERR_INIT;
		json_t *req = json_loads(v->request, 0, NULL), *out = NULL;

		if (req == NULL)
			fail_msg("%s : vecteur JSON invalide", v->name);
		json_t *args = json_pack("[o]", req);
		int rc = socle_rule_call(W.svc, "visit_request_allowed", args, &out, &err);
		json_decref(args);
		if (rc != 0)
			fail_msg("%s : %s", v->name, err.msg);
		if (json_is_true(json_object_get(out, "allowed")) != v->allowed)
			fail_msg("%s : allowed inattendu (%s)", v->name,
			         json_string_value(json_object_get(out, "reason")));
		if (strstr(json_string_value(json_object_get(out, "reason")), v->reason) == NULL)
			fail_msg("%s : « %s » absent du motif « %s »", v->name, v->reason,
			         json_string_value(json_object_get(out, "reason")));
		if (!has_text(json_object_get(out, "basis"), v->basis))
			fail_msg("%s : %s absent de basis", v->name, v->basis);
		json_decref(out);
	}
}

static void test_request_bad_input(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	(void)state;

	json_t *args = json_pack("[{s:s, s:s}]", "type", "periodique", "requested_by", "worker");
	assert_int_equal(socle_rule_call(W.svc, "visit_request_allowed", args, &out, &err),
	                 SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "request.type"));
	json_decref(args);
}

static void test_contracts_refuse_broken_overrides(void **state)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	(void)state;

	assert_null(obligations(W.est, L("maladie", "2025-01-06", ""), "2025-03-12", &err));
	assert_int_equal(err.code, SOCLE_E_CONTRACT);
	assert_non_null(strstr(err.msg, "required"));
	err = (socle_err)SOCLE_ERR_INIT;
	json_t *args = json_pack("[{s:s, s:s}]", "type", "embauche", "requested_by", "employer");
	assert_int_equal(socle_rule_call(W.est, "visit_request_allowed", args, &out, &err),
	                 SOCLE_E_CONTRACT);
	assert_non_null(strstr(err.msg, "allowed"));
	json_decref(args);
}

/* ==== 2. the HTTP routes, through the real server ================================= */

/* The server's business date at start (its frozen clock: 9:00 in Paris). */
#define HTTP_TODAY "2025-03-12"
#define HTTP_CLOCK_TIME "T08:00:00Z"

static int setup_http(void **state)
{
	(void)state;

	json_t *cfg = json_pack("{s:[s], s:s, s:[{s:s, s:s, s:s, s:{s:{s:f}, s:{}}}]}",
	                        "plugin_dirs", TRACKING_PLUGIN_DIR, "clock",
	                        HTTP_TODAY HTTP_CLOCK_TIME, "services", "id", "svc", "name",
	                        "SPSTI du Rhône", "database", "svc.db", "plugins", "membership",
	                        "fee_per_worker", 105.0, "tracking");
	if (test_deploy_create(&D, "tracking-leave-http", cfg) != 0)
		return -1;
	json_decref(cfg);
	user_add("admin@svc.test", "service_admin", STAFF_PASSWORD, NULL);
	return test_server_start_deploy(&S, &D);
}

static const json_t *obligation_of(const json_t *leave, const char *type)
{
	size_t i;
	const json_t *o;

	json_array_foreach(json_object_get(leave, "obligations"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
			return o;
	fail_msg("obligation %s absente", type);
	return NULL;
}

static void test_http_leaves(void **state)
{
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp_a = NULL, *emp_b = NULL;
	char path[256];
	int status = 0;
	(void)state;

	json_int_t a = member_company(staff, "81234567600017", "Électricité Garnier",
	                              "ines@garnier.test", &emp_a);
	json_int_t b = member_company(staff, "81234568400011", "Menuiserie Blanc", "paul@blanc.test",
	                              &emp_b);

	/* A worker of company A, declared by staff through membership. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers", (long long)a);
	json_t *r = call(staff, "POST", path,
	                 json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", "G-001",
	                           "last_name", "Garnier", "first_name", "Inès", "birth_date",
	                           "1979-05-04", "job_title", "Électricienne", "contract_type", "cdi",
	                           "start_date", "2015-09-01"),
	                 &status);
	assert_int_equal(status, 201);
	json_int_t worker = json_integer_value(json_object_get(r, "id"));
	json_decref(r);

	/* 1. Bad input: field errors in French, nothing stored. */
	r = call(emp_a, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "worker_id", worker, "company_id", a,
	                   "cause", "grippe", "start", "2025-02-30", "expected_end", "2025-01-01",
	                   "colour", "bleu"),
	         &status);
	assert_int_equal(status, 422);
	json_t *fields = json_object_get(json_object_get(r, "error"), "fields");
	assert_int_equal(json_array_size(fields), 3); /* cause, start, colour */
	json_decref(r);
	r = call(emp_a, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", worker, "company_id", a,
	                   "cause", "maladie", "start", "2025-01-06", "expected_end", "2025-01-01"),
	         &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(r, "error"), "fields"), 0), "field")),
	                    "expected_end");
	json_decref(r);
	/* The worker must belong to the company given. */
	r = call(emp_b, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s}", "worker_id", worker, "company_id", b, "cause",
	                   "maladie", "start", "2025-01-06"),
	         &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(r, "error"), "fields"), 0), "field")),
	                    "worker_id");
	json_decref(r);
	/* The other company's employer may not declare for company A. */
	r = call(emp_b, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s}", "worker_id", worker, "company_id", a, "cause",
	                   "maladie", "start", "2025-01-06"),
	         &status);
	assert_int_equal(status, 403);
	json_decref(r);
	/* A worker who left before the leave: refused, the exit date in words. */
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers", (long long)a);
	r = call(staff, "POST", path,
	         json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "external_ref", "G-002",
	                   "last_name", "Garnier", "first_name", "Paul", "birth_date", "1981-02-03",
	                   "job_title", "Électricien", "contract_type", "cdi", "start_date",
	                   "2016-09-01"),
	         &status);
	assert_int_equal(status, 201);
	json_int_t gone = json_integer_value(json_object_get(r, "id"));
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/membership/companies/%lld/workers/%lld/exit",
	         (long long)a, (long long)gone);
	r = call(staff, "POST", path, json_pack("{s:s}", "end_date", "2024-12-31"), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	r = call(emp_a, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s}", "worker_id", gone, "company_id", a, "cause",
	                   "maladie", "start", "2025-01-06"),
	         &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(r, "error"), "fields"), 0), "message")),
	                    "Le salarié a quitté l'entreprise le 31 décembre 2024, avant le début "
	                    "de l'arrêt.");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_leave"), 0);

	/* 2. TC19 declared by the employer with its expected end: a provisional reprise. */
	r = call(emp_a, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s, s:s}", "worker_id", worker, "company_id", a,
	                   "cause", "maladie", "start", "2025-01-06", "expected_end", "2025-03-09"),
	         &status);
	assert_int_equal(status, 201);
	json_int_t leave = json_integer_value(json_object_get(r, "id"));
	assert_true(leave > 0);
	assert_string_equal(json_string_value(json_object_get(r, "start")), "2025-01-06");
	assert_string_equal(json_string_value(json_object_get(r, "obligations_on")), "2025-03-12");
	assert_int_equal(json_integer_value(json_object_get(r, "duration_days")), 63);
	assert_string_equal(json_string_value(json_object_get(r, "expected_return_date")),
	                    "2025-03-10");
	const json_t *rep = obligation_of(r, "visite_reprise");
	assert_true(json_is_true(json_object_get(rep, "required")));
	assert_true(json_is_true(json_object_get(rep, "provisional")));
	assert_string_equal(json_string_value(json_object_get(rep, "latest")), "2025-03-18");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'sick_leave.declared'"
	                          " AND payload LIKE '%%\"cause\":\"maladie\"%%'"),
	                 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit"
	                          " WHERE action = 'tracking.leave.declare'"),
	                 1);

	/* 2b. The obligations at a chosen date (issue 10 item 13): the reprise
	 * window (2025-03-10 ... 2025-03-18) is to come on 10 Feb, passed on
	 * 20 Mar; a date that does not exist is a field error. */
	const char *const on[][2] = {{"2025-02-10", "a_venir"}, {"2025-03-20", "passee"}};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/api/v1/svc/tracking/leaves/%lld?on_date=%s",
		         (long long)leave, on[i][0]);
		r = call(emp_a, "GET", path, NULL, &status);
		assert_int_equal(status, 200);
		assert_string_equal(json_string_value(json_object_get(r, "obligations_on")), on[i][0]);
		assert_string_equal(json_string_value(json_object_get(
		                        obligation_of(r, "visite_reprise"), "window_status")), on[i][1]);
		json_decref(r);
	}
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/leaves/%lld?on_date=2025-02-30",
	         (long long)leave);
	r = call(emp_a, "GET", path, NULL, &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(r, "error"), "fields"), 0), "field")),
	                    "on_date");
	json_decref(r);
	/* Another company's employer still may not read it, whatever the date. */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/leaves/%lld?on_date=2025-02-10",
	         (long long)leave);
	r = call(emp_b, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);

	/* 3. An overlapping leave of the same worker: 409. */
	r = call(emp_a, "POST", "/api/v1/svc/tracking/leaves",
	         json_pack("{s:I, s:I, s:s, s:s}", "worker_id", worker, "company_id", a, "cause",
	                   "accident_travail", "start", "2025-03-01"),
	         &status);
	assert_int_equal(status, 409);
	json_decref(r);

	/* 4. The return is known: the window is final (2025-03-10 ... 2025-03-18). */
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/leaves/%lld", (long long)leave);
	r = call(emp_a, "PATCH", path,
	         json_pack("{s:s, s:s}", "actual_end", "2025-03-09", "return_date", "2025-03-10"),
	         &status);
	assert_int_equal(status, 200);
	rep = obligation_of(r, "visite_reprise");
	assert_null(json_object_get(rep, "provisional"));
	assert_string_equal(json_string_value(json_object_get(rep, "earliest")), "2025-03-10");
	assert_string_equal(json_string_value(json_object_get(rep, "latest")), "2025-03-18");
	assert_string_equal(json_string_value(json_object_get(rep, "window_status")), "en_cours");
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'sick_leave.updated'"
	                          " AND payload LIKE '%%\"return_date\":\"2025-03-10\"%%'"),
	                 1);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_audit"
	                          " WHERE action = 'tracking.leave.update'"),
	                 1);
	/* The same values again: nothing written. */
	r = call(emp_a, "PATCH", path, json_pack("{s:s}", "return_date", "2025-03-10"), &status);
	assert_int_equal(status, 200);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM core_event WHERE name = 'sick_leave.updated'"),
	                 1);
	/* A return before the end: refused, nothing changed. */
	r = call(emp_a, "PATCH", path, json_pack("{s:s}", "return_date", "2025-03-09"), &status);
	assert_int_equal(status, 422);
	json_decref(r);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_leave"
	                          " WHERE return_date = '2025-03-10'"),
	                 1);

	/* 5. Reading it: the employer and staff, with the obligations of today. */
	r = call(staff, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(obligation_of(r, "pre_reprise"), "available")));
	assert_string_equal(json_string_value(json_object_get(obligation_of(r, "rendez_vous_liaison"),
	                                                      "earliest")), "2025-02-05");
	json_decref(r);
	r = call(emp_a, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	json_decref(r);

	/* Unknown leave, unknown field. */
	r = call(staff, "GET", "/api/v1/svc/tracking/leaves/999999", NULL, &status);
	assert_int_equal(status, 404);
	json_decref(r);
	r = call(emp_a, "PATCH", path, json_pack("{s:s}", "cause", "maternite"), &status);
	assert_int_equal(status, 422);
	json_decref(r);

	/* 6. The other company's employer: 403 everywhere (audited). */
	r = call(emp_b, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);
	r = call(emp_b, "PATCH", path, json_pack("{s:s}", "expected_end", "2025-12-31"), &status);
	assert_int_equal(status, 403);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/leaves", (long long)a);
	r = call(emp_b, "GET", path, NULL, &status);
	assert_int_equal(status, 403);
	json_decref(r);

	/* 7. The company's list, paginated. */
	r = call(emp_a, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	json_decref(r);
	snprintf(path, sizeof(path), "/api/v1/svc/tracking/companies/%lld/leaves?worker_id=%lld&limit=1",
	         (long long)a, (long long)worker);
	r = call(staff, "GET", path, NULL, &status);
	assert_int_equal(status, 200);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_non_null(json_object_get(r, "next_cursor"));
	json_decref(r);

	/* 8. The employer's pré-reprise request is refused, with its reason (TC28). */
	r = call(emp_a, "POST", "/api/v1/svc/tracking/visit-requests/check",
	         json_pack("{s:{s:s}}", "request", "type", "pre_reprise"), &status);
	assert_int_equal(status, 200);
	assert_false(json_is_true(json_object_get(r, "allowed")));
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")),
	                       "L'employeur ne peut pas demander une visite de pré-reprise ; il peut "
	                       "seulement en informer le salarié"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "request"),
	                                                      "requested_by")), "employer");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "request"), "date")),
	                    "2025-03-12");
	json_decref(r);
	/* With the stored leave: the employer's reprise request is allowed. */
	r = call(emp_a, "POST", "/api/v1/svc/tracking/visit-requests/check",
	         json_pack("{s:{s:s, s:I}}", "request", "type", "reprise", "leave_id", leave),
	         &status);
	assert_int_equal(status, 200);
	assert_true(json_is_true(json_object_get(r, "allowed")));
	json_decref(r);
	/* Another company's leave is not a context this employer may use. */
	r = call(emp_b, "POST", "/api/v1/svc/tracking/visit-requests/check",
	         json_pack("{s:{s:s, s:I}}", "request", "type", "reprise", "leave_id", leave),
	         &status);
	assert_int_equal(status, 403);
	json_decref(r);
	/* Staff other than the médecin say who asks; bad values are field errors. */
	r = call(staff, "POST", "/api/v1/svc/tracking/visit-requests/check",
	         json_pack("{s:{s:s}}", "request", "type", "a_la_demande"), &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(r, "error"), "fields"), 0), "field")),
	                    "request.requested_by");
	json_decref(r);
	r = call(staff, "POST", "/api/v1/svc/tracking/visit-requests/check",
	         json_pack("{s:{s:s, s:s, s:{s:s, s:s}}}", "request", "type", "pre_reprise",
	                   "requested_by", "worker", "leave", "cause", "maladie", "start",
	                   "2025-13-01"),
	         &status);
	assert_int_equal(status, 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(r, "error"), "fields"), 0), "field")),
	                    "request.leave.start");
	json_decref(r);
	r = call(NULL, "POST", "/api/v1/svc/tracking/visit-requests/check",
	         json_pack("{s:{s:s}}", "request", "type", "pre_reprise"), &status);
	assert_int_equal(status, 401);
	json_decref(r);

	free(emp_a);
	free(emp_b);
	free(staff);
}

/* Every row of leave_vectors[] through POST /tracking/leaves, checked by
 * check_vector against the same expectations as test_leave_table, so the HTTP
 * path (field checks, storage, what the rule point is given of the stored
 * leave, the reply) cannot drift from the rule point. The reply's obligations
 * are computed on the server's business date, and a running server's clock
 * cannot move: rows are grouped by their "on" date and the server restarted
 * once per date. Each row has a worker of its own, since a worker's leaves may
 * not overlap and several rows cover the same days. */
static void test_http_leave_table(void **state)
{
	enum { N = SOCLE_COUNT(leave_vectors) };
	char *staff = login("admin@svc.test", STAFF_PASSWORD), *emp = NULL;
	json_int_t workers[N];
	const char *today = HTTP_TODAY;
	size_t declared = 0;
	(void)state;

	json_int_t company = member_company(staff, "81234569200006", "Plâtrerie Morel",
	                                    "sylvie@morel.test", &emp);
	for (size_t i = 0; i < N; i++) {
		char ref[16];

		snprintf(ref, sizeof(ref), "V-%02zu", i + 1);
		workers[i] = worker(staff, company, ref, "Morel", "Jules");
	}
	for (size_t i = 0; i < N; i++) {
		const char *on = leave_vectors[i].on;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(leave_vectors[j].on, on) == 0;
		if (seen) /* its date's rows went with the first row of that date */
			continue;
		if (strcmp(on, today) != 0) {
			char clock[32];

			snprintf(clock, sizeof(clock), "%s" HTTP_CLOCK_TIME, on);
			restart_at(clock);
			today = on;
			free(emp);
			emp = login("sylvie@morel.test", EMPLOYER_PASSWORD);
		}
		for (size_t k = i; k < N; k++) {
			const struct leave_vector *v = &leave_vectors[k];

			if (strcmp(v->on, on) != 0)
				continue;
			json_t *body = json_loads(v->leave, 0, NULL);
			assert_non_null(body);
			json_object_set_new(body, "worker_id", json_integer(workers[k]));
			json_object_set_new(body, "company_id", json_integer(company));
			int status = 0;
			json_t *r = call(emp, "POST", "/api/v1/svc/tracking/leaves", body, &status);
			if (status != 201) {
				char *dump = r ? json_dumps(r, JSON_COMPACT) : NULL;

				fail_msg("%s (HTTP) : %d au lieu de 201 : %s", v->name, status,
				         dump ? dump : "(vide)");
			}
			/* A failing rule leaves the leave stored, its obligations null. */
			if (json_object_get(r, "obligations_error") != NULL)
				fail_msg("%s (HTTP) : %s", v->name,
				         json_string_value(json_object_get(r, "obligations_error")));
			const char *got_on = json_string_value(json_object_get(r, "obligations_on"));
			if (got_on == NULL || strcmp(got_on, v->on) != 0)
				fail_msg("%s (HTTP) : obligations au %s au lieu du %s", v->name,
				         got_on ? got_on : "(aucune date)", v->on);
			check_vector(v, r, "HTTP");
			json_decref(r);
			declared++;
		}
	}
	assert_int_equal(declared, N);
	assert_int_equal(db_count("SELECT COUNT(*) FROM tracking_leave WHERE company_id = %lld",
	                          (long long)company),
	                 N);
	/* Later tests of the group start from the setup's date again. */
	if (strcmp(today, HTTP_TODAY) != 0)
		restart_at(HTTP_TODAY HTTP_CLOCK_TIME);
	free(emp);
	free(staff);
}

int main(void)
{
	const struct CMUnitTest rules[] = {
		cmocka_unit_test(test_leave_table),
		cmocka_unit_test(test_leave_explanations),
		cmocka_unit_test(test_leave_bad_input),
		cmocka_unit_test(test_request_table),
		cmocka_unit_test(test_request_bad_input),
		cmocka_unit_test(test_contracts_refuse_broken_overrides),
	};
	const struct CMUnitTest http[] = {
		cmocka_unit_test(test_http_leaves),
		cmocka_unit_test(test_http_leave_table),
	};
	int failed = cmocka_run_group_tests_name("règles", rules, setup_core, teardown_core);

	return failed + cmocka_run_group_tests_name("http", http, setup_http, world_teardown);
}
