/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Every sentence the default rule pack of tracking gives people (issue 10,
 * item 14): the explanations of next_visits and leave_obligations, the notes
 * of next_visits, the reasons of visit_request_allowed. Each answer of the
 * pack's own test vectors (tracking_visits_test.lua, tracking_leave_test.lua,
 * read here as `socle check` reads them), of further inputs that reach the
 * branches those vectors leave out (late visits, every note, every cause and
 * regime of a leave, every request type by every requester), is walked by
 * explanations_check (tracking_world.c): the article in the sentence, dates
 * in words, no internal code, no "(à vérifier)". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core.h"
#include "core_world.h"
#include "fsutil.h"
#include "tracking_world.h"
#include <socle/lua.h>

static struct {
	char *dir;
	socle_core *core;
	socle_service *svc;
	int checked[3]; /* next_visits, leave_obligations, visit_request_allowed */
} W;

static int setup(void **state)
{
	(void)state;
	W.dir = fs_tempdir("tracking-explanations");
	W.core = core_world_open(W.dir,
	         "{\"listen\": \"127.0.0.1\", \"port\": 0, \"access_log\": \"access.log\","
	         " \"plugin_dirs\": [\"" TRACKING_PLUGIN_DIR "\"],"
	         " \"clock\": \"2025-06-01T09:00:00Z\","
	         " \"services\": ["
	         "  {\"id\": \"demo\", \"name\": \"Démo\", \"database\": \"demo.db\","
	         "   \"plugins\": {\"membership\": {\"fee_per_worker\": 105.0}, \"tracking\": {}}}]}");
	if (W.core == NULL)
		return -1;
	W.svc = socle_core_service(W.core, "demo");
	return W.svc ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	printf("phrases vérifiées : next_visits %d, leave_obligations %d, "
	       "visit_request_allowed %d\n", W.checked[0], W.checked[1], W.checked[2]);
	test_core_close(W.core, W.dir);
	return 0;
}

static int rule_index(const char *rule)
{
	return strcmp(rule, "next_visits") == 0         ? 0
	       : strcmp(rule, "leave_obligations") == 0 ? 1
	                                                 : 2;
}

/* The rule called with @p args (a JSON array), its sentences checked. */
static void walk(const char *name, const char *rule, json_t *args)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	char why[1024];

	if (socle_rule_call(W.svc, rule, args, &out, &err) != 0)
		fail_msg("%s (%s) : %s", name, rule, err.msg);
	int n = explanations_check(rule, out, why, sizeof(why));

	if (n < 0)
		fail_msg("%s (%s) : %s", name, rule, why);
	W.checked[rule_index(rule)] += n;
	json_decref(out);
}

static void walk_json(const char *name, const char *rule, const char *args)
{
	json_t *a = json_loads(args, 0, NULL);

	if (!json_is_array(a))
		fail_msg("%s : arguments JSON invalides : %s", name, args);
	walk(name, rule, a);
	json_decref(a);
}

/* ---- the pack's own vectors ---- */

/* socle.test{...} as `socle check` records it: here, into the list "vectors". */
static int collect(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getglobal(L, "vectors");
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

static int identity(lua_State *L)
{
	lua_settop(L, 1);
	return 1;
}

static void test_the_packs_vectors(void **state)
{
	static const char *const files[] = {
		SOCLE_SOURCE_DIR "/plugins/tracking/scripts/tracking_visits_test.lua",
		SOCLE_SOURCE_DIR "/plugins/tracking/scripts/tracking_leave_test.lua",
	};
	int per_rule[3] = {0};
	lua_State *L = luaL_newstate();
	(void)state;

	assert_non_null(L);
	luaL_openlibs(L);
	lua_newtable(L);
	lua_setglobal(L, "vectors");
	lua_newtable(L);
	lua_pushcfunction(L, collect);
	lua_setfield(L, -2, "test");
	lua_pushcfunction(L, identity);
	lua_setfield(L, -2, "array");
	lua_setglobal(L, "socle");
	for (size_t f = 0; f < SOCLE_COUNT(files); f++)
		if (luaL_dofile(L, files[f]) != LUA_OK)
			fail_msg("%s : %s", files[f], lua_tostring(L, -1));
	lua_getglobal(L, "vectors");
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);

	for (lua_Integer i = 1; i <= n; i++) {
		socle_err err = SOCLE_ERR_INIT;
		char name[256], rule[64];

		lua_rawgeti(L, -1, i);
		lua_getfield(L, -1, "name");
		snprintf(name, sizeof(name), "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		lua_getfield(L, -2, "rule");
		snprintf(rule, sizeof(rule), "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
		lua_getfield(L, -3, "args");
		json_t *args = socle_lua_to_json(L, -1, &err);

		if (args == NULL)
			fail_msg("%s : args : %s", name, err.msg);
		if (json_is_object(args)) { /* {} : no argument */
			json_decref(args);
			args = json_array();
		}
		walk(name, rule, args);
		per_rule[rule_index(rule)]++;
		json_decref(args);
		lua_pop(L, 4);
	}
	lua_close(L);
	/* Both files were read, each rule point has vectors. */
	assert_true(per_rule[0] >= 15);
	assert_true(per_rule[1] >= 5);
	assert_true(per_rule[2] >= 4);
}

/* ---- next_visits: the branches the vectors leave out ---- */

#define SI "\"birth_date\": \"1990-04-12\", \"category\": \"SI\""
#define SIA "\"birth_date\": \"1990-04-12\", \"category\": \"SIA\""
#define SIR "\"birth_date\": \"1985-01-01\", \"category\": \"SIR\""

static const struct {
	const char *name, *args;
} visits[] = {
	{"VIP en retard", "[{" SI ", \"start_date\": \"2025-03-10\"}, [], \"2025-09-01\"]"},
	{"VIP avant l'affectation en retard, nuit et agents biologiques",
	 "[{" SIA ", \"start_date\": \"2025-03-10\", \"night_worker\": true,"
	 " \"exposures\": [\"agents_biologiques_2\", \"champs_electromagnetiques\"]}, [],"
	 " \"2025-04-01\"]"},
	{"mineur aujourd'hui, majeur à la prise de poste",
	 "[{\"birth_date\": \"2008-07-01\", \"category\": \"SI\", \"start_date\": \"2026-09-01\"}, [],"
	 " \"2026-05-01\"]"},
	{"EMA avant l'affectation en retard, examen fait par un infirmier",
	 "[{" SIR ", \"start_date\": \"2025-03-10\"}, [{\"type\": \"ema_initial\","
	 " \"date\": \"2025-03-01\", \"by\": \"infirmier\"}], \"2025-05-01\"]"},
	{"SIR : renouvellement et visite intermédiaire en retard, protocole",
	 "[{" SIR ", \"start_date\": \"2015-01-05\", \"protocol\": {\"periodicity_months\": 60,"
	 " \"next_visit_on\": \"2030-01-01\"}}, [{\"type\": \"ema_periodique\","
	 " \"date\": \"2019-01-15\"}], \"2025-06-01\"]"},
	{"protocole : date antérieure à la dernière visite",
	 "[{" SI ", \"start_date\": \"2015-01-05\", \"protocol\": {\"next_visit_on\": \"2020-01-01\"}},"
	 " [{\"type\": \"vip_periodique\", \"date\": \"2022-01-15\"}], \"2025-06-01\"]"},
	{"protocole sans visite faite",
	 "[{" SI ", \"start_date\": \"2025-05-05\", \"protocol\": {\"next_visit_on\": \"2027-01-01\"}},"
	 " [], \"2025-06-01\"]"},
	{"rayonnements ionisants catégorie A",
	 "[{" SIR ", \"start_date\": \"2015-01-05\", \"ionising_category_a\": true},"
	 " [{\"type\": \"ema_periodique\", \"date\": \"2024-01-15\"}], \"2025-06-01\"]"},
	{"exemption R4624-27 et retraite",
	 "[{" SIR ", \"start_date\": \"2025-03-10\", \"retirement_date\": \"2026-12-31\"},"
	 " [{\"type\": \"ema_initial\", \"date\": \"2024-01-10\", \"by\": \"medecin\","
	 " \"avis\": \"aptitude\", \"previous_employer\": true, \"equivalent_job\": true}],"
	 " \"2025-03-10\"]"},
	{"exemption R4624-15 refusée : mesure avant la visite",
	 "[{" SI ", \"start_date\": \"2025-03-10\"}, [{\"type\": \"visite_a_la_demande\","
	 " \"date\": \"2021-05-10\", \"previous_employer\": true, \"restrictions\": true},"
	 " {\"type\": \"vip_periodique\", \"date\": \"2022-01-15\", \"previous_employer\": true,"
	 " \"equivalent_job\": true, \"attestation\": true}], \"2025-03-10\"]"},
	{"exemption R4624-27 refusée : inaptitude avant l'examen",
	 "[{" SIR ", \"start_date\": \"2025-03-10\"}, [{\"type\": \"visite_a_la_demande\","
	 " \"date\": \"2023-06-10\", \"previous_employer\": true, \"avis\": \"inaptitude\"},"
	 " {\"type\": \"ema_periodique\", \"date\": \"2024-01-10\", \"previous_employer\": true,"
	 " \"equivalent_job\": true, \"avis\": \"aptitude\", \"by\": \"medecin\"}], \"2025-03-10\"]"},
	{"CACES sans attestation, en retard",
	 "[{" SI ", \"start_date\": \"2015-01-05\", \"caces_or_electrical\": true},"
	 " [{\"type\": \"vip_periodique\", \"date\": \"2024-01-15\"}], \"2025-11-03\"]"},
	{"orientation avant toute visite, mineur sur travaux réglementés",
	 "[{\"birth_date\": \"2008-09-01\", \"category\": \"SIR\", \"start_date\": \"2025-09-01\","
	 " \"minor_regulated_work\": true, \"breastfeeding\": true, \"rqth\": true},"
	 " [{\"type\": \"ema_initial\", \"date\": \"2025-08-25\", \"by\": \"medecin\"}],"
	 " \"2025-09-01\"]"},
	{"orientation en attente",
	 "[{" SIA ", \"start_date\": \"2025-03-10\", \"rqth\": true},"
	 " [{\"type\": \"vip_initiale\", \"date\": \"2025-04-02\", \"by\": \"infirmier\"}],"
	 " \"2025-06-01\"]"},
	{"mi-carrière non faite dans son année",
	 "[{\"birth_date\": \"1979-06-15\", \"category\": \"SI\", \"start_date\": \"2010-01-04\"},"
	 " [{\"type\": \"vip_periodique\", \"date\": \"2023-02-01\"}], \"2025-06-01\"]"},
	{"mi-carrière : embauché après ses 45 ans",
	 "[{\"birth_date\": \"1970-06-15\", \"category\": \"SI\", \"start_date\": \"2024-01-08\"},"
	 " [{\"type\": \"vip_initiale\", \"date\": \"2024-02-01\"}], \"2025-06-01\"]"},
	{"post-exposition : ancien exposé, visite future ignorée",
	 "[{" SI ", \"start_date\": \"2010-01-04\", \"formerly_exposed\": true,"
	 " \"exposure_end_date\": \"2025-03-31\"}, [{\"type\": \"vip_periodique\","
	 " \"date\": \"2024-01-15\"}, {\"type\": \"post_exposition\", \"date\": \"2025-07-01\"}],"
	 " \"2025-06-01\"]"},
	{"post-exposition en retard, salarié parti",
	 "[{" SIR ", \"start_date\": \"2010-01-04\", \"end_date\": \"2024-06-30\","
	 " \"exposure_end_date\": \"2024-06-30\"}, [{\"type\": \"ema_periodique\","
	 " \"date\": \"2022-01-15\"}], \"2025-06-01\"]"},
};

static void test_more_visits(void **state)
{
	(void)state;
	for (size_t i = 0; i < SOCLE_COUNT(visits); i++)
		walk_json(visits[i].name, "next_visits", visits[i].args);
}

/* ---- leave_obligations: every cause, every regime, known end or not ---- */

static void test_every_leave(void **state)
{
	static const char *const causes[] = {
		"maternite", "maladie_professionnelle", "accident_travail", "maladie",
		"accident_non_professionnel", "accident_trajet",
	};
	/* start, ends ("actual_end", "expected_end" or none), on_date */
	static const struct {
		const char *start, *field, *end, *on;
	} spans[] = {
		{"2025-01-06", "actual_end", "2025-03-09", "2025-03-12"},
		{"2025-01-06", "actual_end", "2025-01-20", "2025-03-12"},
		{"2025-01-06", "expected_end", "2025-04-30", "2025-03-12"},
		{"2025-01-06", NULL, NULL, "2025-01-20"},
		{"2025-01-06", NULL, NULL, "2025-03-20"},
		{"2025-03-01", NULL, NULL, "2025-02-20"},
		{"2019-01-07", "actual_end", "2019-05-31", "2019-06-03"},
		{"2015-01-05", "actual_end", "2015-02-27", "2015-03-02"},
	};
	(void)state;

	for (size_t c = 0; c < SOCLE_COUNT(causes); c++)
		for (size_t s = 0; s < SOCLE_COUNT(spans); s++) {
			json_t *leave = json_pack("{s:s, s:s}", "cause", causes[c], "start",
			                          spans[s].start);
			char name[128];

			if (spans[s].field)
				json_object_set_new(leave, spans[s].field, json_string(spans[s].end));
			snprintf(name, sizeof(name), "%s du %s", causes[c], spans[s].start);
			json_t *args = json_pack("[o, s]", leave, spans[s].on);

			walk(name, "leave_obligations", args);
			json_decref(args);
		}
}

/* ---- visit_request_allowed: every type, by every requester ---- */

static void test_every_request(void **state)
{
	static const char *const types[] = {"embauche", "reprise", "a_la_demande", "pre_reprise",
	                                    "post_exposition"};
	static const char *const by[] = {"employer", "worker", "medecin", "medecin_traitant",
	                                 "medecin_conseil"};
	/* what the request is about: a leave (long, short, old, running), an
	 * exposure (ended in or out of the window), a worker never exposed */
	static const char *const about[] = {
		"{}",
		"{\"leave\": {\"cause\": \"maladie\", \"start\": \"2025-01-06\","
		" \"actual_end\": \"2025-03-09\"}}",
		"{\"leave\": {\"cause\": \"maladie\", \"start\": \"2025-01-06\","
		" \"actual_end\": \"2025-01-20\"}}",
		"{\"leave\": {\"cause\": \"maladie\", \"start\": \"2025-04-20\"}}",
		"{\"leave\": {\"cause\": \"accident_travail\", \"start\": \"2025-05-10\","
		" \"expected_end\": \"2025-08-31\"}}",
		"{\"exposure_end\": \"2025-06-30\"}",
		"{\"exposure_end\": \"2024-03-31\"}",
		"{\"exposure_end\": \"2025-06-30\", \"sir_or_exposed\": false}",
	};
	(void)state;

	for (size_t t = 0; t < SOCLE_COUNT(types); t++)
		for (size_t b = 0; b < SOCLE_COUNT(by); b++)
			for (size_t a = 0; a < SOCLE_COUNT(about); a++) {
				json_t *req = json_loads(about[a], 0, NULL);
				char name[160];

				assert_non_null(req);
				json_object_set_new(req, "type", json_string(types[t]));
				json_object_set_new(req, "requested_by", json_string(by[b]));
				json_object_set_new(req, "date", json_string("2025-06-01"));
				snprintf(name, sizeof(name), "%s par %s, %s", types[t], by[b], about[a]);
				json_t *args = json_pack("[o]", req);

				walk(name, "visit_request_allowed", args);
				json_decref(args);
			}
}

/* The check itself finds each fault it is there for. */
static void test_the_check_finds_faults(void **state)
{
	static const struct {
		const char *answer, *fault;
	} bad[] = {
		{"{\"visits\": [{\"explanation\": \"Visite au plus tard le 10 juin 2025.\","
		 " \"basis\": [\"R4624-10\"]}]}", "aucun article"},
		{"{\"visits\": [{\"explanation\": \"Visite au plus tard le 2025-06-10 (R4624-10).\","
		 " \"basis\": [\"R4624-10\"]}]}", "AAAA-MM-JJ"},
		{"{\"visits\": [], \"notes\": [\"La visite « ema_periodique » n'est pas due.\"]}",
		 "code interne"},
		{"{\"visits\": [{\"explanation\": \"Visite (R4426-7 (à vérifier)).\","
		 " \"basis\": [\"R4426-7\"]}]}", "vérifier"},
		{"{\"visits\": [{\"explanation\": \"Visite (R4426-7).\","
		 " \"basis\": [\"R4426-7 (à vérifier)\"]}]}", "vérifier"},
	};
	char why[512];
	(void)state;

	for (size_t i = 0; i < SOCLE_COUNT(bad); i++) {
		json_t *a = json_loads(bad[i].answer, 0, NULL);

		assert_non_null(a);
		assert_int_equal(explanations_check("next_visits", a, why, sizeof(why)), -1);
		if (strstr(why, bad[i].fault) == NULL)
			fail_msg("« %s » attendu dans « %s »", bad[i].fault, why);
		json_decref(a);
	}
	json_t *ok = json_pack("{s:s, s:[s]}", "reason", "Demande possible (L4624-2-1).", "basis",
	                       "L4624-2-1");
	assert_int_equal(explanations_check("visit_request_allowed", ok, why, sizeof(why)), 1);
	json_decref(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_check_finds_faults),
		cmocka_unit_test(test_the_packs_vectors),
		cmocka_unit_test(test_more_visits),
		cmocka_unit_test(test_every_leave),
		cmocka_unit_test(test_every_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
