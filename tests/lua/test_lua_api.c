/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Lua host API: JSON<->Lua conversion and its limits, socle.date and the
 * C date arithmetic, effective-dated rules, rule layering, test vectors,
 * contract checks, file:line in errors, the registration window, budgets,
 * events, socle.today under a frozen clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "date.h"
#include "lua_fixture.h"

static json_t *call_ok(struct lfx *f, const char *rule, const char *args)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	int rc = lfx_call(f, rule, args, &out, &err);

	if (rc != 0)
		fail_msg("rule %s(%s): %d %s", rule, args, rc, err.msg);
	return out;
}

static void expect_json(json_t *got, const char *want_text)
{
	json_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);

	assert_non_null(want);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_ENCODE_ANY);

		fail_msg("got %s, want %s", g, want_text);
	}
	json_decref(want);
	json_decref(got);
}

static struct lfx *open_with(const char *src)
{
	struct lfx *f = lfx_new();

	lfx_write(f, "service", "main.lua", src);
	if (lfx_open(f) != 0) {
		lfx_diag_dump(f);
		fail_msg("scripts did not load");
	}
	return f;
}

/* ---- converter ---------------------------------------------------------- */

static void test_conv_round_trips(void **state)
{
	(void)state;
	struct lfx *f = open_with("socle.rule('echo', function(x) return x end)\n"
	                          "socle.rule('kinds', function(x) return {math.type(x.i), "
	                          "math.type(x.r), x.n == socle.null, #x.a} end)\n");
	static const char *const values[] = {
		"1", "-7", "2.5", "2.0", "true", "false", "null", "\"texte é ü\"", "[]", "{}",
		"[1, 2.5, \"x\", null, [], {}]", "{\"a\": {\"b\": [1, {\"c\": null}]}, \"e\": []}",
		"[[[[[[[[[[1]]]]]]]]]]", "9007199254740993",
	};
	for (size_t i = 0; i < SOCLE_COUNT(values); i++) {
		char args[256];

		snprintf(args, sizeof(args), "[%s]", values[i]);
		expect_json(call_ok(f, "echo", args), values[i]);
	}
	expect_json(call_ok(f, "kinds", "[{\"i\": 3, \"r\": 3.0, \"n\": null, \"a\": [1, 2, 3]}]"),
	            "[\"integer\", \"float\", true, 3]");
	lfx_free(f);
}

static void test_conv_limits(void **state)
{
	(void)state;
	struct lfx *f = open_with(
		"socle.rule('echo', function(x) return x end)\n"
		"socle.rule('nan', function() return 0/0 end)\n"
		"socle.rule('inf', function() return {x = math.huge} end)\n"
		"socle.rule('boolkey', function() return {[true] = 1} end)\n"
		"socle.rule('floatkey', function() return {[1.5] = 1} end)\n"
		"socle.rule('mixed', function() return {1, 2, x = 3} end)\n"
		"socle.rule('holes', function() return {1, nil, 3} end)\n"
		"socle.rule('fn', function() return {f = print or function() end} end)\n"
		"socle.rule('deep', function() local t = {} local c = t for i = 1, 40 do c.x = {} c = c.x end return t end)\n"
		"socle.rule('cycle', function() local t = {} t.self = t return t end)\n"
		"socle.rule('empty_array', function() return {a = socle.array(), b = socle.array({}), c = {}} end)\n"
		"socle.rule('bin', function() return '\\255\\254' end)\n");
	static const struct {
		const char *rule;
		int code;
		const char *needle;
	} cases[] = {
		{"nan", SOCLE_E_CONTRACT, "NaN"},       {"inf", SOCLE_E_CONTRACT, "x"},
		{"boolkey", SOCLE_E_CONTRACT, "clé"},   {"floatkey", SOCLE_E_CONTRACT, "clé"},
		{"mixed", SOCLE_E_CONTRACT, "mêlant"},  {"holes", SOCLE_E_CONTRACT, "trous"},
		{"fn", SOCLE_E_CONTRACT, "function"},   {"deep", SOCLE_E_CONTRACT, "profondeur"},
		{"cycle", SOCLE_E_CONTRACT, "profondeur"}, {"bin", SOCLE_E_CONTRACT, "UTF-8"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(cases); i++) {
		socle_err err = SOCLE_ERR_INIT;
		json_t *out = NULL;

		assert_int_equal(lfx_call(f, cases[i].rule, "[]", &out, &err), cases[i].code);
		assert_null(out);
		if (strstr(err.msg, cases[i].needle) == NULL)
			fail_msg("%s: message '%s' lacks '%s'", cases[i].rule, err.msg, cases[i].needle);
	}
	expect_json(call_ok(f, "empty_array", "[]"), "{\"a\": [], \"b\": [], \"c\": {}}");

	/* Arguments deeper than 32 levels are refused before the rule runs. */
	char deep[200] = "[";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	for (int i = 0; i < 40; i++)
		strcat(deep, "]");
	strcat(deep, "]");
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(lfx_call(f, "echo", deep, NULL, &err), SOCLE_E_TOOBIG);
	assert_non_null(strstr(err.msg, "profond"));

	/* The C API directly on this thread's state. */
	lua_State *L = lua_service_state(f->svc, &err);

	assert_non_null(L);
	assert_ptr_equal(socle_lua_service(L), f->svc);
	int top = lua_gettop(L);
	lua_newtable(L);
	lua_pushinteger(L, 1);
	lua_setfield(L, -2, "a");
	json_t *j = socle_lua_to_json(L, -1, &err);

	expect_json(j, "{\"a\": 1}");
	lua_pushnumber(L, 0.0 / 0.0);
	assert_null(socle_lua_to_json(L, -1, &err));
	lua_settop(L, top);
	lfx_free(f);
}

/* ---- dates -------------------------------------------------------------- */

static void test_date_c(void **state)
{
	(void)state;
	int64_t d;
	char buf[DATE_TEXT_SIZE];

	/* Round trip over every day of a long span, crossing centuries. */
	int64_t lo = date_from_civil(1599, 1, 1), hi = date_from_civil(2401, 12, 31);

	for (int64_t x = lo; x <= hi; x++) {
		int y, m, dd;

		date_to_civil(x, &y, &m, &dd);
		assert_int_equal(date_from_civil(y, m, dd), x);
		assert_true(dd >= 1 && dd <= date_month_days(y, m));
	}
	assert_int_equal(date_from_civil(1970, 1, 1), 0);
	assert_true(date_parse("2000-02-29", 10, &d));
	assert_false(date_parse("1900-02-29", 10, &d));
	assert_false(date_parse("2023-02-29", 10, &d));
	assert_false(date_parse("2023-1-01", 9, &d));
	assert_false(date_parse("0000-01-01", 10, &d));
	assert_true(date_parse("2025-01-31", 10, &d));
	assert_true(date_add_months(d, 1, &d));
	assert_true(date_format(d, buf));
	assert_string_equal(buf, "2025-02-28");
	assert_int_equal(date_weekday(date_from_civil(2025, 1, 6)), 1);
	assert_int_equal(date_weekday(date_from_civil(2025, 1, 5)), 7);
	assert_int_equal(date_from_ms(-1), -1);
}

static void test_date_lua(void **state)
{
	(void)state;
	struct lfx *f = open_with(
		"local D = socle.date\n"
		"socle.rule('dates', function() return {\n"
		"  D.add_months('2025-01-31', 1), D.add_months('2024-01-31', 1),\n"
		"  D.add_months('2024-03-31', -1), D.add_years('2024-02-29', 1),\n"
		"  D.add_years('2024-02-29', 4), D.add_days('2024-12-31', 1),\n"
		"  D.add_days('2024-03-01', -1), D.diff_days('2024-01-01', '2025-01-01'),\n"
		"  D.diff_days('2025-01-01', '2024-01-01'), D.weekday('2025-01-06'),\n"
		"  D.year('2025-07-14'), D.month('2025-07-14'), D.day('2025-07-14'),\n"
		"  D.valid('2024-02-29'), D.valid('2023-02-29'), D.valid('2024-13-01'), D.valid(20240101),\n"
		"  D.compare('2024-01-01', '2024-01-02'), D.compare('2024-01-02', '2024-01-02'),\n"
		"  D.add_months('2025-12-15', 1), D.words('2025-06-01'), D.words('2025-08-30'),\n"
		"  D.words('2026-12-04')\n"
		"} end)\n"
		"socle.rule('bad_words', function() return D.words('2025-02-30') end)\n"
		"socle.rule('bad', function() return D.add_days('2025-02-30', 1) end)\n"
		"socle.rule('today', function() return socle.today() end)\n"
		"socle.rule('now', function() return socle.now() end)\n");

	expect_json(call_ok(f, "dates", "[]"),
	            "[\"2025-02-28\", \"2024-02-29\", \"2024-02-29\", \"2025-02-28\", \"2028-02-29\","
	            " \"2025-01-01\", \"2024-02-29\", 366, -366, 1, 2025, 7, 14, true, false, false,"
	            " false, -1, 0, \"2026-01-15\", \"1er juin 2025\", \"30 août 2025\","
	            " \"4 décembre 2026\"]");
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(lfx_call(f, "bad", "[]", NULL, &err), SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "main.lua:"));
	assert_non_null(strstr(err.msg, "date invalide"));
	err = (socle_err)SOCLE_ERR_INIT;
	assert_int_equal(lfx_call(f, "bad_words", "[]", NULL, &err), SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "date invalide"));
	clock_freeze(1740787199000); /* 2025-02-28T23:59:59Z */
	expect_json(call_ok(f, "today", "[]"), "\"2025-02-28\"");
	expect_json(call_ok(f, "now", "[]"), "1740787199000");
	clock_advance(1000);
	expect_json(call_ok(f, "today", "[]"), "\"2025-03-01\"");
	clock_thaw();
	lfx_free(f);
}

static void test_dated_rules(void **state)
{
	(void)state;
	struct lfx *f = open_with(
		"local periods = socle.dated{\n"
		"  {from = '2022-03-31', basis = 'R4624-28', years = 4},\n"
		"  {from = '2012-07-01', to = '2022-03-31', basis = 'R4624-16 (ancien)', years = 5},\n"
		"}\n"
		"socle.rule('period', function(d) local e = periods:at(d) "
		"if e == nil then return socle.null end e.years = e.years + 100 return e end)\n"
		"socle.rule('period2', function(d) return periods:at(d) end)\n"
		"socle.rule('count', function() return #periods:entries() end)\n");

	expect_json(call_ok(f, "period", "[\"2022-03-30\"]"),
	            "{\"from\": \"2012-07-01\", \"to\": \"2022-03-31\", \"basis\": \"R4624-16 (ancien)\","
	            " \"years\": 105}");
	expect_json(call_ok(f, "period", "[\"2022-03-31\"]"),
	            "{\"from\": \"2022-03-31\", \"basis\": \"R4624-28\", \"years\": 104}");
	/* at() hands out copies: the change above did not stick. */
	expect_json(call_ok(f, "period2", "[\"2030-01-01\"]"),
	            "{\"from\": \"2022-03-31\", \"basis\": \"R4624-28\", \"years\": 4}");
	expect_json(call_ok(f, "period", "[\"2000-01-01\"]"), "null");
	expect_json(call_ok(f, "count", "[]"), "2");
	lfx_free(f);

	static const struct {
		const char *src;
		const char *needle;
	} bad[] = {
		{"local r = socle.dated{\n{from = '2020-01-01', basis = 'a'},\n"
		 "{from = '2021-01-01', to = '2022-01-01', basis = 'b'}}\n", "chevauchent"},
		{"local r = socle.dated{{from = '2020-01-01', to = '2021-06-01', basis = 'a'},\n"
		 "{from = '2021-01-01', basis = 'b'}}\n", "chevauchent"},
		{"local r = socle.dated{{from = '2020-01-01'}}\n", "basis"},
		{"local r = socle.dated{{from = '2020-02-30', basis = 'x'}}\n", "from"},
		{"local r = socle.dated{{from = '2020-01-01', to = '2019-01-01', basis = 'x'}}\n", "postérieur"},
		{"local r = socle.dated{}\n", "entrées"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(bad); i++) {
		f = lfx_new();
		lfx_write(f, "service", "dated.lua", bad[i].src);
		assert_int_not_equal(lfx_open(f), 0);
		if (!lfx_diag_has(f, bad[i].needle) || !lfx_diag_has(f, "dated.lua:")) {
			lfx_diag_dump(f);
			fail_msg("dated case %zu", i);
		}
		lfx_free(f);
	}
}

/* ---- rules, layering, vectors, contracts -------------------------------- */

static void test_layering(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();

	lfx_write(f, "default", "a.lua", "socle.rule('who', function() return 'default' end)\n"
	                                 "socle.rule('only_default', function() return 1 end)\n");
	lfx_write(f, "default", "b.lua", "socle.rule('y', function() return 'b' end)\n"
	                                 "helper_b = function() return 'hb' end\n");
	lfx_write(f, "service", "a.lua", "socle.rule('who', function() return 'service' end)\n");
	lfx_write(f, "service", "c.lua", "socle.rule('y', function() return helper_b() .. '+c' end)\n");
	assert_int_equal(lfx_open(f), 0);
	expect_json(call_ok(f, "who", "[]"), "\"service\"");
	expect_json(call_ok(f, "y", "[]"), "\"hb+c\"");
	socle_err err = SOCLE_ERR_INIT;

	/* default a.lua was replaced as a whole: its other rule is gone. */
	assert_int_equal(lfx_call(f, "only_default", "[]", NULL, &err), SOCLE_E_NOTFOUND);
	lfx_free(f);
}

static int positive_check(const json_t *result, socle_err *err)
{
	if (!json_is_integer(result) || json_integer_value(result) < 0)
		return socle_err_set(err, SOCLE_E_CONTRACT, "un entier positif ou nul est attendu");
	return 0;
}

static const struct socle_rule_point score_rp = {
	.name = "score", .contract = "score(x) -> entier >= 0", .n_args = 1, .check = positive_check,
};
static const struct socle_rule_point missing_rp = {
	.name = "never_defined", .contract = "", .n_args = 0, .check = NULL,
};

static void test_contract_and_vectors(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();
	struct reg_rule_point rec = {.owner = NULL, .rp = &score_rp};

	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec), 0);
	lfx_write(f, "default", "score.lua",
	          "socle.rule('score', function(x) return x * 2 end)\n"
	          "socle.test{rule = 'score', name = 'double', args = {2}, expect = 4}\n"
	          "socle.test{rule = 'score', args = {0}, expect = 0.0}\n");
	assert_int_equal(lfx_open(f), 0);
	assert_int_equal(lua_service_check(f->svc, &f->diag), 0);
	assert_int_equal(f->diag.n, 0);
	expect_json(call_ok(f, "score", "[3]"), "6");
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;

	assert_int_equal(lfx_call(f, "score", "[-1]", &out, &err), SOCLE_E_CONTRACT);
	assert_null(out);
	assert_non_null(strstr(err.msg, "entier positif"));
	/* A wrong count is the calling plugin's bug, never the client's (no 400). */
	assert_int_equal(lfx_call(f, "score", "[1, 2]", &out, &err), SOCLE_E_INTERNAL);
	lfx_free(f);

	/* Failing vectors: wrong expectation and a contract breach, with locations. */
	f = lfx_new();
	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec), 0);
	lfx_write(f, "default", "score.lua",
	          "socle.rule('score', function(x) return x * 2 end)\n"
	          "socle.test{rule = 'score', name = 'faux', args = {2}, expect = 5}\n"
	          "socle.test{rule = 'score', name = 'négatif', args = {-3}}\n"
	          "socle.test{rule = 'nope', name = 'inconnue', args = {}}\n");
	assert_int_equal(lfx_open(f), 0);
	assert_int_not_equal(lua_service_check(f->svc, &f->diag), 0);
	assert_int_equal(f->diag.n, 3);
	assert_true(lfx_diag_has(f, "score.lua:2"));
	assert_true(lfx_diag_has(f, "attendu 5, obtenu 4"));
	assert_true(lfx_diag_has(f, "score.lua:3"));
	assert_true(lfx_diag_has(f, "contrat"));
	assert_true(lfx_diag_has(f, "non définie"));
	lfx_free(f);

	/* A service redefining a default rule is not held to the default pack's
	 * expectations, but still to the contract. */
	f = lfx_new();
	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec), 0);
	lfx_write(f, "default", "score.lua",
	          "socle.rule('score', function(x) return x * 2 end)\n"
	          "socle.test{rule = 'score', name = 'double', args = {2}, expect = 4}\n"
	          "socle.test{rule = 'score', name = 'zéro', args = {0}, expect = 0}\n");
	lfx_write(f, "service", "local.lua", "socle.rule('score', function(x) return x * 3 - 1 end)\n");
	assert_int_equal(lfx_open(f), 0);
	assert_int_not_equal(lua_service_check(f->svc, &f->diag), 0);
	assert_int_equal(f->diag.n, 1);
	assert_true(lfx_diag_has(f, "zéro"));
	assert_true(lfx_diag_has(f, "contrat"));
	assert_true(lfx_diag_has(f, "service test"));
	lfx_free(f);

	/* A declared rule point no script defines fails the load. */
	f = lfx_new();
	struct reg_rule_point rec2 = {.owner = NULL, .rp = &missing_rp};

	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec2), 0);
	lfx_write(f, "default", "x.lua", "socle.rule('other', function() return 1 end)\n");
	assert_int_not_equal(lfx_open(f), 0);
	assert_true(lfx_diag_has(f, "never_defined"));
	lfx_free(f);
}

/* socle_rule_call_pushed: arguments pushed by a C function, same contract,
 * same budgets; a pusher that pushes the wrong count or raises is reported. */
static const struct socle_rule_point describe_rp = {
	.name = "describe", .contract = "describe(who, visits) -> {text}", .n_args = 2,
	.check = NULL,
};

static void push_two(lua_State *L, void *ud)
{
	const int *visits = ud;

	lua_createtable(L, 0, 1);
	lua_pushstring(L, "Léa");
	lua_setfield(L, -2, "name");
	lua_createtable(L, 2, 0);
	for (int i = 0; i < 2; i++) {
		lua_pushinteger(L, visits[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

static void push_one(lua_State *L, void *ud)
{
	(void)ud;
	lua_pushstring(L, "seul");
}

static void push_raises(lua_State *L, void *ud)
{
	(void)ud;
	luaL_error(L, "lecture impossible");
}

static void push_negative(lua_State *L, void *ud)
{
	(void)ud;
	lua_pushinteger(L, -5);
}

static void test_rule_call_pushed(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();
	struct reg_rule_point rec = {.owner = NULL, .rp = &describe_rp};
	struct reg_rule_point rec2 = {.owner = NULL, .rp = &score_rp};

	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec), 0);
	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec2), 0);
	lfx_write(f, "default", "d.lua",
	          "socle.rule('describe', function(who, visits)\n"
	          "  return { text = who.name .. ' : ' .. #visits .. ' visites, '\n"
	          "           .. (visits[1] + visits[2]) }\n"
	          "end)\n"
	          "socle.rule('score', function(x) return x * 2 end)\n");
	assert_int_equal(lfx_open(f), 0);
	int visits[2] = {3, 4};
	json_t *out = NULL, *same = NULL;
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(socle_rule_call_pushed(f->svc, "describe", push_two, visits, &out, &err), 0);
	expect_json(out, "{\"text\": \"Léa : 2 visites, 7\"}");
	/* The same answer as through JSON. */
	assert_int_equal(lfx_call(f, "describe", "[{\"name\": \"Léa\"}, [3, 4]]", &same, &err), 0);
	expect_json(same, "{\"text\": \"Léa : 2 visites, 7\"}");
	/* Wrong count, a raising pusher, a result out of contract, an unknown rule. */
	assert_int_not_equal(socle_rule_call_pushed(f->svc, "describe", push_one, NULL, &out, &err),
	                     0);
	assert_null(out);
	assert_non_null(strstr(err.msg, "1 argument(s) poussé(s) au lieu de 2"));
	assert_int_not_equal(socle_rule_call_pushed(f->svc, "describe", push_raises, NULL, &out,
	                                            &err), 0);
	assert_non_null(strstr(err.msg, "lecture impossible"));
	assert_int_equal(socle_rule_call_pushed(f->svc, "score", push_negative, NULL, &out, &err),
	                 SOCLE_E_CONTRACT);
	assert_int_equal(socle_rule_call_pushed(f->svc, "nope", push_one, NULL, &out, &err),
	                 SOCLE_E_INVAL);
	/* The state still answers. */
	assert_int_equal(socle_rule_call_pushed(f->svc, "describe", push_two, visits, &out, &err), 0);
	json_decref(out);
	lfx_free(f);
}

/* socle_rule_call_read: the reader gets the result on the stack, its refusal
 * is a contract error, a raise inside it is caught, no metamethod of the
 * script runs while it reads raw, and the state answers afterwards. */
struct text_call {
	const char *name;   /* pushed as who.name, with the visits {3, 4} */
	bool raise;         /* the reader raises */
	bool nomem;         /* the reader runs out of memory */
	char text[64];      /* what it read */
};

static void push_named(lua_State *L, void *ud)
{
	const struct text_call *c = ud;

	lua_createtable(L, 0, 1);
	lua_pushstring(L, c->name);
	lua_setfield(L, -2, "name");
	lua_createtable(L, 2, 0);
	lua_pushinteger(L, 3);
	lua_rawseti(L, -2, 1);
	lua_pushinteger(L, 4);
	lua_rawseti(L, -2, 2);
}

static int read_text(lua_State *L, int idx, void *ud, socle_err *err)
{
	struct text_call *c = ud;

	if (c->raise)
		luaL_error(L, "lecture interrompue");
	if (c->nomem)
		return SOCLE_E_NOMEM;
	if (lua_type(L, idx) != LUA_TTABLE)
		return socle_err_set(err, SOCLE_E_CONTRACT, "le résultat doit être une table");
	lua_pushliteral(L, "text");
	if (lua_rawget(L, idx) != LUA_TSTRING)
		return socle_err_set(err, SOCLE_E_CONTRACT, "text doit être un texte");
	snprintf(c->text, sizeof(c->text), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return 0;
}

static void test_rule_call_read(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();
	struct reg_rule_point rec = {.owner = NULL, .rp = &describe_rp};

	assert_int_equal(registry_add_rule_point(&f->core->reg, &rec), 0);
	lfx_write(f, "default", "d.lua",
	          "socle.rule('describe', function(who, visits)\n"
	          "  if who.name == 'proxy' then\n"
	          "    return setmetatable({}, { __index = function() while true do end end })\n"
	          "  end\n"
	          "  if who.name == 'nombre' then return { text = 12 } end\n"
	          "  if who.name == 'erreur' then error('règle en échec') end\n"
	          "  return { text = who.name .. ' : ' .. (visits[1] + visits[2]) }\n"
	          "end)\n");
	assert_int_equal(lfx_open(f), 0);
	socle_err err = SOCLE_ERR_INIT;
	struct text_call ok = {.name = "Léa"}, proxy = {.name = "proxy"}, number = {.name = "nombre"};
	struct text_call failing = {.name = "erreur"}, raising = {.name = "Léa", .raise = true};

	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text, &ok, &err),
	                 0);
	assert_string_equal(ok.text, "Léa : 7");
	/* Raw reads: the proxy's __index (an endless loop) never runs. */
	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text, &proxy,
	                                      &err), SOCLE_E_CONTRACT);
	assert_non_null(strstr(err.msg, "résultat hors contrat : text doit être un texte"));
	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text, &number,
	                                      &err), SOCLE_E_CONTRACT);
	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text, &failing,
	                                      &err), SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "règle en échec"));
	assert_int_not_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text,
	                                          &raising, &err), 0);
	assert_non_null(strstr(err.msg, "lecture interrompue"));
	struct text_call nomem = {.name = "Léa", .nomem = true};
	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text, &nomem,
	                                      &err), SOCLE_E_NOMEM);
	assert_non_null(strstr(err.msg, "lecture du résultat impossible"));
	assert_int_equal(socle_rule_call_read(f->svc, "nope", push_named, read_text, &ok, &err),
	                 SOCLE_E_INVAL);
	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, NULL, &ok, &err),
	                 SOCLE_E_INVAL);
	/* The state still answers, with an empty stack between calls. */
	lua_State *L = lua_service_state(f->svc, &err);
	int top = lua_gettop(L);
	ok.text[0] = '\0';
	assert_int_equal(socle_rule_call_read(f->svc, "describe", push_named, read_text, &ok, &err),
	                 0);
	assert_string_equal(ok.text, "Léa : 7");
	assert_int_equal(lua_gettop(L), top);
	lfx_free(f);
}

static void test_errors_have_locations(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();

	lfx_write(f, "service", "bad_syntax.lua", "local x = 1\nlocal y = = 2\n");
	lfx_write(f, "service", "bad_runtime.lua", "local t = nil\n\nlocal z = t.field\n");
	lfx_write(f, "service", "bad_def.lua", "socle.rule('r', 42)\n");
	lfx_write(f, "service", "good.lua", "socle.rule('g', function() return 1 end)\n");
	assert_int_not_equal(lfx_open(f), 0);
	/* Every problem is reported, not only the first. */
	assert_int_equal(f->diag.n, 3);
	assert_true(lfx_diag_has(f, "bad_syntax.lua:2"));
	assert_true(lfx_diag_has(f, "bad_runtime.lua:3"));
	assert_true(lfx_diag_has(f, "bad_def.lua:1"));
	lfx_free(f);

	f = open_with("socle.rule('boom', function(x)\n  local a = 1\n  error('boum ' .. x)\nend)\n"
	              "socle.rule('raise_table', function() error({code = 'x', message = 'structurée'}) end)\n");
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(lfx_call(f, "boom", "[\"!\"]", NULL, &err), SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "main.lua:3:"));
	assert_non_null(strstr(err.msg, "boum !"));
	assert_int_equal(lfx_call(f, "raise_table", "[]", NULL, &err), SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "structurée"));
	assert_int_equal(lfx_call(f, "absent", "[]", NULL, &err), SOCLE_E_NOTFOUND);
	lfx_free(f);
}

static void test_registration_window_and_globals(void **state)
{
	(void)state;
	struct lfx *f = open_with("counter = 10\n"
	                          "socle.rule('late', function() socle.rule('x', function() end) end)\n"
	                          "socle.rule('read', function() return counter end)\n"
	                          "socle.rule('write', function() counter = counter + 1 return counter end)\n"
	                          "socle.rule('parcours_late', function() socle.parcours{} end)\n");
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(lfx_call(f, "late", "[]", NULL, &err), SOCLE_E_PHASE);
	assert_non_null(strstr(err.msg, "chargement"));
	assert_int_equal(lfx_call(f, "parcours_late", "[]", NULL, &err), SOCLE_E_PHASE);
	expect_json(call_ok(f, "read", "[]"), "10");
	assert_int_equal(lfx_call(f, "write", "[]", NULL, &err), SOCLE_E_PHASE);
	expect_json(call_ok(f, "read", "[]"), "10");
	lfx_free(f);
}

static void test_budgets_configurable(void **state)
{
	(void)state;
	const char *src = "socle.rule('loop', function(n) local s = 0 for i = 1, n do s = s + i end "
	                  "return s end)\n"
	                  "socle.rule('alloc', function(n) local t = {} for i = 1, n do t[i] = "
	                  "('x'):rep(100) .. i end return #t end)\n";
	struct lfx *f = open_with(src);

	expect_json(call_ok(f, "loop", "[100000]"), "5000050000");
	expect_json(call_ok(f, "alloc", "[20000]"), "20000");
	lfx_free(f);

	f = lfx_new();
	f->svc->lua_limits.instructions = 10000;
	f->svc->lua_limits.memory_bytes = (size_t)1 << 20;
	lfx_write(f, "service", "main.lua", src);
	assert_int_equal(lfx_open(f), 0);
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(lfx_call(f, "loop", "[100000]", NULL, &err), SOCLE_E_BUDGET);
	expect_json(call_ok(f, "loop", "[100]"), "5050");
	f->svc->lua_limits.instructions = 100000000;
	assert_int_equal(lfx_call(f, "alloc", "[20000]", NULL, &err), SOCLE_E_BUDGET);
	assert_non_null(strstr(err.msg, "mémoire"));
	expect_json(call_ok(f, "alloc", "[10]"), "10");
	lfx_free(f);
}

static void test_events(void **state)
{
	(void)state;
	struct lfx *f = open_with(
		"socle.on('company.joined', function(p, ev) if p.fail then error('refus ' .. ev) end "
		"socle.log.info('adhésion', p.company_id) end)\n"
		"socle.on('company.joined', function(p) assert(p.company_id > 0) end)\n");
	socle_err err = SOCLE_ERR_INIT;
	json_t *ok = json_pack("{si}", "company_id", 7);
	json_t *bad = json_pack("{si sb}", "company_id", 7, "fail", 1);

	assert_int_equal(lua_service_dispatch_event(f->svc, "company.joined", ok, &err), 0);
	assert_int_equal(lua_service_dispatch_event(f->svc, "other.event", ok, &err), 0);
	assert_int_equal(lua_service_dispatch_event(f->svc, "company.joined", bad, &err),
	                 SOCLE_E_SCRIPT);
	assert_non_null(strstr(err.msg, "refus company.joined"));
	json_decref(ok);
	json_decref(bad);
	lfx_free(f);
}

/* States are per thread: another thread builds its own and gets the same answers. */
static void *thread_call(void *arg)
{
	struct lfx *f = arg;
	json_t *out = NULL;
	socle_err err = SOCLE_ERR_INIT;
	int rc = lfx_call(f, "id", "[5]", &out, &err);
	intptr_t ok = rc == 0 && json_integer_value(out) == 5;

	json_decref(out);
	return (void *)ok;
}

/* A script listening for an event no enabled plugin declares (a typo, or
 * another plugin's) is reported at load: socle check and socle serve. */
static void test_on_undeclared_event(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();

	lfx_write(f, "service", "ecoute.lua",
	          "socle.on('company.joined', function() end)\n"
	          "socle.on('company.joinde', function() end)\n");
	assert_int_not_equal(lfx_open(f), 0);
	assert_true(lfx_diag_has(f, "socle.on('company.joinde')"));
	assert_true(lfx_diag_has(f, "aucun plugin"));
	assert_false(lfx_diag_has(f, "socle.on('company.joined')"));
	lfx_free(f);
}

static void test_threads(void **state)
{
	(void)state;
	struct lfx *f = open_with("socle.rule('id', function(x) return x end)\n");
	pthread_t t[3];
	void *res;

	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_call, f), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_true(res != NULL);
	}
	expect_json(call_ok(f, "id", "[1]"), "1");
	lfx_free(f);
}

static int hello_greet(lua_State *L)
{
	const char *who = luaL_checkstring(L, 1);

	lua_pushfstring(L, "Bonjour %s", who);
	return 1;
}

static const luaL_Reg hello_fns[] = {{"greet", hello_greet}, {NULL, NULL}};

/* socle.<plugin>.<fn> exists only on services enabling the plugin, read-only. */
static void test_plugin_libs(void **state)
{
	(void)state;
	static const struct socle_plugin_desc descs[2] = {{.name = "hello"}, {.name = "other"}};
	socle_plugin plugins[2] = {{.index = 0, .desc = &descs[0]}, {.index = 1, .desc = &descs[1]}};
	struct lfx *f = lfx_new();

	f->svc->plugin_enabled = calloc(2, sizeof(bool));
	f->svc->plugin_enabled[0] = true;
	for (int i = 0; i < 2; i++) {
		struct reg_lua_lib rec = {.owner = &plugins[i], .fns = hello_fns};

		plugins[i].core = f->core;
		assert_int_equal(registry_add_lua_lib(&f->core->reg, &rec), 0);
	}
	lfx_write(f, "service", "main.lua",
	          "socle.rule('greet', function(x) return socle.hello.greet(x) end)\n"
	          "socle.rule('other', function() return socle.other == nil end)\n"
	          "socle.rule('tamper', function() socle.hello.greet = nil end)\n");
	assert_int_equal(lfx_open(f), 0);
	expect_json(call_ok(f, "greet", "[\"Léa\"]"), "\"Bonjour Léa\"");
	expect_json(call_ok(f, "other", "[]"), "true");
	socle_err err = SOCLE_ERR_INIT;

	assert_int_equal(lfx_call(f, "tamper", "[]", NULL, &err), SOCLE_E_SCRIPT);
	lfx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_round_trips),
		cmocka_unit_test(test_conv_limits),
		cmocka_unit_test(test_date_c),
		cmocka_unit_test(test_date_lua),
		cmocka_unit_test(test_dated_rules),
		cmocka_unit_test(test_layering),
		cmocka_unit_test(test_contract_and_vectors),
		cmocka_unit_test(test_rule_call_pushed),
		cmocka_unit_test(test_rule_call_read),
		cmocka_unit_test(test_errors_have_locations),
		cmocka_unit_test(test_registration_window_and_globals),
		cmocka_unit_test(test_budgets_configurable),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_on_undeclared_event),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_plugin_libs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
