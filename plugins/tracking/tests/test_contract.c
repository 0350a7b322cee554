/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The contract of next_visits has two readers (visits.c): the rule point's
 * check on the JSON answer, and the recomputation's raw read of the Lua
 * answer (tracking_next_visits_read). Each answer below, valid or broken in
 * one way, must get the same verdict and the same message from both, and the
 * Lua reader must hand over the fields the recomputation stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "tracking.h"

#define VISIT(extra)                                                                       \
	"{type = 'vip_periodique', earliest = '2025-01-02', latest = '2030-01-01',"          \
	" who = 'professionnel_sante', basis = {'R4624-16'}, explanation = 'À renouveler.'," \
	" overdue = false" extra "}"

static const struct answer {
	const char *lua;  /* a Lua expression */
	bool valid;
} answers[] = {
	{"{visits = {}}", true},
	{"{visits = {" VISIT("") "}, notes = {'Une note.'}}", true},
	{"{visits = {" VISIT(", combinable_from = '2024-01-01'") ", "
	 "{type = 'ema_initial', earliest = '2025-02-20', before = '2025-03-10', who = 'medecin',"
	 " basis = {'R4624-22', 'R4624-24'}, explanation = \"Avant l'affectation.\", overdue = true}}}",
	 true},
	{"{visits = {{type = 'mi_carriere', earliest = '2026-01-01', latest = '2026-12-31',"
	 " who = 'medecin', basis = {'L4624-2-2'}, explanation = 'Mi-carrière.'}}, notes = {}}", true},
	{"42", false},
	{"{}", false},
	{"{visits = 'aucune'}", false},
	{"{visits = {'x'}}", false},
	{"{visits = {" VISIT(", type = 'bilan'") "}}", false},
	{"{visits = {{earliest = '2025-01-02', latest = '2030-01-01', who = 'medecin',"
	 " basis = {'R4624-16'}, explanation = 'x'}}}", false},
	{"{visits = {" VISIT(", who = 'infirmier'") "}}", false},
	{"{visits = {" VISIT(", earliest = '2025-13-01'") "}}", false},
	{"{visits = {{type = 'vip_initiale', earliest = '2025-01-02', who = 'medecin',"
	 " basis = {'R4624-10'}, explanation = 'x'}}}", false},
	{"{visits = {" VISIT(", latest = 5") "}}", false},
	{"{visits = {" VISIT(", latest = '2024-12-31'") "}}", false},
	{"{visits = {{type = 'ema_initial', earliest = '2025-03-11', before = '2025-03-10',"
	 " who = 'medecin', basis = {'R4624-22'}, explanation = 'x'}}}", false},
	{"{visits = {" VISIT(", basis = {}") "}}", false},
	{"{visits = {" VISIT(", basis = {'R4624-16', 12}") "}}", false},
	{"{visits = {" VISIT(", basis = 'R4624-16'") "}}", false},
	{"{visits = {" VISIT(", explanation = ''") "}}", false},
	{"{visits = {" VISIT(", explanation = nil") "}}", false},
	{"{visits = {" VISIT(", overdue = 'oui'") "}}", false},
	{"{visits = {" VISIT(", combinable_from = 'bientôt'") "}}", false},
	{"{visits = {" VISIT("") "}, notes = {1}}", false},
	{"{visits = {" VISIT("") "}, notes = 'une note'}", false},
	{"(function() local v = {} for i = 1, 101 do v[i] = " VISIT("") " end "
	 "return {visits = v} end)()", false},
};

/* What the Lua reader handed over, as the recomputation stores it. */
struct taken {
	char text[512];
	size_t n;
};

static int take(const struct tracking_visit_view *v, void *ud)
{
	struct taken *t = ud;
	size_t len = strlen(t->text);

	snprintf(t->text + len, sizeof(t->text) - len, "%s%s %s %s=%s %s %s", t->n++ ? " | " : "",
	         v->type, v->earliest, v->has_latest ? "latest" : "before",
	         v->has_latest ? v->latest : v->before, v->who,
	         v->overdue == TRACKING_FLAG_TRUE ? "en retard" : "à l'heure");
	return 0;
}

struct read_call {
	struct taken taken;
	int rc;
	socle_err err;
};

/* The reader runs protected, as inside socle_rule_call_read. */
static int read_protected(lua_State *L)
{
	struct read_call *c = lua_touserdata(L, 2);

	c->rc = tracking_next_visits_read(L, 1, take, &c->taken, &c->err);
	return 0;
}

static void test_two_readers_agree(void **state)
{
	(void)state;
	lua_State *L = luaL_newstate();

	assert_non_null(L);
	luaL_openlibs(L);
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		char chunk[4096];
		socle_err json_err = SOCLE_ERR_INIT, conv_err = SOCLE_ERR_INIT;
		struct read_call c = {.err = SOCLE_ERR_INIT};

		snprintf(chunk, sizeof(chunk), "return %s", answers[i].lua);
		if (luaL_dostring(L, chunk) != LUA_OK)
			fail_msg("answer %zu: %s", i, lua_tostring(L, -1));
		json_t *j = socle_lua_to_json(L, -1, &conv_err);

		assert_non_null(j);
		int json_rc = tracking_next_visits_contract(j, &json_err);

		json_decref(j);
		lua_pushcfunction(L, read_protected);
		lua_insert(L, -2);
		lua_pushlightuserdata(L, &c);
		if (lua_pcall(L, 2, 0, 0) != LUA_OK)
			fail_msg("answer %zu: the reader raised: %s", i, lua_tostring(L, -1));
		assert_int_equal(lua_gettop(L), 0);
		if ((json_rc == 0) != answers[i].valid)
			fail_msg("answer %zu: JSON check says %d (%s)", i, json_rc, json_err.msg);
		if (c.rc != json_rc || strcmp(c.err.msg, json_err.msg) != 0)
			fail_msg("answer %zu: Lua reader %d « %s », JSON check %d « %s »", i, c.rc,
			         c.err.msg, json_rc, json_err.msg);
		if (i == 2)
			assert_string_equal(c.taken.text,
			                    "vip_periodique 2025-01-02 latest=2030-01-01 "
			                    "professionnel_sante à l'heure | ema_initial 2025-02-20 "
			                    "before=2025-03-10 medecin en retard");
	}
	lua_close(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_readers_agree),
	};

	return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}
