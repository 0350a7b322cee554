/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Sandbox escape suite: hostile snippets run as rule bodies through the real
 * loader and socle_rule_call. Each must fail with its expected code, and after
 * each the same service must still answer a normal rule call correctly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "lua_fixture.h"

#define ANY_BUDGET_OR_SCRIPT 1 /* recursion may end on the stack limit or on memory */
#define LOOP "function() while true do end end"
/* A suspended coroutine holding a to-be-closed value whose __close never returns. */
#define CLOSING_COROUTINE                                                                  \
	"local co = coroutine.create(function() local x <close> = setmetatable({}, "        \
	"{__close = " LOOP "}) coroutine.yield() end) "
/* Seconds after which a case that has not returned fails the whole test: a
 * hang must be a failure, never a stuck suite. Generous for sanitizer builds;
 * a case stops at its 2 s deadline at worst. */
#define HANG_SECONDS 20

static const struct escape {
	const char *name;
	const char *body; /* body of a rule function */
	int want;         /* expected socle_errc */
	int alt;          /* accepted alternative, or 0 */
} escapes[] = {
	/* bytecode and chunk loading */
	{"string_dump", "return string.dump(function() end)", SOCLE_E_SCRIPT, 0},
	{"load", "return load('return 1')()", SOCLE_E_SCRIPT, 0},
	{"loadstring", "return loadstring('return 1')()", SOCLE_E_SCRIPT, 0},
	{"dofile", "return dofile('/etc/passwd')", SOCLE_E_SCRIPT, 0},
	{"loadfile", "return loadfile('/etc/passwd')", SOCLE_E_SCRIPT, 0},
	{"require", "return require('os')", SOCLE_E_SCRIPT, 0},
	/* process, files, debug */
	{"io", "return io.open('/etc/passwd'):read('a')", SOCLE_E_SCRIPT, 0},
	{"os", "return os.execute('true')", SOCLE_E_SCRIPT, 0},
	{"os_time", "return os.time()", SOCLE_E_SCRIPT, 0},
	{"package_loadlib", "return package.loadlib('liblua5.4.so', 'luaopen_io')", SOCLE_E_SCRIPT, 0},
	{"debug", "return debug.getregistry()", SOCLE_E_SCRIPT, 0},
	{"collectgarbage", "collectgarbage() return 1", SOCLE_E_SCRIPT, 0},
	{"print", "print('x') return 1", SOCLE_E_SCRIPT, 0},
	{"string_metatable", "getmetatable('').__index = {} return 1", SOCLE_E_SCRIPT, 0},
	{"string_metatable_set", "setmetatable('', {}) return 1", SOCLE_E_SCRIPT, 0},
	{"string_lib_write", "string.find = nil return 1", SOCLE_E_SCRIPT, 0},
	{"string_lib_method", "('x').upper = nil return 1", SOCLE_E_SCRIPT, 0},
	/* host tables */
	{"socle_write", "socle.x = 1 return 1", SOCLE_E_SCRIPT, 0},
	{"socle_date_nil", "socle.date = nil return 1", SOCLE_E_SCRIPT, 0},
	{"socle_date_fn", "socle.date.add_days = nil return 1", SOCLE_E_SCRIPT, 0},
	{"rawset", "rawset(socle, 'now', function() return 0 end) return 1", SOCLE_E_SCRIPT, 0},
	{"rawget_env", "local r = rawget(socle, 'rule') if r then return r end error('x')",
	 SOCLE_E_SCRIPT, 0},
	{"getmetatable_socle", "getmetatable(socle).__index.now = nil return 1", SOCLE_E_SCRIPT, 0},
	{"setmetatable_socle", "setmetatable(socle, nil) return 1", SOCLE_E_SCRIPT, 0},
	{"setmetatable_G", "setmetatable(_G, nil) return 1", SOCLE_E_SCRIPT, 0},
	{"getmetatable_G", "getmetatable(_G).__newindex = nil return 1", SOCLE_E_SCRIPT, 0},
	{"global_write", "x = 1 return 1", SOCLE_E_PHASE, 0},
	{"G_write", "_G.socle = {} return 1", SOCLE_E_PHASE, 0},
	{"ENV_write", "_ENV.string = {} return 1", SOCLE_E_PHASE, 0},
	{"ENV_replace", "local _ENV = {} return socle.now()", SOCLE_E_SCRIPT, 0},
	{"finalizer", "setmetatable({}, {__gc = function() while true do end end}) return 1",
	 SOCLE_E_SCRIPT, 0},
	{"late_registration", "socle.rule('late', function() return 1 end) return 1", SOCLE_E_PHASE, 0},
	{"late_test", "socle.test{rule = 'ok', args = {}, expect = 1} return 1", SOCLE_E_PHASE, 0},
	{"late_on", "socle.on('x.y', function() end) return 1", SOCLE_E_PHASE, 0},
	{"error_tostring_loop",
	 "error(setmetatable({}, {__tostring = function() while true do end end}))", SOCLE_E_SCRIPT, 0},
	{"index_loop", "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) "
	               "return t.x", SOCLE_E_SCRIPT, 0},
	/* instruction and time budgets */
	{"spin", "while true do end", SOCLE_E_BUDGET, 0},
	{"spin_pcall", "while true do pcall(function() while true do end end) end", SOCLE_E_BUDGET, 0},
	{"spin_xpcall", "while true do xpcall(function() while true do end end, "
	                "function() while true do end end) end", SOCLE_E_BUDGET, 0},
	{"spin_xpcall1", "local n = 0 while true do n = n + 1 xpcall(function() while true do end end, "
	                "function() n = n + 1 end) if n > 1e6 then error('n') end end", SOCLE_E_BUDGET, 0},
	{"spin_error_pcall", "while true do pcall(error, 'x') end", SOCLE_E_BUDGET, 0},
	{"spin_coroutine_wrap",
	 "while true do pcall(coroutine.wrap(function() while true do end end)) end", SOCLE_E_BUDGET, 0},
	{"spin_coroutine_resume",
	 "local co = coroutine.create(function() while true do pcall(function() while true do end end) "
	 "end end) while true do coroutine.resume(co) end", SOCLE_E_BUDGET, 0},
	{"spin_coroutine_nested",
	 "local function f() while true do pcall(coroutine.wrap(f)) end end f()", SOCLE_E_BUDGET,
	 SOCLE_E_SCRIPT},
	{"spin_yield", "local co = coroutine.wrap(function() while true do coroutine.yield() end end) "
	               "while true do co() end", SOCLE_E_BUDGET, 0},
	{"tostring_loop", "return string.format('%s', setmetatable({}, {__tostring = function() "
	                  "while true do end end}))", SOCLE_E_BUDGET, 0},
	{"sort_loop", "local t = {} for i = 1, 100 do t[i] = i end "
	              "table.sort(t, function(a, b) while true do end end)", SOCLE_E_BUDGET, 0},
	/* to-be-closed variables: __close runs at a block's end, while an error
	 * unwinds, and on another coroutine at coroutine.close or when a wrap
	 * function's coroutine fails */
	{"close_block", "do local x <close> = setmetatable({}, {__close = " LOOP "}) end return 1",
	 SOCLE_E_BUDGET, 0},
	{"close_error", "local x <close> = setmetatable({}, {__close = " LOOP "}) error('x')",
	 SOCLE_E_BUDGET, 0},
	{"close_pcall", "pcall(function() local x <close> = setmetatable({}, {__close = " LOOP "}) "
	                "error('x') end) return 1", SOCLE_E_BUDGET, 0},
	{"close_coroutine_close", CLOSING_COROUTINE "coroutine.resume(co) coroutine.close(co) return 1",
	 SOCLE_E_BUDGET, 0},
	{"close_coroutine_close_pcall", "while true do " CLOSING_COROUTINE "coroutine.resume(co) "
	                                "pcall(coroutine.close, co) end", SOCLE_E_BUDGET, 0},
	{"close_coroutine_close_nested", "coroutine.wrap(function() " CLOSING_COROUTINE
	                                 "coroutine.resume(co) coroutine.close(co) end)() return 1",
	 SOCLE_E_BUDGET, 0},
	{"close_coroutine_dead", "local co = coroutine.create(function() local x <close> = "
	                         "setmetatable({}, {__close = " LOOP "}) error('x') end) "
	                         "coroutine.resume(co) coroutine.close(co) return 1", SOCLE_E_BUDGET, 0},
	{"close_wrap_error", "coroutine.wrap(function() local x <close> = setmetatable({}, "
	                     "{__close = " LOOP "}) error('x') end)() return 1", SOCLE_E_BUDGET, 0},
	{"close_error_tostring", "pcall(function() local x <close> = setmetatable({}, "
	                         "{__close = function(_, e) return tostring(e) end}) "
	                         "error(setmetatable({}, {__tostring = " LOOP "})) end) return 1",
	 SOCLE_E_BUDGET, 0},
	/* finalizers: refused, since the collector runs them with hooks off */
	{"finalizer_false", "setmetatable({}, {__gc = false}) return 1", SOCLE_E_SCRIPT, 0},
	{"finalizer_added_later", "local mt = {} local t = setmetatable({}, mt) mt.__gc = " LOOP " "
	                          "t = nil for i = 1, 1e5 do local g = {i} end return 1", 0, 0},
	{"finalizer_inherited", "setmetatable({}, setmetatable({}, {__index = {__gc = " LOOP "}})) "
	                        "for i = 1, 1e5 do local g = {i} end return 1", 0, 0},
	/* metamethods run by the VM and by the libraries' C functions, Lua ones
	 * or C ones (a C function runs no instruction: no count hook ever fires
	 * inside it), and C loops whose length a __len metamethod chose */
	{"eq_loop", "local mt = {__eq = " LOOP "} return setmetatable({}, mt) == setmetatable({}, mt)",
	 SOCLE_E_BUDGET, 0},
	{"lt_loop", "local mt = {__lt = " LOOP "} return setmetatable({}, mt) < setmetatable({}, mt)",
	 SOCLE_E_BUDGET, 0},
	{"le_loop", "local mt = {__le = " LOOP "} return setmetatable({}, mt) <= setmetatable({}, mt)",
	 SOCLE_E_BUDGET, 0},
	{"concat_mm_loop", "return setmetatable({}, {__concat = " LOOP "}) .. 'x'", SOCLE_E_BUDGET, 0},
	{"len_loop", "return #setmetatable({}, {__len = " LOOP "})", SOCLE_E_BUDGET, 0},
	{"sort_lt_loop", "local mt = {__lt = " LOOP "} local t = {} for i = 1, 3 do "
	                 "t[i] = setmetatable({}, mt) end table.sort(t) return 1", SOCLE_E_BUDGET, 0},
	{"sort_c_metamethods", "table.sort(setmetatable({}, {__len = function() return 0x7ffffffe end, "
	                       "__index = rawlen, __newindex = rawequal})) return 1", SOCLE_E_BUDGET, 0},
	{"concat_index_loop", "return table.concat(setmetatable({}, {__index = " LOOP "}), '', 1, 2)",
	 SOCLE_E_BUDGET, 0},
	{"concat_c_index", "return #table.concat(setmetatable({}, {__index = table.concat}), '', 1, "
	                   "math.maxinteger)", SOCLE_E_BUDGET, 0},
	{"insert_index_loop", "table.insert(setmetatable({}, {__len = function() return 3 end, "
	                      "__index = " LOOP "}), 1, 'x') return 1", SOCLE_E_BUDGET, 0},
	{"insert_huge_len", "table.insert(setmetatable({}, {__len = function() "
	                    "return math.maxinteger - 1 end}), 1, 'x') return 1", SOCLE_E_BUDGET, 0},
	{"remove_huge_len", "return table.remove(setmetatable({}, {__len = function() "
	                    "return math.maxinteger end}), 1)", SOCLE_E_BUDGET, 0},
	{"unpack_c_index", "while true do table.unpack(setmetatable({}, {__index = rawlen}), 1, 1e5) end",
	 SOCLE_E_BUDGET, 0},
	/* error objects and __tostring: the host formats errors without running
	 * them; a script that does runs under its budget */
	{"error_index_loop", "error(setmetatable({}, {__index = " LOOP ", __len = " LOOP ", "
	                     "__tostring = " LOOP ", __name = 'x'}))", SOCLE_E_SCRIPT, 0},
	{"error_tostring_wrap", "coroutine.wrap(function() error(setmetatable({}, {__tostring = " LOOP
	                        "})) end)() return 1", SOCLE_E_SCRIPT, 0},
	{"error_tostring_xpcall", "xpcall(error, function(e) return tostring(e) end, "
	                          "setmetatable({}, {__tostring = " LOOP "})) return 1", SOCLE_E_BUDGET, 0},
	{"log_tostring_loop", "socle.log.info(setmetatable({}, {__tostring = " LOOP "})) return 1",
	 SOCLE_E_BUDGET, 0},
	/* a result is read raw: none of its metamethods runs after the call */
	{"result_metamethods", "return setmetatable({}, {__index = " LOOP ", __pairs = " LOOP ", "
	                       "__len = " LOOP ", __tostring = " LOOP "})", 0, 0},
	/* memory */
	{"rep_huge", "return string.rep('x', 1e9)", SOCLE_E_BUDGET, 0},
	{"rep_sep_huge", "return string.rep('x', 1e7, 'yyyyyyyy')", SOCLE_E_BUDGET, 0},
	{"rep_empty_huge", "return #string.rep('', 1e18) + 1", 0, 0},
	{"table_growth", "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end",
	 SOCLE_E_BUDGET, 0},
	{"concat_doubling", "local s = 'x' while true do s = s .. s end", SOCLE_E_BUDGET, 0},
	{"concat_pcall", "local s = 'x' while true do pcall(function() s = s .. s end) end",
	 SOCLE_E_BUDGET, 0},
	{"table_concat", "local t = {} for i = 1, 1e6 do t[i] = 'xxxxxxxxxxxxxxxx' end "
	                 "return #table.concat(t)", SOCLE_E_BUDGET, 0},
	{"table_move", "table.move({}, 1, 1e15, 1, {}) return 1", SOCLE_E_BUDGET, 0},
	{"unpack_huge", "return select('#', table.unpack({}, 1, 1e8))", SOCLE_E_SCRIPT, 0},
	{"recursion", "local function f() return 1 + f() end return f()", SOCLE_E_SCRIPT,
	 SOCLE_E_BUDGET},
	{"recursion_pcall", "local function f() pcall(f) return f() end return f()", SOCLE_E_SCRIPT,
	 SOCLE_E_BUDGET},
	/* catastrophic patterns */
	{"find_backtrack", "return string.rep('a', 5000):find('.-.-.-b')", SOCLE_E_BUDGET, 0},
	{"match_backtrack", "return string.rep('a', 20000):match('a*a*a*a*b')", SOCLE_E_BUDGET, 0},
	{"gsub_backtrack", "return (string.rep('a', 5000):gsub('.-.-b', ''))", SOCLE_E_BUDGET, 0},
	{"gmatch_backtrack", "for x in string.rep('a', 5000):gmatch('.-.-b') do end return 1",
	 SOCLE_E_BUDGET, 0},
	{"method_backtrack", "local s = ('a'):rep(5000) return s:find('.-.-.-b')", SOCLE_E_BUDGET, 0},
	{"pcall_backtrack", "while true do pcall(string.find, ('a'):rep(5000), '.-.-.-b') end",
	 SOCLE_E_BUDGET, 0},
	{"pattern_depth", "return string.rep('a', 300):match(string.rep('a?', 300) .. 'b')",
	 SOCLE_E_SCRIPT, SOCLE_E_BUDGET},
};

/* The case running, for the alarm's message. */
static const char *volatile hang_case;

static void on_hang(int sig)
{
	static const char pre[] = "\n[  FAILED  ] no return after " ;
	const char *name = hang_case ? hang_case : "?";

	(void)sig;
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, name, strlen(name));
	(void)!write(2, "\n", 1);
	_exit(1);
}

/* Arm (what != NULL) or disarm the alarm that turns a hang into a failure. */
static void hang_guard(const char *what)
{
	static bool installed;

	if (!installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_hang;
		sigemptyset(&sa.sa_mask);
		assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
		installed = true;
	}
	hang_case = what;
	alarm(what ? HANG_SECONDS : 0);
}

static char *build_scripts(void)
{
	size_t cap = 1 << 17, len = 0;
	char *src = malloc(cap);

	assert_non_null(src);
	len += (size_t)snprintf(src + len, cap - len,
	                        "socle.rule('ok', function(x) return (x or 41) + 1 end)\n");
	for (size_t i = 0; i < SOCLE_COUNT(escapes); i++) {
		len += (size_t)snprintf(src + len, cap - len, "socle.rule('e_%s', function()\n%s\nend)\n",
		                        escapes[i].name, escapes[i].body);
		assert_true(len < cap);
	}
	return src;
}

static void check_still_serving(struct lfx *f, const char *after)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;
	int rc = lfx_call(f, "ok", "[]", &out, &err);

	if (rc != 0)
		fail_msg("after %s: rule ok failed: %d %s", after, rc, err.msg);
	assert_true(json_is_integer(out));
	assert_int_equal(json_integer_value(out), 42);
	json_decref(out);
}

static void run_escape_table(struct lfx *f)
{
	char *src = build_scripts();

	lfx_write(f, "service", "escapes.lua", src);
	free(src);
	if (lfx_open(f) != 0) {
		lfx_diag_dump(f);
		fail_msg("escape scripts did not load");
	}
	for (size_t i = 0; i < SOCLE_COUNT(escapes); i++) {
		const struct escape *e = &escapes[i];
		char name[80];
		socle_err err = SOCLE_ERR_INIT;
		json_t *out = NULL;

		snprintf(name, sizeof(name), "e_%s", e->name);
		if (getenv("SOCLE_TEST_ONLY") && strcmp(getenv("SOCLE_TEST_ONLY"), e->name) != 0)
			continue;
		if (getenv("SOCLE_TEST_VERBOSE"))
			print_message("escape %s\n", e->name);
		hang_guard(e->name);
		int rc = lfx_call(f, name, "[]", &out, &err);

		hang_guard(NULL);
		if (getenv("SOCLE_TEST_VERBOSE"))
			print_message("  -> %d %s\n", rc, err.msg);
		if (rc != e->want && (e->alt == 0 || rc != e->alt))
			fail_msg("escape %s: got %d (%s), want %d", e->name, rc, err.msg, e->want);
		if (rc != 0)
			assert_null(out);
		json_decref(out);
		check_still_serving(f, e->name);
	}
	lfx_free(f);
}

/* With an instruction budget: the count hook stops every escape. */
static void test_escape_table_counted(void **state)
{
	(void)state;
	run_escape_table(lfx_new());
}

/* Without one (the default): no hook while the call runs; the watchdog
 * signals the call past its deadline, whatever it is doing (coroutines, its
 * own pcall or xpcall, metamethods, C functions). */
static void test_escape_table_deadline(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();

	f->svc->lua_limits.instructions = 0;
	f->svc->lua_limits.time_ms = 300;
	run_escape_table(f);
}

/* Code of a call that outlives it: a coroutine left suspended by the loading
 * call with a pending __close that never returns, closed by a later call or
 * left to the state's teardown, and an object whose metatable gains a __gc
 * after setmetatable. Neither the later call nor closing the state (which
 * runs pending finalizers) may hang. */
static void leftovers(bool counted)
{
	struct lfx *f = lfx_new();
	socle_err err = SOCLE_ERR_INIT;

	if (!counted) {
		f->svc->lua_limits.instructions = 0;
		f->svc->lua_limits.time_ms = 300;
	}
	lfx_write(f, "service", "left.lua",
	          "local function closing()\n"
	          "  local co = coroutine.create(function()\n"
	          "    local x <close> = setmetatable({}, {__close = " LOOP "})\n"
	          "    coroutine.yield()\n"
	          "  end)\n"
	          "  coroutine.resume(co)\n"
	          "  return co\n"
	          "end\n"
	          "local for_call, for_teardown = closing(), closing()\n"
	          "local mt = {}\n"
	          "local keep = setmetatable({}, mt)\n"
	          "mt.__gc = " LOOP "\n"
	          "socle.rule('close', function() coroutine.close(for_call) return 1 end)\n"
	          "socle.rule('ok', function() return for_teardown ~= nil and keep ~= nil end)\n");
	hang_guard(counted ? "leftovers (counted)" : "leftovers (deadline)");
	assert_int_equal(lfx_open(f), 0);
	assert_int_equal(lfx_call(f, "close", "[]", NULL, &err), SOCLE_E_BUDGET);
	json_t *out = NULL;
	assert_int_equal(lfx_call(f, "ok", "[]", &out, &err), 0);
	assert_true(json_is_true(out));
	json_decref(out);
	lfx_free(f);
	hang_guard(NULL);
}

static void test_leftovers(void **state)
{
	(void)state;
	leftovers(true);
	leftovers(false);
}

/* A bytecode file is refused at load with its file name. */
static void test_bytecode_file(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();

	lfx_write(f, "service", "evil.lua", "\x1bLua\x54\x00 rest of a binary chunk");
	assert_int_not_equal(lfx_open(f), 0);
	assert_true(lfx_diag_has(f, "evil.lua"));
	assert_true(lfx_diag_has(f, "précompilé"));
	assert_null(f->svc->lua);
	lfx_free(f);
}

/* Load-time attacks fail the load with file:line. */
static void test_load_time_attacks(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		const char *needle;
	} cases[] = {
		{"socle.date = nil\n", "a.lua:1"},
		{"local x = 1\nsocle.rule = function() end\n", "a.lua:2"},
		{"socle = nil\n", "réservé"},
		{"string = {}\n", "réservé"},
		{"\n\nwhile true do end\n", "budget"},
		{"local s = string.rep('x', 1e9)\n", "mémoire"},
		{"return load(string.dump(function() end))()\n", "a.lua:1"},
	};
	for (size_t i = 0; i < SOCLE_COUNT(cases); i++) {
		struct lfx *f = lfx_new();

		lfx_write(f, "service", "a.lua", cases[i].src);
		assert_int_not_equal(lfx_open(f), 0);
		if (!lfx_diag_has(f, cases[i].needle)) {
			lfx_diag_dump(f);
			fail_msg("case %zu: no diagnostic with '%s'", i, cases[i].needle);
		}
		lfx_free(f);
	}
}

/* Exhausting the budget in one call leaves the next call a full budget, and
 * math.random is the same sequence at every call; with the deadline alone,
 * the message says it was the deadline. */
static void budget_resets_and_random(bool counted)
{
	struct lfx *f = lfx_new();
	socle_err err = SOCLE_ERR_INIT;
	json_t *a = NULL, *b = NULL;

	lfx_write(f, "service", "r.lua",
	          "socle.rule('spin', function() while true do end end)\n"
	          "socle.rule('work', function() local n = 0 for i = 1, 100000 do n = n + i end "
	          "return n end)\n"
	          "socle.rule('rnd', function() return {math.random(1, 1000), math.random(1, 1000),"
	          " math.random()} end)\n");
	if (!counted) {
		f->svc->lua_limits.instructions = 0;
		f->svc->lua_limits.time_ms = 200;
	}
	assert_int_equal(lfx_open(f), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lfx_call(f, "spin", "[]", NULL, &err), SOCLE_E_BUDGET);
		assert_non_null(strstr(err.msg, counted ? "budget d'instructions" : "délai d'exécution"));
		assert_int_equal(lfx_call(f, "work", "[]", &a, &err), 0);
		assert_int_equal(json_integer_value(a), 5000050000);
		json_decref(a);
	}
	assert_int_equal(lfx_call(f, "rnd", "[]", &a, &err), 0);
	assert_int_equal(lfx_call(f, "rnd", "[]", &b, &err), 0);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	lfx_free(f);
}

static void test_budget_resets_and_random(void **state)
{
	(void)state;
	budget_resets_and_random(true);
	budget_resets_and_random(false);
}

/* The pool of small blocks: class sizes, reuse of freed blocks, blocks that
 * do not overlap, and Lua values that move between pooled and malloc'd
 * blocks as they grow and shrink keep their contents. */
static void test_pool_blocks(void **state)
{
	(void)state;
	struct lua_pool pool = {0};
	unsigned char *blocks[64];

	assert_int_equal(lua_pool_block_size(1), 16);
	assert_int_equal(lua_pool_block_size(16), 16);
	assert_int_equal(lua_pool_block_size(17), 32);
	assert_int_equal(lua_pool_block_size(LUA_POOL_MAX), LUA_POOL_MAX);
	assert_int_equal(lua_pool_block_size(LUA_POOL_MAX + 1), LUA_POOL_MAX + 1);
	for (int i = 0; i < 64; i++) {
		size_t n = (size_t)(i % 16 + 1) * 16;

		blocks[i] = lua_pool_get(&pool, n);
		assert_non_null(blocks[i]);
		assert_int_equal((uintptr_t)blocks[i] % 16, 0);
		memset(blocks[i], i, n);
	}
	for (int i = 0; i < 64; i++) {
		size_t n = (size_t)(i % 16 + 1) * 16;

		for (size_t k = 0; k < n; k++)
			assert_int_equal(blocks[i][k], i); /* nothing overwrote it */
	}
	unsigned char *freed = blocks[5];
	lua_pool_put(&pool, freed, 96);
	assert_ptr_equal(lua_pool_get(&pool, 90), freed); /* same class: reused */
	assert_ptr_not_equal(lua_pool_get(&pool, 90), freed);
	lua_pool_release(&pool);

	struct lfx *f = lfx_new();
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;

	lfx_write(f, "service", "grow.lua",
	          "socle.rule('grow', function()\n"
	          "  local sum = 0\n"
	          "  for n = 1, 700 do\n"
	          "    local s = string.rep('ab', n // 2) .. (n % 2 == 1 and 'c' or '')\n"
	          "    sum = sum + #s + s:byte(#s)\n"
	          "  end\n"
	          "  local t = {}\n"
	          "  for i = 1, 200 do t[i] = i * 3 end\n"
	          "  for i = 200, 11, -1 do t[i] = nil end\n"
	          "  for i = 1, 10 do sum = sum + t[i] end\n"
	          "  local h = {}\n"
	          "  for i = 1, 100 do h['k' .. i] = i end\n"
	          "  for i = 1, 100 do sum = sum + h['k' .. i] end\n"
	          "  return sum\n"
	          "end)\n");
	assert_int_equal(lfx_open(f), 0);
	long long want = 0;
	for (int n = 1; n <= 700; n++)
		want += n + (n % 2 == 1 ? 'c' : 'b');
	for (int i = 1; i <= 10; i++)
		want += i * 3;
	want += 5050;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(lfx_call(f, "grow", "[]", &out, &err), 0);
		assert_int_equal(json_integer_value(out), want);
		json_decref(out);
	}
	lfx_free(f);
}

/* Patterns keep the library's semantics on ordinary input. */
static void test_patterns_semantics(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;

	lfx_write(f, "service", "p.lua",
	          "socle.rule('p', function()\n"
	          "  local r = {}\n"
	          "  r[1] = select(2, string.find('hello world', 'o w'))\n"
	          "  r[2] = string.match('2025-03-04', '^(%d+)-(%d+)-(%d+)$')\n"
	          "  r[3] = select(2, string.gsub('a,b,,c', ',', ';'))\n"
	          "  r[4] = (string.gsub('hello world', '(%w+)', '<%1>'))\n"
	          "  local words = {} for w in string.gmatch('one two  three', '%a+') do "
	          "words[#words + 1] = w end\n"
	          "  r[5] = table.concat(words, '|')\n"
	          "  r[6] = string.match('  trim me  ', '^%s*(.-)%s*$')\n"
	          "  r[7] = string.find('a.b', '.', 1, true)\n"
	          "  r[8] = string.match('f(a(b)c)d', '%b()')\n"
	          "  r[9] = (string.gsub('THE (quick) fox', '%f[%a]%a+', function(w) return w:lower() end))\n"
	          "  r[10] = (string.gsub('$name is $age', '%$(%w+)', {name = 'Léa', age = 30}))\n"
	          "  r[11] = select(2, string.match('key = value', '()(%w+)%s*=%s*(%w+)'))\n"
	          "  r[12] = string.match('abcabc', '(a)(b)c%1%2')\n"
	          "  r[13] = string.find('abc', 'x') == nil\n"
	          "  r[14] = string.rep('ab', 3, '-')\n"
	          "  r[15] = ('x'):rep(3)\n"
	          "  return r\n"
	          "end)\n");
	assert_int_equal(lfx_open(f), 0);
	int rc = lfx_call(f, "p", "[]", &out, &err);

	if (rc != 0)
		fail_msg("%s", err.msg);
	json_t *want = json_loads("[7, \"2025\", 3, \"<hello> <world>\", \"one|two|three\", "
	                          "\"trim me\", 2, \"(a(b)c)\", \"the (quick) fox\", "
	                          "\"Léa is 30\", \"key\", \"a\", true, \"ab-ab-ab\", \"xxx\"]", 0, NULL);

	assert_non_null(want);
	if (!json_equal(out, want)) {
		char *s = json_dumps(out, 0);

		fail_msg("got %s", s);
	}
	json_decref(want);
	json_decref(out);
	lfx_free(f);
}

/* The guarded table.insert, table.remove and coroutine.close keep the
 * library's semantics, proxies with metamethods included. */
static void test_guarded_library_semantics(void **state)
{
	(void)state;
	struct lfx *f = lfx_new();
	socle_err err = SOCLE_ERR_INIT;
	json_t *out = NULL;

	lfx_write(f, "service", "t.lua",
	          "socle.rule('t', function()\n"
	          "  local r = {}\n"
	          "  local t = {1, 2, 3}\n"
	          "  table.insert(t, 4) table.insert(t, 1, 0) table.insert(t, 3, 'x')\n"
	          "  r[1] = table.concat(t, ',')\n"
	          "  r[2] = table.remove(t) .. table.remove(t, 1) .. table.remove(t, 2)\n"
	          "  r[3] = table.concat(t, ',')\n"
	          "  r[4] = table.remove({}) == nil and #t\n"
	          "  r[5] = select(2, pcall(table.insert, t, 9, 'y')):match('position out of bounds') ~= nil\n"
	          "  r[6] = select(2, pcall(table.insert, t, 1, 2, 3)):match('wrong number') ~= nil\n"
	          "  r[7] = select(2, pcall(table.remove, t, 7)):match('position out of bounds') ~= nil\n"
	          "  local store = {10, 20}\n"
	          "  local p = setmetatable({}, {__index = store, __newindex = store,\n"
	          "                             __len = function() return #store end})\n"
	          "  table.insert(p, 1, 5) r[8] = table.concat(store, ',')\n"
	          "  r[9] = table.remove(p, 2) .. ':' .. table.concat(store, ',')\n"
	          "  local co = coroutine.create(function() coroutine.yield() end)\n"
	          "  coroutine.resume(co)\n"
	          "  r[10] = coroutine.close(co) and coroutine.status(co)\n"
	          "  local bad = coroutine.create(function() error('e', 0) end)\n"
	          "  coroutine.resume(bad)\n"
	          "  local ok, e = coroutine.close(bad)\n"
	          "  r[11] = tostring(ok) .. ':' .. e\n"
	          "  r[12] = select(2, pcall(coroutine.close, coroutine.running())) ~= nil\n"
	          "  return r\n"
	          "end)\n");
	assert_int_equal(lfx_open(f), 0);
	int rc = lfx_call(f, "t", "[]", &out, &err);

	if (rc != 0)
		fail_msg("%s", err.msg);
	json_t *want = json_loads("[\"0,1,x,2,3,4\", \"40x\", \"1,2,3\", 3, true, true, true, "
	                          "\"5,10,20\", \"10:5,20\", \"dead\", \"false:e\", true]", 0, NULL);

	assert_non_null(want);
	if (!json_equal(out, want)) {
		char *got = json_dumps(out, 0);

		fail_msg("got %s", got);
	}
	json_decref(want);
	json_decref(out);
	lfx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table_counted),
		cmocka_unit_test(test_escape_table_deadline),
		cmocka_unit_test(test_leftovers),
		cmocka_unit_test(test_bytecode_file),
		cmocka_unit_test(test_load_time_attacks),
		cmocka_unit_test(test_budget_resets_and_random),
		cmocka_unit_test(test_patterns_semantics),
		cmocka_unit_test(test_guarded_library_semantics),
		cmocka_unit_test(test_pool_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
