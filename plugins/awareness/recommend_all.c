/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* recommend_actions for every company at once (the staff's "companies an
 * action should reach and has not", and bench/awareness): what the route of
 * one company reads with five queries per company is read here in one pass
 * each, for all companies — every worker streamed once from membership.v1
 * (exposures of those employed on the date), the prevention scores, the
 * actions attended and the risks of the needs expressed in one query each —
 * then one company_get (membership.v1 has no bulk read of companies) and one
 * rule call per company. The context handed to the rule is the same as the
 * route's (recommend.c), so both give the same answers. */
#include <pthread.h>
#include <stdlib.h>

#include "awareness.h"

#define RECOMMEND_THREADS_MAX 8

struct company {
	int64_t id;
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

/* The company @p id, NULL when it has no worker (find only). */
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

static int on_worker(const struct membership_worker_row *w, void *ud)
{
	struct all *a = ud;
	struct company *c = add(a, w->company_id);

	if (c == NULL)
		return SOCLE_E_NOMEM;
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

/* The rule's first argument for @p c, as company_context (recommend.c) builds it. */
static json_t *context(socle_db *db, struct company *c, socle_err *err)
{
	json_t *co = awareness_membership->company_get(db, c->id, err);

	if (co == NULL)
		return NULL;
	const char *naf = json_string_value(json_object_get(co, "naf_code"));
	char division[3] = {0};
	if (naf && strlen(naf) >= 2)
		memcpy(division, naf, 2);
	json_t *risks = json_array();
	const char *code;
	json_t *n;
	json_object_foreach(c->counts, code, n) json_array_append_new(risks, json_string(code));
	json_t *ctx = json_pack("{s:I, s:O?, s:s, s:O?, s:o, s:O, s:o, s:o}", "id", (json_int_t)c->id,
		"legal_name", json_object_get(co, "legal_name"), "naf_division", division, "naf_code",
		json_object_get(co, "naf_code"), "risks", risks, "risk_workers", c->counts, "attended",
		c->attended ? json_incref(c->attended) : json_array(), "expressed",
		c->expressed ? json_incref(c->expressed) : json_array());
	if (c->score)
		json_object_set(ctx, "prevention_score", c->score);
	json_decref(co);
	return ctx;
}

/* One thread's share of the companies. */
struct share {
	socle_service *svc;
	socle_db *db; /* NULL: this thread's reader */
	const char *on;
	const json_t *actions;
	struct company *c;
	size_t n;
	awareness_recommend_fn fn;
	void *ud;
	pthread_mutex_t *lock; /* fn runs under it when there are threads */
	int rc;
	socle_err err;
};

static void share_run(struct share *sh)
{
	socle_db *db = sh->db ? sh->db : socle_service_reader(sh->svc, &sh->err);
	json_t *args = json_pack("[n, O, s]", sh->actions, sh->on);

	sh->rc = db ? 0 : sh->err.code;
	for (size_t i = 0; sh->rc == 0 && i < sh->n; i++) {
		json_t *ctx = context(db, &sh->c[i], &sh->err), *out = NULL;
		if (ctx == NULL) {
			sh->rc = sh->err.code;
			break;
		}
		json_array_set_new(args, 0, ctx);
		sh->rc = socle_rule_call(sh->svc, "recommend_actions", args, &out, &sh->err);
		if (sh->rc == 0)
			sh->rc = awareness_recommend_decorate(out, sh->actions, &sh->err);
		if (sh->rc == 0) {
			if (sh->lock)
				pthread_mutex_lock(sh->lock);
			sh->rc = sh->fn(sh->c[i].id, out, sh->ud);
			if (sh->lock)
				pthread_mutex_unlock(sh->lock);
		}
		json_decref(out);
	}
	json_decref(args);
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
	int rc = awareness_membership->workers_each(db, 0, 0, on_worker, &a, err);

	if (rc != 0 && err->code == 0) /* on_worker's own failure */
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
	struct share sh[RECOMMEND_THREADS_MAX];
	pthread_t tid[RECOMMEND_THREADS_MAX];
	bool started[RECOMMEND_THREADS_MAX] = {false};
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	size_t per = (a.n + (size_t)threads - 1) / (size_t)threads;
	for (int i = 0; rc == 0 && i < threads; i++) {
		size_t lo = (size_t)i * per, hi = lo + per < a.n ? lo + per : a.n;
		sh[i] = (struct share){.svc = svc, .db = i == threads - 1 ? db : NULL, .on = on,
		                       .actions = actions, .c = a.c + lo, .n = lo < a.n ? hi - lo : 0,
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
	for (size_t i = 0; i < a.n; i++) {
		json_decref(a.c[i].counts);
		json_decref(a.c[i].attended);
		json_decref(a.c[i].expressed);
		json_decref(a.c[i].score);
	}
	free(a.c);
	return rc;
}
