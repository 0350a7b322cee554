/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* recommend_actions for every company at once (the staff's "companies an
 * action should reach and has not", and bench/awareness): what the route of
 * one company reads with five queries per company is read here in one pass
 * each, for all member companies — the companies streamed once from
 * membership.v1 (companies_each: name and NAF code), every worker streamed
 * once (exposures of those employed on the date), the prevention scores, the
 * actions attended and the risks of the needs expressed in one query each —
 * then one rule call per company. A member without any declared worker is
 * in the pass too: its NAF division and its needs still call for actions. The context handed to the rule is the same as the
 * route's (recommend.c), so both give the same answers.
 *
 * The rule call is the cost (bench/awareness): the catalogue, the same for
 * every company, is converted to Lua once per pass and Lua state and kept in
 * that state's registry (one slot: the next pass replaces it), and the
 * answer is read from the Lua stack (socle_rule_call_read) rather than
 * converted to JSON, checked, decorated and freed. The route's path
 * (recommend.c) converts both ways: one company, one call. A rule that
 * changed the catalogue table it receives would see its change in the next
 * company's call of the pass: docs/lua-api.md says the arguments are read
 * only. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <lauxlib.h>

#include "awareness.h"

#define RECOMMEND_THREADS_MAX 8
#define RECOMMEND_CHUNK 128 /* companies a thread takes at a time */

struct company {
	int64_t id;
	char *legal_name;
	char naf_code[8]; /* "4941A", "10.71C": NAF codes are at most 6 characters */
	json_t *counts;    /* risk code -> workers exposed on the date */
	json_t *attended;  /* [{action_id, on}] */
	json_t *expressed; /* risk codes of its needs, each once */
	json_t *score;     /* its prevention score, or NULL */
};

struct all {
	const char *on;
	struct company *c;
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1 into c, 0 empty */
	size_t n_slots;
};

static bool grow_slots(struct all *a)
{
	size_t cap = a->n_slots ? a->n_slots * 2 : 4096;
	size_t *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = (size_t)a->c[i].id * 11400714819323198485ull % cap;
		while (slots[j])
			j = (j + 1) % cap;
		slots[j] = i + 1;
	}
	free(a->slots);
	a->slots = slots;
	a->n_slots = cap;
	return true;
}

/* The company @p id, NULL when it is not a member (find only). */
static struct company *find(const struct all *a, int64_t id)
{
	if (a->n_slots == 0)
		return NULL;
	size_t j = (size_t)id * 11400714819323198485ull % a->n_slots;
	while (a->slots[j]) {
		if (a->c[a->slots[j] - 1].id == id)
			return &a->c[a->slots[j] - 1];
		j = (j + 1) % a->n_slots;
	}
	return NULL;
}

/* The company @p id, added when new; NULL when out of memory. */
static struct company *add(struct all *a, int64_t id)
{
	struct company *c = find(a, id);

	if (c)
		return c;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		struct company *more = realloc(a->c, cap * sizeof(*more));
		if (more == NULL)
			return NULL;
		a->c = more;
		a->cap = cap;
	}
	if ((a->n + 1) * 2 > a->n_slots && !grow_slots(a))
		return NULL;
	c = &a->c[a->n++];
	*c = (struct company){.id = id, .counts = json_object()};
	size_t j = (size_t)id * 11400714819323198485ull % a->n_slots;
	while (a->slots[j])
		j = (j + 1) % a->n_slots;
	a->slots[j] = a->n;
	return c;
}

static void count(json_t *counts, const char *code, size_t len)
{
	char key[65];

	if (len == 0 || len >= sizeof(key))
		return;
	memcpy(key, code, len);
	key[len] = '\0';
	json_object_set_new(counts, key, json_integer(json_integer_value(json_object_get(counts, key))
	                                              + 1));
}

/* Each risk code of a worker's exposures (a JSON array of codes, as
 * membership stores it): read in place; an unusual text (escapes) through
 * the JSON parser. */
static void count_exposures(json_t *counts, const char *text)
{
	if (text == NULL || strchr(text, '\\')) {
		json_t *list = awareness_json_column(text);
		size_t i;
		json_t *v;
		json_array_foreach(list, i, v)
			if (json_is_string(v))
				count(counts, json_string_value(v), json_string_length(v));
		json_decref(list);
		return;
	}
	for (const char *p = strchr(text, '"'); p; p = strchr(p, '"')) {
		const char *end = strchr(p + 1, '"');
		if (end == NULL)
			break;
		count(counts, p + 1, (size_t)(end - p - 1));
		p = end + 1;
	}
}

static int on_company(const struct membership_company_row *row, void *ud)
{
	struct all *a = ud;
	struct company *c = add(a, row->id);

	if (c == NULL || (c->legal_name = strdup(row->legal_name)) == NULL)
		return SOCLE_E_NOMEM;
	snprintf(c->naf_code, sizeof(c->naf_code), "%s", row->naf_code ? row->naf_code : "");
	return 0;
}

static int on_worker(const struct membership_worker_row *w, void *ud)
{
	struct all *a = ud;
	struct company *c = find(a, w->company_id);

	if (c == NULL) /* a company that is not a member (left, applied) */
		return 0;
	if (strcmp(w->start_date, a->on) > 0 || (w->end_date && strcmp(w->end_date, a->on) < 0))
		return 0;
	if (w->exposures && strcmp(w->exposures, "[]") != 0)
		count_exposures(c->counts, w->exposures);
	return 0;
}

static int by_id(const void *x, const void *y)
{
	int64_t a = ((const struct company *)x)->id, b = ((const struct company *)y)->id;

	return (a > b) - (a < b);
}

/* Reads @p sql (no parameter) row by row, handing each row's company to @p fn. */
static int each_row(socle_db *db, struct all *a, const char *sql,
                    void (*fn)(struct company *c, socle_stmt *st), socle_err *err)
{
	socle_stmt *st = socle_db_prepare(db, sql, err);
	int rc;

	if (st == NULL)
		return err->code;
	while ((rc = socle_stmt_step(st, err)) == 1) {
		struct company *c = find(a, socle_stmt_int(st, 0));
		if (c)
			fn(c, st);
	}
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

static void set_score(struct company *c, socle_stmt *st)
{
	json_decref(c->score);
	c->score = json_real(socle_stmt_double(st, 1));
}

static void add_attended(struct company *c, socle_stmt *st)
{
	if (c->attended == NULL)
		c->attended = json_array();
	json_array_append_new(c->attended, json_pack("{s:I, s:s}", "action_id",
	                                             (json_int_t)socle_stmt_int(st, 1), "on",
	                                             socle_stmt_text(st, 2)));
}

static void add_need(struct company *c, socle_stmt *st)
{
	json_t *list = awareness_json_column(socle_stmt_text(st, 1));
	size_t i, j;
	json_t *v, *seen;

	if (c->expressed == NULL)
		c->expressed = json_array();
	json_array_foreach(list, i, v) {
		bool known = !json_is_string(v);
		json_array_foreach(c->expressed, j, seen) known |= json_equal(seen, v);
		if (!known)
			json_array_append(c->expressed, v);
	}
	json_decref(list);
}

/* The rule's first argument for @p c, as company_context (recommend.c) builds
 * it from company_get: the same members, the same values. */
static json_t *context(struct company *c, socle_err *err)
{
	char division[3] = {0};
	if (strlen(c->naf_code) >= 2)
		memcpy(division, c->naf_code, 2);
	json_t *risks = json_array();
	const char *code;
	json_t *n;
	json_object_foreach(c->counts, code, n) json_array_append_new(risks, json_string(code));
	json_t *ctx = json_pack("{s:I, s:s, s:s, s:s, s:o, s:O, s:o, s:o}", "id", (json_int_t)c->id,
		"legal_name", c->legal_name, "naf_division", division, "naf_code", c->naf_code,
		"risks", risks, "risk_workers", c->counts, "attended",
		c->attended ? json_incref(c->attended) : json_array(), "expressed",
		c->expressed ? json_incref(c->expressed) : json_array());
	if (ctx == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	else if (c->score)
		json_object_set(ctx, "prevention_score", c->score);
	return ctx;
}

/* The registry key of a state's converted catalogue: {pass, table}. */
static const char catalogue_key = 0;
/* Each pass its number: a state's catalogue of an earlier pass is converted again. */
static atomic_uint_fast64_t pass_counter;

/* One thread's share of the companies. */
struct share {
	socle_service *svc;
	socle_db *db; /* NULL: this thread's reader */
	const char *on;
	const json_t *actions;
	const int64_t *action_ids; /* the catalogue's ids, ascending */
	size_t n_actions;
	uint64_t pass;
	struct company *c; /* every company of the pass */
	size_t n;
	atomic_size_t *next; /* the next company no thread took yet: shares are
	                      * taken RECOMMEND_CHUNK at a time, so a thread slowed
	                      * by the machine takes fewer (fixed halves left one
	                      * thread idle for a sixth of the pass) */
	awareness_recommend_fn fn;
	void *ud;
	pthread_mutex_t *lock; /* fn runs under it when there are threads */
	int rc;
	socle_err err;
	/* The call in progress: its context, and the answer read from the stack. */
	json_t *ctx;
	struct awareness_recommendation *items;
	size_t n_items, cap_items;
	char *text; /* the reasons, one after the other */
	size_t text_len, text_cap;
};

/* The catalogue of this pass onto @p L's stack, converted at the state's
 * first call of the pass only. */
static void push_catalogue(lua_State *L, const struct share *sh)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &catalogue_key) == LUA_TTABLE) {
		lua_rawgeti(L, -1, 1);
		bool same = (uint64_t)lua_tointeger(L, -1) == sh->pass;
		lua_pop(L, 1);
		if (same) {
			lua_rawgeti(L, -1, 2);
			lua_remove(L, -2);
			return;
		}
	}
	lua_pop(L, 1);
	lua_createtable(L, 2, 0);
	lua_pushinteger(L, (lua_Integer)sh->pass);
	lua_rawseti(L, -2, 1);
	socle_lua_push_json(L, sh->actions);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, 2);
	lua_pushvalue(L, -2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &catalogue_key);
	lua_remove(L, -2);
}

static void push_args(lua_State *L, void *ud)
{
	struct share *sh = ud;

	luaL_checkstack(L, 8, "recommend_actions");
	socle_lua_push_json(L, sh->ctx);
	push_catalogue(L, sh);
	lua_pushstring(L, sh->on);
}

static bool in_catalogue(const struct share *sh, int64_t id)
{
	size_t a = 0, b = sh->n_actions;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (sh->action_ids[m] == id)
			return true;
		if (sh->action_ids[m] < id)
			a = m + 1;
		else
			b = m;
	}
	return false;
}

static int refuse_item(size_t i, socle_err *err)
{
	return socle_err_set(err, SOCLE_E_CONTRACT, "recommend_actions : l'élément %zu doit avoir "
	                     "action_id (entier), priority (entier) et reason (texte non vide)", i);
}

/* The answer at @p idx into sh->items: the contract of check_recommendations
 * (recommend.c) and the catalogue check of awareness_recommend_decorate,
 * read with raw access. The reasons are copied into sh->text; their
 * pointers are set once every item is read (the buffer may move). */
static int read_answer(lua_State *L, int idx, void *ud, socle_err *err)
{
	struct share *sh = ud;

	sh->n_items = sh->text_len = 0;
	if (!lua_istable(L, idx))
		return socle_err_set(err, SOCLE_E_CONTRACT,
		                     "recommend_actions doit rendre une liste (socle.array)");
	size_t n = (size_t)lua_rawlen(L, idx), keys = 0;
	lua_pushnil(L); /* a list: its keys are 1..n and nothing else */
	while (lua_next(L, idx) != 0) {
		lua_pop(L, 1);
		if (++keys > n) {
			lua_pop(L, 1);
			return socle_err_set(err, SOCLE_E_CONTRACT,
			                     "recommend_actions doit rendre une liste (socle.array)");
		}
	}
	if (n > sh->cap_items) {
		struct awareness_recommendation *more = realloc(sh->items, n * sizeof(*more));
		if (more == NULL)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		sh->items = more;
		sh->cap_items = n;
	}
	for (size_t i = 1; i <= n; i++) {
		struct awareness_recommendation *it = &sh->items[i - 1];
		if (lua_rawgeti(L, idx, (lua_Integer)i) != LUA_TTABLE) {
			lua_pop(L, 1);
			return refuse_item(i, err);
		}
		lua_pushliteral(L, "action_id");
		bool ok = lua_rawget(L, -2) == LUA_TNUMBER && lua_isinteger(L, -1);
		it->action_id = ok ? (int64_t)lua_tointeger(L, -1) : 0;
		lua_pop(L, 1);
		lua_pushliteral(L, "priority");
		ok = ok && lua_rawget(L, -2) == LUA_TNUMBER && lua_isinteger(L, -1);
		it->priority = ok ? (int64_t)lua_tointeger(L, -1) : 0;
		lua_pop(L, 1);
		lua_pushliteral(L, "reason");
		size_t len = 0;
		const char *why = lua_rawget(L, -2) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
		ok = ok && it->action_id > 0 && why != NULL && len > 0;
		if (ok && memchr(why, '\0', len) != NULL) {
			lua_pop(L, 2);
			return socle_err_set(err, SOCLE_E_CONTRACT, "recommend_actions : la raison de "
			                     "l'élément %zu contient un caractère nul", i);
		}
		if (ok && sh->text_len + len + 1 > sh->text_cap) {
			size_t cap = (sh->text_len + len + 1) * 2;
			char *more = realloc(sh->text, cap);
			if (more == NULL) {
				lua_pop(L, 2);
				return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
			}
			sh->text = more;
			sh->text_cap = cap;
		}
		if (ok) {
			memcpy(sh->text + sh->text_len, why, len + 1);
			it->reason = (const char *)(uintptr_t)sh->text_len; /* an offset until the end */
			sh->text_len += len + 1;
		}
		lua_pop(L, 2);
		if (!ok)
			return refuse_item(i, err);
		if (!in_catalogue(sh, it->action_id))
			return socle_err_set(err, SOCLE_E_CONTRACT, "recommend_actions propose l'action "
			                     "%lld, absente du catalogue", (long long)it->action_id);
	}
	sh->n_items = n;
	return 0;
}

static void share_run(struct share *sh)
{
	socle_db *db = sh->db ? sh->db : socle_service_reader(sh->svc, &sh->err);

	sh->rc = db ? 0 : sh->err.code;
	for (size_t i = 0, end = 0; sh->rc == 0; i++) {
		if (i == end) {
			i = atomic_fetch_add(sh->next, RECOMMEND_CHUNK);
			if (i >= sh->n)
				break;
			end = i + RECOMMEND_CHUNK < sh->n ? i + RECOMMEND_CHUNK : sh->n;
		}
		sh->ctx = context(&sh->c[i], &sh->err);
		if (sh->ctx == NULL) {
			sh->rc = sh->err.code;
			break;
		}
		sh->rc = socle_rule_call_read(sh->svc, "recommend_actions", push_args, read_answer, sh,
		                              &sh->err);
		json_decref(sh->ctx);
		sh->ctx = NULL;
		if (sh->rc != 0)
			break;
		for (size_t k = 0; k < sh->n_items; k++)
			sh->items[k].reason = sh->text + (uintptr_t)sh->items[k].reason;
		if (sh->lock)
			pthread_mutex_lock(sh->lock);
		sh->rc = sh->fn(sh->c[i].id, sh->c[i].legal_name, sh->items, sh->n_items, sh->ud);
		if (sh->lock)
			pthread_mutex_unlock(sh->lock);
	}
	free(sh->items);
	free(sh->text);
	sh->items = NULL;
	sh->text = NULL;
}

static void *share_thread(void *ud)
{
	share_run(ud);
	return NULL;
}

int awareness_recommend_each(socle_service *svc, socle_db *db, const char *on,
                             const json_t *actions, int threads, awareness_recommend_fn fn,
                             void *ud, socle_err *err)
{
	struct all a = {.on = on};
	int rc = awareness_membership->companies_each(db, "member", 0, on_company, &a, err);

	if (rc == 0)
		rc = awareness_membership->workers_each(db, 0, 0, on_worker, &a, err);
	if (rc != 0 && err->code == 0) /* on_company's own failure */
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	if (rc == 0)
		rc = each_row(db, &a, "SELECT company_id, score FROM awareness_company_score", set_score,
		              err);
	if (rc == 0)
		rc = each_row(db, &a, "SELECT r.company_id, s.action_id, max(s.held_on)"
		              " FROM awareness_registration r JOIN awareness_session s"
		              " ON s.id = r.session_id WHERE r.attended = 1"
		              " GROUP BY r.company_id, s.action_id ORDER BY r.company_id, s.action_id",
		              add_attended, err);
	if (rc == 0)
		rc = each_row(db, &a, "SELECT company_id, risks FROM awareness_need ORDER BY id",
		              add_need, err);
	free(a.slots);
	a.slots = NULL;
	a.n_slots = 0;
	if (a.n)
		qsort(a.c, a.n, sizeof(*a.c), by_id);
	if (threads < 1)
		threads = 1;
	if (threads > RECOMMEND_THREADS_MAX)
		threads = RECOMMEND_THREADS_MAX;
	if ((size_t)threads > a.n / 64 + 1) /* not worth a thread for a few companies */
		threads = (int)(a.n / 64 + 1);
	size_t n_actions = json_array_size(actions);
	int64_t *ids = malloc((n_actions ? n_actions : 1) * sizeof(*ids));
	if (ids == NULL && rc == 0)
		rc = socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	for (size_t i = 0; ids && i < n_actions; i++) /* awareness_catalogue: in id order */
		ids[i] = json_integer_value(json_object_get(json_array_get(actions, i), "id"));
	uint64_t pass = atomic_fetch_add(&pass_counter, 1) + 1;
	struct share sh[RECOMMEND_THREADS_MAX];
	pthread_t tid[RECOMMEND_THREADS_MAX];
	bool started[RECOMMEND_THREADS_MAX] = {false};
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	atomic_size_t next = 0;
	for (int i = 0; rc == 0 && i < threads; i++) {
		sh[i] = (struct share){.svc = svc, .db = i == threads - 1 ? db : NULL, .on = on,
		                       .actions = actions, .action_ids = ids, .n_actions = n_actions,
		                       .pass = pass, .c = a.c, .n = a.n, .next = &next,
		                       .fn = fn, .ud = ud, .lock = threads > 1 ? &lock : NULL,
		                       .err = SOCLE_ERR_INIT};
		/* The last share runs on the calling thread, with its connection. */
		if (i < threads - 1)
			started[i] = pthread_create(&tid[i], NULL, share_thread, &sh[i]) == 0;
	}
	if (rc == 0) {
		share_run(&sh[threads - 1]);
		for (int i = 0; i < threads; i++) {
			if (i < threads - 1 && started[i])
				pthread_join(tid[i], NULL);
			else if (i < threads - 1)
				share_run(&sh[i]); /* no thread could start: its share here */
			if (sh[i].rc != 0 && rc == 0) {
				rc = sh[i].rc;
				*err = sh[i].err;
			}
		}
	}
	free(ids);
	for (size_t i = 0; i < a.n; i++) {
		json_decref(a.c[i].counts);
		json_decref(a.c[i].attended);
		json_decref(a.c[i].expressed);
		json_decref(a.c[i].score);
		free(a.c[i].legal_name);
	}
	free(a.c);
	return rc;
}
